/* SPDX-License-Identifier: ISC */
/*
 * Store buffers, shared by the buffering memory models (TSO, PSO): pending stores of an actor,
 * oldest first, in a->sb. A load reads committed memory overlaid with the actor's own pending
 * stores (oldest first, so the newest wins): store-to-load forwarding. A region store (a copy
 * into shared memory) is one entry holding its bytes (in the per-execution arena).
 */
#include "mm.h"

#include <string.h>

void rt_sb_view(struct rt *rt, const struct rt_actor *a, const unsigned char *addr, uint32_t size,
		unsigned char *out)
{
	uint32_t i;

	memcpy(out, addr, size);
	for (i = 0; i < a->nsb; i++) {
		const struct rt_sb_entry *e = &a->sb[i];
		const unsigned char *lo, *hi;

		if (!rt_overlaps(e->addr, e->size, addr, size))
			continue;
		lo = e->addr > addr ? e->addr : addr;
		hi = e->addr + e->size < addr + size ? e->addr + e->size : addr + size;
		if (e->region) {
			memcpy(out + (lo - addr), e->bytes + (lo - e->addr), (size_t)(hi - lo));
		} else {
			unsigned char v[8];

			memcpy(v, &e->val, 8);
			memcpy(out + (lo - addr), v + (lo - e->addr), (size_t)(hi - lo));
		}
		RT_EVENT(rt, RT_EV_FORWARDED);
	}
}

void rt_sb_commit(struct rt *rt, struct rt_actor *a, uint32_t i)
{
	struct rt_sb_entry e = a->sb[i];

	if (rt->mm->commit_entry) {    /* a model whose drains are more than a commit (ARM) */
		rt->mm->commit_entry(rt, a, i);
		return;
	}
	if (i > 0)
		RT_EVENT(rt, RT_EV_REORDERED);
	if (a->nsb == 1)
		DP_LOC(rt, RT_DPL_SB + a->id, 1, 1);   /* the buffer becomes empty */
	memmove(&a->sb[i], &a->sb[i + 1], (a->nsb - i - 1) * sizeof(a->sb[0]));
	a->nsb--;
	rt_commit(rt, a, e.addr, e.size, e.region ? e.bytes : NULL, e.val);
}

void rt_sb_flush(struct rt *rt, struct rt_actor *a)
{
	/* DPOR: the commits are recorded as writes; that the flush disables the actor's drain
	 * pseudo-threads is handled by dpor.c's disabled-transition check */
	while (a->nsb)
		rt_sb_commit(rt, a, 0);
}

/* The heavy side of an asymmetric barrier (RT_FENCE_HEAVY): the interrupt that every other CPU
 * takes is a full fence at that actor's current point, so everything it buffered (its stores
 * before its next visible operation, in program order) becomes visible; then the caller's own
 * full fence. Finished and killed actors' buffers drain too (their stores are still in flight).
 * The order of the other actors' commits is fixed (actor order): an order where another lands
 * last is the schedule that drains it explicitly before this step. */
void rt_sb_flush_all(struct rt *rt, struct rt_actor *a)
{
	int i;

	for (i = 0; i < rt->nactors; i++)
		if (rt->a[i] != a)
			rt_sb_flush(rt, rt->a[i]);
	rt_sb_flush(rt, a);
}

/* Does an older pending store of a overlap entry i (per-address FIFO order)? */
int rt_sb_overlaps_older(const struct rt_actor *a, uint32_t i)
{
	uint32_t j;

	for (j = 0; j < i; j++)
		if (rt_overlaps(a->sb[j].addr, a->sb[j].size, a->sb[i].addr, a->sb[i].size))
			return 1;
	return 0;
}

void rt_sb_push(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		uint64_t val, const unsigned char *bytes)
{
	struct rt_sb_entry *e;

	if (a->nsb == RT_SB_CAP) {
		DP_GLOBAL(rt);
		rt_sb_commit(rt, a, 0);   /* a finite buffer: the oldest store leaves first */
	}
	if (a->nsb == 0)
		DP_LOC(rt, RT_DPL_SB + a->id, 1, 1);   /* the buffer becomes non-empty */
	/* Before another actor's HEAVY fence this store is made visible by it, after the fence it
	 * stays buffered: the two do not commute (stores of different actors still do). */
	DP_LOC(rt, RT_DPL_HEAVY, 1, 0);
	e = &a->sb[a->nsb++];
	e->ev = rt->dp_ev;
	e->addr = addr;
	e->size = size;
	e->order = (uint8_t)order;
	e->region = bytes != NULL;
	e->epoch = a->epoch;
	e->val = val;
	e->bytes = NULL;
	if (bytes) {
		if (rt->arena_used + size > RT_ARENA_BYTES) {
			a->nsb--;
			rt_sb_flush(rt, a);
			rt_commit(rt, a, addr, size, bytes, 0);
			return;
		}
		e->bytes = rt->arena + rt->arena_used;
		rt->arena_used += (size + 7) & ~7u;
		memcpy(e->bytes, bytes, size);
	}
}

/* The operations TSO and PSO share: a store is buffered, a load forwards from the own buffer, an
 * atomic RMW (x86/SPARC locked instruction) first makes the whole buffer visible. */
int rt_sb_store(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		uint64_t val, const unsigned char *bytes)
{
	rt_sb_push(rt, a, addr, size, order, val, bytes);
	return 1;
}

void rt_sb_load(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		int order, unsigned char *out)
{
	(void)order;
	rt_sb_view(rt, a, addr, size, out);
}

void rt_sb_rmw(struct rt *rt, struct rt_actor *a, int order)
{
	(void)order;
	rt_sb_flush(rt, a);
}
