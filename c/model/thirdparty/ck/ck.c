/* SPDX-License-Identifier: ISC */
/*
 * Concurrency Kit's ck_ring (the installed /usr/include/ck_ring.h, or a build-time copy with one
 * scripted edit: mk/thirdparty.mk) driven by its users as rt actors. Compiled with the
 * plain-access instrumentation (common/plain.c): ck_ring's own plain reads (`ring->p_tail`,
 * `ring->c_head`) and its slot memcpy are visible operations like its ck_pr_* calls.
 *
 * Scenarios
 *   spsc   one producer enqueues `items` pointers with ck_ring_enqueue_spsc (waiting while the ring
 *          is full), one consumer dequeues them with ck_ring_dequeue_spsc (waiting while empty).
 *          Oracles: each item arrives once, in order, with its value (an overwritten slot shows
 *          as the wrong item); no actor waits forever.
 *   mpmc   `producers` producers enqueue `items` pointers each with ck_ring_enqueue_mpmc (a "full"
 *          answer drops the item), `consumers` consumers dequeue with ck_ring_dequeue_mpmc until
 *          every producer is done and the ring is empty. Oracles: every accepted item is
 *          dequeued exactly once, with a value some producer enqueued (per-producer order with
 *          one consumer); a "full" answer is only allowed if the ring was full at some point
 *          during the call (ck PR #102's spurious full).
 * Ring geometry: `size` slots (a power of two; ck_ring holds size - 1), followed by a guard.
 */
#include <stdio.h>
#include <string.h>

#include <ck_ring.h>

#include "../common/tp.h"

const volatile void *tp_ck_last_load[RT_MAX_ACTORS];
unsigned tp_ck_last_size[RT_MAX_ACTORS];

#ifndef TP_SOURCE
#define TP_SOURCE "ck_ring.h"
#endif
const char tp_build_name[] = TP_SOURCE;

enum { KIND_PRODUCER = 1, KIND_CONSUMER = 2 };
#define MAX_SIZE 8
#define MAX_PRODUCERS 3
#define MAX_ITEMS 6

static struct {
	struct ck_ring ring;
	struct ck_ring_buffer slot[MAX_SIZE];
	unsigned char guard[64];
} mem __attribute__((aligned(64)));

enum { F_C_HEAD = 1, F_P_TAIL, F_P_HEAD, F_SIZE, F_MASK, F_SLOT };
static const struct rt_field ring_fields[] = {
	{ "c_head", F_C_HEAD, offsetof(struct ck_ring, c_head), 4, 0, 0 },
	{ "p_tail", F_P_TAIL, offsetof(struct ck_ring, p_tail), 4, 0, 0 },
	{ "p_head", F_P_HEAD, offsetof(struct ck_ring, p_head), 4, 0, 0 },
	{ "size", F_SIZE, offsetof(struct ck_ring, size), 4, 0, 0 },
	{ "mask", F_MASK, offsetof(struct ck_ring, mask), 4, 0, 0 },
};
static const struct rt_field slot_fields[] = {
	{ "slot[]", F_SLOT, 0, sizeof(struct ck_ring_buffer), MAX_SIZE, 0 },
};

/* The run's state (reset by setup). */
static struct {
	uint32_t size, nprod, items, ncons;
	int accepted[MAX_PRODUCERS][MAX_ITEMS];    /* enqueue returned true */
	int delivered[MAX_PRODUCERS][MAX_ITEMS];
	int next[MAX_PRODUCERS];                   /* one consumer: the next item due per producer */
	int in_call[RT_MAX_ACTORS], saw_full[RT_MAX_ACTORS];
	int prod_actor[MAX_PRODUCERS];
} st;

static void *item(uint32_t p, uint32_t i)
{
	return (void *)(uintptr_t)(100u * (p + 1) + i);
}

static int common_setup(struct rt *rt, const struct tp_config *c, uint32_t size)
{
	if (size & (size - 1))
		return rt_setup_error(rt, "size %u: ck_ring needs a power of two", size);
	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	(void)c;
	st.size = size;
	ck_ring_init(&mem.ring, size);
	if (tp_region(rt, "ring", &mem.ring, sizeof(mem.ring), ring_fields, 5) < 0 ||
	    tp_region(rt, "slots", mem.slot, size * sizeof(mem.slot[0]), slot_fields, 1) < 0 ||
	    tp_guard(rt, "the guard after the slots", &mem.slot[size],
		     sizeof(mem) - offsetof(__typeof__(mem), slot) - size * sizeof(mem.slot[0])) < 0 ||
	    tp_const(&mem.ring.size, 2 * sizeof(unsigned int)) < 0)
		return rt_setup_error(rt, "ck: cannot register the ring");
	tp_watch(rt, "p_head", &mem.ring.p_head, 4);
	tp_watch(rt, "p_tail", &mem.ring.p_tail, 4);
	tp_watch(rt, "c_head", &mem.ring.c_head, 4);
	return 0;
}

/* ---- spsc ----------------------------------------------------------------------------------- */

static void spsc_producer(struct rt *rt, int id, void *arg)
{
	uint32_t i, mask = st.size - 1;

	(void)rt, (void)id, (void)arg;
	for (i = 0; i < st.items; i++) {
		while (!ck_ring_enqueue_spsc(&mem.ring, mem.slot, item(0, i))) {
			/* the user's poll loop, blocking: full while c_head is where it was */
			unsigned c = (unsigned)tp_load(&mem.ring.c_head, 4, RT_RELAXED);

			if (((i + 1) & mask) == (c & mask))
				tp_spin(&mem.ring.c_head, 4);
		}
		st.accepted[0][i] = 1;
	}
}

static void spsc_consumer(struct rt *rt, int id, void *arg)
{
	uint32_t got = 0;

	(void)rt, (void)id, (void)arg;
	while (got < st.items) {
		void *v;

		if (!ck_ring_dequeue_spsc(&mem.ring, mem.slot, &v)) {
			unsigned p = (unsigned)tp_load(&mem.ring.p_tail, 4, RT_RELAXED);

			if (p == got)
				tp_spin(&mem.ring.p_tail, 4);
			continue;
		}
		/* The consumer goes on after a wrong item: under ARM an execution counts only if
		 * every promise its actors made is fulfilled (docs/memory-models.md), and the
		 * consumer's promised c_head stores are fulfilled by the dequeues that follow. */
		if (v != item(0, got))
			tp_fail(TP_VIO_CORRUPT, "consumer dequeued %lu where item %lu was due (the slot "
				"was overwritten before it was read, or read before it was written)",
				(unsigned long)(uintptr_t)v, (unsigned long)(uintptr_t)item(0, got));
		st.delivered[0][got++]++;
	}
}

static int spsc_setup(struct rt *rt, const struct tp_config *c)
{
	int r = common_setup(rt, c, c->param[1]);

	if (r)
		return r;
	st.nprod = 1;
	st.items = c->param[0];
	st.ncons = 1;
	if (tp_actor(rt, KIND_PRODUCER, "producer", spsc_producer, NULL) < 0 ||
	    tp_actor(rt, KIND_CONSUMER, "consumer", spsc_consumer, NULL) < 0)
		return rt_setup_error(rt, "ck: cannot start the actors");
	return 0;
}

static const struct tp_scenario spsc = {
	.name = "spsc",
	.about = "ck_ring_enqueue_spsc / ck_ring_dequeue_spsc: FIFO, every item once, no overwrite",
	.param = { "items", "size" },
	.def = { 3, 2 }, .lo = { 1, 2 }, .hi = { MAX_ITEMS, MAX_SIZE },
	.setup = spsc_setup,
};

/* ---- mpmc ----------------------------------------------------------------------------------- */

/* Full as ck_ring counts it: reserved slots (p_head) up to the capacity, size - 1. */
static int ring_full(void)
{
	return mem.ring.p_head - mem.ring.c_head >= st.size - 1;
}

static void mp_after_step(struct rt *rt)
{
	int a;

	(void)rt;
	if (!ring_full())
		return;
	for (a = 0; a < RT_MAX_ACTORS; a++)
		if (st.in_call[a])
			st.saw_full[a] = 1;
}

static void mpmc_producer(struct rt *rt, int id, void *arg)
{
	uint32_t p = (uint32_t)(uintptr_t)arg, i;

	(void)rt;
	for (i = 0; i < st.items; i++) {
		int ok;

		/* ghost: the ring's committed state when the call starts, then every step's */
		st.saw_full[id] = (uint32_t)tp_peek(&mem.ring.p_head, 4) -
					  (uint32_t)tp_peek(&mem.ring.c_head, 4) >= st.size - 1;
		st.in_call[id] = 1;
		ok = ck_ring_enqueue_mpmc(&mem.ring, mem.slot, item(p, i));
		st.in_call[id] = 0;
		if (ok) {
			st.accepted[p][i] = 1;
		} else if (!st.saw_full[id]) {
			tp_fail(TP_VIO_SPURIOUS_FULL, "producer %u: ck_ring_enqueue_mpmc said full for item "
				"%u, but the ring was never full during the call (size %u holds %u)", p,
				(unsigned)(uintptr_t)item(p, i), st.size, st.size - 1);
			return;
		}
	}
}

static void deliver(void *v)
{
	uintptr_t x = (uintptr_t)v;
	uint32_t p = (uint32_t)(x / 100) - 1, i = (uint32_t)(x % 100);

	if (x < 100 || p >= st.nprod || i >= st.items || !st.accepted[p][i]) {
		tp_fail(TP_VIO_CORRUPT, "a consumer dequeued %lu, which no producer enqueued",
			(unsigned long)x);
		return;
	}
	if (st.delivered[p][i]++) {
		tp_fail(TP_VIO_LOST, "item %lu dequeued twice", (unsigned long)x);
		return;
	}
	if (st.ncons == 1 && (int)i < st.next[p]) {
		tp_fail(TP_VIO_LOST, "item %lu of producer %u dequeued after a later one", (unsigned long)x,
			p);
		return;
	}
	st.next[p] = (int)i + 1;
}

static void mpmc_consumer(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	for (;;) {
		void *v;

		if (ck_ring_dequeue_mpmc(&mem.ring, mem.slot, &v)) {
			deliver(v);
			continue;
		}
		/* empty: wait for a change; once every producer is done, one last look */
		if (tp_idle(&mem, sizeof(mem.ring) + st.size * sizeof(mem.slot[0]),
			    1u << KIND_PRODUCER))
			continue;
		if (!ck_ring_dequeue_mpmc(&mem.ring, mem.slot, &v))
			return;
		deliver(v);
	}
}

static void mp_at_end(struct rt *rt)
{
	uint32_t p, i;

	(void)rt;
	for (p = 0; p < st.nprod; p++)
		for (i = 0; i < st.items; i++)
			if (st.accepted[p][i] && !st.delivered[p][i]) {
				tp_fail(TP_VIO_LOST, "item %u accepted by the ring, never dequeued",
					(unsigned)(uintptr_t)item(p, i));
				return;
			}
}

static int mpmc_setup(struct rt *rt, const struct tp_config *c)
{
	static const char *const pname[] = { "producer0", "producer1", "producer2" };
	static const char *const cname[] = { "consumer0", "consumer1" };
	uint32_t p;
	int r = common_setup(rt, c, c->param[3]);

	if (r)
		return r;
	st.nprod = c->param[0];
	st.items = c->param[1];
	st.ncons = c->param[2];
	for (p = 0; p < st.nprod; p++)
		if ((st.prod_actor[p] = tp_actor(rt, KIND_PRODUCER, pname[p], mpmc_producer,
						 (void *)(uintptr_t)p)) < 0)
			return rt_setup_error(rt, "ck: cannot start the producers");
	for (p = 0; p < st.ncons; p++)
		if (tp_actor(rt, KIND_CONSUMER, cname[p], mpmc_consumer, NULL) < 0)
			return rt_setup_error(rt, "ck: cannot start the consumers");
	return 0;
}

static const struct tp_scenario mpmc = {
	.name = "mpmc",
	.about = "ck_ring_enqueue_mpmc / ck_ring_dequeue_mpmc: every accepted item once, no "
		 "spurious full",
	.param = { "producers", "items", "consumers", "size" },
	.def = { 2, 1, 1, 4 }, .lo = { 1, 1, 1, 2 }, .hi = { MAX_PRODUCERS, 3, 2, MAX_SIZE },
	.setup = mpmc_setup,
	.after_step = mp_after_step,
	.at_end = mp_at_end,
};

const struct tp_scenario *const tp_scenarios[] = { &spsc, &mpmc };
const uint32_t tp_nscenarios_ = 2;
