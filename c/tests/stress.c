/* SPDX-License-Identifier: ISC */
/*
 * Real-thread stress: P producer threads -> one consumer thread through one ring.
 *
 *   stress [-p v1|v2|2012] [-n frames per producer] [-P producers] [-s slotsize] [-w]
 *
 * With one producer the producer thread calls mn_prod_push() directly; with several, each calls the
 * registry's netif_ether_input() on one software interface (the producer lock excludes them).
 * -w: the consumer sleeps on the event channel (eventfd) when the ring is empty (needs the registry
 * path, so -w implies it); otherwise it yields.
 *
 * Every frame carries (producer, seq, len, checksum) and a payload derived from them. The consumer
 * checks each frame byte-exact, FIFO per producer (seq strictly increasing), and at the end
 *   delivered + drop_full + drop_busy + drop_oversize + drop_error == frames sent.
 * A lost wakeup shows as the consumer asleep 2 s with frames in the ring: reported as a failure.
 * Exit 0 = pass, 1 = a check failed (the message names it), 2 = usage.
 * Protocol 2012 (-p 2012) is the bug-zoo model: it only runs (bounded) so ThreadSanitizer can report
 * its races; its frame checks are reported but do not fail the run.
 */
#define _GNU_SOURCE
#include "mnetif/user.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXP 4
#define HDR 16

struct cfg {
	uint32_t proto, slotsize, nprod, waits;
	uint64_t frames;
};

static struct cfg cfg = { MN_PROTO_V2, MN_DEFAULT_SLOTSZ, 1, 0, 1000000 };
static unsigned char *ring;
static struct mn_prod direct_prod;
static uint32_t ifindex;
static int event_fd = -1;
static int producers_done;

static uint32_t frame_len(uint32_t pid, uint64_t seq)
{
	/* 16..1514 bytes, varied, deterministic; every 1000th frame is minimum-size. */
	uint64_t x = (seq * 2654435761u) ^ (pid * 40503u);

	return seq % 1000 == 7 ? HDR : HDR + (uint32_t)(x % (1514 - HDR + 1));
}

/* Payloads are windows of one random pattern: frame (pid, seq) starts at a derived offset. */
static unsigned char pattern[4096];

static const unsigned char *payload(uint32_t pid, uint64_t seq)
{
	return pattern + ((seq * 37 + pid * 101) & 2047);
}

/* Word-wise checksum of the payload (the frame also carries it, so corruption of either shows). */
static uint32_t csum(const unsigned char *p, uint32_t n)
{
	uint64_t a = 0x9e3779b97f4a7c15ull, w;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		a = (a ^ w) * 0x100000001b3ull;
	}
	while (n--)
		a = (a ^ *p++) * 0x100000001b3ull;
	return (uint32_t)(a ^ (a >> 32));
}

struct prod_arg {
	uint32_t pid;
	uint64_t sent, rejected;
};

static void *producer(void *arg)
{
	struct prod_arg *a = arg;
	unsigned char buf[1514];
	uint64_t seq;

	for (seq = 0; seq < cfg.frames; seq++) {
		uint32_t len = frame_len(a->pid, seq), w[4];
		int r;

		memcpy(buf + HDR, payload(a->pid, seq), len - HDR);
		w[0] = a->pid;
		w[1] = (uint32_t)seq;
		w[2] = len;
		w[3] = csum(buf + HDR, len - HDR);
		memcpy(buf, w, HDR);
		r = cfg.nprod == 1 && !cfg.waits ? mn_prod_push(&direct_prod, buf, len)
						 : netif_ether_input(ifindex, buf, len);
		a->sent++;
		if (r == -ENOBUFS || r == -EBUSY)
			sched_yield();     /* let the consumer catch up; this frame is counted as dropped */
		else if (r != 0 && r != -EIO)
			a->rejected++;
	}
	return NULL;
}

struct cons_stats {
	uint64_t delivered, bad, order, lost_wakeups, io_errors;
	uint64_t sleeps;          /* -w: prepare_wait said sleep (v3: one heavy barrier each) */
	uint64_t next_seq[MAXP];
	char first_error[200];
};

static void cons_error(struct cons_stats *s, uint64_t *ctr, const char *fmt, uint64_t a, uint64_t b)
{
	if (!s->first_error[0])
		snprintf(s->first_error, sizeof(s->first_error), fmt, a, b);
	(*ctr)++;
}

static void check_frame(struct cons_stats *s, const unsigned char *d, uint32_t len)
{
	uint32_t w[4];

	if (len < HDR) {
		cons_error(s, &s->bad, "frame of %" PRIu64 " bytes shorter than its header (%" PRIu64 ")", len, HDR);
		return;
	}
	memcpy(w, d, HDR);
	if (w[0] >= cfg.nprod || w[2] != len || csum(d + HDR, len - HDR) != w[3]) {
		cons_error(s, &s->bad, "corrupt frame: producer %" PRIu64 " seq %" PRIu64, w[0], w[1]);
		return;
	}
	if (memcmp(d + HDR, payload(w[0], w[1]), len - HDR)) {
		cons_error(s, &s->bad, "payload not byte-exact: producer %" PRIu64 " seq %" PRIu64, w[0], w[1]);
		return;
	}
	if (w[1] < s->next_seq[w[0]])
		cons_error(s, &s->order, "FIFO violated: seq %" PRIu64 " after %" PRIu64, w[1], s->next_seq[w[0]]);
	s->next_seq[w[0]] = (uint64_t)w[1] + 1;
}

static uint64_t drops(void)
{
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring;

	return (uint64_t)mn_observe(&h->sr_drop_full) + mn_observe(&h->sr_drop_busy) +
	       mn_observe(&h->sr_drop_oversize) + mn_observe(&h->sr_drop_error);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *consumer(void *arg)
{
	struct cons_stats *s = arg;
	uint64_t total = cfg.frames * cfg.nprod;
	double deadline = now() + (cfg.proto == MN_PROTO_2012 ? 20 : 600);
	struct mn_cons c;
	struct mn_slot slot;

	if (mn_cons_attach(&c, ring, MN_DEFAULT_BUFLEN)) {
		cons_error(s, &s->bad, "consumer attach failed (ring %" PRIu64 ", len %" PRIu64 ")", (uint64_t)(uintptr_t)ring, MN_DEFAULT_BUFLEN);
		return NULL;
	}
	while (now() < deadline) {
		int r = mn_cons_peek(&c, &slot);

		if (r == 1) {
			check_frame(s, slot.data, slot.len);
			while (mn_cons_release(&c) == -EBUSY)
				sched_yield();
			s->delivered++;
			continue;
		}
		if (r < 0) {
			s->io_errors++;
			if (cfg.proto != MN_PROTO_2012)
				cons_error(s, &s->bad, "consumer saw a corrupt header (%" PRId64 ") after %" PRIu64 " frames", (uint64_t)r, s->delivered);
			if (cfg.proto == MN_PROTO_2012 || s->io_errors > 1000)
				break;
		}
		if (__atomic_load_n(&producers_done, __ATOMIC_ACQUIRE) && s->delivered + drops() >= total)
			break;
		if (cfg.waits && !__atomic_load_n(&producers_done, __ATOMIC_ACQUIRE)) {
			if (mn_cons_prepare_wait(&c)) {
				/* Armed and still empty: only a notification may wake us. */
				s->sleeps++;
				/* A frame published just as the wait timed out is still signalled: give the
				 * producer 200 ms more before calling it lost. */
				if (mn_user_event_wait(event_fd, 2000) == 0 && mn_cons_fill(&c) > 0 &&
				    mn_user_event_wait(event_fd, 200) == 0)
					cons_error(s, &s->lost_wakeups, "lost wakeup: asleep 2 s with %" PRIu64
						   " frames in the ring after %" PRIu64 " delivered", (uint64_t)mn_cons_fill(&c), s->delivered);
				mn_user_event_clear(event_fd);
			}
		} else {
			sched_yield();
		}
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: stress [-p v1|v2|v3|2012] [-n frames] [-P producers 1..%d] [-s slotsize] [-w]\n", MAXP);
	return 2;
}

int main(int argc, char **argv)
{
	pthread_t pt[MAXP], ct;
	struct prod_arg pa[MAXP];
	struct cons_stats cs;
	uint64_t sent = 0, rejected = 0, total;
	struct mn_ring_hdr *h;
	double t0, dt;
	uint32_t i;
	int opt, fail;

	while ((opt = getopt(argc, argv, "p:n:P:s:w")) != -1) {
		switch (opt) {
		case 'p':
			cfg.proto = !strcmp(optarg, "v1") ? MN_PROTO_V1 : !strcmp(optarg, "v2") ? MN_PROTO_V2 :
				    !strcmp(optarg, "v3") ? MN_PROTO_V3 :
				    !strcmp(optarg, "2012") ? MN_PROTO_2012 : 99;
			if (cfg.proto == 99)
				return usage();
			break;
		case 'n': cfg.frames = strtoull(optarg, NULL, 0); break;
		case 'P': cfg.nprod = (uint32_t)atoi(optarg); break;
		case 's': cfg.slotsize = (uint32_t)atoi(optarg); break;
		case 'w': cfg.waits = 1; break;
		default: return usage();
		}
	}
	if (cfg.nprod < 1 || cfg.nprod > MAXP || cfg.frames == 0)
		return usage();
	ring = mn_user_ring_alloc(MN_DEFAULT_BUFLEN);
	if (!ring || mn_ring_init(ring, MN_DEFAULT_BUFLEN, cfg.proto, 0, cfg.slotsize)) {
		fprintf(stderr, "stress: ring init failed\n");
		return 1;
	}
	if (cfg.nprod == 1 && !cfg.waits) {
		if (mn_prod_attach(&direct_prod, ring, MN_DEFAULT_BUFLEN, NULL, NULL))
			return 1;
	} else {
		static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
		struct mn_plug_info info;
		int idx = mn_user_if_create("stress0", mac);

		if (idx < 0 || mn_plug("stress0", ring, MN_DEFAULT_BUFLEN, &info)) {
			fprintf(stderr, "stress: plug failed\n");
			return 1;
		}
		ifindex = (uint32_t)idx;
		event_fd = info.event_fd;
	}
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(rand() >> 7);
	memset(&cs, 0, sizeof(cs));
	memset(pa, 0, sizeof(pa));
	t0 = now();
	pthread_create(&ct, NULL, consumer, &cs);
	for (i = 0; i < cfg.nprod; i++) {
		pa[i].pid = i;
		pthread_create(&pt[i], NULL, producer, &pa[i]);
	}
	for (i = 0; i < cfg.nprod; i++) {
		pthread_join(pt[i], NULL);
		sent += pa[i].sent;
		rejected += pa[i].rejected;
	}
	__atomic_store_n(&producers_done, 1, __ATOMIC_RELEASE);
	if (event_fd >= 0) {
		uint64_t one = 1;   /* wake a consumer asleep after the last frame's final check */
		if (write(event_fd, &one, sizeof(one)) < 0)
			perror("write eventfd");
	}
	pthread_join(ct, NULL);
	dt = now() - t0;
	h = (struct mn_ring_hdr *)ring;
	total = cfg.frames * cfg.nprod;
	printf("stress: proto=%s producers=%u waits=%u sent=%" PRIu64 " delivered=%" PRIu64
	       " drop_full=%u drop_busy=%u drop_oversize=%u drop_error=%u notify=%u sleeps=%" PRIu64 " time=%.2fs rate=%.2fM/s%s\n",
	       cfg.proto == MN_PROTO_V1 ? "v1" : cfg.proto == MN_PROTO_V2 ? "v2" :
	       cfg.proto == MN_PROTO_V3 ? "v3" : "2012", cfg.nprod,
	       cfg.waits, sent, cs.delivered, mn_observe(&h->sr_drop_full), mn_observe(&h->sr_drop_busy),
	       mn_observe(&h->sr_drop_oversize), mn_observe(&h->sr_drop_error), mn_observe(&h->sr_notify),
	       cs.sleeps, dt, sent / dt / 1e6, cfg.proto != MN_PROTO_V3 ? "" :
	       mn_heavy_barrier_register() ? " heavy=membarrier" : " heavy=none(full fences)");
	if (cfg.proto == MN_PROTO_2012) {
		printf("stress: 2012 model (bug zoo): %" PRIu64 " corrupt, %" PRIu64 " out of order, %" PRIu64
		       " header errors; not a pass/fail run\n", cs.bad, cs.order, cs.io_errors);
		return 0;
	}
	fail = cs.bad || cs.order || cs.lost_wakeups || rejected || sent != total ||
	       cs.delivered + drops() != total || mn_observe(&h->sr_error);
	if (cs.first_error[0])
		printf("stress: FAIL %s\n", cs.first_error);
	if (cs.delivered + drops() != total)
		printf("stress: FAIL accounting: delivered %" PRIu64 " + drops %" PRIu64 " != sent %" PRIu64 "\n",
		       cs.delivered, drops(), total);
	if (rejected)
		printf("stress: FAIL %" PRIu64 " pushes returned an unexpected error\n", rejected);
	printf("stress: %s\n", fail ? "FAIL" : "PASS");
	return fail;
}
