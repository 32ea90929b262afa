/* SPDX-License-Identifier: ISC */
/* The VM test's abuse scenarios: unplug under traffic, the interface deleted while plugged, a lock
 * holder killed, a consumer scribbling over the shared header. The kernel must survive all of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmcheck.h"

void t_unplug_flow(void)
{
	struct mnetif_counters c1, c2;
	uint32_t it, got = 0, bad = 0, frozen = 0, len, j;
	pid_t pid = spawn_sender(0, 0, 1514);
	struct kring k;
	int r, plugfail = 0;

	for (it = 0; it < 200; it++) {
		r = kring_open(&k, RXIF, it % 2 ? MN_PROTO_V1 : MN_PROTO_V2, 0, 2048, 0, 0);
		if (r) {
			plugfail++;
			continue;
		}
		for (j = 0; j < 8 && kring_next(&k, 500, gbuf, sizeof(gbuf), &len) == 1; j++, got++)
			bad += !fr_valid(gbuf, len, rxmac, txmac);
		if (it % 4 < 2) {
			kring_unplug(&k);
			kring_counters(&k, &c1);
			usleep(2000);
			kring_counters(&k, &c2);
			frozen += c1.plugged == 0 && memcmp(&c1, &c2, sizeof(c1)) == 0;
		} else {
			frozen++;   /* close() with traffic flowing */
		}
		kring_close(&k);
	}
	reap(pid, 1);
	check(plugfail == 0 && bad == 0 && frozen == 200 && got > 200, "unplug-while-traffic",
	      "200 plug/unplug cycles: %d failed plugs, %u frames, %u invalid, %u/200 frozen after unplug",
	      plugfail, got, bad, frozen);
}

/* The interface is deleted while plugged and traffic flows. */
void t_ifdel(void)
{
	struct mnetif_counters c;
	uint32_t got = 0, len, bad = 0;
	struct kring k;
	pid_t pid;
	int r = kring_open(&k, RXIF, MN_PROTO_V2, 0, 2048, 0, 0);

	if (!check_plug(r, "ifdel"))
		return;
	pid = spawn_sender(0, 0, 1514);
	while (got < 50 && kring_next(&k, 2000, gbuf, sizeof(gbuf), &len) == 1)
		got++;
	r = system("ip link del " TXIF);
	while ((r = kring_next(&k, 3000, gbuf, sizeof(gbuf), &len)) == 1) {
		bad += !fr_valid(gbuf, len, rxmac, txmac);
		got++;
	}
	reap(pid, 1);
	kring_counters(&k, &c);
	check(r == -ENODEV && k.hup && c.plugged == 0 && c.gone == 1 && c.frames == got && bad == 0,
	      "ifdel", "after `ip link del`: last kring_next=%d, POLLHUP=%d, plugged=%u gone=%u, "
	      "delivered %u == published %llu, invalid %u", r, k.hup, c.plugged, c.gone, got,
	      (unsigned long long)c.frames, bad);
	r = kring_unplug(&k);
	check(r == -ENOENT, "ifdel-unplug-after", "MNETIF_IOC_UNPLUG after the interface vanished: %d", r);
	kring_close(&k);
	r = system("/bin/sh /veth.sh");
	check(r == 0 && setup_links() == 0, "ifdel-recreate", "veth pair re-created");
}

/* v1: a process dies holding sr_lock. The producer must never block: it counts drop_busy. */
void t_killlock(void)
{
	struct mnetif_counters c;
	struct kring k;
	char why[160] = "";
	int p[2], r = kring_open(&k, RXIF, MN_PROTO_V1, 64, 2048, 0, 0), ok = 1;
	uint32_t i;
	pid_t pid;
	char ch;

	if (!check_plug(r, "killlock"))
		return;
	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		ch = mn_ring_trylock(k.mem) ? 'L' : 'x';
		if (write(p[1], &ch, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(p[0], &ch, 1) != 1 || ch != 'L')
		ok = 0;
	for (i = 0; i < 10; i++)
		send_seq(i, 200);
	usleep(20000);
	counters_eq(&k, &c, "killlock-held", 0, 0, 0, 10);
	reap(pid, 1);
	for (i = 10; i < 20; i++)
		send_seq(i, 200);
	usleep(20000);
	counters_eq(&k, &c, "killlock-holder-dead", 0, 0, 0, 20);
	/* The ring's owner knows the holder is dead and frees the lock: delivery resumes. */
	mn_ring_unlock(k.mem);
	for (i = 20; i < 30; i++)
		send_seq(i, 200);
	for (i = 20; i < 30 && ok; i++)
		ok = expect_frame(&k, i, 200, why, sizeof(why));
	check(ok, "killlock-recovered", "%s", ok ? "10 frames byte-exact after the owner cleared the lock" : why);
	kring_close(&k);
	close(p[0]);
	close(p[1]);

	/* The ring's only owner is killed holding the lock while frames flow: the file is released,
	 * the interface unplugged, and it can be plugged again at once. */
	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		ch = kring_open(&k, RXIF, MN_PROTO_V1, 64, 2048, 0, 0) == 0 && mn_ring_trylock(k.mem) ? 'L' : 'x';
		if (write(p[1], &ch, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	r = read(p[0], &ch, 1);
	{
		pid_t tx = spawn_sender(0, 0, 1514);

		usleep(100000);
		reap(pid, 1);
		r = kring_open(&k, RXIF, MN_PROTO_V2, 0, 2048, 0, 0);
		reap(tx, 1);
	}
	check(ch == 'L' && r == 0, "killlock-owner-killed", "child locked: %c; re-plug after its death: %d",
	      ch, r);
	if (r == 0)
		kring_close(&k);
	close(p[0]);
	close(p[1]);
}

/*
 * One corruption of the shared header/length table: random bytes, plausible-but-wrong indices
 * (near the producer's for v2, so it keeps publishing into a header it cannot trust), the lock
 * word, garbage geometry and magic (which the producer must never re-read), or a consumer's repair
 * of the geometry (so the consumer side keeps attaching and reading too).
 */
static void scribble_once(const struct kring *k, uint64_t *rnd)
{
	struct mn_ring_hdr *h = k->mem;
	unsigned char *mem = k->mem;
	uint32_t i, n, size = k->plug.size, pick = xrand(rnd) % 100;

	if (pick < 30) {
		for (i = 0, n = 1 + xrand(rnd) % 8; i < n; i++)
			mem[xrand(rnd) % k->plug.dataoff] = (unsigned char)xrand(rnd);
	} else if (pick < 60) {
		uint16_t back = (uint16_t)(xrand(rnd) % (size + 3));

		if (k->plug.proto != MN_PROTO_V1) {
			/* v2 sr_cur, v3 sr_cons (its own line, ring.h) */
			mn_u16 *cons = (mn_u16 *)(mem + mn_off_cons(k->plug.proto));

			mn_write_once(cons, (uint16_t)(mn_read_once(&h->sr_avail) - back));
		} else {
			mn_write_once(&h->sr_cur, (uint16_t)(xrand(rnd) % (size + 2)));
			mn_write_once(&h->sr_avail, back);
		}
	} else if (pick < 75) {
		mn_write_once(&h->sr_lock, xrand(rnd) % 4 ? 0u : (uint32_t)xrand(rnd));
	} else if (pick < 85) {
		mn_write_once(&h->sr_size, (uint16_t)xrand(rnd));
		mn_write_once(&h->sr_slotsize, (uint16_t)xrand(rnd));
		mn_write_once(&h->sr_dataoff, (uint32_t)xrand(rnd));
		mn_write_once(&h->sr_magic, (uint32_t)xrand(rnd));
	} else {
		mn_write_once(&h->sr_size, (uint16_t)size);
		mn_write_once(&h->sr_slotsize, (uint16_t)k->plug.slot_bytes);
		mn_write_once(&h->sr_dataoff, k->plug.dataoff);
		mn_write_once(&h->sr_magic, MN_MAGIC(k->plug.proto));
	}
}

/*
 * A consumer scribbles over the shared header and length table, one corruption per round, each
 * followed by a frame sent from this process (the rx_handler mostly runs inside that send) while a
 * second sender races from a child; every 16 rounds the consumer tries to read. The part of the
 * buffer past the ring's geometry is a canary the kernel must never touch, and every frame the
 * interface received must be published or counted in exactly one drop counter.
 */
void t_scribble(uint32_t proto, uint32_t rounds)
{
	long long rx0 = if_stat(RXIF, "rx_packets"), sd0 = softnet_drops(), rx1, sd1;
	struct mnetif_counters c;
	uint64_t rnd = 0xdeadbeefcafef00dull + proto, end, i, bad_canary = 0, dropped;
	uint32_t round, len, got = 0;
	unsigned char *mem;
	struct kring k, k2;
	char name[64], why[160] = "";
	pid_t pid;
	int r = kring_open(&k, RXIF, proto, 16, 256, 0, 0), ok = 1;

	snprintf(name, sizeof(name), "scribble-v%u", proto);
	if (!check_plug(r, name))
		return;
	mem = k.mem;
	end = k.plug.dataoff + (uint64_t)k.plug.size * k.plug.slot_bytes;
	memset(mem + end, 0xa5, k.len - end);
	pid = spawn_sender(0, 0, 300);
	for (round = 0; round < rounds; round++) {
		scribble_once(&k, &rnd);
		send_seq(round, 20 + xrand(&rnd) % 280);
		if (round % 16 == 0 && mn_cons_attach(&k.c, mem, k.len) == 0 &&
		    kring_next(&k, 0, gbuf, sizeof(gbuf), &len) == 1)
			got++;
		if (round % 1000 == 0)
			kring_counters(&k, &c);
	}
	reap(pid, 1);
	usleep(20000);
	rx1 = if_stat(RXIF, "rx_packets");
	sd1 = softnet_drops();
	for (i = end; i < k.len; i++)
		bad_canary += mem[i] != 0xa5;
	kring_counters(&k, &c);
	dropped = (uint64_t)c.drop_full + c.drop_oversize + c.drop_busy + c.drop_error;
	snprintf(name, sizeof(name), "scribble-v%u", proto);
	check(bad_canary == 0 && c.frames > 0 && c.drop_error > 0, name,
	      "%u rounds; %llu canary bytes past the geometry changed; kernel published %llu frames "
	      "into corrupted-but-plausible states and refused %u (error=%u); the consumer read %u",
	      rounds, (unsigned long long)bad_canary, (unsigned long long)c.frames, c.drop_error,
	      c.error, got);
	snprintf(name, sizeof(name), "scribble-accounting-v%u", proto);
	check(c.frames + dropped == (uint64_t)(rx1 - rx0 - (sd1 - sd0)), name,
	      "published %llu + dropped %llu (full %u oversize %u busy %u error %u) == received by %s %lld "
	      "- backlog drops %lld", (unsigned long long)c.frames, (unsigned long long)dropped,
	      c.drop_full, c.drop_oversize, c.drop_busy, c.drop_error, RXIF, rx1 - rx0, sd1 - sd0);
	kring_close(&k);

	/* The kernel still works: a fresh ring delivers byte-exact. */
	r = kring_open(&k2, RXIF, proto, 0, 2048, 0, 0);
	for (round = 0; round < 10 && r == 0; round++)
		send_seq(round, 60 + round * 100);
	for (round = 0; round < 10 && r == 0 && ok; round++)
		ok = expect_frame(&k2, round, 60 + round * 100, why, sizeof(why));
	snprintf(name, sizeof(name), "scribble-after-v%u", proto);
	check(r == 0 && ok, name, "fresh ring after scribbling: %s", r ? strerror(-r) : ok ? "byte-exact" : why);
	if (r == 0)
		kring_close(&k2);
}


/*
 * Re-plugging one file 2000 times while a child scribbles, without pause, over the mapping of the
 * file's FIRST ring. Every plug gets a fresh ring laid out before anyone can map it, so: the
 * producer's geometry (the reply) is exactly the requested one every time, the stale mapping (its
 * ring freed by the kernel, its pages alive until munmap) can be scribbled harmlessly, and in each
 * new ring a frame arrives byte-exact with nothing written past the geometry (a canary).
 */
void t_replug_scribble(uint32_t proto, uint32_t rounds)
{
	static const uint32_t geo[][2] = { { 16, 256 }, { 8, 128 }, { 4, 512 }, { 2, 64 } };
	uint32_t round, exact_geo = 0, delivered = 0, fails = 0;
	uint64_t rnd = 77 + proto, i, bad_canary = 0;
	unsigned char *first;
	char name[64], why[160] = "";
	struct kring k;
	pid_t pid;
	int r = kring_open(&k, RXIF, proto, 16, 256, 0, 0);

	snprintf(name, sizeof(name), "replug-scribble-v%u", proto);
	if (!check_plug(r, name))
		return;
	first = k.mem;
	pid = fork();
	if (pid == 0) {
		for (;;)      /* the first ring's mapping is inherited: scribble until killed */
			first[xrand(&rnd) % k.len] = (unsigned char)xrand(&rnd);
	}
	for (round = 0; round < rounds; round++) {
		struct mnetif_plug p = k.plug;
		uint32_t want_off, len = 20 + round % 40;
		uint64_t end;
		unsigned char *m;

		p.nslots = geo[round % 4][0];
		p.slotsize = geo[round % 4][1];
		want_off = mn_off_lens(proto) + 2 * p.nslots;
		if (proto != MN_PROTO_V1)
			want_off = (want_off + 63) & ~63u;
		ioctl(k.fd, MNETIF_IOC_UNPLUG);
		if (ioctl(k.fd, MNETIF_IOC_PLUG, &p) < 0) {
			fails++;
			continue;
		}
		exact_geo += p.size == p.nslots && p.slot_bytes == p.slotsize && p.dataoff == want_off;
		m = mmap(NULL, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, k.fd, 0);
		if (m == MAP_FAILED) {
			fails++;
			continue;
		}
		end = p.dataoff + (uint64_t)p.size * p.slot_bytes;
		memset(m + end, 0xa5, p.mmap_len - end);
		{
			struct kring n = { .fd = k.fd, .mem = m, .len = p.mmap_len, .plug = p };

			send_seq(round, len);
			if (mn_cons_attach(&n.c, m, p.mmap_len) == 0 && expect_frame(&n, round, len, why, sizeof(why)))
				delivered++;
		}
		for (i = end; i < p.mmap_len; i++)
			bad_canary += m[i] != 0xa5;
		munmap(m, p.mmap_len);
	}
	reap(pid, 1);
	check(fails == 0 && exact_geo == rounds && delivered == rounds && bad_canary == 0, name,
	      "%u re-plugs while the first ring's stale mapping is scribbled: %u failed, %u with exactly the "
	      "requested geometry, %u byte-exact deliveries into the new ring (%s), %llu canary bytes past "
	      "the geometry changed", rounds, fails, exact_geo, delivered, why[0] ? why : "-",
	      (unsigned long long)bad_canary);
	kring_close(&k);
}
