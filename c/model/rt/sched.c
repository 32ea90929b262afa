/* SPDX-License-Identifier: ISC */
/*
 * The scheduler: builds the option list at each decision point, takes a choice (from a list, a
 * chooser callback, or 0 when the list has run out), executes the chosen actor's pending operation
 * or store-buffer drain, checks the oracles, and resumes the actor to its next visible operation.
 * The encoding is specified in model.h; explore.c relies on it being a pure function of the list.
 */
#include "../mnetif/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct model mn_g;

struct option {
	int kind;                    /* 0/1: run actor, 2: drain */
	int actor;
	uint32_t entry;              /* drain: index in the actor's store buffer */
};

void sched_violation(int v, const char *fmt, ...)
{
	va_list ap;

	if (mn_g.r->violation || mn_g.finishing)
		return;
	mn_g.r->violation = v;
	/* The step being executed (its record comes after the check), the last step recorded, or
	 * -1 for a verdict at quiescence. */
	mn_g.r->violation_step = mn_g.at_end ? -1 : mn_g.in_step ? (int32_t)mn_g.r->nsteps
							       : (int32_t)mn_g.r->nsteps - 1;
	va_start(ap, fmt);
	vsnprintf(mn_g.r->message, sizeof(mn_g.r->message), fmt, ap);
	va_end(ap);
}

void mn_model_consumer_error(const char *msg)
{
	sched_violation(MN_VIO_CONSUMER_ERROR, "%s", msg);
}

void sched_wake(struct actor *a)
{
	if (a->woken || a->state == MN_AS_KILLED || a->state == MN_AS_DONE ||
	    mn_g.nwake == sizeof(mn_g.wakeq) / sizeof(mn_g.wakeq[0]))
		return;
	if (mn_g.dp_on)
		dp_wake(a->id);
	a->state = MN_AS_RUNNABLE;
	a->woken = 1;
	if (a->pend.op == MN_MOP_SLEEP) {
		/* Woken by a notification: consume it (the event channel's read). */
		mn_g.notify_pending = 0;
		a->ret = 1;
	} else {
		a->ret = 1;
	}
	mn_g.wakeq[mn_g.nwake++] = a->id;
}

uint32_t sched_record(struct actor *a, int op, unsigned char *addr, uint32_t size, int order,
		      uint64_t val, int buffered)
{
	uint32_t n = mn_g.r->nsteps++;

	mn_g.in_step = 0;

	if (n < mn_g.cap) {
		struct mn_model_step *s = &mn_g.trace[n];
		const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)mn_g.ring;

		s->actor = (uint8_t)a->id;
		s->op = (uint8_t)op;
		s->order = (uint8_t)order;
		mem_classify(addr, s);
		s->size = size;
		s->value = val;
		s->buffered = (uint32_t)buffered;
		s->cur = mn_observe(&h->sr_cur);
		s->avail = mn_observe(&h->sr_avail);
		s->lock = mn_observe(&h->sr_lock);
		s->decision = mn_g.step_decision;
	}
	return n;
}

int sched_producers_done(void)
{
	int i;

	for (i = 0; i < mn_g.nactors; i++) {
		struct actor *a = mn_g.a[i];

		if (a->kind == MN_ACTOR_PRODUCER && a->state != MN_AS_DONE && a->state != MN_AS_KILLED)
			return 0;
	}
	return 1;
}

/* Stores of other actors still buffered (the consumer must not conclude the ring is final). */
int sched_others_pending(const struct actor *me)
{
	int i;

	for (i = 0; i < mn_g.nactors; i++)
		if (mn_g.a[i] != me && mn_g.a[i]->nsb)
			return 1;
	return 0;
}

static void note_end(struct actor *a)
{
	int i;

	(void)a;
	DP_LOC(DPL_DONE, 1, 1);
	/* An idle consumer waits for a change OR for every producer to be gone. */
	for (i = 0; i < mn_g.nactors; i++)
		if (mn_g.a[i]->state == MN_AS_IDLE)
			sched_wake(mn_g.a[i]);
}

/* Runs a to its next visible operation (or to its end). */
static void advance(struct actor *a)
{
	mn_fiber_resume(a);
	if (a->state == MN_AS_DONE)
		note_end(a);
}

static void process_wakes(void)
{
	int k;

	for (k = 0; k < mn_g.nwake; k++) {
		struct actor *a = mn_g.a[mn_g.wakeq[k]];

		a->woken = 0;
		if (a->state == MN_AS_RUNNABLE && !mn_g.r->violation)
			advance(a);
	}
	mn_g.nwake = 0;
}

static int runnable(const struct actor *a)
{
	return a->state == MN_AS_RUNNABLE;
}

static uint32_t build_options(struct option *o, uint32_t max)
{
	uint32_t n = 0, j;
	int i, cur = mn_g.current;

	if (cur >= 0 && runnable(mn_g.a[cur]))
		o[n++] = (struct option){ 0, cur, 0 };
	for (i = 0; i < mn_g.nactors; i++)
		if (i != cur && runnable(mn_g.a[i]))
			o[n++] = (struct option){ 1, i, 0 };
	for (i = 0; i < mn_g.nactors; i++) {
		struct actor *a = mn_g.a[i];

		for (j = 0; j < a->nsb && n < max; j++)
			if (mem_drainable(a, j))
				o[n++] = (struct option){ 2, i, j };
	}
	return n;
}

static uint32_t choose(const struct option *o, uint32_t n)
{
	uint32_t d = mn_g.r->ndecisions++, c = 0;

	if (d < mn_g.dec_cap)
		mn_g.dec_nopt[d] = n;
	if (mn_g.ch_kind == CH_FN && mn_g.fn) {
		struct mn_model_option opts[64 + MN_MODEL_MAX_ACTORS];
		uint32_t i, m = n < 64 + MN_MODEL_MAX_ACTORS ? n : 64 + MN_MODEL_MAX_ACTORS;

		for (i = 0; i < m; i++) {
			struct mn_model_step s;

			memset(&opts[i], 0, sizeof(opts[i]));
			opts[i].kind = (uint8_t)(o[i].kind == 2 ? 2 : (i == 0 && o[i].kind == 0 ? 0 : 1));
			opts[i].actor = (uint8_t)o[i].actor;
			if (o[i].kind == 2) {
				mem_classify(mn_g.a[o[i].actor]->sb[o[i].entry].addr, &s);
				opts[i].field = s.field;
				opts[i].index = s.index;
				opts[i].off = s.off;
			}
		}
		c = mn_g.fn(mn_g.fn_arg, d, mn_g.r->nsteps, m, opts) % m;
		mn_g.r->nchoices_used++;
	} else if (mn_g.r->nchoices_used < mn_g.nlist) {
		c = mn_g.list[mn_g.r->nchoices_used++] % n;
	}
	if (mn_g.taken && mn_g.ntaken < mn_g.taken_cap)
		mn_g.taken[mn_g.ntaken++] = c;
	mn_g.step_decision = d;
	return c;
}

/* Quiescence: nothing can run and nothing is buffered. */
static void quiescence(void)
{
	int i;

	mn_g.at_end = 1;
	for (i = 0; i < mn_g.nactors && !mn_g.r->violation; i++) {
		struct actor *a = mn_g.a[i];
		struct mn_model_step s;

		if (a->state != MN_AS_SPINNING)
			continue;
		mem_classify(a->spin_addr, &s);
		sched_violation(MN_VIO_DEADLOCK,
				"no deadlock: actor %d (%s) spins forever on %s (every other actor is "
				"finished, killed or blocked)", a->id,
				a->kind == MN_ACTOR_UNPLUGGER ? "unplugger" :
				a->kind == MN_ACTOR_PRODUCER ? "producer" : "actor",
				mn_model_field_name(s.field));
	}
	if (!mn_g.r->violation)
		oracle_end();
	mn_g.at_end = 0;
}

static void prime(void)
{
	int i;

	for (i = 0; i < mn_g.nactors && !mn_g.r->violation; i++)
		advance(mn_g.a[i]);
	process_wakes();
	mn_g.current = 0;
}

static void loop(void)
{
	struct option o[SB_CAP * MN_MODEL_MAX_ACTORS + MN_MODEL_MAX_ACTORS];
	uint32_t n, c;

	while (!mn_g.r->violation) {
		n = build_options(o, sizeof(o) / sizeof(o[0]));
		if (n == 0) {
			quiescence();
			return;
		}
		if (mn_g.r->nsteps >= mn_g.max_steps) {
			sched_violation(MN_VIO_STEP_BOUND,
					"progress: %u steps without reaching quiescence (livelock or a "
					"too small max_steps)", mn_g.max_steps);
			return;
		}
		mn_g.step_decision = ~0u;
		if (mn_g.dp_on) {
			uint32_t k;

			dp_event_begin(n);
			for (k = 0; k < n; k++)
				dp_option(o[k].kind == 2, o[k].actor, o[k].entry);
		}
		/* option 0 is the current actor when it can run; a private operation needs no decision */
		c = n >= 2 && !(o[0].kind == 0 && mem_private_op(mn_g.a[o[0].actor])) ? choose(o, n) : 0;
		if (mn_g.dp_on)
			dp_event_chosen(c, mn_g.step_decision, o[c].kind == 2, o[c].actor, o[c].entry);
		mn_g.committed = 0;
		mn_g.in_step = 1;
		if (o[c].kind == 2) {
			struct actor *a = mn_g.a[o[c].actor];
			struct sb_entry e = a->sb[o[c].entry];

			mem_commit_entry(a, o[c].entry);
			sched_record(a, MN_MOP_DRAIN, e.addr, e.size, e.order,
				     e.region ? 0 : e.val, 0);
		} else {
			struct actor *a = mn_g.a[o[c].actor];

			mn_g.current = a->id;
			if (a->pend.op < MN_MOP_DRAIN)
				mem_exec(a);
			else
				actor_exec_mop(a);
			if (a->state == MN_AS_RUNNABLE && !mn_g.r->violation)
				advance(a);
		}
		if (!mn_g.r->violation)
			mem_drain_private();
		if (mn_g.committed && !mn_g.r->violation && mn_g.w.proto != MN_MODEL_LITMUS) {
			int inv = mn_ring_check(mn_g.ring, &mn_g.geom);

			if (inv)
				sched_violation(MN_VIO_INVARIANT, "header invariant %s violated",
						mn_invariant_name(inv));
		}
		process_wakes();
	}
}

/*
 * The external consumer's fiber must not stay suspended when mn_model_run returns (LIFO, DESIGN
 * §8): after the verdict, its idle/sleep calls return 0 ("the run is over") and the run goes on
 * with every choice 0 and the oracles quiet until it has returned. The result keeps the verdict.
 */
static void finish_external(void)
{
	struct actor *c = mn_g.a[mn_g.consumer_id];
	struct mn_model_result keep;

	if (c->state == MN_AS_DONE || c->state == MN_AS_KILLED)
		return;
	keep = *mn_g.r;
	mn_g.finishing = 1;
	mn_g.nlist = 0;
	mn_g.ch_kind = CH_LIST;
	mn_g.r->violation = 0;
	mn_g.max_steps = mn_g.r->nsteps + mn_g.max_steps;
	mn_g.cap = 0;
	if (c->state == MN_AS_SLEEPING || c->state == MN_AS_IDLE) {
		c->state = MN_AS_RUNNABLE;
		c->ret = 0;
		advance(c);
	}
	loop();
	*mn_g.r = keep;
	mn_g.finishing = 0;
}

static int setup_error(const char *why)
{
	char msg[sizeof(mn_g.r->message)];

	memcpy(msg, why, strnlen(why, sizeof(msg) - 8) + 1);
	msg[sizeof(msg) - 8] = 0;
	mn_g.r->violation = MN_VIO_SETUP;
	snprintf(mn_g.r->message, sizeof(mn_g.r->message), "setup: %.240s", msg);
	return -22;
}

int mn_model_execute(const struct mn_model_workload *w, struct mn_model_result *r,
		     struct mn_model_step *trace, uint32_t cap)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->violation_step = -1;
	r->unplug_result = MN_MODEL_NOT_PUSHED;
	mn_g.w = *w;
	mn_g.r = r;
	mn_g.trace = trace;
	mn_g.cap = trace ? cap : 0;
	mn_g.max_steps = w->max_steps ? w->max_steps : MN_MODEL_DEFAULT_STEPS;
	if (mn_g.dec_cap < mn_g.max_steps + 1) {
		free(mn_g.dec_nopt);
		mn_g.dec_cap = mn_g.max_steps + 1;
		mn_g.dec_nopt = malloc(mn_g.dec_cap * sizeof(uint32_t));
		if (!mn_g.dec_nopt) {
			mn_g.dec_cap = 0;
			return setup_error("out of memory");
		}
	}
	if (mn_fiber_stacks() != 0)
		return setup_error("cannot mmap fiber stacks");
	if (!mn_g.arena && !(mn_g.arena = malloc(ARENA_BYTES)))
		return setup_error("out of memory");
	err = actors_setup();
	if (err) {
		actors_teardown();
		return setup_error(r->message[0] ? r->message : "invalid workload");
	}
	mn_g.in_step = mn_g.at_end = 0;
	prime();
	loop();
	if (mn_g.consumer_id >= 0 && mn_g.w.consumer == MN_CONSUMER_EXTERNAL)
		finish_external();
	actors_teardown();
	return 0;
}

int mn_model_run(const struct mn_model_workload *w, const uint32_t *choices, uint32_t n,
		 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap)
{
	mn_g.ch_kind = CH_LIST;
	mn_g.list = choices;
	mn_g.nlist = choices ? n : 0;
	mn_g.taken = NULL;
	mn_g.ntaken = 0;
	return mn_model_execute(w, r, trace, cap);
}

int mn_model_run_chooser(const struct mn_model_workload *w, mn_model_chooser_fn chooser, void *arg,
			 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap,
			 uint32_t *taken, uint32_t taken_cap, uint32_t *ntaken)
{
	int err;

	mn_g.ch_kind = CH_FN;
	mn_g.fn = chooser;
	mn_g.fn_arg = arg;
	mn_g.nlist = 0;
	mn_g.taken = taken;
	mn_g.taken_cap = taken ? taken_cap : 0;
	mn_g.ntaken = 0;
	err = mn_model_execute(w, r, trace, cap);
	if (ntaken)
		*ntaken = mn_g.ntaken;
	mn_g.taken = NULL;
	mn_g.ch_kind = CH_LIST;
	return err;
}
