/* SPDX-License-Identifier: ISC */
/*
 * The ordering layer of the model build (c/include/mnetif/atomic.h, MNETIF_MODEL) onto rt: each
 * call is one visible operation of the running execution (rt_current()), or a plain memory access
 * outside any actor (setup before the run, oracles). Any code written against atomic.h (the ring,
 * the registry, a ring ported onto the same vocabulary) is checked through these six functions.
 * atomic.h's operation and order values are rt's (checked below).
 */
#include "rt/rt.h"
#include "mnetif/atomic.h"

#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(MN_OP_LOAD, RT_OP_LOAD) && SAME(MN_OP_STORE, RT_OP_STORE) &&
	       SAME(MN_OP_FENCE, RT_OP_FENCE) && SAME(MN_OP_TAS, RT_OP_TAS) &&
	       SAME(MN_OP_FETCH_ADD, RT_OP_FETCH_ADD) && SAME(MN_OP_COPY_IN, RT_OP_COPY_IN) &&
	       SAME(MN_OP_COPY_OUT, RT_OP_COPY_OUT) && SAME(MN_OP_SPIN, RT_OP_SPIN) &&
	       SAME(MN_OP_NOTIFY, RT_OP_SIGNAL), "atomic.h's enum mn_op must be rt's enum rt_op");
_Static_assert(SAME(MN_PLAIN, RT_PLAIN) && SAME(MN_RELAXED, RT_RELAXED) &&
	       SAME(MN_ACQUIRE, RT_ACQUIRE) && SAME(MN_RELEASE, RT_RELEASE) &&
	       SAME(MN_SEQ_CST, RT_SEQ_CST) && SAME(MN_ACQ_REL, RT_ACQ_REL) &&
	       SAME(MN_BLIND, RT_BLIND),
	       "atomic.h's enum mn_order must be rt's enum rt_order");
_Static_assert(SAME(MN_FENCE_ACQUIRE, RT_FENCE_ACQUIRE) && SAME(MN_FENCE_RELEASE, RT_FENCE_RELEASE) &&
	       SAME(MN_FENCE_FULL, RT_FENCE_FULL) && SAME(MN_FENCE_WMB, RT_FENCE_WMB) &&
	       SAME(MN_FENCE_RMB, RT_FENCE_RMB), "atomic.h's enum mn_fence must be rt's enum rt_fence");

uint64_t mn_model_access(int op, volatile void *addr, unsigned size, int order, uint64_t val)
{
	return rt_access_current(op, addr, size, order, val);
}

void mn_model_copy(int op, void *dst, const void *src, size_t n)
{
	if (op == MN_OP_COPY_IN)
		rt_copy_in(rt_current(), dst, src, n);
	else
		rt_copy_out(rt_current(), dst, src, n);
}

/* smp_mb(): a full fence; the other kinds (rt.h "Fences") by mn_model_fence_kind */
void mn_model_fence(void)
{
	rt_fence(rt_current(), RT_FENCE_FULL);
}

/* the heavy side of the asymmetric barrier (rt.h "Fences": HEAVY); the light side is no operation */
void mn_model_heavy_barrier(void)
{
	rt_fence(rt_current(), RT_FENCE_HEAVY);
}

void mn_model_fence_kind(int kind)
{
	rt_fence(rt_current(), kind);
}

void mn_model_spin(volatile void *addr, unsigned size)
{
	rt_spin(rt_current(), addr, size);
}

/* The event channel: every tag is channel 0 (one ring, one consumer). */
void mn_model_notify(void *tag)
{
	(void)tag;
	rt_signal(rt_current(), 0);
}
