/* SPDX-License-Identifier: ISC */
/*
 * The memory-model interface (internal to rt). A model is one file defining a const struct rt_mm
 * (mm_sc.c, mm_tso.c, mm_pso.c) and one line in mm.c's table. The scheduler calls it from the
 * scheduler context (never from an actor's fiber), with the acting actor a:
 *
 *   begin      (may be NULL) a new execution starts under this model: reset its own state.
 *   store      a store of a (scalar: bytes == NULL, value in val; region: size bytes at bytes).
 *              Make it visible now (rt_commit) or keep it pending (rt_sb_push). Returns 1 when
 *              the store went to a buffer (the step is shown as buffered).
 *   load       what a load of a reads: size bytes into out (rt_sb_view: memory overlaid with a's
 *              own pending stores). A model where a load may read one of several writes takes
 *              that decision with rt_choose(rt, nopt) (it is a decision of the choice list).
 *   fence      a fence of kind enum rt_fence (what each kind means per model: rt.h "Fences").
 *              RT_FENCE_HEAVY (the asymmetric barrier's heavy side) must also order every OTHER
 *              actor as by a full fence at its current point (store-buffer models:
 *              rt_sb_flush_all); the scheduler treats the step as dependent with everything.
 *   rmw        before an atomic read-modify-write reads memory: what must be visible first
 *              (x86-like models: the whole buffer).
 *   drainable  may pending entry i of a become visible now? The scheduler offers every drainable
 *              entry as an option (rt.h "Scheduling"), commits the chosen one (rt_sb_commit) and
 *              the execution is quiescent when nothing is runnable and no entry is pending.
 *   drain_key  DPOR: which drain pseudo-thread entry i belongs to (0: one FIFO per actor; else a
 *              key, e.g. its address: one FIFO per actor and address). Stable across executions.
 * Optional (NULL: the behaviour the x86-like models share), for a model whose memory is more
 * than committed bytes (ARM's message list, views and promises):
 *   rmw_op     executes an atomic RMW (TAS, FETCH_ADD, CAS: op; val, val2 its operands): returns
 *              the old value, *newval what it wrote (or old if a CAS failed)
 *   commit_entry  makes pending entry i of a visible (instead of rt_sb_commit)
 *   spin_blocks   rt_spin: does a block (1), or may it look again at once (0)?
 *   idle_again    rt_idle: has the range changed since a last caught up (look again, 1)?
 *   woken      a was woken from rt_spin / rt_idle / rt_wait (or found a notification pending)
 *   signal     a signals an event channel (before the waiter wakes)
 *   defer      a violation while the execution may still be pruned: keep it pending (1)
 *   prune      at the end of a run (quiescence, step bound): 1 = it did not happen
 *
 * A model records what a load read with rt->step_rf (the step that made the value).
 *
 * Pending stores live in a->sb[0 .. a->nsb), oldest first (struct rt_sb_entry); rt_sb_commit(i)
 * makes entry i visible. A model that needs more state per actor adds it to struct rt_actor.
 * A model under development is used with rt_use_mm(rt, &model) from the workload's setup, before
 * it gets an enum rt_mm_id and a line in mm.c (tests/model: rt_selftest.c's toy model).
 */
#ifndef RT_MM_H
#define RT_MM_H

#include "rt_impl.h"

#pragma GCC visibility push(hidden)

struct rt_mm {
	const char *name;
	void (*begin)(struct rt *rt);
	int (*store)(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		     uint64_t val, const unsigned char *bytes);
	void (*load)(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		     int order, unsigned char *out);
	void (*fence)(struct rt *rt, struct rt_actor *a, int kind);
	void (*rmw)(struct rt *rt, struct rt_actor *a, int order);
	int (*drainable)(const struct rt_actor *a, uint32_t i);
	uint64_t (*drain_key)(const struct rt_actor *a, uint32_t i);
	uint64_t (*rmw_op)(struct rt *rt, struct rt_actor *a, int op, unsigned char *addr,
			   uint32_t size, int order, uint64_t val, uint64_t val2, uint64_t *newval);
	void (*commit_entry)(struct rt *rt, struct rt_actor *a, uint32_t i);
	int (*spin_blocks)(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size);
	int (*idle_again)(struct rt *rt, struct rt_actor *a);
	void (*woken)(struct rt *rt, struct rt_actor *a);
	void (*signal)(struct rt *rt, struct rt_actor *a);
	int (*defer)(struct rt *rt, int32_t code, const char *message, int32_t step);
	int (*prune)(struct rt *rt);
};

extern const struct rt_mm rt_mm_sc, rt_mm_tso, rt_mm_pso, rt_mm_arm;
const struct rt_mm *rt_mm_get(int id);   /* enum rt_mm_id, NULL if unknown */
void rt_use_mm(struct rt *rt, const struct rt_mm *mm);   /* from a workload's setup */

/* Helpers of the store-buffer models (sb.c). */
void rt_sb_push(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		uint64_t val, const unsigned char *bytes);
void rt_sb_view(struct rt *rt, const struct rt_actor *a, const unsigned char *addr, uint32_t size,
		unsigned char *out);
void rt_sb_commit(struct rt *rt, struct rt_actor *a, uint32_t i);
void rt_sb_flush(struct rt *rt, struct rt_actor *a);
/* RT_FENCE_HEAVY of a buffering model: every other actor's buffer, then a's, drains. */
void rt_sb_flush_all(struct rt *rt, struct rt_actor *a);
int rt_sb_overlaps_older(const struct rt_actor *a, uint32_t i);
/* store / load / rmw of a model whose only reordering is its store buffer (TSO, PSO) */
int rt_sb_store(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size, int order,
		uint64_t val, const unsigned char *bytes);
void rt_sb_load(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		int order, unsigned char *out);
void rt_sb_rmw(struct rt *rt, struct rt_actor *a, int order);

#pragma GCC visibility pop

#endif
