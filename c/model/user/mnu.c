/* SPDX-License-Identifier: ISC */
/* The ctypes entry points of a user workload's shared object (mnu.h): one rt instance, the memory
 * model set before the workload's own setup runs, results in rt's structs (rt.h). */
#include <stdio.h>
#include <string.h>

#include "mnu.h"
#include "../rt/rt_impl.h"

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

/* Each decision asks chooser (PCT, pyharness/usersearch.py); the choices taken go to taken[], a
 * list mnu_run replays. */
int mnu_run_chooser(int mm, rt_chooser_fn chooser, struct rt_result *res, struct rt_step *trace,
		    uint32_t cap, uint32_t *taken, uint32_t taken_cap, uint32_t *ntaken)
{
	const struct rt_workload *wl = prepare(mm);
	int rc = rt_run_chooser(the_rt, wl, NULL, chooser, NULL, trace, cap, taken, taken_cap,
				ntaken);
	memcpy(res, rt_result(the_rt), sizeof *res);
	return rc;
}

/* Names for the step table and the timeline, valid after a run until the next one: an actor's
 * (rt_spawn), a watched word's (its field in the registered regions). */
const char *mnu_actor_name(int id)
{
	return the_rt && id >= 0 && id < the_rt->nactors && the_rt->a[id]->name ?
		the_rt->a[id]->name : "?";
}

int mnu_nwatch(void)
{
	return the_rt ? the_rt->nwatch : 0;
}

const char *mnu_watch_name(int i)
{
	return the_rt && i >= 0 && i < the_rt->nwatch ? rt_field_name(the_rt, the_rt->watch[i]) : "?";
}

/* A step's field for the table: the registered field of that tag, "[]" in its name replaced by
 * the element index (rt.h struct rt_field), else the workload's mnu_field_name. */
void mnu_field_label(uint32_t tag, uint32_t index, char *buf, uint32_t cap)
{
	const char *name = NULL, *br;
	int r;
	uint32_t f;

	for (r = 0; the_rt && r < the_rt->nregions && !name; r++)
		for (f = 0; f < the_rt->region[r]->nfields && !name; f++)
			if (the_rt->region[r]->fields[f].tag == tag)
				name = the_rt->region[r]->fields[f].name;
	if (!name) {
		snprintf(buf, cap, "%s", mnu_field_name(tag));
		return;
	}
	br = strstr(name, "[]");
	if (br)
		snprintf(buf, cap, "%.*s[%u]%s", (int)(br - name), name, index, br + 2);
	else
		snprintf(buf, cap, "%s", name);
}

const char *mnu_op_name(int op)
{
	return rt_op_name(op);
}

uint32_t mnu_sizeof_step(void) { return sizeof(struct rt_step); }
uint32_t mnu_sizeof_result(void) { return sizeof(struct rt_result); }
uint32_t mnu_sizeof_stats(void) { return sizeof(struct rt_stats); }
uint32_t mnu_sizeof_option(void) { return sizeof(struct rt_option); }
