/* SPDX-License-Identifier: ISC */
/*
 * Checking YOUR ring code with the harness (pytest plugin, docs/plugin.md). Two things to write:
 *
 *  1. The ring, with every access to shared memory through these operations (on rt, the checker
 *     in c/model/rt/: each is a visible step the scheduler interleaves and the memory model may
 *     reorder):  mnu_load(p, order) / mnu_store(p, v, order) on 4-byte words, mnu_fence().
 *  2. A workload: an rt_workload (rt.h) whose setup registers the shared region (with field names
 *     for the step table) and spawns the actors (C functions), whose oracles call rt_violation with
 *     one of YOUR codes (1..), and the names of those codes:
 *
 *        const struct rt_workload mnu_workload = { .name = "tinyring", .setup = setup, ... ,
 *                                                  .vio_deadlock = 90, .vio_step_bound = 91,
 *                                                  .vio_setup = 92 };
 *        const char *mnu_violation_name(int code);   (0 -> "none")
 *        const char *mnu_field_name(uint32_t tag);   (the tags of the region's fields)
 *
 * mnu.c exports mnu_run / mnu_run_chooser / mnu_explore / mnu_dpor for ctypes
 * (pyharness/usercheck.py, usersearch.py), each taking the memory model (enum rt_mm_id) the
 * workload's setup must not override, and the names the step table and the timeline show: actors
 * as rt_spawn named them, fields as the regions registered them ("[]": the element index), the
 * rt_watch'ed words.
 */
#ifndef MNU_H
#define MNU_H

#include <stdint.h>

#include "../rt/rt.h"

#define MNU_RELAXED RT_RELAXED
#define MNU_ACQUIRE RT_ACQUIRE
#define MNU_RELEASE RT_RELEASE

static inline uint32_t mnu_load(const volatile uint32_t *p, int order)
{
	return (uint32_t)rt_load(rt_current(), p, 4, order);
}

static inline void mnu_store(volatile uint32_t *p, uint32_t v, int order)
{
	rt_store(rt_current(), p, 4, order, v);
}

static inline void mnu_fence(void)
{
	rt_fence(rt_current(), RT_FENCE_FULL);
}

/* What the user's workload file provides. */
extern const struct rt_workload mnu_workload;
const char *mnu_violation_name(int code);
const char *mnu_field_name(uint32_t tag);        /* a step's field (the region's tags) */
/* Called by mnu.c's setup before the workload's: the memory model of this search. */
int mnu_memory_model(void);

#endif
