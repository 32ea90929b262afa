/* SPDX-License-Identifier: ISC */
/*
 * Dynamic partial-order reduction (Flanagan & Godefroid, POPL 2005) over the model runtime:
 * stateless, by re-execution, with NO preemption bound. Every execution is an ordinary choice list
 * (model.h), so a counterexample is an ordinary replay token.
 *
 * Events and threads. An event is one iteration of the scheduler loop (sched.c): the chosen
 * option's operation or drain, plus whatever the runtime does in the same iteration (the chosen
 * actor's fiber running on to its next visible operation, wakeups, woken actors running on to
 * theirs). DPOR threads are the options' identities:
 *   an actor                          option kind 0/1 (its pending visible operation);
 *   TSO: a drain pseudo-thread per actor (its FIFO: the oldest entry);
 *   PSO: a drain pseudo-thread per (actor, address) FIFO.
 * A drain is a write to memory at its address; an actor's buffered store touches no shared memory
 * (nobody else can see it), it only enables its drain, so drain events are ordered after the event
 * that buffered their entry (the `src` edge below, like program order).
 *
 * Dependency (conservative; when in doubt, dependent). Two events of different threads are
 * dependent iff either is GLOBAL, or they access overlapping committed memory and one writes it.
 * Accesses are recorded by hooks (memory.c): loads, copies out and RMW reads read committed memory
 * (a forwarded load is recorded as a read too, which only adds dependencies); every commit (SC
 * store, RMW, drain, region copy, flush) writes it. A commit inside the ring header or the length
 * table writes the WHOLE [ring, dataoff) range: the header invariant oracle (mn_ring_check) reads
 * all of it after every commit, so two writes to different header words do not commute for the
 * oracle (each order shows it a different intermediate header). An event is GLOBAL (dependent with
 * every event of another thread) when it: spins (reads the commit log), notifies, sleeps, idles or
 * kills (actor_exec_mop: reads/changes other actors' states), wakes an actor (enabledness changes;
 * the woken actor runs within the event), flushes a non-empty store buffer (fence, RMW, full
 * buffer: disables the actor's drain pseudo-threads), runs a reference-model oracle hook that
 * reads or writes state shared between actors (push results, batch_end, deliveries, releases),
 * frees the ring (mn_os_released: every later ring access is a use after free), or is the
 * killer's step. (The unplugger's other steps are ordinary registry/ring accesses.)
 * Everything that changes only an actor's private state (its fiber's locals, its own buffer) is
 * independent of other threads' events.
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
 * No sleep sets (they only prune; soundness does not need them): the number of executions is
 * higher than one per Mazurkiewicz trace, never lower than needed.
 *
 * Exploration order: the deepest decision with a backtrack option not yet done is taken next (its
 * option index becomes the last choice of the list); decisions past the list choose 0, as in any
 * replay. Exhausted (st->exhausted) = no decision has a pending backtrack option: every trace of
 * the workload (any number of preemptions) is represented by an explored execution.
 *
 * Restrictions: workload.reduce must be 0 (the reduction's decision-less steps would hide states
 * DPOR must revisit; DPOR subsumes it) and no external consumer (its accesses are unknown).
 */
#include "../mnetif/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DP_MAXR 8            /* memory ranges recorded per event; more makes the event global */
#define DP_BT 1              /* option flags at a decision: in the backtrack set */
#define DP_DONE 2            /* explored from this decision */

struct dp_range {
	const unsigned char *lo, *hi;
	uint8_t w;
};

struct dp_event {
	uint64_t tid;             /* thread key of the chosen option */
	uint32_t dec;             /* decision index, ~0u when only one option */
	uint32_t opt, nopt;       /* its options' thread keys: R.opts[opt .. opt+nopt) */
	uint32_t chosen;
	int32_t src;              /* drain: the buffering event; woken actor: the waker; or -1 */
	uint8_t global, nr;
	struct dp_range r[DP_MAXR];
};

static struct {
	struct dp_event *ev;
	uint32_t nev, evcap;
	uint64_t *opts;
	struct dp_range *optr;    /* drain options: the write they would do; actors: lo = NULL */
	uint32_t nopts, optcap, optrcap;
	int32_t wake_src[MN_MODEL_MAX_ACTORS];
	int in_event, oom;
	int mutate;               /* test-only (mn_model_dpor_mutate): 1 all independent, 2 no backtrack */
} R;

void mn_model_dpor_mutate(int m)
{
	R.mutate = m;
}

static uint64_t key_of(int drain, int actor, uint32_t entry)
{
	if (!drain)
		return (uint64_t)actor;
	if (mn_g.w.mm != MN_MM_PSO)
		return (1ull << 62) | (uint64_t)actor;
	/* the ring and the registry are static: addresses are stable across executions */
	return (2ull << 62) | ((uint64_t)actor << 48) |
	       ((uint64_t)(uintptr_t)mn_g.a[actor]->sb[entry].addr & 0xffffffffffffull);
}

/* Does a write touch what the header invariant oracle (mn_ring_check, after every commit) reads:
 * sr_cur .. sr_dataoff, sr_lock, sr_error, ss_len[]? (Not sr_wake nor the counters.) */
static int inv_checked(const unsigned char *addr, uint32_t size)
{
	uint64_t lo, hi;

	if (mn_g.w.proto == MN_MODEL_LITMUS || addr + size <= mn_g.ring ||
	    addr >= mn_g.ring + mn_g.geom.dataoff)
		return 0;
	lo = addr < mn_g.ring ? 0 : (uint64_t)(addr - mn_g.ring);
	hi = (uint64_t)(addr + (size ? size : 1) - mn_g.ring);
	return lo < MN_OFF_WAKE || (lo < MN_OFF_ERROR + 4 && hi > MN_OFF_ERROR) ||
	       (hi > MN_HDR_SIZE && lo < MN_HDR_SIZE + 2ull * mn_g.geom.size);
}

/* A drain that never ran (the disabled-transition check): its write, counted for the whole
 * [ring, dataoff) when it touches what the invariant oracle reads (a superset: conservative). */
static struct dp_range widen(const unsigned char *addr, uint32_t size, int write)
{
	struct dp_range x = { addr, addr + (size ? size : 1), (uint8_t)(write != 0) };

	if (write && inv_checked(addr, size)) {
		x.lo = mn_g.ring;
		x.hi = mn_g.ring + mn_g.geom.dataoff;
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

static unsigned char pseudo[64];   /* the DPL_* pseudo-locations' addresses */

static struct dp_event *cur_event(void)
{
	return R.in_event ? &R.ev[R.nev - 1] : NULL;
}

void dp_event_begin(uint32_t nopt)
{
	struct dp_event *e;

	if (grow((void **)&R.ev, &R.evcap, R.nev + 1, sizeof(*R.ev)) ||
	    grow((void **)&R.opts, &R.optcap, R.nopts + nopt, sizeof(*R.opts)) ||
	    grow((void **)&R.optr, &R.optrcap, R.nopts + nopt, sizeof(*R.optr))) {
		R.oom = 1;
		R.in_event = 0;
		mn_g.dp_on = 0;
		return;
	}
	e = &R.ev[R.nev++];
	memset(e, 0, sizeof(*e));
	e->opt = R.nopts;
	e->dec = ~0u;
	e->src = -1;
	mn_g.dp_ev = R.nev - 1;
	R.in_event = 1;
}

void dp_option(int drain, int actor, uint32_t entry)
{
	struct dp_event *e = cur_event();

	if (!e)
		return;
	R.optr[R.nopts] = (struct dp_range){ NULL, NULL, 1 };
	if (drain) {
		const struct sb_entry *x = &mn_g.a[actor]->sb[entry];

		R.optr[R.nopts] = widen(x->addr, x->size, 1);
	}
	R.opts[R.nopts++] = key_of(drain, actor, entry);
	e->nopt++;
}

void dp_event_chosen(uint32_t c, uint32_t decision, int drain, int actor, uint32_t entry)
{
	struct dp_event *e = cur_event();
	struct actor *a = mn_g.a[actor];

	if (!e)
		return;
	e->chosen = c;
	e->tid = R.opts[e->opt + c];
	e->dec = decision;
	if (drain) {
		e->src = (int32_t)a->sb[entry].ev;
	} else {
		e->src = R.wake_src[actor];
		R.wake_src[actor] = -1;
		if (a->kind == MN_ACTOR_KILLER)
			e->global = 1;
	}
}

void dp_global(void)
{
	struct dp_event *e = cur_event();

	if (e)
		e->global = 1;
}

void dp_wake(int actor)
{
	struct dp_event *e = cur_event();

	if (!e)
		return;
	e->global = 1;
	R.wake_src[actor] = (int32_t)(R.nev - 1);
}

void dp_loc(int loc, uint32_t n, int write)
{
	dp_access(pseudo + loc, n, write);
}

void dp_access(const unsigned char *addr, uint32_t size, int write)
{
	struct dp_event *e = cur_event();
	const unsigned char *lo = addr, *hi = addr + (size ? size : 1);
	uint32_t i;

	if (!e || e->global)
		return;
	/* The invariant oracle reads its fields after EVERY commit: two writes to them (even to
	 * different words) show it different intermediate headers in the two orders, so they are
	 * made dependent through the DPL_INV pseudo-location; reads of them stay precise. */
	if (write && inv_checked(addr, size) && addr != pseudo + DPL_INV)
		dp_access(pseudo + DPL_INV, 1, 1);
	for (i = 0; i < e->nr; i++) {
		if (e->r[i].lo == lo && e->r[i].hi == hi) {
			e->r[i].w |= (uint8_t)(write != 0);
			return;
		}
	}
	if (e->nr == DP_MAXR) {
		e->global = 1;
		return;
	}
	e->r[e->nr++] = (struct dp_range){ lo, hi, (uint8_t)(write != 0) };
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
static int own_drain(uint64_t a, uint64_t b)
{
	return (a >= (1ull << 62)) != (b >= (1ull << 62)) && owner(a) == owner(b);
}

/* A transition that never ran (disabled): a drain's write, or (an actor's) GLOBAL. */
static int dependent_virtual(const struct dp_event *x, uint64_t key, const struct dp_range *v)
{
	uint32_t i;
	int own = own_drain(x->tid, key);

	if (R.mutate == 1)
		return 0;
	if (x->global || !v->lo)
		return 1;
	for (i = 0; i < x->nr; i++)
		if ((x->r[i].w || !own) && x->r[i].lo < v->hi && v->lo < x->r[i].hi)
			return 1;
	return 0;
}

static int dependent(const struct dp_event *x, const struct dp_event *y)
{
	uint32_t i, j;
	int own;

	if (R.mutate == 1)
		return 0;
	if (x->global || y->global)
		return 1;
	own = own_drain(x->tid, y->tid);
	for (i = 0; i < x->nr; i++)
		for (j = 0; j < y->nr; j++)
			if ((own ? x->r[i].w && y->r[j].w : x->r[i].w || y->r[j].w) &&
			    x->r[i].lo < y->r[j].hi && y->r[j].lo < x->r[i].hi)
				return 1;
	return 0;
}

/* ---- the search ---------------------------------------------------------------------------- */

struct search {
	uint8_t *fl;              /* option flags of every decision, decision d at doff[d] */
	uint32_t flcap;
	uint32_t *doff, doffcap;
	uint32_t *dev;            /* event index of decision d */
	uint64_t *keys;           /* thread key of each clock slot */
	uint32_t nkeys, keycap;
	uint32_t *slot;           /* slot of each event's thread */
	uint32_t *clk;            /* nev x nkeys vector clocks: max (event index + 1) per slot */
	uint32_t clkcap;
	int32_t *last;
};

static int slot_of(struct search *s, uint64_t key)
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
	const struct dp_event *e = &R.ev[i];
	uint8_t *f;
	uint32_t k;

	if (e->dec == ~0u || R.mutate == 2)
		return;
	f = s->fl + s->doff[e->dec];
	for (k = 0; k < e->nopt; k++) {
		if (R.opts[e->opt + k] == key) {
			f[k] |= DP_BT;
			return;
		}
	}
	for (k = 0; k < e->nopt; k++)
		f[k] |= DP_BT;
}

static int enabled_in(const struct dp_event *e, uint64_t key)
{
	uint32_t k;

	for (k = 0; k < e->nopt; k++)
		if (R.opts[e->opt + k] == key)
			return 1;
	return 0;
}

static int analyze(struct search *s)
{
	uint32_t n = R.nev, j, i, t, T, k;
	uint32_t *P;

	s->nkeys = 0;
	for (j = 0; j < n; j++)
		for (k = 0; k < R.ev[j].nopt; k++)
			if (slot_of(s, R.opts[R.ev[j].opt + k]) < 0)
				return -1;
	T = s->nkeys + 1;          /* + one scratch row */
	free(s->slot);
	free(s->last);
	s->slot = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
	s->last = malloc((size_t)T * sizeof(int32_t));
	if (!s->slot || !s->last || grow((void **)&s->clk, &s->clkcap, (n + 1) * T, sizeof(uint32_t)))
		return -1;
	for (j = 0; j < n; j++)
		s->slot[j] = (uint32_t)slot_of(s, R.ev[j].tid);
	for (t = 0; t < T; t++)
		s->last[t] = -1;
	P = s->clk + (size_t)n * T;   /* scratch */
	for (j = 0; j < n; j++) {
		const struct dp_event *e = &R.ev[j];
		uint32_t *C = s->clk + (size_t)j * T;

		t = s->slot[j];
		/* p's state before e_j: its previous event, the buffering event / the waker */
		memset(P, 0, T * sizeof(uint32_t));
		if (s->last[t] >= 0)
			memcpy(P, s->clk + (size_t)s->last[t] * T, T * sizeof(uint32_t));
		if (e->src >= 0)
			for (k = 0; k < T; k++)
				if (s->clk[(size_t)e->src * T + k] > P[k])
					P[k] = s->clk[(size_t)e->src * T + k];
		/* the race: the last dependent event of another thread not happening before p */
		for (i = j; i-- > 0;) {
			if (s->slot[i] != t && P[s->slot[i]] <= i && dependent(&R.ev[i], e)) {
				backtrack(s, i, e->tid);
				break;
			}
		}
		/* e_j's clock: P joined with every dependent earlier event's (latest first; an event
		 * already covered brings nothing new) */
		memcpy(C, P, T * sizeof(uint32_t));
		for (i = j; i-- > 0;) {
			const uint32_t *D;

			if (s->slot[i] == t || C[s->slot[i]] > i || !dependent(&R.ev[i], e))
				continue;
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
		if (R.mutate == 1)
			continue;
		for (k = 0; k < e->nopt; k++) {
			uint64_t q = R.opts[e->opt + k];
			uint32_t qs;
			const uint32_t *Q;

			if (q == e->tid || (j + 1 < n && enabled_in(&R.ev[j + 1], q)))
				continue;
			qs = (uint32_t)slot_of(s, q);
			Q = s->last[qs] >= 0 ? s->clk + (size_t)s->last[qs] * T : NULL;
			for (i = j + 1; i-- > 0;) {
				if (s->slot[i] != qs && (!Q || Q[s->slot[i]] <= i) &&
				    dependent_virtual(&R.ev[i], q, &R.optr[e->opt + k])) {
					backtrack(s, i, q);
					break;
				}
			}
		}
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int mn_model_dpor(const struct mn_model_workload *w, uint64_t max_executions,
		  int stop_on_violation, struct mn_explore_stats *st, uint32_t *cex, uint32_t cap,
		  uint32_t *cex_len)
{
	struct mn_model_result r;
	struct search s;
	uint32_t *c = NULL, ccap = 0, len = 0, nd, d, k, j;
	uint64_t t0 = now_ns();
	int err = 0, found = 0;

	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	if (cex_len)
		*cex_len = 0;
	if (w->reduce || w->consumer == MN_CONSUMER_EXTERNAL) {
		st->first_violation = MN_VIO_SETUP;
		strcpy(st->message, "setup: DPOR needs reduce = 0 and no external consumer");
		return -22;
	}
	for (;;) {
		R.nev = R.nopts = 0;
		R.in_event = R.oom = 0;
		for (k = 0; k < MN_MODEL_MAX_ACTORS; k++)
			R.wake_src[k] = -1;
		mn_g.dp_on = 1;
		err = mn_model_run(w, c, len, &r, NULL, 0);
		mn_g.dp_on = 0;
		R.in_event = 0;
		if (err) {
			st->first_violation = r.violation;
			memcpy(st->message, r.message, sizeof(st->message));
			break;
		}
		if (R.oom) {
			err = -12;
			break;
		}
		explore_count(st, &r);
		if (explore_violation(st, &r, c, len, cex, cap, cex_len, &found, 1, stop_on_violation))
			break;
		if (max_executions && st->executions >= max_executions)
			break;
		/* the decisions of this execution, their options and flags */
		nd = r.ndecisions;
		if (grow((void **)&c, &ccap, nd + 1, sizeof(uint32_t)) ||
		    grow((void **)&s.doff, &s.doffcap, nd + 1, sizeof(uint32_t))) {
			err = -12;
			break;
		}
		free(s.dev);
		s.dev = malloc((size_t)(nd + 1) * sizeof(uint32_t));
		if (!s.dev) {
			err = -12;
			break;
		}
		for (j = 0, d = 0; j < R.nev; j++)
			if (R.ev[j].dec != ~0u && R.ev[j].dec < nd)
				s.dev[d++] = j;
		if (d != nd) {
			err = -5;      /* the recorder missed a decision: should not happen */
			strcpy(st->message, "dpor: decision bookkeeping mismatch");
			break;
		}
		s.doff[0] = 0;
		for (d = 0; d < nd; d++)
			s.doff[d + 1] = s.doff[d] + R.ev[s.dev[d]].nopt;
		if (grow((void **)&s.fl, &s.flcap, s.doff[nd] + 1, 1)) {
			err = -12;
			break;
		}
		for (d = 0; d < nd; d++) {
			c[d] = R.ev[s.dev[d]].chosen;
			if (d >= len) {          /* a new state: only its default option is done */
				memset(s.fl + s.doff[d], 0, s.doff[d + 1] - s.doff[d]);
				s.fl[s.doff[d] + c[d]] = DP_BT | DP_DONE;
			}
		}
		if (analyze(&s)) {
			err = -12;
			break;
		}
		/* the deepest decision with a backtrack option not explored yet */
		for (d = nd; d-- > 0;) {
			uint8_t *f = s.fl + s.doff[d];

			for (k = 0; k < s.doff[d + 1] - s.doff[d]; k++)
				if ((f[k] & DP_BT) && !(f[k] & DP_DONE))
					break;
			if (k < s.doff[d + 1] - s.doff[d]) {
				f[k] |= DP_DONE;
				c[d] = k;
				len = d + 1;
				break;
			}
		}
		if (d == (uint32_t)-1) {
			st->exhausted = 1;
			break;
		}
	}
	free(c);
	free(s.fl);
	free(s.doff);
	free(s.dev);
	free(s.keys);
	free(s.slot);
	free(s.clk);
	free(s.last);
	st->elapsed_ns = now_ns() - t0;
	return err;
}
