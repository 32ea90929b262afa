/* SPDX-License-Identifier: ISC */
/*
 * The VM test of the module's transmit path (c/platform/linux/mnetif_tx.c, uapi.h "Transmit path"):
 * this program produces into the transmit ring of a plug of RXIF (mn_prod_push of c/src/ring.c,
 * kick = write() on the device) and an independent AF_PACKET socket on the peer TXIF captures what
 * the module put on the wire. Prints "CHECK tx-<name>: PASS|FAIL"; exit 1 if any failed.
 *   vmtx all
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mnetif/tx.h"
#include "vmcheck.h"

struct ktx {
	struct kring k;          /* the plug (steal: the host stack never sees RXIF's frames) */
	struct mnetif_tx tx;
	void *mem;
	struct mn_prod p;
	uint32_t kicks_eio;      /* producer kicks the module answered with EIO (a corrupt index) */
	uint32_t kicks_failed;   /* any other failure */
};

/* The producer's notify: write() on the device drains the ring in this thread. */
static void kick(void *arg)
{
	struct ktx *t = arg;
	uint64_t one = 1;

	if (write(t->k.fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		return;
	if (errno == EIO)
		t->kicks_eio++;
	else
		t->kicks_failed++;
}

/* Re-attach: a fresh transmit ring (the old mapping goes), the producer attached anew. */
static int ktx_reattach(struct ktx *t)
{
	if (t->mem)
		munmap(t->mem, t->tx.mmap_len);
	t->mem = NULL;
	if (ioctl(t->k.fd, MNETIF_IOC_TX_ATTACH, &t->tx) < 0)
		return -errno;
	t->mem = mmap(NULL, t->tx.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->k.fd, MNETIF_TX_MMAP_OFF);
	if (t->mem == MAP_FAILED) {
		t->mem = NULL;
		return -errno;
	}
	return mn_prod_attach(&t->p, t->mem, t->tx.mmap_len, kick, t);
}

static int ktx_open(struct ktx *t, uint32_t nslots, uint32_t slotsize, uint64_t buflen)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = kring_open(&t->k, RXIF, MN_PROTO_V2, 0, 2048, 0, MNETIF_PLUG_STEAL);
	if (r)
		return r;
	t->tx.nslots = nslots;
	t->tx.slotsize = slotsize;
	t->tx.buflen = buflen;
	return ktx_reattach(t);
}

static void ktx_close(struct ktx *t)
{
	if (t->mem)
		munmap(t->mem, t->tx.mmap_len);
	t->mem = NULL;
	kring_close(&t->k);
}

static int tx_counters(struct ktx *t, struct mnetif_tx_counters *c)
{
	return ioctl(t->k.fd, MNETIF_IOC_TX_COUNTERS, c) < 0 ? -errno : 0;
}

/* A capture socket on TXIF for one ethertype (ETH_P_ALL: every frame TXIF receives). */
static int cap_open_proto(uint16_t proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto),
				   .sll_ifindex = if_index(TXIF) };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	int big = 4 << 20;

	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(s);
		return -errno;
	}
	return s;
}

static int cap_open(void)
{
	return cap_open_proto(FR_ETHERTYPE);
}

/* The next frame TXIF received (not one it sent) into gbuf: its length, 0 on timeout, -errno. */
static int cap_next(int s, int timeout_ms)
{
	struct pollfd pf = { .fd = s, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;

	do {
		if (poll(&pf, 1, timeout_ms) <= 0)
			return 0;
		fl = sizeof(from);
		n = recvfrom(s, gbuf, sizeof(gbuf), MSG_TRUNC, (struct sockaddr *)&from, &fl);
	} while (n >= 0 && from.sll_pkttype == PACKET_OUTGOING);
	return n < 0 ? -errno : (int)n;
}

static const uint32_t lens[] = { 14, 15, 19, 20, 59, 60, 61, 64, 100, 1000, 1514, 1518, 2047, 2048,
				 4000, 8000, 9014, 9018 };
#define NLENS (sizeof(lens) / sizeof(lens[0]))

/* 300 frames of every edge size up to MTU + 18 (veth.sh: MTU 9000), plus one runt and one frame
 * past the MTU: the capture gets exactly the valid ones, byte-exact, in order; counters exact. */
static void t_exact(void)
{
	struct mnetif_tx_counters c;
	struct ktx t;
	uint64_t rnd = 42, want_bytes = 0;
	uint32_t i, n = 300, got = 0, len;
	char why[160] = "all byte-exact, in order";
	int s = cap_open(), r = ktx_open(&t, 0, 16384, 0);

	if (!check(r == 0 && s >= 0, "tx-attach", "plug + TX_ATTACH + mmap + mn_prod_attach: %s; capture: %s",
		   strerror(-r), s < 0 ? strerror(-s) : "ok"))
		goto out;
	check(t.tx.mtu == 9000 && t.tx.slot_bytes == 16384 && t.tx.size >= 8, "tx-geometry",
	      "mtu %u, %u slots of %u bytes at %u", t.tx.mtu, t.tx.size, t.tx.slot_bytes, t.tx.dataoff);
	for (i = 0; i < n && got == i; i++) {
		len = i < NLENS ? lens[i] : 14 + (uint32_t)(xrand(&rnd) % 9005);
		fr_make(fbuf, i, len, txmac, rxmac);
		if (i == 150) {
			r = mn_prod_push(&t.p, fbuf, 13);               /* runt */
			r |= mn_prod_push(&t.p, fbuf, 9019);            /* past MTU + 18 (fits a slot) */
			if (r) {
				snprintf(why, sizeof(why), "push of the runt / long frame: %d", r);
				break;
			}
		}
		r = mn_prod_push(&t.p, fbuf, len);
		if (r) {
			snprintf(why, sizeof(why), "push seq %u len %u: %d", i, len, r);
			break;
		}
		want_bytes += len;
		r = cap_next(s, 2000);
		if (r != (int)len || memcmp(gbuf, fbuf, len)) {
			snprintf(why, sizeof(why), "seq %u: pushed %u bytes, captured %d (%s)", i, len, r,
				 r == (int)len ? "content differs" : r > 0 ? "length differs" : "nothing");
			break;
		}
		got++;
	}
	check(got == n && cap_next(s, 200) == 0, "tx-exact", "%u of %u frames (14..9018 bytes) on the wire: %s",
	      got, n, why);
	tx_counters(&t, &c);
	check(c.frames == n && c.bytes == want_bytes && c.drop_runt == 1 && c.drop_oversize == 1 &&
	      c.drop_xmit == 0 && c.corrupt == 0 && c.attached == 1, "tx-counters",
	      "sent %llu (%llu bytes), runt %u, oversize %u, refused %u, corrupt %u",
	      (unsigned long long)c.frames, (unsigned long long)c.bytes, c.drop_runt, c.drop_oversize,
	      c.drop_xmit, c.corrupt);
	/* Every push crossed sr_wake (the consumer drains synchronously and re-arms): one kick each,
	 * one drain per kick, each ending armed. */
	check(t.p.c.notify == n + 2 && c.drains == t.p.c.notify && c.sleeps == c.drains && !t.kicks_failed,
	      "tx-kick-per-crossing", "%u kicks for %u pushes, %u drains, %u ended armed, %u kicks failed",
	      t.p.c.notify, n + 2, c.drains, c.sleeps, t.kicks_failed);
out:
	if (s >= 0)
		close(s);
	ktx_close(&t);
}

/* A batch of 32 frames is ONE publication: one kick, one drain, all 32 on the wire (the range rule
 * of ring.h: the batch jumps over sr_wake and still signals, once). */
static void t_batch(void)
{
	struct mnetif_tx_counters c0, c1;
	static uint8_t bufs[32][256];
	struct mn_frame f[32];
	struct ktx t;
	uint32_t i, got = 0, k0;
	int s = cap_open(), r = ktx_open(&t, 64, 2048, 0);

	if (!check(r == 0 && s >= 0, "tx-batch-attach", "%s", r ? strerror(-r) : "ok"))
		goto out;
	for (i = 0; i < 32; i++) {
		fr_make(bufs[i], 1000 + i, 60 + i, txmac, rxmac);
		f[i].data = bufs[i];
		f[i].len = 60 + i;
	}
	fr_make(fbuf, 999, 60, txmac, rxmac);
	mn_prod_push(&t.p, fbuf, 60);            /* the first kick arms sr_wake */
	got += cap_next(s, 2000) == 60;
	tx_counters(&t, &c0);
	k0 = t.p.c.notify;
	r = mn_prod_push_batch(&t.p, f, 32, NULL);
	for (i = 0; i < 32; i++) {
		int n = cap_next(s, 2000);

		got += n == (int)f[i].len && !memcmp(gbuf, bufs[i], f[i].len);
	}
	tx_counters(&t, &c1);
	check(r == 32 && got == 33 && t.p.c.notify == k0 + 1 && c1.drains == c0.drains + 1,
	      "tx-batch-one-kick", "push_batch=%d, %u of 33 frames exact, %u kick(s) and %u drain(s) for the batch",
	      r, got, t.p.c.notify - k0, c1.drains - c0.drains);
out:
	if (s >= 0)
		close(s);
	ktx_close(&t);
}

/* Bad requests get clear errnos; after an unplug the ring is no longer consumed. */
static void t_errors(void)
{
	struct mnetif_tx_counters c;
	struct mnetif_tx req = { 0 };
	struct ktx t = { 0 };
	uint64_t one = 1;
	int fd = open(MNETIF_DEVICE, O_RDWR | O_CLOEXEC), e1, e2, e3, e4, e5, e6;
	void *m;

	e1 = ioctl(fd, MNETIF_IOC_TX_ATTACH, &req) < 0 ? errno : 0;
	e2 = write(fd, &one, 8) < 0 ? errno : 0;
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, MNETIF_TX_MMAP_OFF);
	e3 = m == MAP_FAILED ? errno : 0;
	close(fd);
	check(e1 == ENXIO && e2 == ENXIO && e3 == ENXIO, "tx-before-plug",
	      "TX_ATTACH %s, write %s, mmap %s (want ENXIO each)", strerror(e1), strerror(e2), strerror(e3));
	if (!check_plug(kring_open(&t.k, RXIF, MN_PROTO_V2, 0, 2048, 0, 0), "tx-errors"))
		return;
	req.slotsize = 100;
	e1 = ioctl(t.k.fd, MNETIF_IOC_TX_ATTACH, &req) < 0 ? errno : 0;
	req.slotsize = 2048;
	req.nslots = 3;
	e2 = ioctl(t.k.fd, MNETIF_IOC_TX_ATTACH, &req) < 0 ? errno : 0;
	req.nslots = 0;
	req.buflen = (uint64_t)MNETIF_MAX_BUFLEN + 4096;
	e3 = ioctl(t.k.fd, MNETIF_IOC_TX_ATTACH, &req) < 0 ? errno : 0;
	req.buflen = 0;
	e4 = ioctl(t.k.fd, MNETIF_IOC_TX_ATTACH, &req) < 0 ? errno : 0;
	kring_unplug(&t.k);
	e5 = write(t.k.fd, &one, 8) < 0 ? errno : 0;
	e6 = tx_counters(&t, &c);
	check(e1 == EINVAL && e2 == EINVAL && e3 == EINVAL && e4 == 0 && e5 == ENODEV && e6 == 0 && !c.attached,
	      "tx-errors", "slotsize 100: %s, nslots 3: %s, buflen > max: %s (want EINVAL); good: %s; "
	      "write after unplug: %s (want ENODEV), attached=%u", strerror(e1), strerror(e2), strerror(e3),
	      strerror(e4), strerror(e5), c.attached);
	kring_close(&t.k);
}

/* A hostile producer: random bytes over the header and length table, plausible and absurd indices,
 * pushes and kicks; 40 fresh rings x 500 rounds (a scribbled index can break a ring for good: the
 * next ring starts clean). The module must neither crash nor put anything on the wire that is not
 * a frame of 14..MTU+18 bytes, and must count every corrupt drain it answered with EIO. */
static void t_hostile(void)
{
	struct mnetif_tx_counters c;
	struct ktx t;
	uint64_t rnd = 7, one = 1, sent = 0;
	uint32_t i, bad_len = 0, seen = 0, eio = 0, other = 0, corrupt = 0, eio_kicks = 0;
	unsigned char *h;
	/* Every ethertype: a scribbled length can send a slot's stale or zeroed bytes. */
	int s = cap_open_proto(ETH_P_ALL), r = ktx_open(&t, 16, 2048, 0), n;

	if (!check(r == 0 && s >= 0, "tx-hostile-attach", "%s", r ? strerror(-r) : "ok"))
		goto out;
	for (i = 0; i < 20000 && r == 0; i++) {
		uint64_t x = xrand(&rnd);
		ssize_t w;

		h = t.mem;
		switch (x % 8) {
		case 0:
			h[(x >> 8) % (64 + 2 * 16)] = (unsigned char)(x >> 32);
			break;
		case 1:                                       /* sr_avail: near, far, wrapped */
			memcpy(h + MN_OFF_AVAIL, (uint16_t[]){ (uint16_t)(x >> 16) % 40 }, 2);
			break;
		case 2:                                       /* a length past the slot */
			memcpy(h + MN_OFF_LENS + 2 * ((x >> 8) % 16), (uint16_t[]){ (uint16_t)(x >> 24) }, 2);
			break;
		default:
			fr_make(fbuf, i, 14 + (uint32_t)((x >> 8) % 2100), txmac, rxmac);
			mn_prod_push(&t.p, fbuf, 14 + (uint32_t)((x >> 8) % 2100));
			break;
		}
		w = write(t.k.fd, &one, 8);
		if (w < 0 && errno == EIO)
			eio++;
		else if (w < 0)
			other++;
		while ((n = cap_next(s, 0)) != 0) {
			seen++;
			bad_len += n < 14 || n > 9018;
		}
		if (i % 500 == 499) {
			tx_counters(&t, &c);
			corrupt += c.corrupt;
			sent += c.frames;
			eio_kicks += t.kicks_eio;
			t.kicks_eio = 0;
			r = ktx_reattach(&t);
		}
	}
	while ((n = cap_next(s, 200)) != 0) {
		seen++;
		bad_len += n < 14 || n > 9018;
	}
	check(r == 0 && bad_len == 0 && other == 0 && !t.kicks_failed && corrupt > 0 && eio + eio_kicks == corrupt &&
	      seen == sent && sent > 500, "tx-hostile-producer",
	      "40 rings x 500 rounds: %llu frames sent, %u captured, %u of a bad length; %u kicks said EIO, %u corrupt "
	      "drains counted, %u other errors; re-attach %s", (unsigned long long)sent, seen, bad_len, eio + eio_kicks,
	      corrupt, other + t.kicks_failed, r ? strerror(-r) : "ok");
out:
	if (s >= 0)
		close(s);
	ktx_close(&t);
}

struct feeder {
	struct ktx *t;
	volatile int stop;
	uint64_t pushed, kicks_enodev;
};

/* Single producer: pushes as fast as it can (its own kicks may find the ring gone: ignored). */
static void *feed(void *arg)
{
	struct feeder *fd = arg;
	static uint8_t f[60];

	fr_make(f, 7, sizeof(f), txmac, rxmac);
	while (!fd->stop)
		fd->pushed += mn_prod_push(&fd->t->p, f, sizeof(f)) == 0;
	return NULL;
}

/* A second thread kicks in a loop, so one drain after another meets a ring the feeder keeps full. */
static void *kicker(void *arg)
{
	struct feeder *fd = arg;
	uint64_t one = 1;

	while (!fd->stop)
		if (write(fd->t->k.fd, &one, 8) < 0 && errno == ENODEV)
			fd->kicks_enodev++;
	return NULL;
}

/* The plug ends while a drain is kept busy: the unplug (under rtnl) must not wait for the producer
 * to stop; the drain ends at its next budget and later kicks say ENODEV. */
static void t_unplug_busy(void)
{
	struct feeder fd = { 0 };
	pthread_t a, b;
	struct ktx t;
	double t0, took;
	int r = ktx_open(&t, 0, 2048, 0), u;

	if (!check(r == 0, "tx-unplug-busy-attach", "%s", r ? strerror(-r) : "ok"))
		return;
	fd.t = &t;
	pthread_create(&a, NULL, feed, &fd);
	pthread_create(&b, NULL, kicker, &fd);
	usleep(300000);
	t0 = now_s();
	u = kring_unplug(&t.k);
	took = now_s() - t0;
	usleep(100000);
	fd.stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	check(u == 0 && took < 2.0 && fd.kicks_enodev > 0 && fd.pushed > 0, "tx-unplug-while-draining",
	      "unplug took %.3f s with a feeder (%llu frames pushed) and a kicker running; %llu kicks said ENODEV after",
	      took, (unsigned long long)fd.pushed, (unsigned long long)fd.kicks_enodev);
	ktx_close(&t);
}

/* The interface goes away with a transmit ring attached: unregistration completes (the module
 * drops its device reference), the kick says ENODEV, nothing hangs. */
static void t_ifgone(void)
{
	struct mnetif_tx_counters c;
	struct ktx t;
	uint64_t one = 1;
	int r = ktx_open(&t, 0, 2048, 0), del, e;

	if (!check(r == 0, "tx-ifgone-attach", "%s", r ? strerror(-r) : "ok"))
		return;
	del = system("ip link del " TXIF);
	e = write(t.k.fd, &one, 8) < 0 ? errno : 0;
	tx_counters(&t, &c);
	check(del == 0 && e == ENODEV && !c.attached, "tx-interface-gone",
	      "ip link del: %d, kick after: %s (want ENODEV), attached=%u", del, strerror(e), c.attached);
	ktx_close(&t);
	r = system("sh /veth.sh");
	check(r == 0 && setup_links() == 0, "tx-veth-recreated", "veth.sh: %d", r);
}

int main(int argc, char **argv)
{
	double t0 = now_s();

	(void)argc;
	(void)argv;
	if (!check(setup_links() == 0, "tx-setup", "MACs of %s/%s", TXIF, RXIF))
		return 1;
	t_exact();
	t_batch();
	t_errors();
	t_hostile();
	t_unplug_busy();
	t_ifgone();
	printf("VMTX: %s (%d failed checks, %.1f s)\n", failures ? "FAIL" : "PASS", failures, now_s() - t0);
	return failures ? 1 : 0;
}
