/* SPDX-License-Identifier: ISC */
/*
 * rt's own tests, built from c/model/rt/ and c/model/litmus/ only (no mnetif header on the include
 * path: mk/harness.mk), run by tests/model/test_rt.py. Each check prints one line "ok <name>" or
 * "FAIL <name>: why"; the exit status is the number of failures.
 *
 *   choose-*   a memory operation that takes its own decision (rt_choose), through a toy model
 *              where a load may read any value its address ever held: the DFS, DPOR, a replay and
 *              a chooser all see those decisions
 *   cas-*      compare-and-swap: exactly one of the racing CASes wins, under SC/TSO/PSO
 *   fence-*    fence kinds on litmus programs: outcome sets per model (rt.h "Fences"), the same
 *              from the DFS and from DPOR
 *   heavy-*    the asymmetric barrier (RT_FENCE_HEAVY) on one side of SB, nothing on the other
 *   steps      the step table: the region's field tags and the watched words
 */
#include "rt/mm.h"
#include "litmus/litmus.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void check(int ok, const char *name, const char *why)
{
	if (ok)
		printf("ok %s\n", name);
	else
		printf("FAIL %s: %s\n", name, why);
	failures += !ok;
}

/* ---- a toy memory model that uses rt_choose ----------------------------------------------------- */

/* Stores are visible at once (as SC); a load may read ANY value its address has held during the
 * execution (the initial one included): one decision among the candidates. Not a real model: it
 * only exercises a memory operation's own decision. */
#define TOY_ADDRS 8
#define TOY_VALUES 16
struct toy_hist {
	const unsigned char *addr;
	uint32_t n;
	uint64_t v[TOY_VALUES];
};
static struct toy_hist toy[TOY_ADDRS];
static uint32_t ntoy;

static struct toy_hist *toy_find(const unsigned char *addr)
{
	uint32_t i;

	for (i = 0; i < ntoy; i++)
		if (toy[i].addr == addr)
			return &toy[i];
	return NULL;
}

static void toy_begin(struct rt *rt)
{
	(void)rt;
	ntoy = 0;
}

static int toy_store(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
		     int order, uint64_t val, const unsigned char *bytes)
{
	struct toy_hist *h = toy_find(addr);

	(void)order;
	if (!h && ntoy < TOY_ADDRS) {
		h = &toy[ntoy++];
		h->addr = addr;
		h->n = 1;
		h->v[0] = rt_rd(addr, size);
	}
	if (h && !bytes && h->n < TOY_VALUES)
		h->v[h->n++] = val;
	rt_commit(rt, a, addr, size, bytes, val);
	return 0;
}

static void toy_load(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		     int order, unsigned char *out)
{
	struct toy_hist *h = toy_find(addr);

	(void)a, (void)order;
	if (!h) {
		memcpy(out, addr, size);
		return;
	}
	rt_wr(out, size, h->v[rt_choose(rt, h->n)]);
}

static void toy_fence(struct rt *rt, struct rt_actor *a, int kind)
{
	(void)rt, (void)a, (void)kind;
}

static void toy_rmw(struct rt *rt, struct rt_actor *a, int order)
{
	(void)rt, (void)a, (void)order;
}

static int toy_drainable(const struct rt_actor *a, uint32_t i)
{
	(void)a, (void)i;
	return 1;
}

static uint64_t toy_drain_key(const struct rt_actor *a, uint32_t i)
{
	(void)a, (void)i;
	return 0;
}

static const struct rt_mm toy_mm = {
	.name = "toy", .begin = toy_begin, .store = toy_store, .load = toy_load,
	.fence = toy_fence, .rmw = toy_rmw, .drainable = toy_drainable, .drain_key = toy_drain_key,
};

/* ---- litmus programs and their outcome sets -------------------------------------------------- */

static unsigned char mem[64];
static const struct rt_field xy[2] = { { "x", 1, 0, 4, 1, 0 }, { "y", 2, 4, 4, 1, 0 } };
#define X 0
#define Y 4

struct test {
	struct lit_prog p;
	int toy;
	/* outcome: the registers named below, each < 8, as a set of bit patterns */
	int nregs, ra[4], ri[4];
	uint64_t seen[64];       /* bit set over outcome codes 0..4095 */
	uint64_t runs;
};

static int test_setup(struct rt *rt, void *ctx)
{
	struct test *t = ctx;
	int err = lit_setup(rt, &t->p);

	if (!err && t->toy)
		rt_use_mm(rt, &toy_mm);
	return err;
}

static const struct rt_workload test_wl = {
	.name = "rt-selftest", .setup = test_setup,
	.vio_deadlock = 1, .vio_step_bound = 2, .vio_setup = 3, .tag_none = 100, .tag_unknown = 101,
};

static uint32_t outcome(const struct test *t)
{
	uint32_t code = 0;
	int i;

	for (i = 0; i < t->nregs; i++)
		code = code * 8 + (uint32_t)(t->p.regs[t->ra[i]][t->ri[i]] & 7);
	return code;
}

static void record(void *arg, const struct rt_result *r)
{
	struct test *t = arg;
	uint32_t c = outcome(t);

	(void)r;
	t->seen[c / 64] |= 1ull << (c % 64);
	t->runs++;
}

static int seen(const struct test *t, uint32_t code)
{
	return (t->seen[code / 64] >> (code % 64)) & 1;
}

static struct lit_op op(int o, int order, uint32_t off, uint64_t value)
{
	return (struct lit_op){ (uint8_t)o, (uint8_t)order, 4, 0, off, value, 0 };
}

static void prog(struct test *t, int mm, int nactors)
{
	memset(t, 0, sizeof(*t));
	t->p.nactors = (uint32_t)nactors;
	t->p.mm = mm;
	t->p.mem = mem;
	t->p.mem_bytes = sizeof(mem);
	t->p.fields = xy;
	t->p.nfields = 2;
	t->p.other_tag = 99;
	t->p.kind = 1;
}

static void add(struct test *t, int a, struct lit_op o)
{
	t->p.ops[a][t->p.nops[a]++] = o;
}

static void reg(struct test *t, int a, int i)
{
	t->ra[t->nregs] = a;
	t->ri[t->nregs++] = i;
}

/* Every outcome, by the unbounded DFS (dpor = 0) or DPOR (1); the executions run. */
static uint64_t outcomes(struct rt *rt, struct test *t, int dpor, struct rt_stats *st)
{
	int err;

	memset(t->seen, 0, sizeof(t->seen));
	t->runs = 0;
	rt_set_result_hook(rt, record, t);
	err = dpor ? rt_dpor(rt, &test_wl, t, 100000, 0, st, NULL, 0, NULL)
		   : rt_explore(rt, &test_wl, t, 1000, 100000, 0, st, NULL, 0, NULL);
	rt_set_result_hook(rt, NULL, NULL);
	return err || !st->exhausted || st->violations ? 0 : st->executions;
}

/* ---- the checks ------------------------------------------------------------------------------------- */

/* One actor under the toy model: x = 1; x = 2; load x (which may read 0, 1 or 2). */
static void store_store_load(struct test *t)
{
	prog(t, RT_MM_SC, 1);
	t->toy = 1;
	add(t, 0, op(RT_OP_STORE, RT_RELAXED, X, 1));
	add(t, 0, op(RT_OP_STORE, RT_RELAXED, X, 2));
	add(t, 0, op(RT_OP_LOAD, RT_RELAXED, X, 0));
}

static void choose_one_actor(struct rt *rt)
{
	struct test t;
	struct rt_stats st;
	uint32_t c, taken[8], ntaken = 0;
	int ok = 1;

	store_store_load(&t);
	reg(&t, 0, 2);
	/* one actor: every decision is the load's own (0, 1 or 2: the value it reads) */
	check(outcomes(rt, &t, 0, &st) == 3 && seen(&t, 0) && seen(&t, 1) && seen(&t, 2),
	      "choose-dfs", "the DFS must run 3 executions reading 0, 1 and 2");
	check(outcomes(rt, &t, 1, &st) == 3 && seen(&t, 0) && seen(&t, 1) && seen(&t, 2),
	      "choose-dpor", "DPOR must explore every alternative of a memory operation's choice");
	rt_dpor_mutate(rt, 3);
	check(outcomes(rt, &t, 1, &st) == 1 && !seen(&t, 1), "choose-dpor-mutated",
	      "without branching on rt_choose (test-only mutation 3) DPOR must miss outcomes");
	rt_dpor_mutate(rt, 0);
	for (c = 0; c < 3; c++) {
		rt_run(rt, &test_wl, &t, &c, 1, NULL, 0);
		ok &= t.p.regs[0][2] == c && rt_result(rt)->ndecisions == 1 &&
		      rt_result(rt)->nchoices_used == 1;
	}
	check(ok, "choose-replay", "choice c must replay reading value c (history order)");
	rt_run_chooser(rt, &test_wl, &t, NULL, NULL, NULL, 0, taken, 8, &ntaken);
	check(ntaken == 1 && taken[0] == 0 && t.p.regs[0][2] == 0, "choose-taken",
	      "a run without a chooser takes 0 and records it");
}

static uint32_t pick_last(void *arg, uint32_t decision, uint32_t step, uint32_t nopt,
			  const struct rt_option *o)
{
	int *bad = arg;

	(void)decision, (void)step;
	*bad |= nopt != 3 || o[0].kind != 3 || o[2].index != 2 || o[0].actor != 0;
	return nopt - 1;
}

static void choose_chooser(struct rt *rt)
{
	struct test t;
	uint32_t taken[8], ntaken = 0, replay;
	int bad = 0;

	store_store_load(&t);
	rt_run_chooser(rt, &test_wl, &t, pick_last, &bad, NULL, 0, taken, 8, &ntaken);
	check(!bad && ntaken == 1 && taken[0] == 2 && t.p.regs[0][2] == 2, "choose-chooser",
	      "a chooser sees a load's choice as kind-3 options 0..2 of the loading actor");
	replay = taken[0];
	rt_run(rt, &test_wl, &t, &replay, 1, NULL, 0);
	check(t.p.regs[0][2] == 2, "choose-chooser-replay", "the taken list replays the load");
}

static void choose_two_actors(struct rt *rt)
{
	struct test t;
	struct rt_stats st;
	uint64_t dfs, dpor;
	int dfs_ok;

	prog(&t, RT_MM_SC, 2);
	t.toy = 1;
	add(&t, 0, op(RT_OP_STORE, RT_RELAXED, X, 1));
	add(&t, 1, op(RT_OP_LOAD, RT_RELAXED, X, 0));
	reg(&t, 1, 0);
	/* store first: the load chooses 0 or 1 (2 executions); load first: 0 (1 execution) */
	dfs = outcomes(rt, &t, 0, &st);
	dfs_ok = dfs == 3 && seen(&t, 0) && seen(&t, 1);
	check(dfs_ok, "choose-dfs-2", "the DFS must run 3 executions (scheduling + load decisions)");
	dpor = outcomes(rt, &t, 1, &st);
	check(dpor == 3 && seen(&t, 0) && seen(&t, 1), "choose-dpor-2",
	      "DPOR must combine the race (store/load) with the load's own decision");
}

static void cas(struct rt *rt)
{
	static const char *names[3] = { "cas-sc", "cas-tso", "cas-pso" };
	struct test t;
	struct rt_stats st;
	int mm;

	for (mm = RT_MM_SC; mm <= RT_MM_PSO; mm++) {
		uint64_t n;
		int ok = 1, a, b, code;

		prog(&t, mm, 2);
		for (a = 0; a < 2; a++) {
			struct lit_op c = op(RT_OP_CAS, RT_SEQ_CST, X, (uint64_t)a + 1);

			c.expect = 0;
			add(&t, a, c);
			add(&t, a, op(RT_OP_LOAD, RT_RELAXED, X, 0));
			reg(&t, a, 0);
			reg(&t, a, 1);
		}
		n = outcomes(rt, &t, 0, &st);
		/* regs: cas0 load0 cas1 load1; exactly one CAS read 0 and both loads read the winner */
		for (code = 0; code < 4096; code++) {
			int c0 = code >> 9 & 7, l0 = code >> 6 & 7, c1 = code >> 3 & 7, l1 = code & 7;

			if (!seen(&t, (uint32_t)code))
				continue;
			a = c0 == 0 ? 1 : 2;
			b = c1 == 0 ? 2 : 1;
			ok &= (c0 == 0) != (c1 == 0) && a == b && l0 == a && l1 == a &&
			      (c0 == 0 || c0 == 2) && (c1 == 0 || c1 == 1);
		}
		check(n > 0 && ok && seen(&t, 0 << 9 | 1 << 6 | 1 << 3 | 1) &&
		      seen(&t, 2 << 9 | 2 << 6 | 0 << 3 | 2), names[mm],
		      "exactly one CAS must win, each winner in some execution");
	}
}

/* MP: a writes x=1, [fence], y=1; b reads y then x. Outcome (y, x) = (1, 0): stale data. */
static int mp_stale(struct rt *rt, int mm, int kind, int dpor)
{
	struct test t;
	struct rt_stats st;

	prog(&t, mm, 2);
	add(&t, 0, op(RT_OP_STORE, RT_RELAXED, X, 1));
	if (kind)
		add(&t, 0, op(RT_OP_FENCE, kind, 0, 0));
	add(&t, 0, op(RT_OP_STORE, RT_RELAXED, Y, 1));
	add(&t, 1, op(RT_OP_LOAD, RT_RELAXED, Y, 0));
	add(&t, 1, op(RT_OP_LOAD, RT_RELAXED, X, 0));
	reg(&t, 1, 0);
	reg(&t, 1, 1);
	if (!outcomes(rt, &t, dpor, &st) || !seen(&t, 0) || !seen(&t, 9))
		return -1;        /* (0,0) and (1,1) always happen */
	return seen(&t, 8);
}

/* SB: a writes x=1, [fence kind_a], reads y; b writes y=1, [fence kind_b], reads x. (0, 0): store
 * buffering. */
static int sb_zero(struct rt *rt, int mm, int kind_a, int kind_b, int dpor)
{
	struct test t;
	struct rt_stats st;
	int a;

	prog(&t, mm, 2);
	for (a = 0; a < 2; a++) {
		int kind = a ? kind_b : kind_a;

		add(&t, a, op(RT_OP_STORE, RT_RELAXED, a ? Y : X, 1));
		if (kind)
			add(&t, a, op(RT_OP_FENCE, kind, 0, 0));
		add(&t, a, op(RT_OP_LOAD, RT_RELAXED, a ? X : Y, 0));
		reg(&t, a, kind ? 2 : 1);
	}
	if (!outcomes(rt, &t, dpor, &st) || !seen(&t, 9))
		return -1;
	return seen(&t, 0);
}

static int sb_both_zero(struct rt *rt, int mm, int kind, int dpor)
{
	return sb_zero(rt, mm, kind, kind, dpor);
}

/* The asymmetric barrier (RT_FENCE_HEAVY): a HEAVY fence on one side of SB forbids (0, 0) with no
 * fence at all on the other (membarrier's promise), under every model; a FULL fence on one side
 * alone does not (the negative control). */
static void heavy(struct rt *rt)
{
	static const struct { const char *name; int mm, kind_a, allowed; } cases[] = {
		{ "heavy-sb-sc", RT_MM_SC, RT_FENCE_HEAVY, 0 },
		{ "heavy-sb-tso", RT_MM_TSO, RT_FENCE_HEAVY, 0 },
		{ "heavy-sb-pso", RT_MM_PSO, RT_FENCE_HEAVY, 0 },
		{ "heavy-sb-tso-full-one-side", RT_MM_TSO, RT_FENCE_FULL, 1 },
		{ "heavy-sb-pso-full-one-side", RT_MM_PSO, RT_FENCE_FULL, 1 },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int dfs = sb_zero(rt, cases[i].mm, cases[i].kind_a, 0, 0);
		int dpor = sb_zero(rt, cases[i].mm, cases[i].kind_a, 0, 1);
		char why[160];

		snprintf(why, sizeof(why), "SB with a fence on one side only: (0, 0) must be %s (DFS: "
			 "%d, DPOR: %d; -1: not exhausted or a usual outcome missing)",
			 cases[i].allowed ? "reached" : "impossible", dfs, dpor);
		check(dfs == cases[i].allowed && dpor == cases[i].allowed, cases[i].name, why);
	}
}

static void fences(struct rt *rt)
{
	static const struct { const char *name; int sb, mm, kind, allowed; } cases[] = {
		{ "fence-mp-pso-none", 0, RT_MM_PSO, 0, 1 },
		{ "fence-mp-pso-wmb", 0, RT_MM_PSO, RT_FENCE_WMB, 0 },
		{ "fence-mp-pso-release", 0, RT_MM_PSO, RT_FENCE_RELEASE, 0 },
		{ "fence-mp-pso-full", 0, RT_MM_PSO, RT_FENCE_FULL, 0 },
		{ "fence-mp-pso-acquire", 0, RT_MM_PSO, RT_FENCE_ACQUIRE, 1 },
		{ "fence-mp-pso-rmb", 0, RT_MM_PSO, RT_FENCE_RMB, 1 },
		{ "fence-mp-tso-none", 0, RT_MM_TSO, 0, 0 },
		{ "fence-sb-sc-none", 1, RT_MM_SC, 0, 0 },
		{ "fence-sb-tso-none", 1, RT_MM_TSO, 0, 1 },
		{ "fence-sb-tso-wmb", 1, RT_MM_TSO, RT_FENCE_WMB, 1 },
		{ "fence-sb-tso-release", 1, RT_MM_TSO, RT_FENCE_RELEASE, 1 },
		{ "fence-sb-tso-acquire", 1, RT_MM_TSO, RT_FENCE_ACQUIRE, 1 },
		{ "fence-sb-tso-rmb", 1, RT_MM_TSO, RT_FENCE_RMB, 1 },
		{ "fence-sb-tso-full", 1, RT_MM_TSO, RT_FENCE_FULL, 0 },
		{ "fence-sb-pso-wmb", 1, RT_MM_PSO, RT_FENCE_WMB, 1 },
		{ "fence-sb-pso-full", 1, RT_MM_PSO, RT_FENCE_FULL, 0 },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int (*f)(struct rt *, int, int, int) = cases[i].sb ? sb_both_zero : mp_stale;
		int dfs = f(rt, cases[i].mm, cases[i].kind, 0);
		int dpor = f(rt, cases[i].mm, cases[i].kind, 1);
		char why[320];

		snprintf(why, sizeof(why), "the relaxed outcome must be %s (DFS: %d, DPOR: %d; -1: "
			 "not exhausted or a usual outcome missing)",
			 cases[i].allowed ? "reached" : "impossible", dfs, dpor);
		check(dfs == cases[i].allowed && dpor == cases[i].allowed, cases[i].name, why);
	}
}

static void steps(struct rt *rt)
{
	struct test t;
	struct rt_step tr[8];
	const struct rt_result *r;

	prog(&t, RT_MM_TSO, 1);
	t.p.watch_off[0] = Y;
	t.p.watch_size[0] = 4;
	t.p.nwatch = 1;
	add(&t, 0, op(RT_OP_STORE, RT_RELEASE, Y, 7));
	add(&t, 0, op(RT_OP_FENCE, RT_FENCE_FULL, 0, 0));
	add(&t, 0, op(RT_OP_LOAD, RT_RELAXED, 12, 0));
	rt_run(rt, &test_wl, &t, NULL, 0, tr, 8);
	r = rt_result(rt);
	/* the store goes to the buffer (y still 0 in memory), the fence drains it (y = 7), the load
	 * reads a byte in no field (the region's other tag, its offset) */
	check(r->nsteps == 3 && tr[0].op == RT_OP_STORE && tr[0].tag == 2 && tr[0].buffered &&
	      tr[0].order == RT_RELEASE && tr[0].watch[0] == 0 && tr[0].value == 7 &&
	      tr[1].op == RT_OP_FENCE && tr[1].tag == 100 && tr[1].order == RT_FENCE_FULL &&
	      tr[1].watch[0] == 7 && tr[2].op == RT_OP_LOAD && tr[2].tag == 99 && tr[2].off == 12,
	      "steps", "fields by tag, the fence kind in order, watched words after each step");
}

/* ---- the out-of-bounds oracle (wl->vio_bounds) -------------------------------------------------- */

/* A ring in miniature: len[2] (u16) at 0, padding, slot[2] (16 bytes) at 8; the region is the
 * first 40 bytes (the copy past its end still lands in this array). */
static unsigned char oob_mem[64];
static const struct rt_field oob_fields[2] = {
	{ "len[]", 1, 0, 2, 2, 2 }, { "slot[]", 2, 8, 16, 2, 16 },
};
static const struct rt_region oob_region = { "ring", oob_mem, 40, oob_fields, 2, 9,
					      "ring(other)" };
static int oob_case;

static void oob_actor(struct rt *rt, int id, void *arg)
{
	static const unsigned char src[17];

	(void)id, (void)arg;
	rt_store(rt, &oob_mem[2], 2, RT_RELAXED, 1);           /* len[1]: in bounds */
	rt_copy_in(rt, &oob_mem[8 + 16], src, 16);              /* slot[1] whole: in bounds */
	switch (oob_case) {
	case 1: rt_store(rt, &oob_mem[4], 2, RT_RELAXED, 1); break;          /* len[2] */
	case 2: rt_copy_in(rt, &oob_mem[8], src, 17); break;                 /* into slot[1] */
	case 3: rt_copy_in(rt, &oob_mem[8 + 16], src, 17); break;            /* past the region */
	case 4: rt_load(rt, &oob_mem[8], 4, RT_RELAXED); break;              /* scalar in a slot */
	case 5: rt_load(rt, &oob_mem[0], 1, RT_RELAXED); break;              /* half of len[0] */
	}
}

static int oob_setup(struct rt *rt, void *ctx)
{
	(void)ctx;
	rt_add_region(rt, &oob_region);
	rt_spawn(rt, 0, "writer", oob_actor, NULL, 0);
	return 0;
}

static const struct rt_workload oob_wl = {
	.name = "rt-selftest-bounds", .setup = oob_setup,
	.vio_deadlock = 1, .vio_step_bound = 2, .vio_setup = 3, .tag_none = 100, .tag_unknown = 101,
	.vio_bounds = 4,
};

static void bounds(struct rt *rt)
{
	static const char *const name[6] = { "bounds-ok", "bounds-len-past-end", "bounds-copy-overrun",
					     "bounds-past-region", "bounds-scalar-in-buffer",
					     "bounds-partial-scalar" };
	char why[320];

	for (oob_case = 0; oob_case < 6; oob_case++) {
		const struct rt_result *r;

		rt_run(rt, &oob_wl, NULL, NULL, 0, NULL, 0);
		r = rt_result(rt);
		snprintf(why, sizeof(why), "verdict %d (%s), want %d", r->violation, r->message,
			 oob_case ? 4 : 0);
		check(r->violation == (oob_case ? 4 : 0), name[oob_case], why);
	}
}

int main(void)
{
	struct rt *rt = rt_new();

	if (!rt) {
		printf("FAIL rt_new: out of memory\n");
		return 1;
	}
	choose_one_actor(rt);
	choose_chooser(rt);
	choose_two_actors(rt);
	cas(rt);
	fences(rt);
	heavy(rt);
	steps(rt);
	bounds(rt);
	rt_free(rt);
	printf("%d failure(s)\n", failures);
	return failures;
}
