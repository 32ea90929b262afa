/* SPDX-License-Identifier: ISC */
/* rt's internal state, shared by its files (not part of the API: see rt.h). */
#ifndef RT_IMPL_H
#define RT_IMPL_H

#include "rt.h"

/* Everything declared here is internal to the shared object: direct calls, no PLT. */
#pragma GCC visibility push(hidden)

#define RT_SB_CAP 128            /* store-buffer entries per actor; a full buffer drains its oldest */
#define RT_COMMIT_LOG 4096       /* recent commits, for rt_spin's "changed since my load" */
#define RT_ARENA_BYTES (4u << 20) /* bytes of buffered region stores, per execution */
#define RT_MAX_READS 16          /* rt_idle's read set; more distinct reads: the caller's range */

struct rt_mm;
struct rt_dp;

/* A buffered store: scalar (bytes == NULL, value in val) or region (bytes in the arena). */
struct rt_sb_entry {
	unsigned char *addr;
	uint32_t size;
	uint8_t order;
	uint8_t region;
	uint64_t val;
	unsigned char *bytes;
	uint32_t ev;                 /* DPOR: the event that buffered it (its drain's source) */
	uint32_t epoch;              /* PSO: store-store fences passed before it (mm_pso.c) */
	uint32_t seq;                /* ARM: its actor's store count when it was issued */
	uint32_t bar;                /* ARM: it drains after every older entry with seq <= bar */
};

/* The operation an actor is stopped at (filled by the fiber, executed by the scheduler). */
struct rt_pending {
	int op;
	unsigned char *addr;
	uint32_t size;
	int order;
	uint64_t val;
	uint64_t val2;               /* CAS: desired; IDLE: length of the range; KILL: target */
	unsigned char *dst;          /* COPY_OUT destination (private) */
	const unsigned char *src;    /* COPY_IN source (private) */
	int blind;                   /* FETCH_ADD with RT_BLIND (order has it cleared) */
};

struct rt_actor {
	int id, kind, state;
	unsigned flags;
	const char *name;
	void (*fn)(struct rt *, int, void *);
	void *arg;
	struct rt *rt;
	void *sp;                    /* saved stack pointer while suspended */
	unsigned char *stack;        /* mmap'ed, guard page at the low end */
	struct rt_pending pend;
	uint64_t ret;
	struct rt_sb_entry sb[RT_SB_CAP];
	uint32_t nsb;
	uint32_t epoch;              /* PSO: store-store fences so far */
	uint32_t st_seq, st_bar;     /* ARM: stores issued; the last one before a store fence */
	unsigned char *last_load;    /* address and commit sequence of the last load */
	uint64_t last_load_seq;
	unsigned char *spin_addr;
	uint32_t spin_size;
	const unsigned char *idle_lo;  /* IDLE: the caller's range (the wait when nrd > RT_MAX_READS) */
	uint64_t idle_len;
	struct { const unsigned char *addr; uint32_t size; } rd[RT_MAX_READS];
	uint32_t nrd;                /* reads since the last rt_idle / rt_poll_begin (ops.c) */
	int woken;
};

struct rt_commit_rec {
	unsigned char *addr;
	uint32_t size;
	int actor;
	uint64_t seq;
};

enum rt_chooser_kind { RT_CH_LIST, RT_CH_FN };

struct rt {
	const struct rt_workload *wl;
	void *ctx;
	const struct rt_mm *mm;
	int mm_id;
	void *mm_state;              /* the memory model's own state, if it needs more (mm.h) */
	struct rt_result res;
	struct rt_step *trace;
	uint32_t cap;
	/* chooser */
	int ch_kind;
	const uint32_t *list;
	uint32_t nlist;
	rt_chooser_fn fn;
	void *fn_arg;
	uint32_t *taken;
	uint32_t taken_cap, ntaken;
	uint32_t *dec_nopt;          /* options at each decision (for explore) */
	uint32_t dec_cap;
	/* actors */
	int nactors;
	struct rt_actor *a[RT_MAX_ACTORS];
	struct rt_actor *cur;        /* the fiber running now (NULL: scheduler / setup) */
	int current;                 /* option 0's actor */
	void *sched_sp;
	int wakeq[RT_MAX_ACTORS * 4];
	int nwake;
	unsigned char *stacks[RT_MAX_ACTORS];
	/* regions, watched words, the oracle's read set */
	const struct rt_region *region[RT_MAX_REGIONS];
	int nregions;
	uint32_t retired;            /* bit per region */
	int keeper[RT_MAX_REGIONS];
	const unsigned char *watch[RT_MAX_WATCH];
	uint32_t watch_size[RT_MAX_WATCH];
	int nwatch;
	const unsigned char *oread_lo[RT_MAX_ORACLE_READS], *oread_hi[RT_MAX_ORACLE_READS];
	int noread;
	/* memory */
	uint64_t commit_seq;
	struct rt_commit_rec log[RT_COMMIT_LOG];
	int committed;               /* this step changed committed memory */
	unsigned char *arena;
	uint32_t arena_used;
	uint32_t pending[RT_MAX_CHANNELS];   /* event channels: notifications not consumed */
	uint32_t step_decision;      /* decision index of the step being executed, ~0u if none */
	int32_t step_rf;             /* the next recorded step's reads-from (ARM), -1 none */
	/* ARM promises (rt_set_promises; a search's learnt table overrides the workload's) */
	const struct rt_promise *prom;
	uint32_t nprom, max_prom;
	const unsigned char *prom_blob;
	int prom_override;           /* 1: prom* is the search's table, setup may not change it */
	int arm_mutate;
	struct rt_arm *arm;          /* mm_arm.c's state (messages, views, learning), lazily made */
	uint32_t max_steps;
	int red_on;                  /* reduction (rt_set_reduce with an is_private rule) */
	int in_step;                 /* executing a step that is not recorded yet */
	int at_end;                  /* quiescence checks */
	int finishing;               /* the verdict is known: MUST_FINISH actors run to their end */
	/* DPOR recording (dpor.c): on only while rt_dpor runs its executions */
	int dp_on;
	int commit_add;              /* rt_commit of a blind add (RT_BLIND): DPOR's RT_DP_ADD */
	int idle_mode;               /* test-only (rt_idle_mode) */
	uint32_t dp_ev;              /* index of the event (scheduler loop iteration) being executed */
	struct rt_dp *dp;
	int dp_mutate;
	int dp_mode;                 /* enum rt_dpor_mode (rt_dpor_mode) */
	/* searches */
	rt_result_fn hook_fn;
	void *hook_arg;
	struct rt_actor actor_store[RT_MAX_ACTORS];
};

/* fiber.c + switch.S */
void rt_fiber_switch(void **save, void *to);
int rt_fiber_stack(struct rt *rt, int id);
void rt_fiber_init(struct rt_actor *a, unsigned char *stack, void (*entry)(struct rt_actor *));
void rt_fiber_release(struct rt *rt);

/* Scalars of 1, 2, 4 or 8 bytes in memory (host order). */
static inline uint64_t rt_rd(const unsigned char *p, uint32_t size)
{
	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
	default: { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
	}
}

static inline void rt_wr(unsigned char *p, uint32_t size, uint64_t val)
{
	switch (size) {
	case 1: *p = (uint8_t)val; break;
	case 2: { uint16_t v = (uint16_t)val; __builtin_memcpy(p, &v, 2); break; }
	case 4: { uint32_t v = (uint32_t)val; __builtin_memcpy(p, &v, 4); break; }
	default: __builtin_memcpy(p, &val, 8); break;
	}
}

static inline uint64_t rt_mask_of(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline int rt_overlaps(const unsigned char *a, uint32_t an, const unsigned char *b,
			      uint32_t bn)
{
	return a < b + bn && b < a + an;
}

/*
 * rt_idle's wait: what the actor read since its last rt_idle or rt_poll_begin (a poll that found
 * nothing to do; re-running it with every value it read unchanged finds nothing again, so only a
 * change to one of them can end its wait; GenMC's and dscheck's "await" reduction of a spin
 * loop), or the caller's range when it read more than RT_MAX_READS distinct locations.
 */
static inline void rt_note_read(struct rt_actor *a, const unsigned char *addr, uint32_t size)
{
	uint32_t i;

	if (a->nrd > RT_MAX_READS)
		return;
	for (i = 0; i < a->nrd; i++)
		if (a->rd[i].addr == addr) {
			if (a->rd[i].size < size)
				a->rd[i].size = size;
			return;
		}
	if (a->nrd < RT_MAX_READS)
		a->rd[a->nrd] = (typeof(a->rd[0])){ addr, size };
	a->nrd++;
}

static inline int rt_idle_waits_on(const struct rt_actor *a, const unsigned char *addr,
				   uint32_t size)
{
	uint32_t i;

	if (a->nrd > RT_MAX_READS || a->rt->idle_mode == 1)
		return rt_overlaps(addr, size, a->idle_lo, (uint32_t)a->idle_len);
	for (i = 0; i < a->nrd; i++)
		if (rt_overlaps(addr, size, a->rd[i].addr, a->rd[i].size))
			return 1;
	return 0;
}

/* mm_arm.c: ARM's state and the search's rounds (explore.c) */
void rt_arm_free(struct rt *rt);
void rt_arm_learn_begin(struct rt *rt);      /* a search learns from now on */
int rt_arm_learn_end(struct rt *rt, int keep_new);  /* stop; install the table for the next
						     * round (keep_new) or the one run; 1 if grew */

/* memory.c: committed memory, classification, reduction */
void rt_commit(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
	       const unsigned char *bytes, uint64_t val);
void rt_check_retired(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		      int commit);
void rt_check_bounds(struct rt *rt, struct rt_actor *a, int op, const unsigned char *addr,
		     uint32_t size);
void rt_classify(const struct rt *rt, const unsigned char *addr, uint32_t *tag, uint32_t *index,
		 uint32_t *off);
const char *rt_field_name(const struct rt *rt, const unsigned char *addr);
int rt_private_op(struct rt *rt, const struct rt_actor *a);
int rt_drain_private(struct rt *rt);

/* ops.c: execution of an actor's pending operation */
void rt_exec(struct rt *rt, struct rt_actor *a);
uint64_t rt_direct(int op, unsigned char *addr, unsigned size, uint64_t val, uint64_t val2);

/* sched.c */
void rt_wake(struct rt *rt, struct rt_actor *a);
/* ops.c: the first actor whose kind is in the mask `kinds` that has neither finished nor been
 * killed, or -1 (rt_idle's "they are gone") */
int rt_kinds_alive(const struct rt *rt, uint32_t kinds);
void rt_record_row(struct rt *rt, struct rt_actor *a, uint32_t n, int op, const unsigned char *addr,
		   uint32_t size, int order, uint64_t val, int buffered);
int rt_execute(struct rt *rt, const struct rt_workload *wl, void *ctx, struct rt_step *trace,
	       uint32_t cap);
void rt_set_running(struct rt *rt);

#define RT_EVENT(rt, bit) ((rt)->res.events |= (bit))

/* The scheduler runs fiber a until it yields back (only the scheduler resumes a fiber, and a
 * fiber only ever yields to the scheduler). */
static inline void rt_fiber_resume(struct rt *rt, struct rt_actor *a)
{
	struct rt_actor *prev = rt->cur;

	rt->cur = a;
	rt_fiber_switch(&rt->sched_sp, a->sp);
	rt->cur = prev;
}

static inline void rt_fiber_yield(struct rt *rt, struct rt_actor *a)
{
	rt_fiber_switch(&a->sp, rt->sched_sp);
}

/* Records a step of actor a (its row only when the trace has room); returns its index. */
static inline uint32_t rt_record(struct rt *rt, struct rt_actor *a, int op,
				 const unsigned char *addr, uint32_t size, int order, uint64_t val,
				 int buffered)
{
	uint32_t n = rt->res.nsteps++;

	rt->in_step = 0;
	if (n < rt->cap)
		rt_record_row(rt, a, n, op, addr, size, order, val, buffered);
	rt->step_rf = -1;
	return n;
}

/* explore.c: shared by the DFS and DPOR */
void rt_explore_count(struct rt *rt, struct rt_stats *st, const struct rt_result *r);
void rt_explore_keep(struct rt_stats *st, const struct rt_result *r, const uint32_t *c,
		     uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len);
int rt_explore_violation(struct rt_stats *st, const struct rt_result *r, const uint32_t *c,
			 uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len, int *found,
			 int keep_first, int stop_on_violation);
uint64_t rt_now_ns(void);

/* dpor.c: the recorder's hooks (call only when rt->dp_on) */
void dp_event_begin(struct rt *rt, uint32_t nopt);
void dp_option(struct rt *rt, int drain, int actor, uint32_t entry);
void dp_event_chosen(struct rt *rt, uint32_t c, uint32_t decision, int drain, int actor,
		     uint32_t entry);
void dp_choice(struct rt *rt, uint32_t decision, uint32_t nopt, uint32_t c);
uint32_t dp_decide(struct rt *rt, uint32_t d, uint32_t n, int sched, uint32_t c, int listed);
void dp_access(struct rt *rt, const unsigned char *addr, uint32_t size, int write);
/* The finer dependency of the default algorithm (wakeups, spins) is on (dpor.c). */
int dp_refined(const struct rt *rt);
void dp_global(struct rt *rt);
void dp_wake(struct rt *rt, int actor);
/* Pseudo-locations for runtime state that actors share outside memory (dpor.c's dependency);
 * the workload's (rt_dep_pseudo) come after RT_DPL_USER. */
enum { RT_DPL_INV = 1,      /* what the after_step oracle reads (rt_oracle_reads) */
       RT_DPL_CHAN = 2,     /* + channel: its pending count (signal, wait) */
       RT_DPL_SB = 8,       /* + actor: whether its store buffer is empty (rt_idle) */
       RT_DPL_HEAVY = 16,   /* a HEAVY fence writes it, every buffered store reads it: whether a
			     * store is still buffered after the fence depends on their order */
       RT_DPL_WAKE = 17,    /* + actor: whether it is blocked (a wakeup writes it; RT_DPOR_SOURCE) */
       RT_DPL_DONE = 25,    /* + actor: whether it has finished (its end writes it; rt_idle reads
			     * one that is alive, or all of them when none is) */
       RT_DPL_USER = 40,    /* + the workload's pseudo-locations (128) */
       RT_DPL__COUNT = 168 };
void dp_loc(struct rt *rt, int loc, uint32_t n, int write);
void rt_dpor_release(struct rt *rt);
#define DP_LOC(rt, loc, n, write) do { if ((rt)->dp_on) dp_loc(rt, loc, n, write); } while (0)
/* dp_access's `write`: 0 a read, 1 a write, RT_DP_ADD a blind add (RT_BLIND: commutes with
 * other blind adds, conflicts with everything else) */
#define RT_DP_ADD 2
#define DP_ACCESS(rt, addr, size, write) \
	do { if ((rt)->dp_on) dp_access(rt, addr, size, write); } while (0)
#define DP_GLOBAL(rt) do { if ((rt)->dp_on) dp_global(rt); } while (0)

#pragma GCC visibility pop

#endif
