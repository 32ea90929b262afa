/* SPDX-License-Identifier: ISC */
/*
 * The kernel-path figure, inside the VM: frames/s through rx_handler -> ring -> mmap consumer vs an
 * AF_PACKET receiver (recv() per frame) on the same veth, same frame sizes, same boot.
 *   vmbench N SIZE...
 * For each size and receiver, a sender child sends N frames as fast as send() goes and the receiver
 * takes what it can; rate = frames received / time from the first to the last one received. Both
 * receivers copy each frame out once (memcpy from the ring vs recv()). Two placements:
 *   split   sender on CPU 0, receiver on CPU 1: veth delivers in the sender's softirq, so the
 *           rx_handler's copy (or AF_PACKET's queueing) costs the sender; the receiver mostly keeps
 *           up and the rate is the sender's.
 *   shared  sender and receiver on CPU 0: the rate is bounded by the total CPU cost per frame
 *           (send + softirq + receive), which is where per-frame syscalls show.
 * Under qemu TCG these are emulated-CPU numbers: compare the two columns, not with hardware.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frames.h"
#include "kring.h"

#define TXIF "mna"
#define RXIF "mnb"
#define IDLE_MS 500

struct result {
	uint32_t got;
	double secs;         /* first to last frame received */
	double send_secs;    /* the sender's time for all N */
};

static int tx_cpu, rx_cpu;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* Sender child: writes its elapsed time to fd when done. */
static pid_t sender(uint32_t n, uint32_t len, int fd)
{
	static uint8_t frame[FR_MAX];
	uint8_t dst[6], src[6];
	pid_t pid = fork();
	double t0, dt;
	uint32_t i;
	int s;

	if (pid)
		return pid;
	pin(tx_cpu);
	s = tx_open(TXIF);
	if (s < 0 || if_mac(RXIF, dst) || if_mac(TXIF, src))
		_exit(1);
	fr_make(frame, 0, len, dst, src);
	usleep(50000);   /* let the receiver block first */
	t0 = now_s();
	for (i = 0; i < n; i++) {
		memcpy(frame + 14, &i, 4);
		while (send(s, frame, len, 0) < 0 && errno == ENOBUFS)
			;
	}
	dt = now_s() - t0;
	if (write(fd, &dt, sizeof(dt)) != sizeof(dt))
		_exit(1);
	_exit(0);
}

static void finish(pid_t pid, int fd, struct result *r)
{
	waitpid(pid, NULL, 0);
	if (read(fd, &r->send_secs, sizeof(r->send_secs)) != sizeof(r->send_secs))
		r->send_secs = 0;
}

static int run_mnetif(uint32_t n, uint32_t len, struct result *r, struct mnetif_counters *c)
{
	static uint8_t buf[FR_MAX];
	double first = 0, last = 0;
	struct kring k;
	uint32_t got_len;
	int p[2], e;
	pid_t pid;

	e = kring_open(&k, RXIF, MN_PROTO_V2, 1024, 2048, (2u << 20) + 8192, 0);
	if (e || pipe(p))
		return e ? e : -errno;
	pid = sender(n, len, p[1]);
	memset(r, 0, sizeof(*r));
	while (r->got < n && kring_next(&k, IDLE_MS, buf, sizeof(buf), &got_len) == 1) {
		last = now_s();
		if (r->got++ == 0)
			first = last;
	}
	finish(pid, p[0], r);
	r->secs = last - first;
	kring_counters(&k, c);
	kring_close(&k);
	close(p[0]);
	close(p[1]);
	return 0;
}

static int run_afpacket(uint32_t n, uint32_t len, struct result *r)
{
	static uint8_t buf[FR_MAX];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(FR_ETHERTYPE) };
	double first = 0, last = 0;
	int s = socket(AF_PACKET, SOCK_RAW, htons(FR_ETHERTYPE)), p[2], rcv = 4 << 20;
	pid_t pid;

	if (s < 0)
		return -errno;
	sll.sll_ifindex = if_index(RXIF);
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) || pipe(p)) {
		close(s);
		return -errno;
	}
	pid = sender(n, len, p[1]);
	memset(r, 0, sizeof(*r));
	while (r->got < n) {
		struct pollfd pf = { .fd = s, .events = POLLIN };

		if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN && poll(&pf, 1, IDLE_MS) > 0)
				continue;
			if (errno == EAGAIN || errno == EINTR)
				break;
			continue;
		}
		last = now_s();
		if (r->got++ == 0)
			first = last;
	}
	finish(pid, p[0], r);
	r->secs = last - first;
	close(s);
	close(p[0]);
	close(p[1]);
	return 0;
}

static double rate(const struct result *r)
{
	return r->got > 1 && r->secs > 0 ? (r->got - 1) / r->secs : 0;
}

static int run_placement(uint32_t n, char **sizes, int nsizes, const char *label)
{
	int i, err = 0;

	pin(rx_cpu);
	printf("FIGURE [%s] sender CPU %d, receiver CPU %d, %u frames per run\n", label, tx_cpu, rx_cpu, n);
	printf("FIGURE %6s %14s %10s %14s %10s %12s\n", "bytes", "mnetif fr/s", "received",
	       "AF_PACKET fr/s", "received", "sent fr/s");
	for (i = 0; i < nsizes; i++) {
		uint32_t len = (uint32_t)atoi(sizes[i]);
		struct result m, a;
		struct mnetif_counters c;

		if (run_mnetif(n, len, &m, &c) || run_afpacket(n, len, &a)) {
			printf("FIGURE %6u failed to run\n", len);
			err = 1;
			continue;
		}
		printf("FIGURE %6u %14.0f %10u %14.0f %10u %12.0f  (ring drop_full %u)\n", len, rate(&m),
		       m.got, rate(&a), a.got, m.send_secs > 0 ? n / m.send_secs : 0, c.drop_full);
		if (m.got == 0 || a.got == 0 || c.frames != m.got)
			err = 1;
	}
	return err;
}

int main(int argc, char **argv)
{
	int err, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: vmbench N SIZE...\n");
		return 2;
	}
	n = (uint32_t)atoi(argv[1]);
	printf("FIGURE kernel receive path, qemu TCG (emulated CPU: compare columns, not with hardware), "
	       "%d vCPU\n", ncpu);
	tx_cpu = 0;
	rx_cpu = ncpu > 1 ? 1 : 0;
	err = run_placement(n, argv + 2, argc - 2, ncpu > 1 ? "split" : "shared");
	if (ncpu > 1) {
		rx_cpu = 0;
		err |= run_placement(n, argv + 2, argc - 2, "shared");
	}
	printf("CHECK bench-ran: %s (every receiver got frames; ring published == consumed)\n",
	       err ? "FAIL" : "PASS");
	return err;
}
