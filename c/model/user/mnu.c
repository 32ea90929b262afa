/* SPDX-License-Identifier: ISC */
/* The ctypes entry points of a user workload's shared object (mnu.h): one rt instance, the memory
 * model set before the workload's own setup runs, results in rt's structs (rt.h). */
#include <string.h>

#include "mnu.h"

static struct rt *the_rt;
static int the_mm;
static struct rt_workload wrapped;

int mnu_memory_model(void)
{
	return the_mm;
}

static int setup(struct rt *rt, void *ctx)
{
	if (rt_set_memory_model(rt, the_mm))
		return rt_setup_error(rt, "memory model %d: unknown to rt", the_mm);
	return mnu_workload.setup(rt, ctx);
}

static const struct rt_workload *prepare(int mm)
{
	if (!the_rt)
		the_rt = rt_new();
	the_mm = mm;
	wrapped = mnu_workload;
	wrapped.setup = setup;
	return &wrapped;
}

int mnu_run(int mm, const uint32_t *choices, uint32_t n, struct rt_result *res,
	    struct rt_step *trace, uint32_t cap)
{
	const struct rt_workload *wl = prepare(mm);
	int rc = rt_run(the_rt, wl, NULL, choices, n, trace, cap);
	memcpy(res, rt_result(the_rt), sizeof *res);
	return rc;
}

int mnu_explore(int mm, uint32_t bound, uint64_t max_executions, int stop, struct rt_stats *st,
		uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	const struct rt_workload *wl = prepare(mm);
	return rt_explore(the_rt, wl, NULL, bound, max_executions, stop, st, cex, cap, cex_len);
}

int mnu_dpor(int mm, uint64_t max_executions, int stop, struct rt_stats *st, uint32_t *cex,
	     uint32_t cap, uint32_t *cex_len)
{
	const struct rt_workload *wl = prepare(mm);
	return rt_dpor(the_rt, wl, NULL, max_executions, stop, st, cex, cap, cex_len);
}

const char *mnu_op_name(int op)
{
	return rt_op_name(op);
}

uint32_t mnu_sizeof_step(void) { return sizeof(struct rt_step); }
uint32_t mnu_sizeof_result(void) { return sizeof(struct rt_result); }
uint32_t mnu_sizeof_stats(void) { return sizeof(struct rt_stats); }
