/* SPDX-License-Identifier: ISC */
/* A checker instance, the workload's registration calls and the accessors of rt.h. */
#include "mm.h"

#include <stdlib.h>
#include <string.h>

struct rt *rt_new(void)
{
	struct rt *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	rt->arena = malloc(RT_ARENA_BYTES);
	if (!rt->arena) {
		free(rt);
		return NULL;
	}
	rt->mm = &rt_mm_sc;
	return rt;
}

void rt_free(struct rt *rt)
{
	if (!rt)
		return;
	if (rt_running_ == rt)
		rt_running_ = NULL;
	rt_fiber_release(rt);
	free(rt->dec_nopt);
	free(rt->arena);
	rt_dpor_release(rt);
	rt_arm_free(rt);
	free(rt);
}

const struct rt_result *rt_result(const struct rt *rt)
{
	return &rt->res;
}

/* ---- setup ------------------------------------------------------------------------------------ */

int rt_set_memory_model(struct rt *rt, int mm)
{
	const struct rt_mm *m = rt_mm_get(mm);

	if (!m)
		return -1;
	rt->mm = m;
	rt->mm_id = mm;
	return 0;
}

void rt_set_promises(struct rt *rt, const struct rt_promise *c, uint32_t n,
		     const unsigned char *blob, uint32_t max)
{
	rt->max_prom = max;
	if (rt->prom_override)
		return;
	rt->prom = c;
	rt->nprom = c ? n : 0;
	rt->prom_blob = blob;
}

void rt_use_mm(struct rt *rt, const struct rt_mm *mm)
{
	rt->mm = mm;
	rt->mm_id = -1;
}

void rt_set_max_steps(struct rt *rt, uint32_t max_steps)
{
	rt->max_steps = max_steps ? max_steps : RT_DEFAULT_STEPS;
}

void rt_set_reduce(struct rt *rt, int on)
{
	rt->red_on = on && rt->wl->is_private != NULL;
}

static void actor_main(struct rt_actor *a)
{
	a->fn(a->rt, a->id, a->arg);
	a->state = RT_DONE;
	for (;;)
		rt_fiber_yield(a->rt, a);   /* never resumed */
}

int rt_spawn(struct rt *rt, int kind, const char *name, void (*fn)(struct rt *, int, void *),
	     void *arg, unsigned flags)
{
	int id = rt->nactors;
	struct rt_actor *a;

	if (id >= RT_MAX_ACTORS || kind < 0 || kind >= 32 || rt_fiber_stack(rt, id) != 0)
		return -1;
	a = &rt->actor_store[id];
	a->id = id;
	a->kind = kind;
	a->name = name ? name : "actor";
	a->fn = fn;
	a->arg = arg;
	a->flags = flags;
	a->rt = rt;
	a->state = RT_RUNNABLE;
	a->nsb = 0;
	a->epoch = 0;
	a->st_seq = a->st_bar = 0;
	a->last_load = NULL;
	a->last_load_seq = 0;
	a->spin_addr = NULL;
	a->spin_size = 0;
	a->idle_lo = NULL;
	a->idle_len = 0;
	a->nrd = 0;
	a->woken = 0;
	a->ret = 0;
	memset(&a->pend, 0, sizeof(a->pend));
	rt_fiber_init(a, rt->stacks[id], actor_main);
	rt->a[id] = a;
	rt->nactors++;
	return id;
}

int rt_add_region(struct rt *rt, const struct rt_region *r)
{
	if (rt->nregions >= RT_MAX_REGIONS)
		return -1;
	rt->keeper[rt->nregions] = -1;
	rt->region[rt->nregions] = r;
	return rt->nregions++;
}

int rt_watch(struct rt *rt, const void *addr, uint32_t size)
{
	if (rt->nwatch >= RT_MAX_WATCH || (size != 1 && size != 2 && size != 4 && size != 8))
		return -1;
	rt->watch[rt->nwatch] = addr;
	rt->watch_size[rt->nwatch++] = size;
	return 0;
}

int rt_oracle_reads(struct rt *rt, const void *addr, uint64_t len)
{
	if (rt->noread >= RT_MAX_ORACLE_READS)
		return -1;
	rt->oread_lo[rt->noread] = addr;
	rt->oread_hi[rt->noread++] = (const unsigned char *)addr + (len ? len : 1);
	return 0;
}

/* ---- during an execution ------------------------------------------------------------------- */

int32_t rt_verdict(const struct rt *rt)
{
	return rt->res.violation;
}

int rt_self(const struct rt *rt)
{
	return rt->cur ? rt->cur->id : -1;
}

int rt_nactors(const struct rt *rt)
{
	return rt->nactors;
}

int rt_actor_kind(const struct rt *rt, int id)
{
	return id >= 0 && id < rt->nactors ? rt->a[id]->kind : -1;
}

int rt_actor_state(const struct rt *rt, int id)
{
	return id >= 0 && id < rt->nactors ? rt->a[id]->state : -1;
}

uint32_t rt_pending_stores(const struct rt *rt, int id)
{
	return id >= 0 && id < rt->nactors ? rt->a[id]->nsb : 0;
}

uint32_t rt_channel_pending(const struct rt *rt, int ch)
{
	return ch >= 0 && ch < RT_MAX_CHANNELS ? rt->pending[ch] : 0;
}

void rt_set_coverage(struct rt *rt, uint32_t bits)
{
	rt->res.coverage = bits;
}

void rt_retire(struct rt *rt, int region, int keeper)
{
	if (region < 0 || region >= rt->nregions)
		return;
	rt->retired |= 1u << region;
	rt->keeper[region] = keeper;
}

void rt_note(struct rt *rt, int op, uint32_t size, uint64_t value)
{
	if (rt->cur)
		rt_record(rt, rt->cur, op, NULL, size, 0, value, 0);
}

void rt_dep_global(struct rt *rt)
{
	DP_GLOBAL(rt);
}

void rt_dep_pseudo(struct rt *rt, uint32_t loc, uint32_t n, int write)
{
	if (loc + n <= RT_DPL__COUNT - RT_DPL_USER)
		DP_LOC(rt, RT_DPL_USER + (int)loc, n, write);
	else
		DP_GLOBAL(rt);
}

/* ---- names ------------------------------------------------------------------------------------ */

#define NAME_OF(table, i) \
	((i) >= 0 && (unsigned)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

const char *rt_op_name(int op)
{
	static const char *const n[RT_OP_NOTE] = {
		[RT_OP_LOAD] = "load", [RT_OP_STORE] = "store", [RT_OP_FENCE] = "fence",
		[RT_OP_TAS] = "tas", [RT_OP_FETCH_ADD] = "fetch_add", [RT_OP_COPY_IN] = "copy_in",
		[RT_OP_COPY_OUT] = "copy_out", [RT_OP_SPIN] = "spin", [RT_OP_SIGNAL] = "signal",
		[RT_OP_CAS] = "cas", [RT_OP_DRAIN] = "drain", [RT_OP_KILL] = "kill",
		[RT_OP_WAIT] = "wait", [RT_OP_IDLE] = "idle",
	};

	return NAME_OF(n, op);
}

const char *rt_state_name(int state)
{
	static const char *const n[] = { "runnable", "spinning", "waiting", "idle", "done",
					 "killed" };

	return NAME_OF(n, state);
}
