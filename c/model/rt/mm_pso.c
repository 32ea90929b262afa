/* SPDX-License-Identifier: ISC */
/*
 * PSO (SPARC): per actor, per address FIFOs: an entry drains when no older entry of its actor
 * overlaps it, except that a RELEASE store, and every store after a store-store fence (RELEASE or
 * WMB fence), drains only after every older store of its actor. A FULL fence and every atomic RMW
 * drain the whole buffer; a HEAVY fence (asymmetric barrier) drains every actor's. Loads are never reordered (acquire is implied), so ACQUIRE and RMB
 * fences order nothing PSO does not already.
 *
 * Store-store fences cost no drain: each entry carries the number of such fences its actor had
 * passed when it was buffered (epoch); entries are in program order, so all older entries have
 * drained exactly when the oldest pending entry has the same epoch.
 */
#include "mm.h"

static void pso_fence(struct rt *rt, struct rt_actor *a, int kind)
{
	if (kind == RT_FENCE_FULL)
		rt_sb_flush(rt, a);
	else if (kind == RT_FENCE_HEAVY)
		rt_sb_flush_all(rt, a);   /* every actor fenced where it stands (sb.c) */
	else if ((kind == RT_FENCE_RELEASE || kind == RT_FENCE_WMB) && a->nsb)
		a->epoch++;
}

static int pso_drainable(const struct rt_actor *a, uint32_t i)
{
	if (i == 0)
		return 1;
	if (a->sb[i].order == RT_RELEASE || a->sb[i].epoch != a->sb[0].epoch)
		return 0;
	return !rt_sb_overlaps_older(a, i);
}

static uint64_t pso_drain_key(const struct rt_actor *a, uint32_t i)
{
	return (uint64_t)(uintptr_t)a->sb[i].addr;   /* one FIFO per actor and address */
}

const struct rt_mm rt_mm_pso = {
	.name = "PSO", .store = rt_sb_store, .load = rt_sb_load, .fence = pso_fence, .rmw = rt_sb_rmw,
	.drainable = pso_drainable, .drain_key = pso_drain_key,
};
