/* SPDX-License-Identifier: ISC */
/*
 * Dynamic partial-order reduction over rt: stateless, by re-execution, with NO preemption bound.
 * Every execution is an ordinary choice list (rt.h), so a counterexample is an ordinary replay
 * token. Three algorithms (rt_dpor_mode): source sets + sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas, JACM 2017, Algorithm 1; the default), Flanagan-Godefroid (POPL 2005) + sleep sets, and
 * plain Flanagan-Godefroid; the last two for comparison.
 *
 * Events and threads. An event is one iteration of the scheduler loop (sched.c): the chosen
 * option's operation or drain, plus whatever the runtime does in the same iteration (the chosen
 * actor's fiber running on to its next visible operation, wakeups, woken actors running on to
 * theirs). DPOR threads are the options' identities:
 *   an actor                          option kind 0/1 (its pending visible operation);
 *   a drain pseudo-thread             per actor and the memory model's drain_key (mm.h): TSO one
 *                                     per actor (its FIFO), PSO one per (actor, address) FIFO.
 * A drain is a write to memory at its address; an actor's buffered store touches no shared memory
 * (nobody else can see it), it only enables its drain, so drain events are ordered after the event
 * that buffered their entry (the `src` edge below, like program order).
 *
 * Dependency (conservative; when in doubt, dependent). Two events of different threads are
 * dependent iff either is GLOBAL, or they access overlapping locations and one writes them (two
 * loads never are).
 * Accesses are recorded by hooks (memory.c, ops.c): loads, copies out and RMW reads read committed
 * memory (a forwarded load is recorded as a read too, which only adds dependencies); every commit
 * (SC store, RMW, drain, region copy, flush) writes it. The workload's per-step oracle (after_step)
 * reads the ranges it declared with rt_oracle_reads after every commit, so two writes to them (even
 * to different words) do not commute for the oracle (each order shows it a different intermediate
 * state): each such write also writes the pseudo-location RT_DPL_INV. Runtime state shared outside
 * memory is a pseudo-location too: which actors finished, whose buffer is empty (rt_idle reads
 * both), an event channel's pending count (rt_signal, rt_wait), and the workload's own
 * (rt_dep_pseudo: e.g. its reference model). An event that wakes an actor (its woken fiber runs
 * on within the event, touching only private state) writes the pseudo-location of the woken
 * actor's blocked state (RT_DPL_WAKE; the woken actor's next event also happens after it, like
 * program order), so it is dependent with the blocking operation it ends (which wrote or read the
 * channel or range the wakeup writes anyway) and with the other wakeups of that actor, no more;
 * with the two older algorithms a wakeup is GLOBAL as before (their figures stay comparable).
 * An event is GLOBAL (dependent with every event of
 * another thread) when it spins (reads the commit log), kills (rt_kill), forces a drain out of a full
 * store buffer, or when the workload says so (rt_dep_global: e.g. freeing a region). A flush
 * (FULL fence, RMW) is its commits; so is a HEAVY fence's (every actor's buffer), which also writes
 * the pseudo-location every buffered store reads (RT_DPL_HEAVY: a store buffered before the fence
 * is flushed by it, one buffered after is not); that a flush disables drain pseudo-threads is the
 * disabled-transition check below. Everything that changes only an actor's private state (its
 * fiber's locals, its own buffer) is independent of other threads' events.
 *
 * A memory operation's own decision (rt_choose) is a decision of the list but not a scheduling
 * one: every alternative is explored (all of them are in its backtrack set from the start).
 *
 * Happens-before: vector clocks over the events of one execution: program order of each thread,
 * the buffering event -> its drain, the waker -> the woken actor's next event, and dependent pairs
 * in execution order.
 *
 * Backtracking (FG05, by race detection on the executed events): for each event e_j of thread p,
 * the LAST earlier event e_i of another thread that is dependent with e_j and does not happen
 * before p's state (the clock of p's previous event and of e_j's src) is a race; at the state
 * before e_i, p is added to the backtrack set if p is enabled there (one of its options), else
 * EVERY enabled thread is (the classic rule for blocking/enabledness changes). A thread q whose
 * enabled transition is disabled by an event e_k (a kill, a flush that empties q's FIFO, and at
 * quiescence anything left) never executes it, so its races are checked there with that
 * transition taken as GLOBAL (FG05 checks every thread, enabled or not, at every state).
 * A state with one option has no decision and nothing to add (its only thread is the one run).
 *
 * Source sets (the default; "source_race" below): every race of e_j (each dependent event of
 * another thread that happens before e_j through no other event), not only the last one, is
 * reversed at the state before its first event e_i by the sequence v = notdep(e_i).e_j; one of
 * v's initials joins the backtrack set there unless one already is in it or asleep on arrival.
 * FG05 instead adds e_j's own thread (or every enabled thread), which explores more: many of its
 * additions are sleep-set blocked or equivalent to explored runs. Disabled transitions keep the
 * FG05 rule (a superset).
 *
 * Sleep sets (Godefroid 1996; FG05 section 4), in every mode but RT_DPOR_FG05 (plain FG05).
 * A state's sleep set holds threads whose next transition need not be explored from it: every
 * execution starting with it is equivalent to one already explored. Stored per decision of the
 * current prefix: the sleepers on arrival, then the event each explored option performed there.
 * Taking option p at state s, the child starts with every sleeper of s and every option explored
 * from s before p, and each event executed from then on wakes (removes) the sleepers dependent
 * with it (the same relation as the race analysis; a sleeper is compared through the event it
 * performed when it was explored, whose accesses are those of its pending operation: it has not
 * run since). At a new state the first option not asleep is taken (not necessarily 0, so a
 * violation's token is the whole list of the run); a backtrack option asleep at its state is
 * skipped. A state where every option is asleep is sleep-set blocked: the run goes on with
 * option 0 to its end (a real execution: its verdict counts, the result hook sees it), but only
 * the events before the block are analysed and only its decisions are kept (st->blocked counts
 * such runs). Sleep sets only prune executions equivalent to explored ones; a memory operation's
 * own decision (rt_choose) passes the sleep set on unchanged (its alternatives are not threads).
 * Not done: wakeup trees (optimal DPOR), so sleep-set blocked runs remain (few on the workloads
 * measured, docs/harness.md: the runs explored are mostly distinct traces of the relation).
 *
 * Exploration order: the deepest decision with a backtrack option not yet done is taken next (its
 * option index becomes the last choice of the list); decisions past the list choose 0 (or, with
 * sleep sets, the first option not asleep). Exhausted (st->exhausted) = no decision has a pending
 * backtrack option: every trace of the workload (any number of preemptions) is represented by an
 * explored execution.
 *
 * Restrictions: reduction must be off (its decision-less steps would hide states DPOR must
 * revisit; DPOR subsumes it) and every shared access of the actors must go through rt.
 */
#include "mm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DP_MAXR 16           /* memory ranges recorded per event; more makes the event global */
#define DP_BT 1              /* option flags at a decision: in the backtrack set */
#define DP_DONE 2            /* explored from this decision */

struct dp_range {
	const unsigned char *lo, *hi;
	uint8_t w;                /* 0 read, 1 write, RT_DP_ADD blind add only (see conflict) */
};

struct dp_event {
	uint64_t tid;             /* thread key of the chosen option */
	uint32_t dec;             /* decision index, ~0u when only one option */
	uint32_t opt, nopt;       /* its options' thread keys: opts[opt .. opt+nopt) */
	uint32_t chosen;
	int32_t src;              /* drain: the buffering event; woken actor: the waker; or -1 */
	uint8_t global, nr;
	struct dp_range r[DP_MAXR];
};

/* A memory operation's own decision (rt_choose). */
struct dp_choice {
	uint32_t dec, nopt, chosen;
};

/* A state's sleep set: e[0 .. ninh) asleep on arrival (never explored from here), then the
 * events of the options already explored from it (asleep for the later ones when independent).
 * sched = 0: a memory operation's own decision (no siblings join the sleep set). */
struct dp_sleep {
	struct dp_event *e;
	uint32_t n, cap, ninh;
	uint8_t sched;
};

/* The recorder: the events of the execution being run. */
struct rt_dp {
	struct dp_event *ev;
	uint32_t nev, evcap;
	uint64_t *opts;
	struct dp_range *optr;    /* drain options: the write they would do; actors: lo = NULL */
	uint32_t nopts, optcap, optrcap;
	struct dp_choice *ch;
	uint32_t nch, chcap;
	int32_t wake_src[RT_MAX_ACTORS];
	int in_event, oom;
	unsigned char pseudo[RT_DPL__COUNT];   /* the pseudo-locations' addresses */
	/* sleep sets (see "Sleep sets" above) */
	struct dp_sleep *sl;      /* per decision of the current prefix: its state's sleep set */
	uint32_t slcap;
	struct dp_event *on;      /* the sleep set now (online, from the backtrack decision on) */
	uint32_t non, oncap;
	uint32_t prefix;          /* decisions replayed from the list */
	uint32_t bt_dec;          /* the decision taken differently this run (~0u: the first run) */
	int online, blocked;
	uint32_t blocked_dec, blocked_ev;   /* every option asleep from here: nothing new after */
};

void rt_dpor_mutate(struct rt *rt, int m)
{
	rt->dp_mutate = m;
}

int rt_dpor_mode(struct rt *rt, int mode)
{
	if (mode != RT_DPOR_SOURCE && mode != RT_DPOR_SLEEP && mode != RT_DPOR_FG05)
		return -EINVAL;
	rt->dp_mode = mode;
	return 0;
}

static int nosleep(const struct rt *rt)
{
	return rt->dp_mode == RT_DPOR_FG05;
}

void rt_dpor_release(struct rt *rt)
{
	struct rt_dp *R = rt->dp;

	if (!R)
		return;
	free(R->ev);
	free(R->opts);
	free(R->optr);
	free(R->ch);
	for (uint32_t d = 0; d < R->slcap; d++)
		free(R->sl[d].e);
	free(R->sl);
	free(R->on);
	free(R);
	rt->dp = NULL;
}

static uint64_t key_of(const struct rt *rt, int drain, int actor, uint32_t entry)
{
	uint64_t k;

	if (!drain)
		return (uint64_t)actor;
	k = rt->mm->drain_key(rt->a[actor], entry);
	if (!k)
		return (1ull << 62) | (uint64_t)actor;
	/* drain keys are stable across executions (rt.h: regions do not move) */
	return (2ull << 62) | ((uint64_t)actor << 48) | (k & 0xffffffffffffull);
}

/* Does a write touch what the per-step oracle reads (rt_oracle_reads)? */
static int inv_checked(const struct rt *rt, const unsigned char *addr, uint32_t size)
{
	const unsigned char *hi = addr + (size ? size : 1);
	int i;

	for (i = 0; i < rt->noread; i++)
		if (addr < rt->oread_hi[i] && rt->oread_lo[i] < hi)
			return 1;
	return 0;
}

/* A drain that never ran (the disabled-transition check): its write, counted for the whole hull
 * of the oracle's read ranges when it touches one of them (a superset: conservative). */
static struct dp_range widen(const struct rt *rt, const unsigned char *addr, uint32_t size,
			     int write)
{
	struct dp_range x = { addr, addr + (size ? size : 1), (uint8_t)(write != 0) };
	int i;

	if (write && inv_checked(rt, addr, size)) {
		x.lo = rt->oread_lo[0];
		x.hi = rt->oread_hi[0];
		for (i = 1; i < rt->noread; i++) {
			if (rt->oread_lo[i] < x.lo)
				x.lo = rt->oread_lo[i];
			if (rt->oread_hi[i] > x.hi)
				x.hi = rt->oread_hi[i];
		}
	}
	return x;
}

/* Grows *p (cap elements of sz bytes) to hold need, doubling; -1 when out of memory. */
static int grow(void **p, uint32_t *cap, uint32_t need, size_t sz)
{
	uint32_t n = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, (size_t)n * sz);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static struct dp_event *cur_event(struct rt_dp *R)
{
	return R->in_event ? &R->ev[R->nev - 1] : NULL;
}

static void dp_oom(struct rt *rt)
{
	rt->dp->oom = 1;
	rt->dp->in_event = 0;
	rt->dp_on = 0;
}

static void sleep_filter(struct rt *rt, const struct dp_event *x);
static int asleep(const struct rt_dp *R, uint64_t key);

void dp_event_begin(struct rt *rt, uint32_t nopt)
{
	struct rt_dp *R = rt->dp;
	struct dp_event *e;

	/* the event just completed wakes the sleepers it is dependent with */
	if (R->online && !R->blocked && R->nev)
		sleep_filter(rt, &R->ev[R->nev - 1]);

	if (grow((void **)&R->ev, &R->evcap, R->nev + 1, sizeof(*R->ev)) ||
	    grow((void **)&R->opts, &R->optcap, R->nopts + nopt, sizeof(*R->opts)) ||
	    grow((void **)&R->optr, &R->optrcap, R->nopts + nopt, sizeof(*R->optr))) {
		dp_oom(rt);
		return;
	}
	e = &R->ev[R->nev++];
	memset(e, 0, sizeof(*e));
	e->opt = R->nopts;
	e->dec = ~0u;
	e->src = -1;
	rt->dp_ev = R->nev - 1;
	R->in_event = 1;
}

void dp_option(struct rt *rt, int drain, int actor, uint32_t entry)
{
	struct rt_dp *R = rt->dp;
	struct dp_event *e = cur_event(R);

	if (!e)
		return;
	R->optr[R->nopts] = (struct dp_range){ NULL, NULL, 1 };
	if (drain) {
		const struct rt_sb_entry *x = &rt->a[actor]->sb[entry];

		R->optr[R->nopts] = widen(rt, x->addr, x->size, 1);
	}
	R->opts[R->nopts++] = key_of(rt, drain, actor, entry);
	e->nopt++;
}

void dp_event_chosen(struct rt *rt, uint32_t c, uint32_t decision, int drain, int actor,
		     uint32_t entry)
{
	struct rt_dp *R = rt->dp;
	struct dp_event *e = cur_event(R);

	if (!e)
		return;
	e->chosen = c;
	e->tid = R->opts[e->opt + c];
	e->dec = decision;
	/* a state whose only option is asleep is sleep-set blocked as well */
	if (decision == ~0u && R->online && !R->blocked && !nosleep(rt) && asleep(R, e->tid)) {
		R->blocked = 1;
		R->blocked_dec = rt->res.ndecisions;
		R->blocked_ev = R->nev - 1;
	}
	if (drain) {
		e->src = (int32_t)rt->a[actor]->sb[entry].ev;
	} else {
		e->src = R->wake_src[actor];
		R->wake_src[actor] = -1;
	}
}

void dp_choice(struct rt *rt, uint32_t decision, uint32_t nopt, uint32_t c)
{
	struct rt_dp *R = rt->dp;

	if (grow((void **)&R->ch, &R->chcap, R->nch + 1, sizeof(*R->ch))) {
		dp_oom(rt);
		return;
	}
	R->ch[R->nch++] = (struct dp_choice){ decision, nopt, c };
}

void dp_global(struct rt *rt)
{
	struct dp_event *e = cur_event(rt->dp);

	if (e)
		e->global = 1;
}

int dp_refined(const struct rt *rt)
{
	return rt->dp_mode == RT_DPOR_SOURCE;
}

void dp_wake(struct rt *rt, int actor)
{
	struct rt_dp *R = rt->dp;
	struct dp_event *e = cur_event(R);

	if (!e)
		return;
	R->wake_src[actor] = (int32_t)(R->nev - 1);
	if (dp_refined(rt))
		dp_loc(rt, RT_DPL_WAKE + actor, 1, 1);
	else
		e->global = 1;
}

void dp_loc(struct rt *rt, int loc, uint32_t n, int write)
{
	dp_access(rt, rt->dp->pseudo + loc, n, write);
}

void dp_access(struct rt *rt, const unsigned char *addr, uint32_t size, int write)
{
	struct rt_dp *R = rt->dp;
	struct dp_event *e = cur_event(R);
	const unsigned char *lo = addr, *hi = addr + (size ? size : 1);
	uint32_t i;

	if (!e || e->global)
		return;
	/* The per-step oracle reads its ranges after EVERY commit: two writes to them (even to
	 * different words) show it different intermediate states in the two orders, so they are
	 * made dependent through the RT_DPL_INV pseudo-location; reads of them stay precise. */
	if (write && addr != R->pseudo + RT_DPL_INV && inv_checked(rt, addr, size))
		dp_access(rt, R->pseudo + RT_DPL_INV, 1, 1);
	for (i = 0; i < e->nr; i++) {
		if (e->r[i].lo == lo && e->r[i].hi == hi) {
			/* a read or a write with an add is a plain write */
			e->r[i].w = (uint8_t)(e->r[i].w == (uint8_t)write ? write :
					      e->r[i].w | write ? 1 : 0);
			return;
		}
	}
	if (e->nr == DP_MAXR) {
		e->global = 1;
		return;
	}
	e->r[e->nr++] = (struct dp_range){ lo, hi, (uint8_t)(write == RT_DP_ADD ? RT_DP_ADD :
								 write != 0) };
}

/* The actor a thread key belongs to (a drain pseudo-thread: the actor whose buffer it drains). */
static uint64_t owner(uint64_t key)
{
	if (key < (1ull << 62))
		return key;
	if (key >> 62 == 1)
		return key & 0xff;
	return (key >> 48) & 0x3fff;
}

/* An actor's own loads commute with the drains of its own buffer: before the drain the load is
 * forwarded the buffered bytes, after it memory holds the same bytes (another actor's write in
 * between is a separate dependency). So between an actor's event and one of its drains only
 * WRITES conflict (a flush/RMW committing the same bytes). */
static int own_drain(int mutate, uint64_t a, uint64_t b)
{
	/* test-only mutation 6: every actor's loads commute with every drain (unsound) */
	return (a >= (1ull << 62)) != (b >= (1ull << 62)) && (owner(a) == owner(b) || mutate == 6);
}

/* A transition that never ran (disabled): a drain's write, or (an actor's) GLOBAL. */
static int dependent_virtual(int mutate, const struct dp_event *x, uint64_t key,
			     const struct dp_range *v)
{
	uint32_t i;
	int own = own_drain(mutate, x->tid, key);

	if (mutate == 1)
		return 0;
	if (x->global || !v->lo)
		return 1;
	for (i = 0; i < x->nr; i++)
		if ((x->r[i].w || !own) && x->r[i].lo < v->hi && v->lo < x->r[i].hi)
			return 1;
	return 0;
}

/* Two accesses of overlapping ranges conflict when one writes, except two blind adds of the same
 * range (they commute: the same memory in either order, nothing returned; adds of different
 * widths do not: a carry). Between an actor's event and a drain of its own buffer only writes (an
 * add is one) conflict: see own_drain. */
static int conflict(int mutate, int own, const struct dp_range *a, const struct dp_range *b)
{
	if (!(a->lo < b->hi && b->lo < a->hi))
		return 0;
	if (own)
		return a->w && b->w;
	/* test-only mutation 7: a blind add conflicts with writes only (unsound: a load must see
	 * each add) */
	if (mutate == 7 && (a->w == RT_DP_ADD || b->w == RT_DP_ADD))
		return a->w == 1 || b->w == 1;
	return (a->w || b->w) &&
	       !(a->w == RT_DP_ADD && b->w == RT_DP_ADD && a->lo == b->lo && a->hi == b->hi);
}

static int dependent(int mutate, const struct dp_event *x, const struct dp_event *y)
{
	uint32_t i, j;
	int own;

	if (mutate == 1)
		return 0;
	if (x->global || y->global)
		return 1;
	own = own_drain(mutate, x->tid, y->tid);
	for (i = 0; i < x->nr; i++)
		for (j = 0; j < y->nr; j++)
			if (conflict(mutate, own, &x->r[i], &y->r[j]))
				return 1;
	return 0;
}

/* ---- sleep sets -------------------------------------------------------------------------------- */

static int in_set(const struct dp_event *e, uint32_t n, uint64_t key)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (e[i].tid == key)
			return 1;
	return 0;
}

static int asleep(const struct rt_dp *R, uint64_t key)
{
	return in_set(R->on, R->non, key);
}

static int sleep_push(struct dp_event **v, uint32_t *n, uint32_t *cap, const struct dp_event *e)
{
	if (grow((void **)v, cap, *n + 1, sizeof(**v)))
		return -1;
	(*v)[(*n)++] = *e;
	return 0;
}

/* The sleepers dependent with the event just executed wake up (test-only mutation 4: never). */
static void sleep_filter(struct rt *rt, const struct dp_event *x)
{
	struct rt_dp *R = rt->dp;
	uint32_t i, k = 0;

	if (rt->dp_mutate == 4)
		return;
	for (i = 0; i < R->non; i++)
		if (R->on[i].tid != x->tid && !dependent(rt->dp_mutate, &R->on[i], x))
			R->on[k++] = R->on[i];
	R->non = k;
}

/* Decision d (sched: a scheduling one; listed: c comes from the list). At the decision taken
 * differently this run, the sleep set becomes the one stored for its state; at a new state the
 * current sleep set is stored and the first option not asleep is taken (none: blocked). */
uint32_t dp_decide(struct rt *rt, uint32_t d, uint32_t n, int sched, uint32_t c, int listed)
{
	struct rt_dp *R = rt->dp;
	const struct dp_event *e = cur_event(R);
	struct dp_sleep *S;
	uint32_t k;

	if (nosleep(rt) || R->oom)
		return c;
	if (listed) {
		if (d != R->bt_dec)
			return c;
		S = &R->sl[d];
		R->non = 0;
		for (k = 0; k < S->n; k++)
			if (sleep_push(&R->on, &R->non, &R->oncap, &S->e[k]))
				dp_oom(rt);
		R->online = 1;
		return c;
	}
	if (!R->online || R->blocked)
		return c;
	if (d >= R->slcap) {
		uint32_t old = R->slcap;

		if (grow((void **)&R->sl, &R->slcap, d + 1, sizeof(*R->sl))) {
			dp_oom(rt);
			return c;
		}
		memset(R->sl + old, 0, (R->slcap - old) * sizeof(*R->sl));
	}
	S = &R->sl[d];
	S->n = 0;
	for (k = 0; k < R->non; k++)
		if (sleep_push(&S->e, &S->n, &S->cap, &R->on[k]))
			dp_oom(rt);
	S->ninh = S->n;
	S->sched = (uint8_t)(sched && e);
	if (!S->sched)
		return c;
	for (k = 0; k < n; k++)
		if (!asleep(R, R->opts[e->opt + k]))
			return k;
	R->blocked = 1;
	R->blocked_dec = d;
	R->blocked_ev = R->nev - 1;
	return c;
}

/* Was `key` asleep when state d was first reached (never to be explored from d)? */
static int asleep_at(const struct dp_sleep *S, uint64_t key)
{
	return in_set(S->e, S->ninh, key);
}

/* ---- the search ---------------------------------------------------------------------------- */

struct search {
	const struct rt_dp *R;
	int mutate, mode;
	uint8_t *fl;              /* option flags of every decision, decision d at doff[d] */
	uint32_t flcap;
	uint32_t *doff, doffcap;
	uint32_t *dn, *dc;        /* options and choice at decision d */
	uint32_t *dev;            /* the event of scheduling decision d */
	uint32_t nev;             /* events analysed (a sleep-set blocked run: those before it) */
	uint8_t *internal;        /* 1: decision d is a memory operation's own (rt_choose) */
	uint32_t dcap;
	uint64_t *keys;           /* thread key of each clock column */
	uint32_t nkeys, keycap;
	uint32_t *col;            /* clock column of each event's thread */
	uint32_t *clk;            /* nev x nkeys vector clocks: max (event index + 1) per column */
	uint32_t clkcap;
	int32_t *last;
};

static int column_of(struct search *s, uint64_t key)
{
	uint32_t i;

	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i] == key)
			return (int)i;
	if (grow((void **)&s->keys, &s->keycap, s->nkeys + 1, sizeof(uint64_t)))
		return -1;
	s->keys[s->nkeys] = key;
	return (int)s->nkeys++;
}

/* The state before event i: add thread `key` to its backtrack set, or every enabled thread when
 * `key` is not enabled there. */
static void backtrack(struct search *s, uint32_t i, uint64_t key)
{
	const struct dp_event *e = &s->R->ev[i];
	uint8_t *f;
	uint32_t k;

	if (e->dec == ~0u || s->mutate == 2)
		return;
	f = s->fl + s->doff[e->dec];
	for (k = 0; k < e->nopt; k++) {
		if (s->R->opts[e->opt + k] == key) {
			f[k] |= DP_BT;
			return;
		}
	}
	for (k = 0; k < e->nopt; k++)
		f[k] |= DP_BT;
}

static int enabled_in(const struct rt_dp *R, const struct dp_event *e, uint64_t key)
{
	uint32_t k;

	for (k = 0; k < e->nopt; k++)
		if (R->opts[e->opt + k] == key)
			return 1;
	return 0;
}

/* Source sets (Abdulla et al., JACM 2017, Algorithm 1): the race e_i -> e_j is reversed at the
 * state E' before e_i by v = notdep(e_i).e_j, the events after e_i that do not happen after it,
 * then e_j. Any execution E'.v' with v' equivalent to v starts with one of v's INITIALS (its
 * events with no earlier event of v happening before them, one per thread at most), so it is
 * enough that one initial is in E''s backtrack set (explored or to be) or asleep on arrival at
 * E' (every execution starting with it is equivalent to an explored one); else the first initial
 * enabled at E' is added (none enabled: every enabled thread, FG05's rule). C: e_j's clock so far,
 * exact for every event after e_i (the scan goes latest first). */
static void source_race(struct search *s, uint32_t i, uint32_t j, const uint32_t *C, uint32_t T)
{
	const struct rt_dp *R = s->R;
	const struct dp_event *e = &R->ev[i];
	const struct dp_sleep *S;
	uint32_t ini[RT_MAX_ACTORS * 4 + 64], nini = 0, k, m, ci = s->col[i];
	uint8_t *f;

	if (e->dec == ~0u || s->mutate == 2)
		return;
	for (k = i + 1; k <= j; k++) {
		const uint32_t *K = k < j ? s->clk + (size_t)k * T : C;

		if (k < j && K[ci] > i && s->mutate != 5)
			continue;    /* happens after e_i: not in v (test-only mutation 5: kept) */
		for (m = 0; m < nini; m++)
			if (K[s->col[ini[m]]] > ini[m])
				break;
		if (m < nini)
			continue;                       /* an earlier initial happens before it */
		if (nini == sizeof(ini) / sizeof(ini[0])) {
			backtrack(s, i, ~0ull);         /* (more threads than ever seen) all */
			return;
		}
		ini[nini++] = k;
	}
	f = s->fl + s->doff[e->dec];
	S = e->dec < R->slcap && R->sl[e->dec].sched ? &R->sl[e->dec] : NULL;
	for (m = 0; m < nini; m++) {
		uint64_t q = R->ev[ini[m]].tid;

		if (S && asleep_at(S, q))
			return;
		for (k = 0; k < e->nopt; k++)
			if (R->opts[e->opt + k] == q && (f[k] & DP_BT))
				return;
	}
	for (m = 0; m < nini; m++) {
		if (enabled_in(R, e, R->ev[ini[m]].tid)) {
			backtrack(s, i, R->ev[ini[m]].tid);
			return;
		}
	}
	backtrack(s, i, ~0ull);
}

static int analyze(struct search *s)
{
	const struct rt_dp *R = s->R;
	uint32_t n = s->nev, j, i, t, T, k, nr;
	uint32_t *P;

	s->nkeys = 0;
	for (j = 0; j < n; j++)
		for (k = 0; k < R->ev[j].nopt; k++)
			if (column_of(s, R->opts[R->ev[j].opt + k]) < 0)
				return -1;
	T = s->nkeys + 1;          /* + one scratch row */
	free(s->col);
	free(s->last);
	s->col = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
	s->last = malloc((size_t)T * sizeof(int32_t));
	if (!s->col || !s->last || grow((void **)&s->clk, &s->clkcap, (n + 1) * T, sizeof(uint32_t)))
		return -1;
	for (j = 0; j < n; j++)
		s->col[j] = (uint32_t)column_of(s, R->ev[j].tid);
	for (t = 0; t < T; t++)
		s->last[t] = -1;
	P = s->clk + (size_t)n * T;   /* scratch */
	for (j = 0; j < n; j++) {
		const struct dp_event *e = &R->ev[j];
		uint32_t *C = s->clk + (size_t)j * T;

		t = s->col[j];
		/* p's state before e_j: its previous event, the buffering event / the waker */
		memset(P, 0, T * sizeof(uint32_t));
		if (s->last[t] >= 0)
			memcpy(P, s->clk + (size_t)s->last[t] * T, T * sizeof(uint32_t));
		if (e->src >= 0)
			for (k = 0; k < T; k++)
				if (s->clk[(size_t)e->src * T + k] > P[k])
					P[k] = s->clk[(size_t)e->src * T + k];
		/* e_j's clock: P joined with every dependent earlier event's, latest first. A
		 * dependent event of another thread not yet covered then is a race (it happens before
		 * e_j through no other event): FG05 reverses the last one (the latest, by adding p
		 * before it), source sets every one (source_race) */
		memcpy(C, P, T * sizeof(uint32_t));
		for (i = j, nr = 0; i-- > 0;) {
			const uint32_t *D;

			if (s->col[i] == t || C[s->col[i]] > i || !dependent(s->mutate, &R->ev[i], e))
				continue;
			if (s->mode != RT_DPOR_SOURCE && !nr++)
				backtrack(s, i, e->tid);
			else if (s->mode == RT_DPOR_SOURCE)
				source_race(s, i, j, C, T);
			D = s->clk + (size_t)i * T;
			for (k = 0; k < T; k++)
				if (D[k] > C[k])
					C[k] = D[k];
		}
		C[t] = j + 1;
		s->last[t] = (int32_t)j;
		/* threads enabled before e_j and not after it (killed, FIFO flushed, or the run ended):
		 * their transition never runs; check its races now (FG05 checks every thread at every
		 * state, enabled or not): a drain as the write it would do, an actor's as GLOBAL */
		if (s->mutate == 1)
			continue;
		for (k = 0; k < e->nopt; k++) {
			uint64_t q = R->opts[e->opt + k];
			uint32_t qs;
			const uint32_t *Q;

			if (q == e->tid || (j + 1 < R->nev && enabled_in(R, &R->ev[j + 1], q)))
				continue;
			qs = (uint32_t)column_of(s, q);
			Q = s->last[qs] >= 0 ? s->clk + (size_t)s->last[qs] * T : NULL;
			for (i = j + 1; i-- > 0;) {
				if (s->col[i] != qs && (!Q || Q[s->col[i]] <= i) &&
				    dependent_virtual(s->mutate, &R->ev[i], q, &R->optr[e->opt + k])) {
					backtrack(s, i, q);
					break;
				}
			}
		}
	}
	return 0;
}

/* The decisions of the execution just run: options and choice of each (scheduling decisions
 * from the events, a memory operation's own from the choices); -EIO if one is missing. */
static int decisions(struct search *s, uint32_t nd)
{
	const struct rt_dp *R = s->R;
	uint32_t j, d, seen = 0, cap = s->dcap;

	if (grow((void **)&s->dn, &s->dcap, nd + 1, sizeof(uint32_t)))
		return -ENOMEM;
	if (s->dcap != cap || !s->dc) {
		uint32_t *dc = realloc(s->dc, (size_t)s->dcap * sizeof(uint32_t));
		uint32_t *dev = dc ? realloc(s->dev, (size_t)s->dcap * sizeof(uint32_t)) : NULL;
		uint8_t *in = dev ? realloc(s->internal, s->dcap) : NULL;

		if (dc)
			s->dc = dc;
		if (dev)
			s->dev = dev;
		if (!dc || !dev || !in)
			return -ENOMEM;
		s->internal = in;
	}
	for (d = 0; d < nd; d++)
		s->dn[d] = ~0u;
	for (j = 0; j < R->nev; j++) {
		d = R->ev[j].dec;
		if (d != ~0u && d < nd) {
			s->dn[d] = R->ev[j].nopt;
			s->dc[d] = R->ev[j].chosen;
			s->dev[d] = j;
			s->internal[d] = 0;
			seen++;
		}
	}
	for (j = 0; j < R->nch; j++) {
		d = R->ch[j].dec;
		if (d < nd) {
			s->dn[d] = R->ch[j].nopt;
			s->dc[d] = R->ch[j].chosen;
			s->internal[d] = 1;
			seen++;
		}
	}
	for (d = 0; d < nd; d++)
		if (s->dn[d] == ~0u)
			return -EIO;
	return seen == nd ? 0 : -EIO;
}

static void search_free(struct search *s)
{
	free(s->fl);
	free(s->doff);
	free(s->dn);
	free(s->dc);
	free(s->dev);
	free(s->internal);
	free(s->keys);
	free(s->col);
	free(s->clk);
	free(s->last);
}

int rt_dpor(struct rt *rt, const struct rt_workload *wl, void *ctx, uint64_t max_executions,
	    int stop_on_violation, struct rt_stats *st, uint32_t *cex, uint32_t cap,
	    uint32_t *cex_len)
{
	return rt_dpor_sub(rt, wl, ctx, max_executions, stop_on_violation, NULL, 0, st, cex, cap,
			   cex_len);
}

int rt_dpor_sub(struct rt *rt, const struct rt_workload *wl, void *ctx, uint64_t max_executions,
		int stop_on_violation, const uint32_t *prefix, uint32_t plen, struct rt_stats *st,
		uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	const struct rt_result *r = &rt->res;
	struct search s;
	struct rt_dp *R;
	uint32_t *c = NULL, ccap = 0, len = 0, nd, d, k;
	uint64_t t0 = rt_now_ns();
	int err = 0, found = 0;

	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	if (cex_len)
		*cex_len = 0;
	if (!rt->dp && !(rt->dp = calloc(1, sizeof(*rt->dp))))
		return -ENOMEM;
	R = rt->dp;
	s.R = R;
	s.mutate = rt->dp_mutate;
	s.mode = rt->dp_mode;
	R->bt_dec = ~0u;
	if (plen) {
		if (!prefix || grow((void **)&c, &ccap, plen + 1, sizeof(uint32_t)))
			return prefix ? -ENOMEM : -EINVAL;
		memcpy(c, prefix, (size_t)plen * sizeof(uint32_t));
		len = plen;
	}
	for (;;) {
		R->nev = R->nopts = R->nch = 0;
		R->in_event = R->oom = 0;
		R->prefix = len;
		R->non = 0;
		R->online = R->bt_dec == ~0u;   /* the first run starts with an empty sleep set */
		R->blocked = 0;
		for (k = 0; k < RT_MAX_ACTORS; k++)
			R->wake_src[k] = -1;
		rt->dp_on = 1;
		err = rt_run(rt, wl, ctx, c, len, NULL, 0);
		if (!err && rt->red_on) {
			err = -EINVAL;
			st->first_violation = wl->vio_setup;
			strcpy(st->message, "setup: DPOR needs the reduction off");
			rt->dp_on = 0;
			break;
		}
		if (!err && rt->mm->prune) {
			/* a model whose executions may be pruned (ARM's promises): the dependency
			 * relation does not cover reads from the future yet */
			err = -EINVAL;
			st->first_violation = wl->vio_setup;
			snprintf(st->message, sizeof(st->message),
				 "setup: DPOR does not support the %s memory model (use the bounded "
				 "search)", rt->mm->name);
			rt->dp_on = 0;
			break;
		}
		rt->dp_on = 0;
		R->in_event = 0;
		if (err) {
			st->first_violation = r->violation;
			memcpy(st->message, r->message, sizeof(st->message));
			break;
		}
		if (R->oom) {
			err = -ENOMEM;
			break;
		}
		rt_explore_count(rt, st, r);
		if (r->violation && !nosleep(rt)) {
			/* past the list a sleep set may have taken options other than 0: the whole
			 * list of this run is the replay token */
			nd = r->ndecisions;
			if (grow((void **)&c, &ccap, nd + 1, sizeof(uint32_t))) {
				err = -ENOMEM;
				break;
			}
			err = decisions(&s, nd);
			if (err)
				break;
			for (d = 0; d < nd; d++)
				c[d] = s.dc[d];
			if (rt_explore_violation(st, r, c, nd, cex, cap, cex_len, &found, 1,
						 stop_on_violation))
				break;
		} else if (rt_explore_violation(st, r, c, len, cex, cap, cex_len, &found, 1,
						stop_on_violation))
			break;
		if (max_executions && st->executions >= max_executions)
			break;
		/* the decisions of this execution, their options and flags (a sleep-set blocked run:
		 * only those before the block; what follows it is covered elsewhere) */
		nd = R->blocked ? R->blocked_dec : r->ndecisions;
		s.nev = R->blocked ? R->blocked_ev : R->nev;
		st->blocked += R->blocked != 0;
		if (grow((void **)&c, &ccap, nd + 1, sizeof(uint32_t)) ||
		    grow((void **)&s.doff, &s.doffcap, nd + 1, sizeof(uint32_t))) {
			err = -ENOMEM;
			break;
		}
		err = decisions(&s, nd);
		if (err) {
			if (err == -EIO)       /* the recorder missed a decision: should not happen */
				strcpy(st->message, "dpor: decision bookkeeping mismatch");
			break;
		}
		s.doff[0] = 0;
		for (d = 0; d < nd; d++)
			s.doff[d + 1] = s.doff[d] + s.dn[d];
		if (grow((void **)&s.fl, &s.flcap, s.doff[nd] + 1, 1)) {
			err = -ENOMEM;
			break;
		}
		for (d = 0; d < nd; d++) {
			c[d] = s.dc[d];
			if (d >= len || d < plen) {  /* a new state: only its default option is done */
				/* a memory operation's own decision: every alternative is explored */
				memset(s.fl + s.doff[d], s.internal[d] && s.mutate != 3 ? DP_BT : 0,
				       s.doff[d + 1] - s.doff[d]);
				s.fl[s.doff[d] + c[d]] = DP_BT | DP_DONE;
			}
		}
		if (analyze(&s)) {
			err = -ENOMEM;
			break;
		}
		/* the options explored this run join their states' sleep sets (for their siblings) */
		if (!nosleep(rt)) {
			for (d = R->bt_dec == ~0u ? plen : R->bt_dec; d < nd; d++) {
				struct dp_sleep *S = &R->sl[d];

				if (!s.internal[d] && S->sched &&
				    sleep_push(&S->e, &S->n, &S->cap, &R->ev[s.dev[d]])) {
					err = -ENOMEM;
					break;
				}
			}
			if (err)
				break;
		}
		/* the deepest decision with a backtrack option not explored yet and not asleep there */
		for (d = nd; d-- > plen;) {
			uint8_t *f = s.fl + s.doff[d];
			const struct dp_sleep *S = !nosleep(rt) && !s.internal[d] ? &R->sl[d] : NULL;

			for (k = 0; k < s.doff[d + 1] - s.doff[d]; k++) {
				if (!(f[k] & DP_BT) || (f[k] & DP_DONE))
					continue;
				if (S && asleep_at(S, R->opts[R->ev[s.dev[d]].opt + k])) {
					f[k] |= DP_DONE;     /* equivalent to an explored execution */
					continue;
				}
				break;
			}
			if (k < s.doff[d + 1] - s.doff[d]) {
				f[k] |= DP_DONE;
				c[d] = k;
				len = d + 1;
				R->bt_dec = d;
				break;
			}
		}
		if (d == plen - 1u || d == (uint32_t)-1 || nd <= plen) {
			st->exhausted = 1;
			break;
		}
	}
	rt->dp_on = 0;
	free(c);
	search_free(&s);
	st->elapsed_ns = rt_now_ns() - t0;
	return err;
}
