/* SPDX-License-Identifier: ISC */
/*
 * rt: a stateless model checker for C code whose actors share memory. It runs ONE whole
 * interleaving per call (rt_run), from a list of small integers (the schedule), and searches the
 * schedules (bounded DFS, reachability, DPOR). It knows nothing about what it checks: a WORKLOAD
 * (struct rt_workload) registers, for each execution, its actors (C functions run as fibers), its
 * shared regions (with field names for the step table), its reduction rule and its oracles.
 *
 * What rt promises
 *   - Every visible operation of an actor (rt_load, rt_store, rt_rmw, rt_cas, rt_fence,
 *     rt_copy_in/out, rt_spin, rt_signal, rt_wait, rt_idle, rt_kill) suspends the actor; the
 *     scheduler decides which option runs next. Code between two visible operations runs atomically.
 *   - An execution is a pure function of (workload, memory model, choice list): same list, same
 *     steps, same verdict (replay). Searches rely on it.
 *   - Memory models (enum rt_mm_id): SC, TSO (per-actor FIFO store buffer with store-to-load
 *     forwarding), PSO (per actor, per address FIFOs; a RELEASE store and a store-store fence keep
 *     the stores after them behind every older store). See "Fences" below and rt/mm.h.
 *   - Blocking is not spinning: rt_spin, rt_wait and rt_idle block the actor until what it waits
 *     for changes, so every execution is finite; an actor blocked at quiescence is a deadlock
 *     (rt_spin) or left to the workload's end-of-run check (rt_wait, rt_idle).
 *
 * Scheduling (the choice encoding; replay tokens depend on it, keep it fixed). Every actor is
 * always either stopped AT its next visible operation (runnable, or blocked), or finished/killed.
 * At each decision point the options are, in this order:
 *   option 0            keep running the current actor (if it is runnable; else the first entry below)
 *   options 1..         the other runnable actors in actor order, then the pending store-buffer
 *                       drains (TSO: the oldest entry of each actor's buffer, in actor order;
 *                       PSO: for each actor, the oldest entry of each address that may drain now,
 *                       oldest first)
 * A decision point exists only where there are >= 2 options; it consumes one choice c from the list,
 * reduced modulo the number of options, so every list is a valid schedule. When the list runs out,
 * every further decision is 0: the current actor runs to completion, then the next one, and store
 * buffers drain only when no actor can run. The same list replays under SC, TSO and PSO (the option
 * lists differ, the encoding does not). A memory operation may consume a decision of its own
 * (rt_choose: e.g. which write a load reads), in the same list. A step bound turns livelock into a
 * violation.
 *
 * Reduction (rt_set_reduce; a different, smaller encoding, so keep it fixed for a replay): like
 * CHESS, decide only before operations another actor can observe. The workload's is_private(addr)
 * says which locations no other actor can access in this execution. A load/store/copy of a private
 * location, and a fence/RMW whose location and every buffered store it makes visible are private,
 * run without a decision point (never for an actor flagged RT_ACTOR_NO_REDUCE); a buffered store to
 * a private location drains as soon as it may. A private operation commutes with every operation of
 * the other actors, so no behaviour is lost. Oracles must read private locations only in conjuncts
 * of their own or at quiescence.
 *
 * An execution: rt_run resets rt, calls wl->setup (regions, actors, memory model, ...), runs every
 * actor to its first visible operation, then loops: build the options, decide, execute the step,
 * run hooks (on_write, on_commit while it executes; after_step when it changed committed memory),
 * resume the actor to its next visible operation. At quiescence (nothing runnable, nothing
 * buffered) it reports spinning actors as a deadlock, then calls at_end. The first violation wins
 * (rt_violation); then wl->teardown. Verdicts are the workload's codes (int, 0 = none); rt's own
 * three (deadlock, step bound, setup) use the codes the workload gives in struct rt_workload.
 *
 * Threading: one execution at a time per process (the running instance, rt_current(), is
 * process-wide: the ordering operations called without an rt argument find it there); several
 * struct rt may exist, and run one after the other. x86-64 only (the fiber switch).
 */
#ifndef RT_H
#define RT_H

#include <stddef.h>
#include <stdint.h>

#define RT_MAX_ACTORS   8
#define RT_MAX_REGIONS  8
#define RT_MAX_WATCH    4        /* committed words shown in every step (struct rt_step.watch) */
#define RT_MAX_CHANNELS 4        /* event channels (rt_signal / rt_wait) */
#define RT_MAX_ORACLE_READS 8    /* ranges the after_step oracle reads (DPOR, rt_oracle_reads) */
#define RT_STACK_BYTES  (256u * 1024u)   /* per actor fiber, plus a PROT_NONE guard page below */
#define RT_DEFAULT_STEPS 20000u

struct rt;

/* Orders (the values a step records). */
enum rt_order { RT_PLAIN = 0, RT_RELAXED = 1, RT_ACQUIRE = 2, RT_RELEASE = 3, RT_SEQ_CST = 4,
		RT_ACQ_REL = 5 /* an RMW: acquire + release, not a fence (ARM: LDADDAL) */ };
/* Or'ed into a FETCH_ADD's order: the caller does not use the old value (it gets 0). Two such
 * adds commute (same memory either way, nothing returned), so DPOR need not try both orders; an
 * add is still dependent with every load, store and other RMW of its location. */
#define RT_BLIND 0x100

/*
 * Fences (a fence step records its kind in `order`). What each kind orders, and what the models
 * make of it (TSO/PSO loads are never reordered, so only the store buffer matters):
 *   FULL     everything before / everything after         SC: nothing; TSO/PSO: drain the buffer
 *   ACQUIRE  earlier loads / later loads and stores        SC/TSO/PSO: nothing (already ordered)
 *   RELEASE  earlier loads and stores / later stores       SC/TSO: nothing; PSO: a store-store
 *                                                          barrier in the buffer (no drain)
 *   WMB      earlier stores / later stores (smp_wmb)       same as RELEASE
 *   RMB      earlier loads / later loads (smp_rmb)         SC/TSO/PSO: nothing
 *   HEAVY    the heavy side of an asymmetric barrier (membarrier(2), synchronize_rcu_expedited,
 *            an IPI to every CPU): at this step EVERY actor is ordered as by a FULL fence at its
 *            current point (the interrupt lands between two of its visible operations), and the
 *            caller does a FULL fence. SC: nothing; TSO/PSO: every actor's buffer drains, the
 *            other actors' first (actor order), the caller's last. The light side pairs with it
 *            using no fence at all (a compiler barrier keeps program order, which rt keeps anyway).
 *            DPOR: a HEAVY step is dependent with every other actor's buffered store (before
 *            it, the fence makes the store visible; after it, not) and with whatever reads or
 *            writes what it commits. It is never reduced away.
 *   LDLD     earlier loads / later loads ONLY              SC/TSO/PSO: nothing
 * A model that reorders loads (ARM, mm_arm.c) gives ACQUIRE and RMB their meaning: ARMv8 compiles
 * both to dmb ishld, which also orders earlier loads before later stores. LDLD is the strict
 * load-load contract of a portable fence (Concurrency Kit's ck_pr_fence_load, SPARC RMO's
 * membar #LoadLoad), which a port may implement with nothing stronger.
 * HEAVY under ARM: every actor's buffered stores placed and views passed both ways as by a full
 * fence at each actor's current point (mm_arm.c heavy_fence; open promises must be fulfilled
 * above them).
 */
enum rt_fence { RT_FENCE_ACQUIRE = 2, RT_FENCE_RELEASE = 3, RT_FENCE_FULL = 4, RT_FENCE_WMB = 5,
		RT_FENCE_RMB = 6, RT_FENCE_HEAVY = 7, RT_FENCE_LDLD = 8 };

/* Step kinds. 1..15: visible operations of an actor; 16..19: the runtime's; from RT_OP_NOTE on:
 * the workload's own (rt_note). */
enum rt_op {
	RT_OP_LOAD = 1, RT_OP_STORE, RT_OP_FENCE, RT_OP_TAS, RT_OP_FETCH_ADD,
	RT_OP_COPY_IN,           /* region store (bytes into shared memory) */
	RT_OP_COPY_OUT,          /* region load */
	RT_OP_SPIN,              /* block until another actor changes the address */
	RT_OP_SIGNAL,            /* signal an event channel */
	RT_OP_CAS,               /* compare-and-swap; returns the old value */
	RT_OP_PROMISE,           /* ARM: the actor promises a store (another actor reads it now) */
	RT_OP_DRAIN = 16,        /* a buffered store becomes visible */
	RT_OP_KILL,              /* ends another actor where it stands */
	RT_OP_WAIT,              /* waits on an event channel (value 1: blocked, 0: consumed one) */
	RT_OP_IDLE,              /* waits for a change of a range (value 1: blocked, 0: final) */
	RT_OP_NOTE = 20          /* first workload step kind */
};

/* Actor states. */
enum rt_state { RT_RUNNABLE = 0, RT_SPINNING, RT_WAITING, RT_IDLE, RT_DONE, RT_KILLED };

/* Actor flags (rt_spawn). */
enum {
	RT_ACTOR_NO_REDUCE = 1,  /* every operation is a decision point (e.g. a kill target) */
	RT_ACTOR_MUST_FINISH = 2 /* foreign code (OCaml...): after the verdict it runs on to its end
				  * with every choice 0, its rt_wait/rt_idle returning 0 and the
				  * oracles quiet, so rt_run never returns while it is suspended */
};

/* Runtime events of an execution (struct rt_result.events): the workload maps them to coverage. */
enum rt_event {
	RT_EV_SPIN_BLOCKED = 1,  /* an actor blocked in rt_spin */
	RT_EV_REORDERED = 2,     /* a drain overtook an older buffered store of the same actor */
	RT_EV_FORWARDED = 4,     /* a load read (part of) its value from the actor's own buffer */
	RT_EV_WAITED = 8,        /* an actor blocked in rt_wait */
	RT_EV_SIGNALLED = 16,    /* an event channel was signalled */
	RT_EV_KILLED = 32,       /* rt_kill ended a live actor */
	RT_EV_STALE_READ = 64,   /* ARM: a load read a message older than the newest */
	RT_EV_PROMISE = 128      /* ARM: a load read a promise (load buffering) */
};

/* SC, TSO, PSO; ARM (also RISC-V RVWMO where they agree): load/store reordering of every kind,
 * load buffering by promises, other-multi-copy-atomic (mm_arm.c, docs/memory-models.md). */
enum rt_mm_id { RT_MM_SC = 0, RT_MM_TSO = 1, RT_MM_PSO = 2, RT_MM_ARM = 3, RT_MM__COUNT };

/* ---- what a workload registers ------------------------------------------------------------ */

/*
 * A named field of a region, for the step table. A scalar (count <= 1) or an array of count
 * elements, stride bytes apart (0: size). tag is what steps and options report (the workload's
 * field number); "[]" in name stands for the element index.
 */
struct rt_field {
	const char *name;
	uint32_t tag;
	uint32_t off, size, count, stride;
};

/* Shared memory the actors access. Fields are matched in order; a byte of the region in no field
 * reports other_tag (named other_name) with its offset in the region. base must not move between
 * the executions of a search (DPOR keys PSO drains by address). The workload owns the structs
 * (and the fields); they must live until the execution ends. */
struct rt_region {
	const char *name;
	void *base;
	uint64_t len;
	const struct rt_field *fields;
	uint32_t nfields;
	uint32_t other_tag;
	const char *other_name;
};

struct rt_workload {
	const char *name;
	/* Per execution, after rt reset itself: validate, register regions and actors, choose the
	 * memory model. 0, or rt_setup_error(...). */
	int (*setup)(struct rt *rt, void *ctx);
	/* After the verdict (always, even after a failed setup): read the final state. */
	void (*teardown)(struct rt *rt, void *ctx);
	/* ---- oracles and hooks (NULL: none) ---- */
	/* After a step that changed committed memory (per-step invariant). */
	void (*after_step)(struct rt *rt, void *ctx);
	/* Every commit to memory (also of the same value), after it: before = the old value
	 * (size <= 8). */
	void (*on_commit)(struct rt *rt, void *ctx, int actor, const void *addr, uint32_t size,
			  uint64_t before);
	/* Every store (when it executes, before it is buffered or committed; old = 0) and every RMW
	 * (after its commit; val = the new value, old = the value read): lock oracles. */
	void (*on_write)(struct rt *rt, void *ctx, int actor, int op, const void *addr, uint64_t val,
			 uint64_t old);
	/* At quiescence, when no violation was found (end-of-run checks: lost wakeup, accounting). */
	void (*at_end)(struct rt *rt, void *ctx);
	/* An access (commit = 0: when it executes; 1: when a store reaches memory) by an actor other
	 * than the keeper to a region retired with rt_retire (use after free). */
	void (*on_retired)(struct rt *rt, void *ctx, int actor, const void *addr, uint32_t size,
			   int commit);
	/* Reduction rule: may no other actor access [addr, addr+size) in this execution? */
	int (*is_private)(void *ctx, const void *addr, uint32_t size);
	/* RT_ACTOR_MUST_FINISH: done = 0 when the verdict is known and such an actor is still
	 * suspended (save what you report), 1 once it has finished (restore it). */
	void (*finishing)(struct rt *rt, void *ctx, int done);
	/* Verdict codes of rt's own findings. */
	int32_t vio_deadlock, vio_step_bound, vio_setup;
	/* Field tags of a step without an address (fence, signal, ...) and of an address in no region. */
	uint32_t tag_none, tag_unknown;
	/* Nonzero: the out-of-bounds oracle's verdict code. Every access of an actor must then lie in
	 * ONE element of ONE registered field: an element of <= 8 bytes accessed whole by a scalar
	 * operation, a wider one (a byte buffer) any part of it by a region copy. 0: not checked. */
	int32_t vio_bounds;
};

/* ---- results --------------------------------------------------------------------------------- */

struct rt_result {
	int32_t violation;                /* the workload's code, 0 = none */
	int32_t violation_step;           /* step during/after which it was found, -1 at quiescence */
	char message[256];
	uint32_t nsteps, ndecisions, nchoices_used;
	uint32_t coverage;                /* the workload's bits (rt_set_coverage), for searches */
	uint32_t events;                  /* enum rt_event bits */
	uint32_t pruned;                  /* ARM: a promise was never fulfilled: this execution did
					   * not happen (no verdict; a violation seen is dropped) */
};

/* One step of the trace. */
struct rt_step {
	uint8_t actor, op, order, buffered;  /* op: enum rt_op or the workload's; buffered: went to a
					      * store buffer */
	uint32_t tag, index, off;         /* the field (workload tag), element, byte in the element */
	uint32_t size;                    /* bytes accessed */
	uint64_t value;                   /* load: read; store: written; RMW: old; others: see op */
	uint32_t decision;                /* the decision that chose this step, or ~0u */
	int32_t rf;                       /* ARM loads: the step that made the value read (its store,
					   * drain or promise), -1 the initial contents / own buffer */
	uint64_t watch[RT_MAX_WATCH];     /* the watched words (rt_watch) in memory after the step */
};

/* One option at a decision point. kind: 0 run the current actor, 1 switch to `actor`, 2 drain a
 * buffered store of `actor` to (tag, index, off), 3 a memory operation's own choice (rt_choose:
 * option i is alternative i, actor the one whose operation decides); ARM (rt_choose_opts): 4 the
 * load reads the message `actor` wrote (0xff: the initial contents; option 0 is the newest), 5
 * `actor` promises the store the load reads. A chooser sees at most RT_CHOOSER_OPTS options (the
 * first ones). */
enum { RT_OPT_RUN = 0, RT_OPT_SWITCH = 1, RT_OPT_DRAIN = 2, RT_OPT_CHOICE = 3, RT_OPT_READ = 4,
       RT_OPT_PROMISE = 5 };
#define RT_CHOOSER_OPTS 70
struct rt_option {
	uint8_t kind, actor;
	uint16_t pad;
	uint32_t tag, index, off;
};
typedef uint32_t (*rt_chooser_fn)(void *arg, uint32_t decision, uint32_t step, uint32_t nopt,
				  const struct rt_option *opts);

struct rt_stats {
	uint64_t executions, violations;
	uint32_t exhausted;               /* 1: every schedule within the bounds was run */
	uint32_t max_decisions;
	uint64_t max_steps;
	uint64_t elapsed_ns;
	uint32_t coverage;                /* union over the executions */
	int32_t first_violation;
	char message[256];
	uint64_t pruned;                  /* ARM: executions pruned (a promise never fulfilled) */
	uint32_t rounds;                  /* ARM: searches run until the promise table stopped growing */
	uint32_t npromises;               /* ARM: that table's size */
	uint64_t blocked;                 /* DPOR: executions that ended sleep-set blocked */
};

/* ---- a checker instance ------------------------------------------------------------------- */

struct rt *rt_new(void);
void rt_free(struct rt *rt);

/*
 * One execution under choices[0..n) (NULL/0: all zero). trace (cap entries, may be NULL/0) gets
 * the first cap steps. Returns 0, or -EINVAL when setup failed (violation = wl->vio_setup).
 */
int rt_run(struct rt *rt, const struct rt_workload *wl, void *ctx, const uint32_t *choices,
	   uint32_t n, struct rt_step *trace, uint32_t cap);
/* Like rt_run, each decision asks chooser; the choices taken go to taken[0..*ntaken) (a replay). */
int rt_run_chooser(struct rt *rt, const struct rt_workload *wl, void *ctx, rt_chooser_fn chooser,
		   void *arg, struct rt_step *trace, uint32_t cap, uint32_t *taken,
		   uint32_t taken_cap, uint32_t *ntaken);
/* The last execution's verdict. */
const struct rt_result *rt_result(const struct rt *rt);

/* Bounded DFS over choice lists with <= bound non-zero choices (a proof when exhausted with no
 * violation). The first counterexample goes to cex. 0 or -errno. */
int rt_explore(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
	       uint64_t max_executions, int stop_on_violation, struct rt_stats *st, uint32_t *cex,
	       uint32_t cap, uint32_t *cex_len);
/* A part of that DFS, for splitting it (distributed searches): the lists that extend
 * prefix[0..plen) (fixed), varying only positions < depth (0: any). With lists != NULL each
 * execution appends its first min(decisions, depth) choices there (their count, then them; -ENOSPC
 * when lists_cap is too small). A search with depth k and no prefix enumerates the subtrees; the
 * searches from each listed prefix (depth 0) together run exactly the executions of rt_explore.
 * Not for ARM (its rounds learn the promise table over the whole search). */
int rt_explore_sub(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		   uint64_t max_executions, int stop_on_violation, const uint32_t *prefix,
		   uint32_t plen, uint32_t depth, uint32_t *lists, uint32_t lists_cap,
		   uint32_t *nlists, struct rt_stats *st, uint32_t *cex, uint32_t cap,
		   uint32_t *cex_len);
/* The same DFS until an execution's coverage includes every bit of `coverage`: 0 found (its list
 * in choices), 1 not found, -errno. Violations do not stop it. */
int rt_find(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
	    uint64_t max_executions, uint32_t coverage, struct rt_stats *st, uint32_t *choices,
	    uint32_t cap, uint32_t *len);
/* DPOR (no preemption bound): every interleaving up to reordering of independent steps. Needs
 * reduction off and actors whose every shared access goes through rt. */
int rt_dpor(struct rt *rt, const struct rt_workload *wl, void *ctx, uint64_t max_executions,
	    int stop_on_violation, struct rt_stats *st, uint32_t *cex, uint32_t cap,
	    uint32_t *cex_len);
/* DPOR from the state prefix[0..plen) reaches (its decisions fixed, never backtracked): every
 * interleaving of what follows; DPOR from each prefix of a complete enumeration (rt_explore_sub,
 * no bound) together cover every trace (more executions than one rt_dpor: no reduction across
 * prefixes). */
int rt_dpor_sub(struct rt *rt, const struct rt_workload *wl, void *ctx, uint64_t max_executions,
		int stop_on_violation, const uint32_t *prefix, uint32_t plen, struct rt_stats *st,
		uint32_t *cex, uint32_t cap, uint32_t *cex_len);
/* Test-only: 1 every pair of steps independent, 2 no backtracking, 3 a memory operation's own
 * decisions (rt_choose) not branched, 4 sleepers never woken, 5 source sets: a race's reversal
 * v keeps the events that happen after its first event (notdep dropped), 6 a load independent of
 * another actor's drain to it, 7 a blind add independent of loads (all unsound), 0 normal. */
void rt_dpor_mutate(struct rt *rt, int mutation);
/* Test-only: what rt_idle waits on. 0 its poll's read set (normal); 1 the caller's whole range,
 * and every end of an actor wakes it (the runtime before the read set: the outcome sets must be
 * the same); 2 never woken (a lost wakeup: the outcome sets must differ). */
void rt_idle_mode(struct rt *rt, int mode);
/* The algorithm (dpor.c): source sets + sleep sets with the refined dependency (the default), or
 * the older ones for comparison: Flanagan-Godefroid + sleep sets, plain Flanagan-Godefroid. */
enum rt_dpor_mode { RT_DPOR_SOURCE = 0, RT_DPOR_SLEEP = 1, RT_DPOR_FG05 = 2 };
int rt_dpor_mode(struct rt *rt, int mode);               /* 0, or -EINVAL (unknown mode) */
/*
 * ARM: which stores may be promised (load buffering, mm_arm.c). A candidate is "actor `actor` will
 * store `size` bytes at `off` in region `region` (rt_add_region's id)": the scalar `value`
 * (bytes = 0, size <= 8) or the bytes at blob + value (bytes = 1, a region copy). A workload
 * gives its table in setup (rt_set_promises); a search (rt_explore, rt_find) learns: it runs,
 * collects every store an actor executed at a location another actor accesses, and runs again
 * with the bigger table until it stops growing (a proof covers every promise of a value some
 * execution stores); its counterexample replays with the table rt_promise_table gives.
 */
struct rt_promise {
	uint8_t actor, region, bytes, pad;
	uint32_t off, size, pad2;
	uint64_t value;
};
#define RT_MAX_PROMISES 512
/* One bounded search that only learns; then rt_promise_table gives the table (deterministic). */
int rt_learn_promises(struct rt *rt, const struct rt_workload *wl, void *ctx, uint32_t bound,
		      uint64_t max_executions);
/* The last search's table: 0, or -ENOSPC (*n and *bloblen say the sizes needed). */
int rt_promise_table(const struct rt *rt, struct rt_promise *out, uint32_t cap, uint32_t *n,
		     unsigned char *blob, uint32_t blobcap, uint32_t *bloblen);
/* Test-only: break the ARM model one way (the litmus suite must notice). 0 normal; 1 loads read
 * the newest message only; 2 no promises; 3 acquire orders nothing; 4 store fences order nothing;
 * 5 promises fulfilled whatever the views. */
void rt_arm_mutate(struct rt *rt, int mutation);

/* fn(arg, result) after every execution of a search (NULL: none). */
typedef void (*rt_result_fn)(void *arg, const struct rt_result *r);
void rt_set_result_hook(struct rt *rt, rt_result_fn fn, void *arg);

/* ---- setup (from wl->setup) ------------------------------------------------------------------ */

int rt_set_memory_model(struct rt *rt, int mm);           /* enum rt_mm_id (default SC); 0 or -1 */
/* ARM: the promise candidates (see struct rt_promise; kept by the workload until the execution
 * ends) and at most max promises read per execution. A search's learnt table replaces it. */
void rt_set_promises(struct rt *rt, const struct rt_promise *c, uint32_t n,
		     const unsigned char *blob, uint32_t max);
void rt_set_max_steps(struct rt *rt, uint32_t max_steps); /* 0: RT_DEFAULT_STEPS */
void rt_set_reduce(struct rt *rt, int on);                /* needs wl->is_private */
/* A new actor running fn(rt, id, arg) on its own fiber; kind (< 32) and name are the workload's
 * (results, messages). Returns its id (actors are numbered in spawn order) or -1. */
int rt_spawn(struct rt *rt, int kind, const char *name, void (*fn)(struct rt *, int, void *),
	     void *arg, unsigned flags);
int rt_add_region(struct rt *rt, const struct rt_region *r);   /* its id, or -1 */
int rt_watch(struct rt *rt, const void *addr, uint32_t size);  /* 0, -1 when full */
/* [addr, addr+len) is read by after_step: DPOR treats writes to it as mutually dependent. */
int rt_oracle_reads(struct rt *rt, const void *addr, uint64_t len);
/* Fails the setup with a message; returns -EINVAL for setup to return. */
int rt_setup_error(struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- during an execution (actors, oracles) ---------------------------------------------------- */

/* Records a violation (the first one wins; ignored while finishing). */
void rt_violation(struct rt *rt, int32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int32_t rt_verdict(const struct rt *rt);           /* the violation so far, 0 = none */
int rt_self(const struct rt *rt);                  /* the running actor, -1 outside actors */
int rt_nactors(const struct rt *rt);
int rt_actor_kind(const struct rt *rt, int id);
int rt_actor_state(const struct rt *rt, int id);   /* enum rt_state */
uint32_t rt_pending_stores(const struct rt *rt, int id);
uint32_t rt_channel_pending(const struct rt *rt, int ch);
void rt_set_coverage(struct rt *rt, uint32_t bits); /* the workload's coverage of this execution */
/* From now on an access to region `region` by an actor other than `keeper` (-1: any) calls
 * wl->on_retired (e.g. the region was freed). */
void rt_retire(struct rt *rt, int region, int keeper);
/* Records a workload step (kind >= RT_OP_NOTE) of the running actor: no memory effect. */
void rt_note(struct rt *rt, int op, uint32_t size, uint64_t value);
/* DPOR dependency of what the running step does outside shared memory: dependent with every
 * step (global), or an access to workload pseudo-location loc .. loc+n-1 (loc + n <= 128). */
void rt_dep_global(struct rt *rt);
void rt_dep_pseudo(struct rt *rt, uint32_t loc, uint32_t n, int write);
/* A memory model's own decision among nopt >= 1 alternatives (e.g. which write a load reads),
 * from the same choice list as the scheduler's; 0 when nopt < 2. rt_choose_opts: the same, with
 * the options as a chooser callback sees them (RT_OPT_READ, RT_OPT_PROMISE, ...). */
uint32_t rt_choose(struct rt *rt, uint32_t nopt);
uint32_t rt_choose_opts(struct rt *rt, uint32_t nopt, const struct rt_option *opts);

/* ---- visible operations (an actor's code; outside an actor they access memory directly) -------- */

extern struct rt *rt_running_;                     /* use rt_current() */
static inline struct rt *rt_current(void)
{
	return rt_running_;
}
uint64_t rt_load(struct rt *rt, const volatile void *addr, unsigned size, int order);
void rt_store(struct rt *rt, volatile void *addr, unsigned size, int order, uint64_t val);
/* RT_OP_TAS (stores 1) or RT_OP_FETCH_ADD (adds val); returns the old value. Ordered as `order`
 * says under ARM (TAS acquire; FETCH_ADD seq_cst: a full fence on each side; RT_ACQ_REL: acquire
 * + release); the x86-like models order every RMW fully. */
uint64_t rt_rmw(struct rt *rt, int op, volatile void *addr, unsigned size, int order, uint64_t val);
/* Stores desired if the value is expected; returns the old value (ordered as rt_rmw). */
uint64_t rt_cas(struct rt *rt, volatile void *addr, unsigned size, int order, uint64_t expected,
		uint64_t desired);
void rt_fence(struct rt *rt, int kind);            /* enum rt_fence */
void rt_copy_in(struct rt *rt, void *shared_dst, const void *src, size_t n);
void rt_copy_out(struct rt *rt, void *dst, const void *shared_src, size_t n);
/* Any of the above by op code (LOAD/STORE/TAS/FETCH_ADD: an ordering-layer bridge), and the
 * same on rt_current() (the bridge's fast path: no argument to move). */
uint64_t rt_access(struct rt *rt, int op, volatile void *addr, unsigned size, int order,
		   uint64_t val);
uint64_t rt_access_current(int op, volatile void *addr, unsigned size, int order, uint64_t val);
/* Blocks until another actor changes the value at addr (not at all if one did since this actor's
 * last load or RMW of addr); a store of the same value wakes nobody. */
void rt_spin(struct rt *rt, const volatile void *addr, unsigned size);
/* Event channel ch: signal counts a pending notification and wakes the lowest-numbered actor
 * waiting on ch; wait consumes the pending notifications (returns 1) or blocks until signalled
 * (returns 1), or returns 0 when the run is over (RT_ACTOR_MUST_FINISH). */
void rt_signal(struct rt *rt, int ch);
int rt_wait(struct rt *rt, int ch);
/* A poll loop that found nothing to do: returns 0 when every actor whose kind is in the mask
 * `kinds` (bit 1 << kind) has finished and no other actor has buffered stores (what it read is
 * final); else blocks until another actor changes a location this actor read since its last
 * rt_idle or rt_poll_begin (the poll's read set; [lo, lo+len) instead when that set holds more
 * than 16 locations) or an actor finishes, and returns 1 (then poll again). Only what the poll
 * read decides what it finds, so nothing else needs to wake it. */
int rt_idle(struct rt *rt, const void *lo, uint64_t len, uint32_t kinds);
/* A poll loop's iteration starts here: rt_idle waits on what the actor reads from now on
 * (without it: since its last rt_idle, a superset). */
void rt_poll_begin(struct rt *rt);
/* Ends actor target where it stands (its locks stay held; its buffered stores still drain).
 * Returns 1 if it was alive. */
int rt_kill(struct rt *rt, int target);

/* Names of enum rt_op / rt_state / rt_mm_id values ("?" if unknown). */
const char *rt_op_name(int op);
const char *rt_state_name(int state);
const char *rt_mm_name(int mm);

#endif /* RT_H */
