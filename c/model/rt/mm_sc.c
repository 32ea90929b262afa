/* SPDX-License-Identifier: ISC */
/* Sequential consistency: every store is visible at once; loads read memory; fences (HEAVY too)
 * and RMWs have nothing to order. */
#include "mm.h"

#include <string.h>

static int sc_store(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		    uint64_t val, const unsigned char *bytes)
{
	(void)order;
	rt_commit(rt, a, addr, size, bytes, val);
	return 0;
}

static void sc_load(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		    int order, unsigned char *out)
{
	(void)rt, (void)a, (void)order;
	memcpy(out, addr, size);
}

static void sc_fence(struct rt *rt, struct rt_actor *a, int kind)
{
	(void)rt, (void)a, (void)kind;
}

static void sc_rmw(struct rt *rt, struct rt_actor *a, int order)
{
	(void)rt, (void)a, (void)order;
}

static int sc_drainable(const struct rt_actor *a, uint32_t i)
{
	(void)a, (void)i;
	return 1;        /* never asked: nothing is ever pending */
}

static uint64_t sc_drain_key(const struct rt_actor *a, uint32_t i)
{
	(void)a, (void)i;
	return 0;
}

const struct rt_mm rt_mm_sc = {
	.name = "SC", .store = sc_store, .load = sc_load, .fence = sc_fence, .rmw = sc_rmw,
	.drainable = sc_drainable, .drain_key = sc_drain_key,
};
