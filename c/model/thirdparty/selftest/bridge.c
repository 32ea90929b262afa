/* SPDX-License-Identifier: ISC */
/*
 * The plain-access bridge's own tests (tests/thirdparty/test_bridge.py): small programs whose
 * shared accesses are plain C, compiled with the instrumentation like a third-party ring, with a
 * known answer under each memory model.
 *
 *   mp        message passing, plain stores and loads: data then flag (+ smp_wmb when fence = 1),
 *             flag then data (+ smp_rmb). Without the fence a stale read is found under PSO only
 *             (plain stores go through the store buffers like rt_store); with it, none.
 *   incr      two actors do counter++ (a plain load and store): the lost update, under SC.
 *   copy      a 24-byte struct copied by memcpy calls the compiler cannot inline (the size is
 *             a run-time value): each is one visible region copy, so the reader never sees a mix
 *             (torn = 0); torn = 1 writes the fields one by one: a mix is found. (A struct
 *             assignment is NOT one access: GCC emits one store per word, and so does the
 *             bridge.)
 *   overrun   a memcpy of `len` bytes into a 16-byte buffer followed by a guard: len > 16 is an
 *             access outside the buffer, stopped before it runs.
 *   rmw       x = x + 1 then a load of x by the same actor, under TSO: the load reads its own
 *             buffered store (forwarding through the bridge's patch), and the other actor, which
 *             waits for it, sees 1 only after the drain.
 *   lb        load buffering: r1 = x; fence; y = 1 || r2 = y; fence; x = 1, with the fence kind
 *             `fence` on both sides (0: none). r1 = r2 = 1 is reported; under ARM it needs a
 *             promise, and only a fence that orders loads before later stores (RMB = dmb ishld,
 *             ACQUIRE, FULL) forbids it: LDLD (load->load only) and WMB do not.
 * mp's `rfence` (when fence = 1) replaces the reader's RMB by that kind: LDLD must forbid the
 * stale read as RMB does.
 */
#include <stdint.h>
#include <string.h>

#include "../common/tp.h"

#ifndef TP_SOURCE
#define TP_SOURCE "bridge.c"
#endif
const char tp_build_name[] = TP_SOURCE;

enum { KIND_A = 1, KIND_B = 2 };

struct triple {
	uint64_t a, b, c;
};

static struct {
	uint32_t data, flag, counter, x;
	struct triple t;
	unsigned char buf[16];
	unsigned char guard[64];
} mem __attribute__((aligned(64)));

enum { F_DATA = 1, F_FLAG, F_COUNTER, F_X, F_T, F_BUF };
static const struct rt_field fields[] = {
	{ "data", F_DATA, offsetof(__typeof__(mem), data), 4, 0, 0 },
	{ "flag", F_FLAG, offsetof(__typeof__(mem), flag), 4, 0, 0 },
	{ "counter", F_COUNTER, offsetof(__typeof__(mem), counter), 4, 0, 0 },
	{ "x", F_X, offsetof(__typeof__(mem), x), 4, 0, 0 },
	{ "t", F_T, offsetof(__typeof__(mem), t), sizeof(struct triple), 0, 0 },
	{ "buf", F_BUF, offsetof(__typeof__(mem), buf), 16, 0, 0 },
};

static struct {
	uint32_t p[3];
	uint32_t seen;
	uint32_t r[2];                   /* lb: what each actor's load read */
	size_t len;                      /* sizeof(struct triple), at run time */
} st;

static int common(struct rt *rt, const struct tp_config *c)
{
	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	memcpy(st.p, c->param, sizeof(st.p));
	st.len = sizeof(struct triple) + c->param[2];
	if (tp_region(rt, "mem", &mem, offsetof(__typeof__(mem), guard), fields, 6) < 0 ||
	    tp_guard(rt, "the guard", mem.guard, sizeof(mem.guard)) < 0)
		return rt_setup_error(rt, "bridge: cannot register");
	return 0;
}

/* ---- mp ---- */
static void mp_writer(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	mem.data = 42;
	if (st.p[0])
		tp_fence(RT_FENCE_WMB);
	mem.flag = 1;
}

static void mp_reader(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	if (!mem.flag)
		return;
	if (st.p[0])
		tp_fence(st.p[1] ? (int)st.p[1] : RT_FENCE_RMB);
	if (mem.data != 42)
		tp_fail(TP_VIO_CORRUPT, "reader saw flag = 1 and data = %u", mem.data);
}

static int mp_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	tp_watch(rt, "data", &mem.data, 4);
	tp_watch(rt, "flag", &mem.flag, 4);
	if (tp_actor(rt, KIND_A, "writer", mp_writer, NULL) < 0 ||
	    tp_actor(rt, KIND_B, "reader", mp_reader, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

/* ---- incr ---- */
static void incr(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	mem.counter++;
}

static void incr_end(struct rt *rt)
{
	(void)rt;
	if (mem.counter != 2)
		tp_fail(TP_VIO_LOST, "two increments left counter = %u", mem.counter);
}

static int incr_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	tp_watch(rt, "counter", &mem.counter, 4);
	if (tp_actor(rt, KIND_A, "inc0", incr, NULL) < 0 || tp_actor(rt, KIND_A, "inc1", incr, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

/* ---- copy ---- */
static void copy_writer(struct rt *rt, int id, void *arg)
{
	struct triple v = { 7, 7, 7 };

	(void)rt, (void)id, (void)arg;
	if (st.p[0]) {
		mem.t.a = 7;
		tp_fence(RT_FENCE_FULL);      /* a visible operation between the halves */
		mem.t.b = 7;
		mem.t.c = 7;
	} else {
		memcpy(&mem.t, &v, st.len);
	}
}

static void copy_reader(struct rt *rt, int id, void *arg)
{
	struct triple v;

	(void)rt, (void)id, (void)arg;
	memcpy(&v, &mem.t, st.len);
	if (!((v.a == 0 && v.b == 0 && v.c == 0) || (v.a == 7 && v.b == 7 && v.c == 7)))
		tp_fail(TP_VIO_CORRUPT, "torn read: %llu %llu %llu", (unsigned long long)v.a,
			(unsigned long long)v.b, (unsigned long long)v.c);
}

static int copy_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	if (tp_actor(rt, KIND_A, "writer", copy_writer, NULL) < 0 ||
	    tp_actor(rt, KIND_B, "reader", copy_reader, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

/* ---- overrun ---- */
static void overrun(struct rt *rt, int id, void *arg)
{
	unsigned char src[64];

	(void)rt, (void)id, (void)arg;
	memset(src, 0xab, sizeof(src));
	memcpy(mem.buf, src, st.p[0]);
}

static int overrun_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	if (tp_actor(rt, KIND_A, "copier", overrun, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

/* ---- rmw ---- */
static void rmw_a(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	mem.x = mem.x + 1;
	if (mem.x != 1)                  /* its own store, buffered or not */
		tp_fail(TP_VIO_CORRUPT, "an actor read x = %u after storing 1", mem.x);
}

static void rmw_b(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	st.seen = mem.x;
}

static int rmw_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	tp_watch(rt, "x", &mem.x, 4);
	if (tp_actor(rt, KIND_A, "a", rmw_a, NULL) < 0 || tp_actor(rt, KIND_B, "b", rmw_b, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

static void rmw_end(struct rt *rt)
{
	(void)rt;
	if (mem.x != 1)
		tp_fail(TP_VIO_LOST, "x = %u at the end", mem.x);
	else if (st.p[0] && st.seen == 1)
		tp_fail(TP_VIO_CORRUPT, "the other actor saw x = 1 (reachable: a marker, param seen=1)");
}

/* ---- lb ---- */
static void lb_a(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	st.r[0] = mem.data;
	if (st.p[0])
		tp_fence((int)st.p[0]);
	mem.flag = 1;
}

static void lb_b(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	st.r[1] = mem.flag;
	if (st.p[0])
		tp_fence((int)st.p[0]);
	mem.data = 1;
}

static void lb_end(struct rt *rt)
{
	(void)rt;
	if (st.r[0] == 1 && st.r[1] == 1)
		tp_fail(TP_VIO_CORRUPT, "load buffering: each load read the other actor's later store");
}

static int lb_setup(struct rt *rt, const struct tp_config *c)
{
	if (common(rt, c))
		return -1;
	if (tp_actor(rt, KIND_A, "a", lb_a, NULL) < 0 || tp_actor(rt, KIND_B, "b", lb_b, NULL) < 0)
		return rt_setup_error(rt, "bridge: actors");
	return 0;
}

static const struct tp_scenario lb = {
	.name = "lb", .about = "load buffering with a fence of kind `fence` on both sides",
	.param = { "fence" }, .def = { 0 }, .lo = { 0 }, .hi = { 8 },
	.setup = lb_setup, .at_end = lb_end,
};

static const struct tp_scenario mp = {
	.name = "mp", .about = "message passing with plain accesses",
	.param = { "fence", "rfence" }, .def = { 0, 0 }, .lo = { 0, 0 }, .hi = { 1, 8 },
	.setup = mp_setup,
};
static const struct tp_scenario inc = {
	.name = "incr", .about = "counter++ twice (plain load, plain store)",
	.setup = incr_setup, .at_end = incr_end,
};
static const struct tp_scenario copy = {
	.name = "copy", .about = "a 24-byte struct copied whole (range accesses) or in halves",
	.param = { "torn" }, .def = { 0 }, .lo = { 0 }, .hi = { 1 },
	.setup = copy_setup,
};
static const struct tp_scenario over = {
	.name = "overrun", .about = "memcpy of len bytes into a 16-byte buffer",
	.param = { "len" }, .def = { 16 }, .lo = { 0 }, .hi = { 64 },
	.setup = overrun_setup,
};
static const struct tp_scenario rmw = {
	.name = "rmw", .about = "x = x + 1, then a load of x (store forwarding through the bridge)",
	.param = { "seen" }, .def = { 0 }, .lo = { 0 }, .hi = { 1 },
	.setup = rmw_setup, .at_end = rmw_end,
};

const struct tp_scenario *const tp_scenarios[] = { &mp, &inc, &copy, &over, &rmw, &lb };
const uint32_t tp_nscenarios_ = 6;
