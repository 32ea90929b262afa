/* SPDX-License-Identifier: ISC */
/* tp: the scenarios of one build as an rt workload, their ordering operations, the API (tp.h). */
#include "tp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TAG_NONE 2000u
#define TAG_UNKNOWN 2001u
#define TAG_OTHER 1000u          /* + region: a byte of the region in no field */

struct actor_slot {
	void (*fn)(struct rt *, int, void *);
	void *arg;
	const char *name;
};

static struct {
	const struct tp_config *cfg;
	const struct tp_scenario *sc;
	struct rt_region region[RT_MAX_REGIONS];
	int nregions;
	const char *watch_name[RT_MAX_WATCH];
	int nwatch;
	struct actor_slot actor[RT_MAX_ACTORS];
	int nactors;
} tp;

static struct rt *the_rt;

const char *tp_vio_name(int code)
{
	static const char *const n[TP_VIO__COUNT] = {
		[TP_VIO_NONE] = "none", [TP_VIO_DEADLOCK] = "deadlock",
		[TP_VIO_STEP_BOUND] = "step-bound", [TP_VIO_SETUP] = "setup",
		[TP_VIO_BRIDGE] = "bridge", [TP_VIO_OOB] = "out-of-bounds", [TP_VIO_LOST] = "lost-item",
		[TP_VIO_CORRUPT] = "corrupt-item", [TP_VIO_SPURIOUS_FULL] = "spurious-full",
		[TP_VIO_LOST_NOTIFY] = "lost-notification", [TP_VIO_UNSAFE_USE] = "double-fetch",
		[TP_VIO_ACCOUNTING] = "accounting",
	};

	return code >= 0 && code < TP_VIO__COUNT && n[code] ? n[code] : "?";
}

/* ---- setup ------------------------------------------------------------------------------------ */

int tp_region(struct rt *rt, const char *name, void *base, uint64_t len,
	      const struct rt_field *fields, uint32_t nfields)
{
	int i = tp.nregions;

	if (i >= RT_MAX_REGIONS || tp_plain_share(base, len, 0, name) < 0)
		return -1;
	tp.region[i] = (struct rt_region){ name, base, len, fields, nfields, TAG_OTHER + (uint32_t)i,
					   name };
	if (rt_add_region(rt, &tp.region[i]) < 0)
		return -1;
	tp.nregions++;
	return i;
}

int tp_guard(struct rt *rt, const char *name, void *base, uint64_t len)
{
	(void)rt;
	return tp_plain_share(base, len, 1, name);
}

int tp_watch(struct rt *rt, const char *name, const void *addr, uint32_t size)
{
	if (tp.nwatch >= RT_MAX_WATCH || rt_watch(rt, addr, size) < 0)
		return -1;
	tp.watch_name[tp.nwatch++] = name;
	return 0;
}

static void trampoline(struct rt *rt, int id, void *arg)
{
	struct actor_slot *s = arg;

	s->fn(rt, id, s->arg);
	tp_settle();
}

int tp_actor(struct rt *rt, int kind, const char *name, void (*fn)(struct rt *, int, void *),
	     void *arg)
{
	struct actor_slot *s;

	if (tp.nactors >= RT_MAX_ACTORS)
		return -1;
	s = &tp.actor[tp.nactors];
	*s = (struct actor_slot){ fn, arg, name };
	if (rt_spawn(rt, kind, name, trampoline, s, 0) < 0)
		return -1;
	return tp.nactors++;
}

/* ---- the ordering operations of actors -------------------------------------------------------- */

static struct rt *rt_of(void)
{
	tp_settle();
	return rt_current();
}

/* An operation on [addr, addr+n) that touches a guard is stopped there (TP_VIO_OOB). */
static int guarded(struct rt *rt, const volatile void *addr, uint64_t n, int write)
{
	if (!rt || rt_self(rt) < 0 || !addr || tp_plain_kind((const void *)addr, n) != 2)
		return 0;
	tp_oob(rt, (const void *)addr, n, write);
	return 1;
}

uint64_t tp_load(const volatile void *addr, unsigned size, int order)
{
	struct rt *rt = rt_of();

	return guarded(rt, addr, size, 0) ? 0 : rt_load(rt, addr, size, order);
}

void tp_store(volatile void *addr, unsigned size, int order, uint64_t val)
{
	struct rt *rt = rt_of();

	if (!guarded(rt, addr, size, 1))
		rt_store(rt, addr, size, order, val);
}

uint64_t tp_cas(volatile void *addr, unsigned size, uint64_t expected, uint64_t desired)
{
	struct rt *rt = rt_of();

	return guarded(rt, addr, size, 1) ? ~expected
					  : rt_cas(rt, addr, size, RT_SEQ_CST, expected, desired);
}

uint64_t tp_fetch_add(volatile void *addr, unsigned size, uint64_t val)
{
	struct rt *rt = rt_of();

	return guarded(rt, addr, size, 1) ? 0 : rt_rmw(rt, RT_OP_FETCH_ADD, addr, size, RT_SEQ_CST,
							 val);
}

void tp_fence(int kind)
{
	rt_fence(rt_of(), kind);
}

void tp_spin(const volatile void *addr, unsigned size)
{
	rt_spin(rt_of(), addr, size);
}

void tp_signal(int ch)
{
	rt_signal(rt_of(), ch);
}

int tp_wait(int ch)
{
	return rt_wait(rt_of(), ch);
}

int tp_idle(const void *lo, uint64_t len, uint32_t kinds)
{
	return rt_idle(rt_of(), lo, len, kinds);
}

uint32_t tp_choose(uint32_t nopt)
{
	return rt_choose(rt_of(), nopt);
}

void tp_copy_in(void *shared_dst, const void *src, size_t n)
{
	struct rt *rt = rt_of();

	if (!guarded(rt, shared_dst, n, 1))
		rt_copy_in(rt, shared_dst, src, n);
}

void tp_copy_out(void *dst, const void *shared_src, size_t n)
{
	struct rt *rt = rt_of();

	if (!guarded(rt, shared_src, n, 0))
		rt_copy_out(rt, dst, shared_src, n);
}

void tp_fail(int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rt_violation(rt_current(), code, "%s", msg);
}

uint64_t tp_peek(const volatile void *addr, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, (const void *)addr, size < 8 ? size : 8);
	return v;
}

/* ---- the workload ----------------------------------------------------------------------------- */

static int wl_setup(struct rt *rt, void *ctx)
{
	const struct tp_config *c = ctx;

	tp.nregions = tp.nwatch = tp.nactors = 0;
	tp_plain_reset();
	if (rt_set_memory_model(rt, c->mm))
		return rt_setup_error(rt, "memory model %d: rt has no such model", c->mm);
	rt_set_max_steps(rt, c->max_steps);
	rt_set_promises(rt, c->npromises ? c->promises : NULL, c->npromises, c->promise_blob,
			c->max_promises);
	return tp.sc->setup(rt, c);
}

static void wl_after_step(struct rt *rt, void *ctx)
{
	(void)ctx;
	if (tp.sc->after_step)
		tp.sc->after_step(rt);
}

static void wl_at_end(struct rt *rt, void *ctx)
{
	(void)ctx;
	if (tp.sc->at_end)
		tp.sc->at_end(rt);
}

static struct rt_workload workload = {
	.name = "thirdparty",
	.setup = wl_setup,
	.after_step = wl_after_step,
	.at_end = wl_at_end,
	.vio_deadlock = TP_VIO_DEADLOCK, .vio_step_bound = TP_VIO_STEP_BOUND, .vio_setup = TP_VIO_SETUP,
	.tag_none = TAG_NONE, .tag_unknown = TAG_UNKNOWN,
};

/* ---- the API ---------------------------------------------------------------------------------- */

const char *tp_build(void)
{
	return tp_build_name;
}

uint32_t tp_nscenarios(void)
{
	return tp_nscenarios_;
}

const char *tp_scenario_name(uint32_t i)
{
	return i < tp_nscenarios_ ? tp_scenarios[i]->name : NULL;
}

const char *tp_scenario_about(uint32_t i)
{
	return i < tp_nscenarios_ ? tp_scenarios[i]->about : NULL;
}

const char *tp_param(uint32_t i, uint32_t j, uint32_t *def, uint32_t *lo, uint32_t *hi)
{
	const struct tp_scenario *s;

	if (i >= tp_nscenarios_ || j >= TP_MAX_PARAMS || !tp_scenarios[i]->param[j])
		return NULL;
	s = tp_scenarios[i];
	*def = s->def[j];
	*lo = s->lo[j];
	*hi = s->hi[j];
	return s->param[j];
}

int tp_mm_lookup(const char *name)
{
	int i;

	for (i = 0; i < RT_MM__COUNT; i++)
		if (!strcmp(rt_mm_name(i), name))
			return i;
	return -1;
}

/* "" when cfg is valid, else why not. */
static const char *invalid(const struct tp_config *c, char *buf, size_t n)
{
	const struct tp_scenario *s;
	uint32_t j;

	if (c->scenario < 0 || (uint32_t)c->scenario >= tp_nscenarios_) {
		snprintf(buf, n, "scenario %d: build %s has %u", c->scenario, tp_build_name,
			 tp_nscenarios_);
		return buf;
	}
	s = tp_scenarios[c->scenario];
	for (j = 0; j < TP_MAX_PARAMS; j++) {
		if (!s->param[j])
			continue;
		if (c->param[j] < s->lo[j] || c->param[j] > s->hi[j]) {
			snprintf(buf, n, "%s: %s = %u, want %u..%u", s->name, s->param[j], c->param[j],
				 s->lo[j], s->hi[j]);
			return buf;
		}
	}
	if (c->mm < 0 || c->mm >= RT_MM__COUNT) {
		snprintf(buf, n, "memory model %d: rt has %d", c->mm, RT_MM__COUNT);
		return buf;
	}
	return "";
}

static struct rt *prepare(const struct tp_config *c, char *why, size_t n)
{
	if (*invalid(c, why, n))
		return NULL;
	if (!the_rt && !(the_rt = rt_new())) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	tp.cfg = c;
	tp.sc = tp_scenarios[c->scenario];
	return the_rt;
}

int tp_run(const struct tp_config *cfg, const uint32_t *choices, uint32_t n,
	   struct rt_result *r, struct rt_step *trace, uint32_t cap)
{
	char why[200];
	struct rt *rt = prepare(cfg, why, sizeof(why));
	int ret;

	if (!rt) {
		memset(r, 0, sizeof(*r));
		r->violation = TP_VIO_SETUP;
		r->violation_step = -1;
		snprintf(r->message, sizeof(r->message), "%s", why);
		return -EINVAL;
	}
	ret = rt_run(rt, &workload, (void *)cfg, choices, n, trace, cap);
	*r = *rt_result(rt);
	return ret;
}

static int bad_search(struct rt_stats *st, const char *why)
{
	memset(st, 0, sizeof(*st));
	st->first_violation = TP_VIO_SETUP;
	snprintf(st->message, sizeof(st->message), "%s", why);
	return -EINVAL;
}

int tp_explore(const struct tp_config *cfg, uint32_t bound, uint64_t max_executions,
	       int stop_on_violation, struct rt_stats *st, uint32_t *cex, uint32_t cap,
	       uint32_t *cex_len)
{
	char why[200];
	struct rt *rt = prepare(cfg, why, sizeof(why));

	if (!rt)
		return bad_search(st, why);
	return rt_explore(rt, &workload, (void *)cfg, bound, max_executions, stop_on_violation, st,
			  cex, cap, cex_len);
}

int tp_dpor(const struct tp_config *cfg, uint64_t max_executions, int stop_on_violation,
	    struct rt_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len)
{
	char why[200];
	struct rt *rt = prepare(cfg, why, sizeof(why));

	if (!rt)
		return bad_search(st, why);
	return rt_dpor(rt, &workload, (void *)cfg, max_executions, stop_on_violation, st, cex, cap,
		       cex_len);
}

int tp_promise_table(struct rt_promise *out, uint32_t cap, uint32_t *n, unsigned char *blob,
		     uint32_t blobcap, uint32_t *bloblen)
{
	if (!the_rt) {
		*n = *bloblen = 0;
		return 0;
	}
	return rt_promise_table(the_rt, out, cap, n, blob, blobcap, bloblen);
}

void tp_abi_sizes(uint32_t out[4])
{
	out[0] = sizeof(struct tp_config);
	out[1] = sizeof(struct rt_result);
	out[2] = sizeof(struct rt_stats);
	out[3] = sizeof(struct rt_promise);
}

/* ---- the step table ----------------------------------------------------------------------------- */

struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len = o->len + (size_t)k < o->cap ? o->len + (size_t)k : o->cap - 1;
}

/* The field of a step: "name", "name[i]" or "region+off". */
static void field_name(const struct rt_step *s, char *buf, size_t n)
{
	int i;
	uint32_t j;

	if (s->tag == TAG_NONE) {
		snprintf(buf, n, "-");
		return;
	}
	if (s->tag >= TAG_OTHER && s->tag < TAG_OTHER + RT_MAX_REGIONS) {
		i = (int)(s->tag - TAG_OTHER);
		snprintf(buf, n, "%s+%u", i < tp.nregions ? tp.region[i].name : "?", s->off);
		return;
	}
	for (i = 0; i < tp.nregions; i++)
		for (j = 0; j < tp.region[i].nfields; j++) {
			const struct rt_field *f = &tp.region[i].fields[j];
			const char *br;

			if (f->tag != s->tag)
				continue;
			br = strstr(f->name, "[]");
			if (br)
				snprintf(buf, n, "%.*s[%u]%s", (int)(br - f->name), f->name, s->index,
					 br + 2);
			else
				snprintf(buf, n, "%s", f->name);
			if (s->off)
				snprintf(buf + strlen(buf), n - strlen(buf), "+%u", s->off);
			return;
		}
	snprintf(buf, n, "?");
}

static const char *order_name(const struct rt_step *s)
{
	static const char *const orders[] = { "plain", "relaxed", "acquire", "release", "seq_cst",
						      "acq_rel" };
	static const char *const fences[] = { [RT_FENCE_ACQUIRE] = "acquire",
					      [RT_FENCE_RELEASE] = "release",
					      [RT_FENCE_FULL] = "full", [RT_FENCE_WMB] = "wmb",
					      [RT_FENCE_RMB] = "rmb", [RT_FENCE_LDLD] = "ld-ld" };

	if (s->op == RT_OP_FENCE)
		return s->order < sizeof(fences) / sizeof(fences[0]) && fences[s->order]
			       ? fences[s->order] : "?";
	if (s->op == RT_OP_LOAD || s->op == RT_OP_STORE || s->op == RT_OP_CAS ||
	    s->op == RT_OP_TAS || s->op == RT_OP_FETCH_ADD)
		return s->order <= RT_ACQ_REL ? orders[s->order] : "?";
	return "";
}

static void value_text(const struct rt_step *s, char *buf, size_t n)
{
	if (s->op == RT_OP_FENCE || s->op == RT_OP_SPIN || s->op == RT_OP_COPY_IN ||
	    s->op == RT_OP_COPY_OUT || (s->op == RT_OP_DRAIN && s->size > 8)) {
		snprintf(buf, n, s->size ? "(%u bytes)" : "", s->size);
		return;
	}
	snprintf(buf, n, s->value < 100000 ? "%llu" : "0x%llx", (unsigned long long)s->value);
}

int tp_describe(const struct tp_config *cfg, const uint32_t *choices, uint32_t n, char *buf,
		size_t cap)
{
	enum { TRACE = 4096 };
	static struct rt_step trace[TRACE];
	struct rt_result r;
	struct out o = { buf, cap, 0 };
	uint32_t i, j, pre = 0, shown;
	int ret;

	if (cap)
		buf[0] = 0;
	ret = tp_run(cfg, choices, n, &r, trace, TRACE);
	if (ret < 0) {
		put(&o, "invalid configuration: %s\n", r.message);
		return ret;
	}
	put(&o, "build:    %s\n", tp_build_name);
	put(&o, "scenario: %s (", tp.sc->name);
	for (j = 0; j < TP_MAX_PARAMS; j++)
		if (tp.sc->param[j])
			put(&o, "%s%s=%u", j ? " " : "", tp.sc->param[j], cfg->param[j]);
	put(&o, "), memory model %s", rt_mm_name(cfg->mm));
	if (cfg->mm == RT_MM_ARM)
		put(&o, " (%u promise candidates, at most %u read)", cfg->npromises,
		    cfg->max_promises);
	put(&o, "; actors:");
	for (i = 0; i < (uint32_t)tp.nactors; i++)
		put(&o, " %d=%s", i, tp.actor[i].name);
	for (i = 0; i < n && i < r.nchoices_used; i++)
		pre += choices[i] != 0;
	put(&o, "\nschedule: [");
	for (i = 0; i < n; i++)
		put(&o, "%s%u", i ? ", " : "", choices[i]);
	put(&o, "] (%u preemptions; %u steps, %u decisions)\n", pre, r.nsteps, r.ndecisions);
	put(&o, "%4s  %-10s %-9s %-16s %-8s %-12s", "#", "actor", "op", "field", "order", "value");
	for (j = 0; j < (uint32_t)tp.nwatch; j++)
		put(&o, " %8s", tp.watch_name[j]);
	put(&o, "\n");
	shown = r.nsteps < TRACE ? r.nsteps : TRACE;
	for (i = 0; i < shown; i++) {
		const struct rt_step *s = &trace[i];
		char f[64], v[40], op[24];

		field_name(s, f, sizeof(f));
		value_text(s, v, sizeof(v));
		snprintf(op, sizeof(op), "%s%s",
			 s->op == RT_OP_PROMISE ? "promise"
			 : s->op < RT_OP_NOTE   ? rt_op_name(s->op) : "note",
			 s->buffered ? "*" : "");
		put(&o, "%4u%s %-10s %-9s %-16s %-8s %-12s", i,
		    (int32_t)i == r.violation_step ? "!" : " ",
		    s->actor < tp.nactors ? tp.actor[s->actor].name : "?", op, f, order_name(s), v);
		for (j = 0; j < (uint32_t)tp.nwatch; j++)
			put(&o, " %8llu", (unsigned long long)s->watch[j]);
		put(&o, "\n");
	}
	if (r.violation)
		put(&o, "VIOLATION %s (%s): %s\n", tp_vio_name(r.violation),
		    r.violation_step < 0 ? "at the end" : "marked !", r.message);
	else
		put(&o, "no violation\n");
	return r.violation;
}
