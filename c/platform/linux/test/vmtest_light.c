/* SPDX-License-Identifier: ISC */
/*
 * v3's light kernel producer (uapi.h MNETIF_PLUG_BARRIER / MNETIF_IOC_BARRIER): the opt-in, the
 * barrier ioctl, and the event channel under a wakeup stress with the consumer's heavy barrier
 * being the ioctl (kring_barrier through mn_cons_set_barrier). Byte-exact delivery with the light
 * producer is t_exact(..., MNETIF_PLUG_BARRIER) in vmtest.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmcheck.h"

/* Who gets the light producer: only a v3 consumer that asked; v1/v2 refuse the flag. */
void t_light_plug(void)
{
	struct kring k;
	int r, light_opt = -1, light_default = -1, fd, modes_ok = 1;
	unsigned long m;

	r = kring_open(&k, RXIF, MN_PROTO_V3, 0, 2048, 0, MNETIF_PLUG_BARRIER);
	if (r == 0) {
		light_opt = k.plug.light;
		kring_close(&k);
	}
	r = kring_open(&k, RXIF, MN_PROTO_V3, 0, 2048, 0, 0);
	if (r == 0) {
		light_default = k.plug.light;
		kring_close(&k);
	}
	check(light_opt == 1 && light_default == 0, "light-opt-in",
	      "v3 + MNETIF_PLUG_BARRIER: light %d (want 1); v3 without the flag: light %d (want 0: the "
	      "full fence)", light_opt, light_default);
	r = kring_open(&k, RXIF, MN_PROTO_V2, 0, 2048, 0, MNETIF_PLUG_BARRIER);
	if (r == 0)
		kring_close(&k);
	check(r == -EINVAL, "light-v2-refused", "v2 + MNETIF_PLUG_BARRIER: %d (want -EINVAL)", r);
	fd = open(MNETIF_DEVICE, O_RDWR);
	for (m = 0; m < MNETIF_BARRIER_MODES; m++)
		modes_ok &= ioctl(fd, MNETIF_IOC_BARRIER, m) == 0;
	r = ioctl(fd, MNETIF_IOC_BARRIER, (unsigned long)MNETIF_BARRIER_MODES) < 0 ? -errno : 0;
	check(fd >= 0 && modes_ok && r == -EINVAL, "barrier-ioctl",
	      "modes 0..%u return 0 on an unplugged file: %s; mode %u: %d (want -EINVAL)",
	      MNETIF_BARRIER_MODES - 1, modes_ok ? "yes" : "no", MNETIF_BARRIER_MODES, r);
	if (fd >= 0)
		close(fd);
}

/* A child on CPU 0 sending n frames (20..300 bytes), pausing pause_us after every other frame. */
static pid_t pacer(uint32_t n, uint32_t pause_us)
{
	pid_t pid = fork();
	uint64_t rnd = 4242;
	uint32_t i;

	if (pid != 0)
		return pid;
	for (i = 0; i < n; i++) {
		send_seq(i, 20 + xrand(&rnd) % 280);
		if (i % 2)
			usleep(pause_us);
	}
	_exit(0);
}

/*
 * The consumer sleeps whenever it has caught up while a sender pauses after every other frame for
 * longer than the heavy barrier takes (pause_us), so most frames find it asleep or about to sleep:
 * the window the heavy barrier closes.
 * A lost wakeup is caught where it happens, not by a timing guess: when a poll times out, the
 * kernel's private counters (read under the producer lock, so every push counted has finished its
 * signal) show the frame sr_wake asked for published, and read() finds no signal pending.
 */
void t_wakeup_stress(uint32_t flags, uint32_t mode, uint32_t n, uint32_t pause_us, const char *name)
{
	long long rx0 = if_stat(RXIF, "rx_packets"), sd0 = softnet_drops(), rx1, sd1;
	uint32_t got = 0, bad = 0, last = 0, lost = 0, idle = 0, sleeps = 0;
	struct mnetif_counters c;
	struct mn_slot s;
	struct kring k;
	int r = kring_open(&k, RXIF, MN_PROTO_V3, 256, 512, 0, flags);
	pid_t pid;

	if (!check_plug(r, name))
		return;
	k.barrier_mode = mode;
	pid = pacer(n, pause_us);
	while (got < n && idle < 10) {
		struct pollfd pf = { .fd = k.fd, .events = POLLIN };

		r = mn_cons_peek(&k.c, &s);
		if (r == 1) {
			uint32_t seq = fr_seq(s.data, s.len);

			if (!fr_valid(s.data, s.len, rxmac, txmac) || (got && seq <= last))
				bad++;
			last = seq;
			got++;
			idle = 0;
			mn_cons_release(&k.c);
			continue;
		}
		if (r < 0 || !mn_cons_prepare_wait(&k.c))
			continue;
		sleeps++;
		r = poll(&pf, 1, 200);
		if (r > 0) {
			kring_clear(&k);
			continue;
		}
		idle++;
		/* Timed out: lost iff the awaited frame was published and nobody signalled it. */
		if (kring_counters(&k, &c) == 0 && (uint32_t)c.frames - k.c.seen >= 1 &&
		    (uint32_t)c.frames - k.c.seen <= 256 && kring_clear(&k) == 0)
			lost++;
	}
	reap(pid, 0);
	usleep(20000);
	rx1 = if_stat(RXIF, "rx_packets");
	sd1 = softnet_drops();
	kring_counters(&k, &c);
	check(lost == 0 && bad == 0 && got > 0 && c.frames == got && sleeps >= n / 20 &&
	      c.frames + c.drop_full + c.drop_oversize == (uint64_t)(rx1 - rx0 - (sd1 - sd0)), name,
	      "producer %s, barrier mode %u, sender pausing %u us: %u of %u frames delivered in order "
	      "(%u invalid), %u sleeps, %u signals, %u lost wakeups; published %llu + dropped %u = %s "
	      "received %lld - backlog drops %lld", k.plug.light ? "light" : "full-fence", mode, pause_us,
	      got, n, bad, sleeps, c.notify, lost, (unsigned long long)c.frames,
	      c.drop_full + c.drop_oversize, RXIF, rx1 - rx0, sd1 - sd0);
	kring_close(&k);
}
