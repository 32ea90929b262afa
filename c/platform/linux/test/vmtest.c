/* SPDX-License-Identifier: ISC */
/*
 * The VM test of mnetif.ko (run by /init inside qemu; see run-vm.sh). Frames are sent by an
 * AF_PACKET socket on veth "mna" and consumed from the ring plugged to its peer "mnb" through mmap
 * + poll. Each check prints "CHECK <name>: PASS|FAIL <why>"; the last line is "VMTEST: PASS|FAIL".
 *   vmtest all          every scenario
 *   vmtest exact        only the byte-exact ones (the negative control's run)
 *   vmtest light        only v3's light producer (vmtest_light.c)
 *   vmtest exit CODE    write CODE to qemu's isa-debug-exit port (0xf4)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmcheck.h"


/* flags MNETIF_PLUG_BARRIER (v3): the light producer, the consumer's heavy barrier the ioctl. */
static void t_exact(uint32_t proto, uint32_t nslots, uint32_t slotsize, uint32_t flags)
{
	static const uint32_t fixed[] = { 14, 15, 19, 20, 59, 60, 61, 63, 64, 65, 127, 128, 1000, 1514,
					  2047, 2048, 2049, 4000, 9014 };
	uint32_t lens[256], n = 0, i, j, seq = 0, over = 0, batch;
	uint64_t bytes = 0, rnd = 0x9e3779b97f4a7c15ull ^ proto ^ slotsize;
	struct mnetif_counters c;
	struct kring k;
	char name[64], why[160] = "";
	int ok = 1, r;

	const char *light = flags & MNETIF_PLUG_BARRIER ? "-light" : "";

	snprintf(name, sizeof(name), "exact-v%u%s-%ux%u", proto, light, nslots, slotsize);
	r = kring_open(&k, RXIF, proto, nslots, slotsize, 0, flags);
	if (!check_plug(r, name))
		return;
	snprintf(why, sizeof(why), "%s-granted", name);
	if (flags & MNETIF_PLUG_BARRIER && !check(k.plug.light == 1, why, "plug reply light = %u (want 1:"
						  " the light producer)", k.plug.light)) {
		kring_close(&k);
		return;
	}
	why[0] = 0;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		lens[n++] = fixed[i];
	while (n < 256)
		lens[n++] = 14 + xrand(&rnd) % (slotsize + 64 - 14);
	batch = k.plug.size / 2 ? k.plug.size / 2 : 1;
	for (i = 0; i < n && ok; i += batch) {
		uint32_t exp_seq[256], exp_len[256], ne = 0;

		for (j = i; j < n && j < i + batch; j++, seq++) {
			if (send_seq(seq, lens[j])) {
				snprintf(why, sizeof(why), "send seq %u len %u failed", seq, lens[j]);
				ok = 0;
				break;
			}
			if (lens[j] > slotsize) {
				over++;
				continue;
			}
			exp_seq[ne] = seq;
			exp_len[ne++] = lens[j];
			bytes += lens[j];
		}
		for (j = 0; j < ne && ok; j++)
			ok = expect_frame(&k, exp_seq[j], exp_len[j], why, sizeof(why));
	}
	if (ok && kring_next(&k, 100, gbuf, sizeof(gbuf), &i) != 0) {
		snprintf(why, sizeof(why), "a frame nobody sent arrived");
		ok = 0;
	}
	check(ok, name, "%u frames, 14..9014 bytes: %s", n, ok ? "all byte-exact" : why);
	snprintf(name, sizeof(name), "exact-counters-v%u%s-%ux%u", proto, light, nslots, slotsize);
	if (ok) {
		counters_eq(&k, &c, name, n - over, 0, over, 0);
		snprintf(name, sizeof(name), "exact-bytes-v%u%s-%ux%u", proto, light, nslots, slotsize);
		check(c.bytes == bytes, name, "want %llu got %llu", (unsigned long long)bytes,
		      (unsigned long long)c.bytes);
	}
	kring_close(&k);
}

/*
 * VLAN (issue 11, item 5): the ring holds a tagged frame as the wire had it. veth hands mnb the
 * frame with its outer tag already moved into skb->vlan_tci (skb_vlan_untag runs before the
 * rx_handlers); the module puts it back, so frames arrive byte-exact with their 802.1Q or 802.1ad
 * (+ inner 802.1Q) tags and a frame over the slot only because of its tag counts as oversize.
 */
static void t_vlan(uint32_t proto)
{
	static const struct { uint16_t outer, inner; uint32_t len; } fr[] = {
		{ 0x8100, 0, 60 }, { 0x8100, 0, 1000 }, { 0x88a8, 0x8100, 1514 }, { 0x8100, 0, 2048 },
		{ 0x8100, 0, 2049 }, { 0x88a8, 0x8100, 2050 }, { 0x8100, 0, 2052 }, { 0x88a8, 0x8100, 64 },
		{ 0x88a8, 0x8100, 2048 }, { 0x8100, 0, 2051 }, { 0x8100, 0, 1518 },
	};
	static uint8_t wire[sizeof(fr) / sizeof(fr[0])][2100];
	struct mnetif_counters c;
	struct kring k;
	char name[64], why[160] = "";
	uint32_t i, n = sizeof(fr) / sizeof(fr[0]), over = 0, kept = 0, len;
	int ok = 1, r = kring_open(&k, RXIF, proto, 0, 2048, 0, 0);

	snprintf(name, sizeof(name), "vlan-v%u", proto);
	if (!check_plug(r, name))
		return;
	for (i = 0; i < n && ok; i++) {
		uint32_t tags = fr[i].inner ? 8 : 4;
		uint16_t t[4] = { htons(fr[i].outer), htons(100 + i), htons(fr[i].inner), htons(200 + i) };

		/* A numbered frame, its tags inserted after the MAC addresses. */
		fr_make(fbuf, 5000 + i, fr[i].len - tags, rxmac, txmac);
		memcpy(wire[i], fbuf, 12);
		memcpy(wire[i] + 12, t, tags);
		memcpy(wire[i] + 12 + tags, fbuf + 12, fr[i].len - tags - 12);
		if (send_raw(wire[i], fr[i].len)) {
			snprintf(why, sizeof(why), "send of tagged frame %u failed", i);
			ok = 0;
		}
		over += fr[i].len > 2048;
	}
	for (i = 0; i < n && ok; i++) {
		if (fr[i].len > 2048)
			continue;
		r = kring_next(&k, 2000, gbuf, sizeof(gbuf), &len);
		if (r != 1 || len != fr[i].len || memcmp(gbuf, wire[i], len)) {
			snprintf(why, sizeof(why), "tagged frame %u (%u bytes on the wire, tag 0x%04x): "
				 "kring_next=%d, got %u bytes%s", i, fr[i].len, fr[i].outer, r, len,
				 r == 1 && len == fr[i].len ? ", content differs" : "");
			ok = 0;
		}
		kept++;
	}
	check(ok, name, "%u tagged frames (802.1Q, 802.1ad + 802.1Q), %u kept: %s", n, kept,
	      ok ? "byte-exact with their tags" : why);
	snprintf(name, sizeof(name), "vlan-oversize-v%u", proto);
	counters_eq(&k, &c, name, n - over, 0, over, 0);
	kring_close(&k);
}

/* A stalled consumer: exact drop_full, then the first size frames byte-exact. */
static void t_stall(uint32_t proto)
{
	struct mnetif_counters c;
	struct kring k;
	char name[64], why[160] = "";
	uint32_t i;
	int ok = 1, r = kring_open(&k, RXIF, proto, 8, 2048, 0, 0);

	snprintf(name, sizeof(name), "stall-v%u", proto);
	if (!check_plug(r, name))
		return;
	for (i = 0; i < 20; i++)
		send_seq(i, 100 + i);
	usleep(50000);
	snprintf(name, sizeof(name), "stall-drop-full-v%u", proto);
	counters_eq(&k, &c, name, 8, 12, 0, 0);
	for (i = 0; i < 8 && ok; i++)
		ok = expect_frame(&k, i, 100 + i, why, sizeof(why));
	for (i = 20; i < 25; i++)
		send_seq(i, 100 + i);
	for (i = 20; i < 25 && ok; i++)
		ok = expect_frame(&k, i, 100 + i, why, sizeof(why));
	snprintf(name, sizeof(name), "stall-v%u", proto);
	check(ok, name, "8 of 20 kept, then 5 more: %s", ok ? "byte-exact" : why);
	snprintf(name, sizeof(name), "stall-after-v%u", proto);
	counters_eq(&k, &c, name, 13, 12, 0, 0);
	kring_close(&k);
}

/* A child that sends frames (random sizes) until killed or count reached; pause_every > 0 sleeps
 * 1 ms every that many frames. Returns its pid. */
static void t_wakeup(uint32_t proto)
{
	const uint32_t n = 3000;
	long long rx0 = if_stat(RXIF, "rx_packets"), sd0 = softnet_drops(), rx1, sd1;
	struct mnetif_counters c;
	struct kring k;
	uint32_t got = 0, len, last = 0, bad = 0;
	char name[64];
	pid_t pid;
	int r = kring_open(&k, RXIF, proto, 64, 2048, 0, 0);

	snprintf(name, sizeof(name), "wakeup-v%u", proto);
	if (!check_plug(r, name))
		return;
	/* Armed with the ring empty BEFORE the sender exists: its first frame must signal, whatever
	 * the timing of what follows (a check must not depend on timing it does not control). */
	mn_cons_prepare_wait(&k.c);
	pid = spawn_sender(n, 25, 1514);
	while ((r = kring_next(&k, 3000, gbuf, sizeof(gbuf), &len)) == 1) {
		uint32_t seq = fr_seq(gbuf, len);

		if (!fr_valid(gbuf, len, rxmac, txmac) || (got && seq <= last))
			bad++;
		last = seq;
		if (++got == n || seq == n - 1)
			break;
	}
	reap(pid, 0);
	usleep(20000);
	rx1 = if_stat(RXIF, "rx_packets");
	sd1 = softnet_drops();
	kring_counters(&k, &c);
	check(bad == 0 && got > 0 && c.frames == got, name,
	      "%u delivered, %u invalid or out of order, kernel published %llu, signals %u", got, bad,
	      (unsigned long long)c.frames, c.notify);
	snprintf(name, sizeof(name), "wakeup-accounting-v%u", proto);
	check(c.frames + c.drop_full + c.drop_oversize + c.drop_busy == (uint64_t)(rx1 - rx0 - (sd1 - sd0)),
	      name, "published %llu + dropped %u must equal frames received by %s %lld (backlog drops %lld)",
	      (unsigned long long)c.frames, c.drop_full + c.drop_oversize + c.drop_busy, RXIF,
	      rx1 - rx0, sd1 - sd0);
	snprintf(name, sizeof(name), "wakeup-signalled-v%u", proto);
	check(c.notify > 0, name, "armed before the first frame: woken %u times", c.notify);
	kring_close(&k);
}

/* Unplug (ioctl or close) while a sender keeps the interface busy. */
/* Frames of our ethertype a protocol-bound AF_PACKET socket got within 300 ms. Such sockets are
 * served AFTER the rx_handler (ETH_P_ALL taps run before it), so they see what the stack sees. */
static int stack_saw(int s)
{
	struct pollfd pf = { .fd = s, .events = POLLIN };
	int n = 0;

	while (poll(&pf, 1, 300) > 0 && recv(s, gbuf, sizeof(gbuf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* Two senders on two CPUs: veth hands each frame to mnb in its sender's softirq, so two producers
 * race for one ring (the registry's producer lock). Per sender, frames arrive in order and valid;
 * every frame the interface received is published or counted as dropped exactly once. */
static void t_two_producers(uint32_t proto)
{
	const uint32_t n = 4000, base1 = 1u << 24;
	long long rx0 = if_stat(RXIF, "rx_packets"), sd0 = softnet_drops(), rx1, sd1;
	uint32_t got = 0, bad = 0, len, last[2] = { 0, 0 }, seen[2] = { 0, 0 };
	struct mnetif_counters c;
	struct kring k;
	char name[64];
	pid_t a, b;
	int r = kring_open(&k, RXIF, proto, 256, 2048, 256 * 2048 + 8192, 0);

	snprintf(name, sizeof(name), "two-producers-v%u", proto);
	if (!check_plug(r, name))
		return;
	a = spawn_sender_on(0, 0, n, 50, 1514);
	b = spawn_sender_on(1, base1, n, 50, 1514);
	while ((r = kring_next(&k, 1000, gbuf, sizeof(gbuf), &len)) == 1) {
		uint32_t seq = fr_seq(gbuf, len), who = seq >= base1;

		if (!fr_valid(gbuf, len, rxmac, txmac) || (seen[who] && seq <= last[who]))
			bad++;
		last[who] = seq;
		seen[who]++;
		got++;
	}
	reap(a, 0);
	reap(b, 0);
	rx1 = if_stat(RXIF, "rx_packets");
	sd1 = softnet_drops();
	kring_counters(&k, &c);
	check(bad == 0 && seen[0] > 0 && seen[1] > 0 && c.frames == got &&
	      c.frames + c.drop_full + c.drop_busy + c.drop_error == (uint64_t)(rx1 - rx0 - (sd1 - sd0)),
	      name, "%u + %u frames from CPU 0 and CPU 1, %u invalid or out of order per sender; published "
	      "%llu, dropped full %u busy %u error %u; %s received %lld, backlog drops %lld",
	      seen[0], seen[1], bad, (unsigned long long)c.frames, c.drop_full, c.drop_busy,
	      c.drop_error, RXIF, rx1 - rx0, sd1 - sd0);
	kring_close(&k);
}

/* Copy (default) passes frames on to the stack; MNETIF_PLUG_STEAL consumes them. Both deliver
 * every frame to the ring byte-exact. */
static void t_steal_mode(uint32_t flags, const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(FR_ETHERTYPE) };
	int s = socket(AF_PACKET, SOCK_RAW, htons(FR_ETHERTYPE)), r, ok = 1, seen;
	struct mnetif_counters c;
	struct kring k;
	char why[160] = "";
	uint32_t i;

	char sname[80];

	snprintf(sname, sizeof(sname), "%s-socket", name);
	sll.sll_ifindex = if_index(RXIF);
	if (!check(s >= 0 && bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0, sname,
		   "an AF_PACKET socket for ethertype 0x%x on %s", FR_ETHERTYPE, RXIF))
		return;
	r = kring_open(&k, RXIF, MN_PROTO_V2, 0, 2048, 0, flags);
	if (check_plug(r, name)) {
		for (i = 0; i < 10; i++)
			send_seq(i, 100);
		for (i = 0; i < 10 && ok; i++)
			ok = expect_frame(&k, i, 100, why, sizeof(why));
		seen = stack_saw(s);
		kring_counters(&k, &c);
		check(ok && c.frames == 10 && seen == (flags & MNETIF_PLUG_STEAL ? 0 : 10), name,
		      "ring: %s, published %llu; the host stack saw %d of 10 (want %d)",
		      ok ? "10 frames byte-exact" : why, (unsigned long long)c.frames, seen,
		      flags & MNETIF_PLUG_STEAL ? 0 : 10);
		kring_close(&k);
	}
	close(s);
}

static void t_list(void)
{
	struct mnetif_ifinfo ifs[16];
	struct mnetif_list l = { .max = 16, .ifs = (uintptr_t)ifs };
	int fd = open(MNETIF_DEVICE, O_RDWR), r, i, seen = 0, lo = 0;
	struct mnetif_plug p = { .name = "lo", .proto = MN_PROTO_V2, .slotsize = 2048 };
	struct mnetif_plug q = { .name = "nosuchif", .proto = MN_PROTO_V2, .slotsize = 2048 };

	r = fd < 0 ? -errno : ioctl(fd, MNETIF_IOC_LIST, &l);
	for (i = 0; r == 0 && i < (int)l.count && i < 16; i++) {
		seen += !strcmp(ifs[i].name, TXIF) || !strcmp(ifs[i].name, RXIF);
		lo += !strcmp(ifs[i].name, "lo");
	}
	check(r == 0 && seen == 2 && lo == 0, "list", "%u Ethernet interfaces, both veths listed, lo not",
	      l.count);
	r = ioctl(fd, MNETIF_IOC_PLUG, &p) < 0 ? -errno : 0;
	check(r == -ENODEV, "plug-not-ether", "plug lo: %d", r);
	r = ioctl(fd, MNETIF_IOC_PLUG, &q) < 0 ? -errno : 0;
	check(r == -ENODEV, "plug-unknown", "plug nosuchif: %d", r);
	close(fd);
}

static void t_errors(void)
{
	struct kring a, b;
	void *m;
	int fd = open(MNETIF_DEVICE, O_RDWR), r1, r2, r3;
	struct mnetif_plug bad = { .name = RXIF, .proto = MN_PROTO_V2, .slotsize = 100 };

	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	check(m == MAP_FAILED && errno == ENXIO, "mmap-before-plug", "errno %d", errno);
	r1 = ioctl(fd, MNETIF_IOC_PLUG, &bad) < 0 ? -errno : 0;
	check(r1 == -EINVAL, "plug-bad-slotsize", "slotsize 100: %d", r1);
	close(fd);
	r1 = kring_open(&a, RXIF, MN_PROTO_V2, 0, 2048, 0, 0);
	r2 = kring_open(&b, RXIF, MN_PROTO_V2, 0, 2048, 0, 0);
	r3 = r1 == 0 ? (ioctl(a.fd, MNETIF_IOC_PLUG, &a.plug) < 0 ? -errno : 0) : 0;
	check(r1 == 0 && r2 == -EEXIST && r3 == -EBUSY, "double-plug",
	      "first %d, second file %d, same file again %d", r1, r2, r3);
	if (r1 == 0)
		kring_close(&a);
	if (r2 == 0)
		kring_close(&b);
}

/* v3's light producer (issue 14 item 3): the opt-in, byte-exact delivery, then a wakeup stress
 * with each heavy barrier mode, and the full-fence producer under the same stress. */
static void t_light(void)
{
	t_light_plug();
	t_exact(MN_PROTO_V3, 0, 2048, MNETIF_PLUG_BARRIER);
	t_exact(MN_PROTO_V3, 16, 64, MNETIF_PLUG_BARRIER);
	t_wakeup_stress(MNETIF_PLUG_BARRIER, MNETIF_BARRIER_IPI, 6000, 1000, "wakeup-stress-v3-light-ipi");
	t_wakeup_stress(MNETIF_PLUG_BARRIER, MNETIF_BARRIER_RCU_EXP, 1000, 1000,
			"wakeup-stress-v3-light-rcu-expedited");
	/* synchronize_rcu takes ~20 ms here: a sender pausing 1 ms would never find the consumer asleep */
	t_wakeup_stress(MNETIF_PLUG_BARRIER, MNETIF_BARRIER_RCU, 200, 50000, "wakeup-stress-v3-light-rcu");
	t_wakeup_stress(0, 0, 2000, 1000, "wakeup-stress-v3-full-fence");
}

static int debug_exit(int code)
{
	if (ioperm(0xf4, 1, 1)) {
		perror("ioperm");
		return 1;
	}
	outb((unsigned char)code, 0xf4);
	return 1;   /* not reached: qemu exits */
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return debug_exit(atoi(argv[2]));
	if (argc != 2 || (strcmp(argv[1], "all") && strcmp(argv[1], "exact") && strcmp(argv[1], "light"))) {
		fprintf(stderr, "usage: vmtest all|exact|light | vmtest exit CODE\n");
		return 2;
	}
	if (!check(setup_links() == 0, "setup", "veth %s/%s and an AF_PACKET socket", TXIF, RXIF))
		return 1;
	if (!strcmp(argv[1], "exact")) {
		t_exact(MN_PROTO_V2, 0, 2048, 0);
		t_exact(MN_PROTO_V3, 0, 2048, 0);
		t_exact(MN_PROTO_V3, 0, 2048, MNETIF_PLUG_BARRIER);
		t_exact(MN_PROTO_V1, 4, 1024, 0);
		goto done;
	}
	if (!strcmp(argv[1], "light")) {
		t_light();
		goto done;
	}
	t_list();
	t_errors();
	t_exact(MN_PROTO_V2, 0, 2048, 0);
	t_exact(MN_PROTO_V1, 0, 2048, 0);
	t_exact(MN_PROTO_V2, 16, 64, 0);
	t_exact(MN_PROTO_V3, 0, 2048, 0);
	t_exact(MN_PROTO_V3, 16, 64, 0);
	t_exact(MN_PROTO_V1, 4, 1024, 0);
	t_vlan(MN_PROTO_V2);
	t_vlan(MN_PROTO_V1);
	t_stall(MN_PROTO_V2);
	t_stall(MN_PROTO_V1);
	t_steal_mode(0, "copy-passes-to-stack");
	t_steal_mode(MNETIF_PLUG_STEAL, "steal-consumes");
	t_wakeup(MN_PROTO_V2);
	t_wakeup(MN_PROTO_V1);
	t_wakeup(MN_PROTO_V3);
	t_light();
	t_two_producers(MN_PROTO_V2);
	t_two_producers(MN_PROTO_V1);
	t_two_producers(MN_PROTO_V3);
	t_killlock();
	t_unplug_flow();
	t_scribble(MN_PROTO_V2, 20000);
	t_scribble(MN_PROTO_V1, 20000);
	t_scribble(MN_PROTO_V3, 20000);
	t_replug_scribble(MN_PROTO_V2, 2000);
	t_replug_scribble(MN_PROTO_V1, 2000);
	t_ifdel();
done:
	printf("VMTEST: %s (%d failed checks)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
