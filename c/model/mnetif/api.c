/* SPDX-License-Identifier: ISC */
/*
 * model.h's API as a thin layer over rt: the mnetif workload (struct rt_workload: setup, teardown
 * and the oracles of oracles.c) and the litmus programs, one execution or a search on rt, the
 * step table and options converted to model.h's structs.
 */
#include "mnetif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)MN_MOP_PROMISE == (int)RT_OP_PROMISE && (int)MN_OPT_READ == (int)RT_OPT_READ &&
	       (int)MN_OPT_PROMISE == (int)RT_OPT_PROMISE && (int)MN_MM_ARM == (int)RT_MM_ARM &&
	       sizeof(struct mn_promise_cand) == sizeof(struct rt_promise),
	       "model.h's ARM values are rt's");

static struct mn_ctx ctx;
static struct mn_ctx *running;

struct mn_ctx *mn_running(void)
{
	return running;
}

static int ring_setup(struct rt *rt, void *c)
{
	(void)rt;
	return mn_setup_ring(c);
}

static int litmus_setup(struct rt *rt, void *c)
{
	(void)rt;
	return mn_setup_litmus(c);
}

static void teardown(struct rt *rt, void *c)
{
	(void)rt;
	mn_teardown(c);
}

static const struct rt_workload ring_workload = {
	.name = "mnetif",
	.setup = ring_setup,
	.teardown = teardown,
	.after_step = oracle_header,
	.on_commit = oracle_commit,
	.on_write = oracle_lock_op,
	.at_end = oracle_end,
	.on_retired = oracle_lifecycle,
	.is_private = mn_is_private,
	.finishing = mn_finishing,
	.vio_deadlock = MN_VIO_DEADLOCK, .vio_step_bound = MN_VIO_STEP_BOUND,
	.vio_setup = MN_VIO_SETUP,
	.tag_none = MN_FLD_NONE, .tag_unknown = MN_FLD_OTHER,
	.vio_bounds = MN_VIO_OUT_OF_BOUNDS,
};

/* Litmus programs: no oracle beyond rt's own (deadlock, step bound). */
static const struct rt_workload litmus_workload = {
	.name = "mnetif-litmus",
	.setup = litmus_setup,
	.teardown = teardown,
	.vio_deadlock = MN_VIO_DEADLOCK, .vio_step_bound = MN_VIO_STEP_BOUND,
	.vio_setup = MN_VIO_SETUP,
	.tag_none = MN_FLD_NONE, .tag_unknown = MN_FLD_OTHER,
};

/* The instance for workload w, its result going to r; NULL when rt cannot be allocated. */
static struct mn_ctx *begin(const struct mn_model_workload *w, struct mn_model_result *r,
			    const struct rt_workload **wl)
{
	if (!ctx.rt && !(ctx.rt = rt_new()))
		return NULL;
	ctx.w = *w;
	ctx.r = r;
	*wl = w->proto == MN_MODEL_LITMUS ? &litmus_workload : &ring_workload;
	running = &ctx;
	return &ctx;
}

static int out_of_memory(struct mn_model_result *r)
{
	memset(r, 0, sizeof(*r));
	r->violation = MN_VIO_SETUP;
	r->violation_step = -1;
	strcpy(r->message, "setup: out of memory");
	return -ENOMEM;
}

/* A trace buffer of rt steps for cap steps (NULL: no trace). */
static struct rt_step *steps(struct mn_ctx *m, const struct mn_model_step *trace, uint32_t cap)
{
	if (!trace || !cap)
		return NULL;
	if (m->steps_cap < cap) {
		struct rt_step *s = realloc(m->steps, (size_t)cap * sizeof(*s));

		if (!s)
			return NULL;
		m->steps = s;
		m->steps_cap = cap;
	}
	return m->steps;
}

static void convert_steps(const struct mn_ctx *m, struct mn_model_step *trace, uint32_t cap)
{
	uint32_t i, n = m->r->nsteps < cap ? m->r->nsteps : cap;

	for (i = 0; trace && i < n && m->steps; i++) {
		const struct rt_step *s = &m->steps[i];

		trace[i] = (struct mn_model_step){
			.actor = s->actor, .op = s->op, .order = s->order, .field = (uint8_t)s->tag,
			.index = s->index, .off = s->off, .size = s->size, .value = s->value,
			.buffered = s->buffered, .cur = (uint16_t)s->watch[0],
			.avail = (uint16_t)s->watch[1], .lock = (uint32_t)s->watch[2],
			.decision = s->decision, .rf = s->rf,
		};
	}
}

/* The options as model.h shows them to a chooser. */
static uint32_t chooser(void *arg, uint32_t decision, uint32_t step, uint32_t nopt,
			const struct rt_option *opts)
{
	struct mn_ctx *m = arg;
	struct mn_model_option o[RT_CHOOSER_OPTS];
	uint32_t i;

	for (i = 0; i < nopt && i < RT_CHOOSER_OPTS; i++)
		o[i] = (struct mn_model_option){ opts[i].kind, opts[i].actor, (uint8_t)opts[i].tag, 0,
						 opts[i].index, opts[i].off };
	return m->chooser(m->chooser_arg, decision, step, nopt, o);
}

/* One execution: from the list, or (by_chooser) asking fn at each decision. */
static int run(const struct mn_model_workload *w, const uint32_t *choices, uint32_t n,
	       int by_chooser, mn_model_chooser_fn fn, void *arg, struct mn_model_result *r,
	       struct mn_model_step *trace, uint32_t cap, uint32_t *taken, uint32_t taken_cap,
	       uint32_t *ntaken)
{
	const struct rt_workload *wl;
	struct mn_ctx *m = begin(w, r, &wl);
	struct rt_step *s;
	int err;

	if (!m)
		return out_of_memory(r);
	s = steps(m, trace, cap);
	if (by_chooser) {
		m->chooser = fn;
		m->chooser_arg = arg;
		err = rt_run_chooser(m->rt, wl, m, fn ? chooser : NULL, m, s, s ? cap : 0, taken,
				     taken_cap, ntaken);
	} else {
		err = rt_run(m->rt, wl, m, choices, n, s, s ? cap : 0);
	}
	if (s)
		convert_steps(m, trace, cap);
	return err;
}

int mn_model_run(const struct mn_model_workload *w, const uint32_t *choices, uint32_t n,
		 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap)
{
	return run(w, choices, n, 0, NULL, NULL, r, trace, cap, NULL, 0, NULL);
}

int mn_model_run_chooser(const struct mn_model_workload *w, mn_model_chooser_fn fn, void *arg,
			 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap,
			 uint32_t *taken, uint32_t taken_cap, uint32_t *ntaken)
{
	return run(w, NULL, 0, 1, fn, arg, r, trace, cap, taken, taken_cap, ntaken);
}

/* ---- searches ------------------------------------------------------------------------------------ */

static void hook(void *arg, const struct rt_result *r)
{
	struct mn_ctx *m = arg;

	(void)r;
	m->hook_fn(m->hook_arg, m->r);
}

void mn_model_set_result_hook(mn_model_result_fn fn, void *arg)
{
	ctx.hook_fn = fn;
	ctx.hook_arg = arg;
}

static void stats(struct mn_explore_stats *st, const struct rt_stats *s)
{
	st->executions = s->executions;
	st->violations = s->violations;
	st->exhausted = s->exhausted;
	st->max_decisions = s->max_decisions;
	st->max_steps = s->max_steps;
	st->elapsed_ns = s->elapsed_ns;
	st->coverage = s->coverage;
	st->first_violation = s->first_violation;
	memcpy(st->message, s->message, sizeof(st->message));
	st->pruned = s->pruned;
	st->rounds = s->rounds;
	st->npromise_cands = s->npromises;
}

/* A search's executions write their results here (the result hook's argument). */
static struct mn_model_result search_result;

static struct mn_ctx *search_begin(const struct mn_model_workload *w,
				   const struct rt_workload **wl)
{
	struct mn_ctx *m = begin(w, &search_result, wl);

	if (m)
		rt_set_result_hook(m->rt, m->hook_fn ? hook : NULL, m);
	return m;
}

static int search_oom(struct mn_explore_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->first_violation = MN_VIO_SETUP;
	strcpy(st->message, "setup: out of memory");
	return -ENOMEM;
}

int mn_model_explore(const struct mn_model_workload *w, uint32_t preemption_bound,
		     uint64_t max_executions, int stop_on_violation, struct mn_explore_stats *st,
		     uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	const struct rt_workload *wl;
	struct mn_ctx *m = search_begin(w, &wl);
	struct rt_stats s;
	int err;

	if (!m)
		return search_oom(st);
	err = rt_explore(m->rt, wl, m, preemption_bound, max_executions, stop_on_violation, &s, cex,
			 cap, cex_len);
	stats(st, &s);
	return err;
}

/* A search this workload cannot run: a setup verdict with the reason, *zero (a length) = 0. */
static int refuse(struct mn_explore_stats *st, uint32_t *zero, const char *why)
{
	memset(st, 0, sizeof(*st));
	if (zero)
		*zero = 0;
	st->first_violation = MN_VIO_SETUP;
	snprintf(st->message, sizeof(st->message), "%s", why);
	return -EINVAL;
}

int mn_model_explore_sub(const struct mn_model_workload *w, uint32_t preemption_bound,
			 uint64_t max_executions, int stop_on_violation, const uint32_t *prefix,
			 uint32_t plen, uint32_t depth, uint32_t *lists, uint32_t lists_cap,
			 uint32_t *nlists, struct mn_explore_stats *st, uint32_t *cex, uint32_t cap,
			 uint32_t *cex_len)
{
	const struct rt_workload *wl;
	struct mn_ctx *m;
	struct rt_stats s;
	int err;

	if (w->mm == MN_MM_ARM)
		return refuse(st, nlists, "setup: a split search does not support ARM (its rounds "
			      "learn the promise table over the whole search): use mn_model_explore");
	if (!(m = search_begin(w, &wl)))
		return search_oom(st);
	err = rt_explore_sub(m->rt, wl, m, preemption_bound, max_executions, stop_on_violation,
			     prefix, plen, depth, lists, lists_cap, nlists, &s, cex, cap, cex_len);
	stats(st, &s);
	return err;
}

int mn_model_find(const struct mn_model_workload *w, uint32_t preemption_bound,
		  uint64_t max_executions, uint32_t coverage, struct mn_explore_stats *st,
		  uint32_t *choices, uint32_t cap, uint32_t *len)
{
	const struct rt_workload *wl;
	struct mn_ctx *m;
	struct rt_stats s;
	int err;

	if (!coverage)
		return -EINVAL;
	if (!(m = search_begin(w, &wl)))
		return search_oom(st);
	err = rt_find(m->rt, wl, m, preemption_bound, max_executions, coverage, &s, choices, cap,
		      len);
	stats(st, &s);
	return err;
}

int mn_model_dpor(const struct mn_model_workload *w, uint64_t max_executions,
		  int stop_on_violation, struct mn_explore_stats *st, uint32_t *cex, uint32_t cap,
		  uint32_t *cex_len)
{
	return mn_model_dpor_sub(w, max_executions, stop_on_violation, NULL, 0, st, cex, cap,
				 cex_len);
}

int mn_model_dpor_sub(const struct mn_model_workload *w, uint64_t max_executions,
		      int stop_on_violation, const uint32_t *prefix, uint32_t plen,
		      struct mn_explore_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	const struct rt_workload *wl;
	struct mn_ctx *m;
	struct rt_stats s;
	int err;

	if (w->reduce || w->consumer == MN_CONSUMER_EXTERNAL || w->mm == MN_MM_ARM)
		return refuse(st, cex_len, "setup: DPOR needs reduce = 0, no external consumer and "
			      "SC/TSO/PSO (ARM: the bounded search)");
	if (!(m = search_begin(w, &wl)))
		return search_oom(st);
	err = rt_dpor_sub(m->rt, wl, m, max_executions, stop_on_violation, prefix, plen, &s, cex,
			  cap, cex_len);
	stats(st, &s);
	return err;
}

int mn_model_promise_table(struct mn_promise_cand *out, uint32_t cap, uint32_t *n,
			   unsigned char *blob, uint32_t blobcap, uint32_t *bloblen)
{
	if (!ctx.rt) {
		*n = *bloblen = 0;
		return 0;
	}
	return rt_promise_table(ctx.rt, (struct rt_promise *)out, cap, n, blob, blobcap, bloblen);
}

int mn_model_learn_promises(const struct mn_model_workload *w, uint32_t preemption_bound,
			    uint64_t max_executions)
{
	const struct rt_workload *wl;
	struct mn_ctx *m;

	if (w->mm != MN_MM_ARM)
		return -EINVAL;
	if (!(m = begin(w, &search_result, &wl)))
		return -ENOMEM;
	rt_set_result_hook(m->rt, NULL, NULL);
	return rt_learn_promises(m->rt, wl, m, preemption_bound, max_executions);
}

void mn_model_arm_mutate(int mutation)
{
	if (ctx.rt || (ctx.rt = rt_new()))
		rt_arm_mutate(ctx.rt, mutation);
}

void mn_model_dpor_mutate(int mutation)
{
	if (ctx.rt || (ctx.rt = rt_new()))
		rt_dpor_mutate(ctx.rt, mutation);
}

void mn_model_idle_mode(int mode)
{
	if (ctx.rt || (ctx.rt = rt_new()))
		rt_idle_mode(ctx.rt, mode);
}

int mn_model_dpor_mode(int mode)
{
	if (!ctx.rt && !(ctx.rt = rt_new()))
		return -ENOMEM;
	return rt_dpor_mode(ctx.rt, mode);
}

void mn_model_hostile_mutate(int mutation)
{
	ctx.hostile_mutate = mutation;
}

void mn_model_set_external_consumer(mn_model_consumer_fn fn, void *arg)
{
	ctx.ext_fn = fn;
	ctx.ext_arg = arg;
}
