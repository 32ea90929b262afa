/* SPDX-License-Identifier: ISC */
/*
 * The scheduler: builds the option list at each decision point, takes a choice (from a list, a
 * chooser callback, or 0 when the list has run out), executes the chosen actor's pending operation
 * or store-buffer drain, runs the workload's per-step oracle, and resumes the actor to its next
 * visible operation. The encoding is specified in rt.h; explore.c and dpor.c rely on it being a
 * pure function of the list.
 */
#include "mm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct option {
	int kind;                    /* 0/1: run actor, 2: drain */
	int actor;
	uint32_t entry;              /* drain: index in the actor's store buffer */
};

void rt_violation(struct rt *rt, int32_t code, const char *fmt, ...)
{
	char msg[sizeof(rt->res.message)];
	int32_t step;
	va_list ap;

	if (rt->res.violation || rt->finishing)
		return;
	/* The step being executed (its record comes after the check), the last step recorded, or
	 * -1 for a verdict at quiescence. */
	step = rt->at_end ? -1 : rt->in_step ? (int32_t)rt->res.nsteps : (int32_t)rt->res.nsteps - 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a model whose execution may still turn out not to have happened keeps it pending */
	if (rt->mm->defer && rt->mm->defer(rt, code, msg, step))
		return;
	rt->res.violation = code;
	rt->res.violation_step = step;
	memcpy(rt->res.message, msg, sizeof(msg));
}

void rt_wake(struct rt *rt, struct rt_actor *a)
{
	if (a->woken || a->state == RT_KILLED || a->state == RT_DONE ||
	    rt->nwake == sizeof(rt->wakeq) / sizeof(rt->wakeq[0]))
		return;
	if (rt->dp_on)
		dp_wake(rt, a->id);
	a->state = RT_RUNNABLE;
	a->woken = 1;
	if (a->pend.op == RT_OP_WAIT)
		rt->pending[a->pend.val] = 0;   /* woken by a signal: it consumes the notification */
	a->ret = 1;
	if (rt->mm->woken)
		rt->mm->woken(rt, a);
	rt->wakeq[rt->nwake++] = a->id;
}

/* The step's row in the trace (rt_record, when the trace has room). */
void rt_record_row(struct rt *rt, struct rt_actor *a, uint32_t n, int op, const unsigned char *addr,
		   uint32_t size, int order, uint64_t val, int buffered)
{
	struct rt_step *s = &rt->trace[n];
	int i;

	s->actor = (uint8_t)a->id;
	s->op = (uint8_t)op;
	s->order = (uint8_t)order;
	s->buffered = (uint8_t)buffered;
	rt_classify(rt, addr, &s->tag, &s->index, &s->off);
	s->size = size;
	s->value = val;
	s->decision = rt->step_decision;
	s->rf = rt->step_rf;
	for (i = 0; i < RT_MAX_WATCH; i++)
		s->watch[i] = i < rt->nwatch ? rt_rd(rt->watch[i], rt->watch_size[i]) : 0;
}

static void note_end(struct rt *rt, const struct rt_actor *a)
{
	int i;

	DP_LOC(rt, RT_DPL_DONE + a->id, 1, 1);
	/* An idle actor waits for a change OR for the actors it waits for to be gone: the last of
	 * them ending wakes it (an earlier end changes nothing its poll or rt_idle looks at). */
	for (i = 0; i < rt->nactors; i++)
		if (rt->a[i]->state == RT_IDLE && rt->idle_mode != 2 &&
		    (rt->idle_mode == 1 || rt_kinds_alive(rt, (uint32_t)rt->a[i]->pend.val) < 0))
			rt_wake(rt, rt->a[i]);
}

/* Runs a to its next visible operation (or to its end). */
static void advance(struct rt *rt, struct rt_actor *a)
{
	rt_fiber_resume(rt, a);
	if (a->state == RT_DONE)
		note_end(rt, a);
}

static void process_wakes(struct rt *rt)
{
	int k;

	for (k = 0; k < rt->nwake; k++) {
		struct rt_actor *a = rt->a[rt->wakeq[k]];

		a->woken = 0;
		if (a->state == RT_RUNNABLE && !rt->res.violation)
			advance(rt, a);
	}
	rt->nwake = 0;
}

static uint32_t build_options(struct rt *rt, struct option *o, uint32_t max)
{
	uint32_t n = 0, j;
	int i, cur = rt->current;

	if (cur >= 0 && rt->a[cur]->state == RT_RUNNABLE)
		o[n++] = (struct option){ 0, cur, 0 };
	for (i = 0; i < rt->nactors; i++)
		if (i != cur && rt->a[i]->state == RT_RUNNABLE)
			o[n++] = (struct option){ 1, i, 0 };
	for (i = 0; i < rt->nactors; i++) {
		struct rt_actor *a = rt->a[i];

		for (j = 0; j < a->nsb && n < max; j++)
			if (rt->mm->drainable(a, j))
				o[n++] = (struct option){ 2, i, j };
	}
	return n;
}

static __attribute__((noinline)) void record_nopt(struct rt *rt, uint32_t d, uint32_t n)
{
	if (d >= rt->dec_cap) {
		uint32_t cap = rt->dec_cap ? rt->dec_cap * 2 : 1024;
		uint32_t *p = realloc(rt->dec_nopt, (size_t)cap * sizeof(uint32_t));

		if (!p)
			return;           /* explore then treats the rest as unknown (see explore.c) */
		rt->dec_nopt = p;
		rt->dec_cap = cap;
	}
	rt->dec_nopt[d] = n;
}

/* A chooser callback's decision: the options as it sees them (o == NULL: rt_choose's, described
 * by mo when the model gave them). */
static __attribute__((noinline)) uint32_t ask_chooser(struct rt *rt, const struct option *o,
						      const struct rt_option *mo, uint32_t n,
						      uint32_t d)
{
	struct rt_option opts[RT_CHOOSER_OPTS] = { { 0 } };   /* = {0}: gcc -O1 sees m == 0 */
	uint32_t i, m = n < RT_CHOOSER_OPTS ? n : RT_CHOOSER_OPTS;

	for (i = 0; i < m; i++) {
		if (mo) {
			opts[i] = mo[i];
			continue;
		}
		if (!o) {
			opts[i].kind = 3;
			opts[i].actor = (uint8_t)(rt->cur ? rt->cur->id : rt->current);
			opts[i].index = i;
			continue;
		}
		opts[i].kind = (uint8_t)(o[i].kind == 2 ? 2 : (i == 0 && o[i].kind == 0 ? 0 : 1));
		opts[i].actor = (uint8_t)o[i].actor;
		if (o[i].kind == 2)
			rt_classify(rt, rt->a[o[i].actor]->sb[o[i].entry].addr, &opts[i].tag,
				    &opts[i].index, &opts[i].off);
	}
	i = rt->fn(rt->fn_arg, d, rt->res.nsteps, m, opts) % m;
	rt->res.nchoices_used++;
	return i;
}

/* One decision among n options (o == NULL: a memory operation's own choice, rt_choose, whose
 * options mo may describe). */
static inline uint32_t decide(struct rt *rt, const struct option *o, const struct rt_option *mo,
			      uint32_t n)
{
	uint32_t d = rt->res.ndecisions++, c = 0;
	int listed = 0;

	if (d < rt->dec_cap)
		rt->dec_nopt[d] = n;
	else
		record_nopt(rt, d, n);
	if (rt->ch_kind == RT_CH_FN && rt->fn)
		c = ask_chooser(rt, o, mo, n, d);
	else if (rt->res.nchoices_used < rt->nlist) {
		c = rt->list[rt->res.nchoices_used++] % n;
		listed = 1;
	}
	if (rt->dp_on)
		c = dp_decide(rt, d, n, o != NULL, c, listed);
	if (rt->taken && rt->ntaken < rt->taken_cap)
		rt->taken[rt->ntaken++] = c;
	return c;
}

uint32_t rt_choose_opts(struct rt *rt, uint32_t nopt, const struct rt_option *opts)
{
	uint32_t d = rt->res.ndecisions, c;

	if (nopt < 2)
		return 0;
	c = decide(rt, NULL, opts, nopt);
	if (rt->dp_on)
		dp_choice(rt, d, nopt, c);
	return c;
}

uint32_t rt_choose(struct rt *rt, uint32_t nopt)
{
	return rt_choose_opts(rt, nopt, NULL);
}

/* Quiescence: nothing can run and nothing is buffered. */
static void quiescence(struct rt *rt)
{
	int i;

	rt->at_end = 1;
	if (rt->mm->prune && rt->mm->prune(rt)) {   /* it did not happen: no verdict */
		rt->at_end = 0;
		return;
	}
	for (i = 0; i < rt->nactors && !rt->res.violation; i++) {
		struct rt_actor *a = rt->a[i];

		if (a->state != RT_SPINNING)
			continue;
		rt_violation(rt, rt->wl->vio_deadlock,
			     "no deadlock: actor %d (%s) spins forever on %s (every other actor is "
			     "finished, killed or blocked)", a->id, a->name,
			     rt_field_name(rt, a->spin_addr));
	}
	if (!rt->res.violation && rt->wl->at_end)
		rt->wl->at_end(rt, rt->ctx);
	rt->at_end = 0;
}

static void prime(struct rt *rt)
{
	int i;

	for (i = 0; i < rt->nactors && !rt->res.violation; i++)
		advance(rt, rt->a[i]);
	process_wakes(rt);
	rt->current = 0;
}

static void loop(struct rt *rt)
{
	struct option o[RT_SB_CAP * RT_MAX_ACTORS + RT_MAX_ACTORS];
	uint32_t n, c;

	while (!rt->res.violation) {
		n = build_options(rt, o, sizeof(o) / sizeof(o[0]));
		if (n == 0) {
			quiescence(rt);
			return;
		}
		if (rt->res.nsteps >= rt->max_steps) {
			if (rt->mm->prune && rt->mm->prune(rt))
				return;
			rt_violation(rt, rt->wl->vio_step_bound,
				     "progress: %u steps without reaching quiescence (livelock or a "
				     "too small max_steps)", rt->max_steps);
			return;
		}
		rt->step_decision = ~0u;
		if (rt->dp_on) {
			uint32_t k;

			dp_event_begin(rt, n);
			for (k = 0; k < n; k++)
				dp_option(rt, o[k].kind == 2, o[k].actor, o[k].entry);
		}
		/* option 0 is the current actor when it can run; a private operation needs no decision */
		c = 0;
		if (n >= 2 && !(o[0].kind == 0 && rt_private_op(rt, rt->a[o[0].actor]))) {
			rt->step_decision = rt->res.ndecisions;
			c = decide(rt, o, NULL, n);
		}
		if (rt->dp_on)
			dp_event_chosen(rt, c, rt->step_decision, o[c].kind == 2, o[c].actor, o[c].entry);
		rt->committed = 0;
		rt->in_step = 1;
		if (o[c].kind == 2) {
			struct rt_actor *a = rt->a[o[c].actor];
			struct rt_sb_entry e = a->sb[o[c].entry];

			rt_sb_commit(rt, a, o[c].entry);
			rt_record(rt, a, RT_OP_DRAIN, e.addr, e.size, e.order, e.region ? 0 : e.val, 0);
		} else {
			struct rt_actor *a = rt->a[o[c].actor];

			rt->current = a->id;
			rt_exec(rt, a);
			if (a->state == RT_RUNNABLE && !rt->res.violation)
				advance(rt, a);
		}
		if (!rt->res.violation)
			rt_drain_private(rt);
		if (rt->committed && !rt->res.violation && rt->wl->after_step)
			rt->wl->after_step(rt, rt->ctx);
		process_wakes(rt);
	}
}

/*
 * A RT_ACTOR_MUST_FINISH actor (foreign stack, e.g. OCaml) must not stay suspended when rt_run
 * returns (strictly LIFO): after the verdict, its rt_wait/rt_idle return 0 ("the run is over")
 * and the run goes on with every choice 0 and the oracles quiet until it has returned. The
 * result keeps the verdict.
 */
static void finish_actors(struct rt *rt)
{
	struct rt_result keep;
	int i, left = 0;

	for (i = 0; i < rt->nactors; i++)
		left |= (rt->a[i]->flags & RT_ACTOR_MUST_FINISH) && rt->a[i]->state != RT_DONE &&
			rt->a[i]->state != RT_KILLED;
	if (!left)
		return;
	keep = rt->res;
	if (rt->wl->finishing)
		rt->wl->finishing(rt, rt->ctx, 0);
	rt->finishing = 1;
	rt->nlist = 0;
	rt->ch_kind = RT_CH_LIST;
	rt->res.violation = 0;
	rt->max_steps = rt->res.nsteps + rt->max_steps;
	rt->cap = 0;
	for (i = 0; i < rt->nactors; i++) {
		struct rt_actor *c = rt->a[i];

		if ((c->flags & RT_ACTOR_MUST_FINISH) &&
		    (c->state == RT_WAITING || c->state == RT_IDLE)) {
			c->state = RT_RUNNABLE;
			c->ret = 0;
			advance(rt, c);
		}
	}
	loop(rt);
	rt->res = keep;
	rt->finishing = 0;
	if (rt->wl->finishing)
		rt->wl->finishing(rt, rt->ctx, 1);
}

int rt_setup_error(struct rt *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rt->res.message, sizeof(rt->res.message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void setup_failed(struct rt *rt)
{
	char msg[sizeof(rt->res.message)];
	const char *why = rt->res.message[0] ? rt->res.message : "invalid workload";

	memcpy(msg, why, strnlen(why, sizeof(msg) - 8) + 1);
	msg[sizeof(msg) - 8] = 0;
	rt->res.violation = rt->wl->vio_setup;
	snprintf(rt->res.message, sizeof(rt->res.message), "setup: %.240s", msg);
}

static void reset(struct rt *rt, const struct rt_workload *wl, void *ctx, struct rt_step *trace,
		  uint32_t cap)
{
	memset(&rt->res, 0, sizeof(rt->res));
	rt->res.violation_step = -1;
	rt->wl = wl;
	rt->ctx = ctx;
	rt->trace = trace;
	rt->cap = trace ? cap : 0;
	rt->mm = &rt_mm_sc;
	rt->mm_id = RT_MM_SC;
	rt->max_steps = RT_DEFAULT_STEPS;
	rt->red_on = 0;
	rt->cur = NULL;
	rt->nactors = 0;
	rt->current = 0;
	rt->nwake = 0;
	rt->commit_seq = 0;
	rt->arena_used = 0;
	memset(rt->pending, 0, sizeof(rt->pending));
	rt->finishing = 0;
	rt->nregions = 0;
	rt->retired = 0;
	rt->nwatch = 0;
	rt->noread = 0;
	rt->in_step = rt->at_end = 0;
	rt->step_rf = -1;
	rt->max_prom = 0;
	if (!rt->prom_override) {      /* a search's learnt table stays; else setup gives one */
		rt->prom = NULL;
		rt->nprom = 0;
		rt->prom_blob = NULL;
	}
}

int rt_execute(struct rt *rt, const struct rt_workload *wl, void *ctx, struct rt_step *trace,
	       uint32_t cap)
{
	struct rt *prev = rt_running_;
	int err;

	reset(rt, wl, ctx, trace, cap);
	rt_running_ = rt;
	err = wl->setup(rt, ctx);
	if (!err && rt->dec_cap < rt->max_steps + 1) {
		free(rt->dec_nopt);
		rt->dec_cap = rt->max_steps + 1;
		rt->dec_nopt = malloc(rt->dec_cap * sizeof(uint32_t));
		if (!rt->dec_nopt) {
			rt->dec_cap = 0;
			err = rt_setup_error(rt, "out of memory");
		}
	}
	if (err) {
		setup_failed(rt);
		if (wl->teardown)
			wl->teardown(rt, ctx);
		rt->cur = NULL;
		rt_running_ = prev;
		return -EINVAL;
	}
	if (rt->mm->begin)
		rt->mm->begin(rt);
	prime(rt);
	loop(rt);
	finish_actors(rt);
	if (wl->teardown)
		wl->teardown(rt, ctx);
	rt->cur = NULL;
	rt_running_ = prev;
	return 0;
}

int rt_run(struct rt *rt, const struct rt_workload *wl, void *ctx, const uint32_t *choices,
	   uint32_t n, struct rt_step *trace, uint32_t cap)
{
	rt->ch_kind = RT_CH_LIST;
	rt->list = choices;
	rt->nlist = choices ? n : 0;
	rt->taken = NULL;
	rt->ntaken = 0;
	return rt_execute(rt, wl, ctx, trace, cap);
}

int rt_run_chooser(struct rt *rt, const struct rt_workload *wl, void *ctx, rt_chooser_fn chooser,
		   void *arg, struct rt_step *trace, uint32_t cap, uint32_t *taken,
		   uint32_t taken_cap, uint32_t *ntaken)
{
	int err;

	rt->ch_kind = RT_CH_FN;
	rt->fn = chooser;
	rt->fn_arg = arg;
	rt->nlist = 0;
	rt->taken = taken;
	rt->taken_cap = taken ? taken_cap : 0;
	rt->ntaken = 0;
	err = rt_execute(rt, wl, ctx, trace, cap);
	if (ntaken)
		*ntaken = rt->ntaken;
	rt->taken = NULL;
	rt->ch_kind = RT_CH_LIST;
	return err;
}
