/* SPDX-License-Identifier: ISC */
/*
 * TSO (x86): a per-actor FIFO store buffer; a load forwards from its own buffer; only the oldest
 * entry drains. Loads are never reordered and a store never passes an older store, so only the
 * store->load order is missing: a FULL fence drains the buffer, and so does every atomic RMW
 * (locked instructions). ACQUIRE, RELEASE, WMB and RMB fences order nothing TSO does not already.
 * HEAVY (asymmetric barrier) drains every actor's buffer.
 */
#include "mm.h"

static void tso_fence(struct rt *rt, struct rt_actor *a, int kind)
{
	if (kind == RT_FENCE_FULL)
		rt_sb_flush(rt, a);
	else if (kind == RT_FENCE_HEAVY)
		rt_sb_flush_all(rt, a);   /* every actor fenced where it stands (sb.c) */
}

static int tso_drainable(const struct rt_actor *a, uint32_t i)
{
	(void)a;
	return i == 0;
}

static uint64_t tso_drain_key(const struct rt_actor *a, uint32_t i)
{
	(void)a, (void)i;
	return 0;                /* one FIFO per actor */
}

const struct rt_mm rt_mm_tso = {
	.name = "TSO", .store = rt_sb_store, .load = rt_sb_load, .fence = tso_fence, .rmw = rt_sb_rmw,
	.drainable = tso_drainable, .drain_key = tso_drain_key,
};
