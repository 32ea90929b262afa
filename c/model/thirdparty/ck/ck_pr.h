/* SPDX-License-Identifier: ISC */
/*
 * Concurrency Kit's primitives (ck_pr.h) mapped onto rt, for the model build of the INSTALLED
 * ck_ring.h. This file is found before /usr/include/ck_pr.h (-I order, mk/thirdparty.mk); every
 * other ck header (ck_ring.h, ck_cc.h, ck_md.h, ck_stdbool.h, ck_string.h) is the installed one.
 *
 * Loads and stores are relaxed atomics (ck_pr_load_*, ck_pr_store_*: no ordering of their own);
 * compare-and-swap and fetch-and-add are rt's fully ordered RMWs. Fences follow ck's contract
 * (the strict fence of each kind, what ck emits under CK_MD_RMO, its weakest model), not what one
 * port emits: a port only strengthens them. Under ARM (mm_arm.c) each kind orders exactly:
 *   fence_load, fence_load_load           RT_FENCE_LDLD  earlier loads / later loads only
 *   fence_store, fence_store_store        RT_FENCE_WMB   earlier stores / later stores only
 *   fence_load_store                      RT_FENCE_ACQUIRE  earlier loads / later loads and
 *                                         stores (rt has no load->store-only kind: this adds
 *                                         load->load, which ck's load_store does not promise)
 *   fence_acquire, fence_lock             RT_FENCE_ACQUIRE  C11 acquire fence
 *   fence_release, fence_unlock           RT_FENCE_RELEASE  C11 release fence (ARM: dmb ish)
 *   fence_acqrel                          RT_FENCE_RELEASE  C11 acq_rel fence: acquire + release,
 *                                         no store->load (SC/TSO/PSO: exact; ARM: dmb ish)
 *   fence_store_load, fence_memory, fence_atomic*, fence_*_atomic
 *                                         RT_FENCE_FULL (rt's RMWs are fully ordered anyway)
 * Debian's gcc/aarch64/ck_pr.h emits stronger fences than this contract for some kinds
 * (fence_load: dmb ishld, which also orders loads before later stores; load_store, acquire,
 * release: dmb ish): docs/thirdparty.md says what that means for the rows.
 * ck_pr_stall() (the pause in a spin-wait loop) blocks until another actor changes the location
 * the actor loaded last (rt_spin): exact for loops of the form while (ck_pr_load(x) != v)
 * ck_pr_stall(), which is how ck_ring uses it.
 */
#ifndef CK_PR_H
#define CK_PR_H

#include <ck_cc.h>
#include <ck_md.h>
#include <ck_stdbool.h>
#include <stdint.h>

#include "../common/tp.h"

/* The location each actor loaded last through ck_pr (for ck_pr_stall). */
extern const volatile void *tp_ck_last_load[RT_MAX_ACTORS];
extern unsigned tp_ck_last_size[RT_MAX_ACTORS];

CK_CC_INLINE static void
tp_ck_loaded(const volatile void *target, unsigned size)
{
	struct rt *rt = rt_current();
	int self = rt ? rt_self(rt) : -1;

	if (self < 0)
		return;
	tp_ck_last_load[self] = target;
	tp_ck_last_size[self] = size;
}

CK_CC_INLINE static void
ck_pr_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

#define TP_CK_LOAD_STORE(S, T)                                                            \
	CK_CC_INLINE static T ck_pr_md_load_##S(const T *target)                          \
	{                                                                                   \
		tp_ck_loaded(target, sizeof(T));                                            \
		return (T)tp_load(target, sizeof(T), RT_RELAXED);                           \
	}                                                                                   \
	CK_CC_INLINE static void ck_pr_md_store_##S(T *target, T v)                       \
	{                                                                                   \
		tp_store(target, sizeof(T), RT_RELAXED, (uint64_t)v);                       \
	}                                                                                   \
	CK_CC_INLINE static bool ck_pr_cas_##S(T *target, T compare, T set)               \
	{                                                                                   \
		return (T)tp_cas(target, sizeof(T), (uint64_t)compare, (uint64_t)set) ==    \
		       compare;                                                             \
	}                                                                                   \
	CK_CC_INLINE static bool ck_pr_cas_##S##_value(T *target, T compare, T set, T *v) \
	{                                                                                   \
		*v = (T)tp_cas(target, sizeof(T), (uint64_t)compare, (uint64_t)set);        \
		return *v == compare;                                                       \
	}                                                                                   \
	CK_CC_INLINE static T ck_pr_faa_##S(T *target, T d)                               \
	{                                                                                   \
		return (T)tp_fetch_add(target, sizeof(T), (uint64_t)d);                     \
	}                                                                                   \
	CK_CC_INLINE static void ck_pr_add_##S(T *target, T d)                            \
	{                                                                                   \
		(void)tp_fetch_add(target, sizeof(T), (uint64_t)d);                         \
	}                                                                                   \
	CK_CC_INLINE static void ck_pr_inc_##S(T *target)                                 \
	{                                                                                   \
		(void)tp_fetch_add(target, sizeof(T), 1);                                   \
	}                                                                                   \
	CK_CC_INLINE static void ck_pr_dec_##S(T *target)                                 \
	{                                                                                   \
		(void)tp_fetch_add(target, sizeof(T), (uint64_t)(T)-1);                     \
	}

TP_CK_LOAD_STORE(uint, unsigned int)
TP_CK_LOAD_STORE(int, int)
TP_CK_LOAD_STORE(char, char)
TP_CK_LOAD_STORE(64, uint64_t)
TP_CK_LOAD_STORE(32, uint32_t)
TP_CK_LOAD_STORE(16, uint16_t)
TP_CK_LOAD_STORE(8, uint8_t)
#undef TP_CK_LOAD_STORE

CK_CC_INLINE static void *
ck_pr_md_load_ptr(const void *target)
{
	tp_ck_loaded(target, sizeof(void *));
	return (void *)(uintptr_t)tp_load(target, sizeof(void *), RT_RELAXED);
}

CK_CC_INLINE static void
ck_pr_md_store_ptr(void *target, const void *v)
{
	tp_store(target, sizeof(void *), RT_RELAXED, (uint64_t)(uintptr_t)v);
}

CK_CC_INLINE static bool
ck_pr_cas_ptr(void *target, void *compare, void *set)
{
	return tp_cas(target, sizeof(void *), (uint64_t)(uintptr_t)compare,
		      (uint64_t)(uintptr_t)set) == (uint64_t)(uintptr_t)compare;
}

CK_CC_INLINE static bool
ck_pr_cas_ptr_value(void *target, void *compare, void *set, void *v)
{
	uint64_t old = tp_cas(target, sizeof(void *), (uint64_t)(uintptr_t)compare,
			      (uint64_t)(uintptr_t)set);

	*(void **)v = (void *)(uintptr_t)old;
	return old == (uint64_t)(uintptr_t)compare;
}

/* ck_pr.h's public names for loads and stores (the installed header's shape). */
#define ck_pr_load_ptr(SRC) ck_pr_md_load_ptr((SRC))
#define ck_pr_load_uint(SRC) ck_pr_md_load_uint((SRC))
#define ck_pr_load_int(SRC) ck_pr_md_load_int((SRC))
#define ck_pr_load_char(SRC) ck_pr_md_load_char((SRC))
#define ck_pr_load_64(SRC) ck_pr_md_load_64((SRC))
#define ck_pr_load_32(SRC) ck_pr_md_load_32((SRC))
#define ck_pr_load_16(SRC) ck_pr_md_load_16((SRC))
#define ck_pr_load_8(SRC) ck_pr_md_load_8((SRC))
#define ck_pr_store_ptr(DST, VAL) ck_pr_md_store_ptr((DST), (VAL))
#define ck_pr_store_uint(DST, VAL) ck_pr_md_store_uint((DST), (VAL))
#define ck_pr_store_int(DST, VAL) ck_pr_md_store_int((DST), (VAL))
#define ck_pr_store_char(DST, VAL) ck_pr_md_store_char((DST), (VAL))
#define ck_pr_store_64(DST, VAL) ck_pr_md_store_64((DST), (VAL))
#define ck_pr_store_32(DST, VAL) ck_pr_md_store_32((DST), (VAL))
#define ck_pr_store_16(DST, VAL) ck_pr_md_store_16((DST), (VAL))
#define ck_pr_store_8(DST, VAL) ck_pr_md_store_8((DST), (VAL))

#define TP_CK_FENCE(T, KIND)                                                              \
	CK_CC_INLINE static void ck_pr_fence_##T(void)                                    \
	{                                                                                   \
		tp_fence(KIND);                                                             \
	}                                                                                   \
	CK_CC_INLINE static void ck_pr_fence_strict_##T(void)                             \
	{                                                                                   \
		tp_fence(KIND);                                                             \
	}

TP_CK_FENCE(load, RT_FENCE_LDLD)
TP_CK_FENCE(load_load, RT_FENCE_LDLD)
TP_CK_FENCE(store, RT_FENCE_WMB)
TP_CK_FENCE(store_store, RT_FENCE_WMB)
TP_CK_FENCE(load_store, RT_FENCE_ACQUIRE)
TP_CK_FENCE(acquire, RT_FENCE_ACQUIRE)
TP_CK_FENCE(lock, RT_FENCE_ACQUIRE)
TP_CK_FENCE(release, RT_FENCE_RELEASE)
TP_CK_FENCE(unlock, RT_FENCE_RELEASE)
TP_CK_FENCE(store_load, RT_FENCE_FULL)
TP_CK_FENCE(memory, RT_FENCE_FULL)
TP_CK_FENCE(acqrel, RT_FENCE_RELEASE)
TP_CK_FENCE(atomic, RT_FENCE_FULL)
TP_CK_FENCE(atomic_atomic, RT_FENCE_FULL)
TP_CK_FENCE(atomic_load, RT_FENCE_FULL)
TP_CK_FENCE(atomic_store, RT_FENCE_FULL)
TP_CK_FENCE(store_atomic, RT_FENCE_FULL)
TP_CK_FENCE(load_atomic, RT_FENCE_FULL)
#undef TP_CK_FENCE

/* No port orders a load after a dependent one in ck: a compiler barrier (ck_pr.h's choice). */
CK_CC_INLINE static void
ck_pr_fence_load_depends(void)
{
	ck_pr_barrier();
}

CK_CC_INLINE static void
ck_pr_stall(void)
{
	struct rt *rt = rt_current();
	int self = rt ? rt_self(rt) : -1;

	if (self >= 0 && tp_ck_last_load[self])
		tp_spin(tp_ck_last_load[self], tp_ck_last_size[self]);
}

#endif /* CK_PR_H */
