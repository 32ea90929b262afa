/* SPDX-License-Identifier: ISC */
/*
 * tp: third-party ring code as workloads on rt (docs/thirdparty.md).
 *
 * A third-party ring is compiled from the header its users install (Debian's libck-dev,
 * libxen-dev, ...), unmodified; only its primitives are mapped onto rt:
 *   - its atomics and fences (ck_pr_*, xen_mb/xen_rmb/xen_wmb, ...) by a small mapping header
 *     of the ring's folder, through the tp_* operations below;
 *   - its PLAIN C accesses to shared memory (`ring->p_tail`, `sring->req_prod = i`, a struct copy
 *     of a request) by the compiler: the ring's translation unit is compiled with GCC's
 *     -fsanitize=thread instrumentation, and plain.c implements the instrumentation's entry
 *     points (__tsan_read4, __tsan_write_range, ...) as rt operations on the registered regions.
 *     No sanitizer runtime is linked; accesses outside the regions run natively.
 * So the code proven is the code the compiler emitted for the installed header.
 *
 * A build (one shared object, mk/thirdparty.mk) holds one ring's scenarios (struct tp_scenario):
 * each sets up, per execution, the shared memory (regions with field names), the actors (the
 * ring's users, as C functions) and the oracles. The API at the end (tp_run, tp_explore, ...) is
 * what pyharness/thirdparty.py and an emitted reproducer (`pyharness replay --emit-c`) call.
 */
#ifndef TP_H
#define TP_H

#include <stddef.h>
#include <stdint.h>

#include "rt/rt.h"

#define TP_MAX_PARAMS  6
#define TP_MAX_FIELDS  24        /* per region */

/* Verdicts: rt's own, the plain-access bridge's, and the properties the scenarios check. */
enum tp_vio {
	TP_VIO_NONE = 0,
	TP_VIO_DEADLOCK,         /* an actor spins forever at quiescence */
	TP_VIO_STEP_BOUND,       /* max_steps reached (livelock) */
	TP_VIO_SETUP,            /* the configuration is invalid (message says why): not a finding */
	TP_VIO_BRIDGE,           /* an instrumented access the bridge cannot model (too large) */
	TP_VIO_OOB,              /* an access outside a buffer (into a guard region) */
	TP_VIO_LOST,             /* an item accepted by the ring was never delivered, or twice */
	TP_VIO_CORRUPT,          /* a delivered item is not the one that was due */
	TP_VIO_SPURIOUS_FULL,    /* "full" answered while the ring was never full during the call */
	TP_VIO_LOST_NOTIFY,      /* asleep at the end, work for it pending, no notification */
	TP_VIO_UNSAFE_USE,       /* a value used differs from the value validated (double fetch) */
	TP_VIO_ACCOUNTING,       /* an item neither delivered nor counted */
	TP_VIO__COUNT
};
const char *tp_vio_name(int code);

/* Which actors an event channel or rt_idle concerns: kinds are the scenario's (< 32). */
struct tp_config {
	int32_t scenario;        /* index in the build's scenario table */
	int32_t mm;              /* enum rt_mm_id */
	uint32_t max_steps;      /* 0: RT_DEFAULT_STEPS */
	uint32_t param[TP_MAX_PARAMS];
	/* ARM (load buffering, rt.h "struct rt_promise"): at most max_promises promises read per
	 * execution, from the table promises[0..npromises) (+ promise_blob for region copies). A
	 * search learns its own table from the executions and returns it (tp_promise_table); one
	 * execution (a replay) runs with the table its counterexample was found with. */
	uint32_t max_promises;
	uint32_t npromises;
	const struct rt_promise *promises;
	const unsigned char *promise_blob;
};

struct tp_scenario {
	const char *name;
	const char *about;                        /* one line */
	const char *param[TP_MAX_PARAMS];         /* parameter names (NULL: unused) */
	uint32_t def[TP_MAX_PARAMS], lo[TP_MAX_PARAMS], hi[TP_MAX_PARAMS];
	/* Per execution: reset the shared memory, register it (tp_region), spawn the actors
	 * (tp_actor). 0, or rt_setup_error(...). */
	int (*setup)(struct rt *rt, const struct tp_config *c);
	void (*after_step)(struct rt *rt);        /* per-step invariant (NULL: none) */
	void (*at_end)(struct rt *rt);            /* at quiescence (NULL: none) */
};

/* What each build defines (its ring's file): the scenarios, the build's name and what it was
 * compiled from (e.g. "libck-dev 0.7.1-10: /usr/include/ck_ring.h"; TP_SOURCE from the build). */
extern const struct tp_scenario *const tp_scenarios[];
extern const uint32_t tp_nscenarios_;
extern const char tp_build_name[];

/* ---- setup (from a scenario's setup) ------------------------------------------------------- */

/* Shared memory with field names (the step table). The bridge makes every instrumented plain
 * access inside it a visible operation. fields/nfields: as struct rt_field (tags unique in the
 * build); the struct is copied. Returns the region id or -1. */
int tp_region(struct rt *rt, const char *name, void *base, uint64_t len,
	      const struct rt_field *fields, uint32_t nfields);
/* Memory no access may touch (placed right after a buffer): an access into it, instrumented or
 * through tp_*, is TP_VIO_OOB. */
int tp_guard(struct rt *rt, const char *name, void *base, uint64_t len);
/* A word shown after every step, under `name`. */
int tp_watch(struct rt *rt, const char *name, const void *addr, uint32_t size);
/* An actor: fn runs on its own fiber; its plain accesses are settled when it returns. */
int tp_actor(struct rt *rt, int kind, const char *name, void (*fn)(struct rt *, int, void *),
	     void *arg);

/* ---- actors: the ordering operations (each settles the bridge's pending accesses first) ----- */

void tp_settle(void);                     /* plain.c: make pending plain accesses visible now */
uint64_t tp_load(const volatile void *addr, unsigned size, int order);
void tp_store(volatile void *addr, unsigned size, int order, uint64_t val);
uint64_t tp_cas(volatile void *addr, unsigned size, uint64_t expected, uint64_t desired);
uint64_t tp_fetch_add(volatile void *addr, unsigned size, uint64_t val);
void tp_fence(int kind);                  /* enum rt_fence */
void tp_spin(const volatile void *addr, unsigned size);
void tp_signal(int ch);
int tp_wait(int ch);
/* rt_idle: waits on what this actor read since its last tp_idle ([lo, lo+len) past 16 locations) */
int tp_idle(const void *lo, uint64_t len, uint32_t kinds);
uint32_t tp_choose(uint32_t nopt);
void tp_copy_in(void *shared_dst, const void *src, size_t n);
void tp_copy_out(void *dst, const void *shared_src, size_t n);
/* A violation (first wins) of the running execution. */
void tp_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Committed memory read by ghost code on an actor (no visible operation, no instrumentation). */
uint64_t tp_peek(const volatile void *addr, unsigned size);

/* ---- the plain-access bridge (plain.c) ------------------------------------------------------- */

void tp_plain_reset(void);
int tp_plain_share(const void *base, uint64_t len, int guard, const char *name);
/* Fields written only before the run (e.g. a ring's size and mask): read natively, never a
 * decision point; a store to one during the run is TP_VIO_BRIDGE. */
int tp_const(const void *base, uint64_t len);
/* Records an access outside the buffers (TP_VIO_OOB) and stops the running actor. */
void tp_oob(struct rt *rt, const void *addr, uint64_t n, int write);
/* An address range -> is it shared (1), a guard (2), neither (0)? */
int tp_plain_kind(const void *addr, uint64_t len);

/* ---- the build's API (ctypes, reproducers) --------------------------------------------------- */

const char *tp_build(void);
uint32_t tp_nscenarios(void);
/* Scenario i: its name and description, and parameter j's name/default/range (NULL: none). */
const char *tp_scenario_name(uint32_t i);
const char *tp_scenario_about(uint32_t i);
const char *tp_param(uint32_t i, uint32_t j, uint32_t *def, uint32_t *lo, uint32_t *hi);
/* Memory models by name ("SC", "TSO", ...): the id, or -1 when rt has no such model. */
int tp_mm_lookup(const char *name);
/* One execution (rt_run); cfg checked first (-EINVAL: r->violation = TP_VIO_SETUP). */
int tp_run(const struct tp_config *cfg, const uint32_t *choices, uint32_t n,
	   struct rt_result *r, struct rt_step *trace, uint32_t cap);
/* Bounded DFS / DPOR (rt_explore / rt_dpor) over cfg's executions. */
int tp_explore(const struct tp_config *cfg, uint32_t bound, uint64_t max_executions,
	       int stop_on_violation, struct rt_stats *st, uint32_t *cex, uint32_t cap,
	       uint32_t *cex_len);
int tp_dpor(const struct tp_config *cfg, uint64_t max_executions, int stop_on_violation,
	    struct rt_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len);
/* The promise table the last search ended with (rt_promise_table): 0 or -ENOSPC. */
int tp_promise_table(struct rt_promise *out, uint32_t cap, uint32_t *n, unsigned char *blob,
		     uint32_t blobcap, uint32_t *bloblen);
/* sizeof of the structs the API shares (tp_config, rt_result, rt_stats, rt_promise): a binding
 * checks its own layout against them before any call. */
void tp_abi_sizes(uint32_t out[4]);
/* The execution under choices as text: a header, the step table (field names, watched words)
 * and the verdict. Returns the verdict (0 none, < 0 bad cfg); out gets at most cap bytes. */
int tp_describe(const struct tp_config *cfg, const uint32_t *choices, uint32_t n, char *out,
		size_t cap);

#endif
