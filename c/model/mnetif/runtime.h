/* SPDX-License-Identifier: ISC */
/* Internal state of the model runtime, shared by its files (not part of the API: see model.h). */
#ifndef MNETIF_MODEL_RUNTIME_H
#define MNETIF_MODEL_RUNTIME_H

#include "../model.h"
#include "mnetif/registry.h"

#define SB_CAP 128               /* store-buffer entries per actor; a full buffer drains its oldest */
#define COMMIT_LOG 4096          /* recent commits, for mn_model_spin's "changed since my load" */
#define ARENA_BYTES (4u << 20)   /* bytes of buffered region stores, per execution */

/* A buffered store: scalar (bytes == NULL, value in val) or region (frame copy). */
struct sb_entry {
	unsigned char *addr;
	uint32_t size;
	uint8_t order;
	uint8_t region;
	uint64_t val;
	unsigned char *bytes;
	uint32_t ev;                 /* DPOR: the event that buffered it (its drain's source) */
};

/* The operation an actor is stopped at (filled by the fiber, executed by the scheduler). */
struct pending {
	int op;
	unsigned char *addr;
	uint32_t size;
	int order;
	uint64_t val;
	unsigned char *dst;          /* COPY_OUT destination (private) */
	const unsigned char *src;    /* COPY_IN source (private) */
};

struct actor {
	int id, kind, state;
	void *sp;                    /* saved stack pointer while suspended */
	unsigned char *stack;        /* mmap'ed, guard page at the low end */
	struct pending pend;
	uint64_t ret;
	struct sb_entry sb[SB_CAP];
	uint32_t nsb;
	unsigned char *last_load;    /* address and commit sequence of the last load */
	uint64_t last_load_seq;
	unsigned char *spin_addr;
	int producer;                /* producer index, or -1 */
	int frame;                   /* first frame being pushed */
	int nframes;                 /* frames being pushed (a batch), from frame on */
	uint32_t tas_streak;         /* consecutive failed test-and-sets on sr_lock */
	int woken;
};

struct commit_rec {
	unsigned char *addr;
	uint32_t size;
	int actor;
	uint64_t seq;
};

enum red_loc {
	RED_RING_ALL = 1, RED_COUNTERS = 2, RED_WAKE = 4, RED_STATE = 8, RED_USERS = 16,
	RED_PLOCK = 32
};

/* Decision-point sources. */
enum chooser_kind { CH_LIST, CH_FN };

struct model {
	struct mn_model_workload w;
	struct mn_model_result *r;
	struct mn_model_step *trace;
	uint32_t cap;
	/* chooser */
	int ch_kind;
	const uint32_t *list;
	uint32_t nlist;
	mn_model_chooser_fn fn;
	void *fn_arg;
	uint32_t *taken;
	uint32_t taken_cap, ntaken;
	uint32_t *dec_nopt;          /* options at each decision (for explore) */
	uint32_t dec_cap;
	/* actors */
	int nactors, consumer_id, unplugger_id, killer_id;
	struct actor *a[MN_MODEL_MAX_ACTORS];
	struct actor *cur;           /* the fiber running now (NULL: scheduler / setup) */
	int current;                 /* option 0's actor */
	void *sched_sp;
	int wakeq[MN_MODEL_MAX_ACTORS * 4];
	int nwake;
	/* memory */
	unsigned char *ring;
	uint64_t ringlen;
	struct mn_geom geom;         /* the consumer's (correct) geometry */
	int ring_freed;
	struct mn_entry *table;      /* the registry's table (entry 0 = ours) */
	struct mn_entry *entry;
	struct mn_cons cons;
	uint64_t commit_seq;
	struct commit_rec log[COMMIT_LOG];
	int committed;               /* this step changed committed memory */
	unsigned char *arena;
	uint32_t arena_used;
	int holder[2];               /* lock holders: 0 sr_lock, 1 entry plock; -1 free */
	uint32_t notify_pending;
	uint32_t step_decision;      /* decision index of the step being executed, ~0u if none */
	uint32_t max_steps;
	/* reduction (workload.reduce): which locations no other actor can access in this workload */
	int red_on, red_target;
	uint32_t red_private;        /* bits of enum red_loc */
	int in_step;                 /* executing a step that is not recorded yet */
	int at_end;                  /* quiescence checks */
	int finishing;               /* a violation was found: finish quietly (external consumer) */
	int ext_exit;
	/* DPOR recording (dpor.c): on only while mn_model_dpor runs its executions */
	int dp_on;
	uint32_t dp_ev;              /* index of the event (scheduler loop iteration) being executed */
	/* reference model */
	uint32_t next_frame[MN_MODEL_MAX_PRODUCERS];
	uint32_t batch_end[MN_MODEL_MAX_PRODUCERS];  /* frames < this may be in flight (unknown fate) */
	uint8_t got[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES];  /* delivered */
	unsigned char pbuf[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES][MN_MODEL_MAX_FRAME_LEN];
};

extern struct model mn_g;

/* fiber.c */
void mn_fiber_switch(void **save, void *to);
int mn_fiber_stacks(void);
void mn_fiber_init(struct actor *a, void (*entry)(struct actor *));
void mn_fiber_resume(struct actor *a);
void mn_fiber_yield(struct actor *a);

/* memory.c */
void mem_exec(struct actor *a);
void mem_read_view(struct actor *a, unsigned char *addr, uint32_t size, unsigned char *out);
void mem_commit_entry(struct actor *a, uint32_t i);
void mem_flush(struct actor *a);
int mem_drainable(const struct actor *a, uint32_t i);
void mem_classify(const unsigned char *addr, struct mn_model_step *s);
uint64_t mem_direct(int op, unsigned char *addr, unsigned size, uint64_t val);
int mem_private_op(const struct actor *a);
int mem_drain_private(void);
void mem_reduction_setup(void);

/* sched.c */
void sched_wake(struct actor *a);
uint32_t sched_record(struct actor *a, int op, unsigned char *addr, uint32_t size, int order,
		      uint64_t val, int buffered);
void sched_violation(int v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sched_producers_done(void);
int sched_others_pending(const struct actor *me);
int mn_model_execute(const struct mn_model_workload *w, struct mn_model_result *r,
		     struct mn_model_step *trace, uint32_t cap);

/* explore.c: the result hook (mn_model_set_result_hook), after every search execution */
void explore_notify(const struct mn_model_result *r);
void explore_count(struct mn_explore_stats *st, const struct mn_model_result *r);
void explore_keep(struct mn_explore_stats *st, const struct mn_model_result *r, const uint32_t *c,
		  uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len);
int explore_violation(struct mn_explore_stats *st, const struct mn_model_result *r,
		      const uint32_t *c, uint32_t len, uint32_t *cex, uint32_t cap, uint32_t *cex_len,
		      int *found, int keep_first, int stop_on_violation);

/* dpor.c: the recorder's hooks (call only when mn_g.dp_on) */
void dp_event_begin(uint32_t nopt);
void dp_option(int drain, int actor, uint32_t entry);
void dp_event_chosen(uint32_t c, uint32_t decision, int drain, int actor, uint32_t entry);
void dp_access(const unsigned char *addr, uint32_t size, int write);
void dp_global(void);
void dp_wake(int actor);
/* Pseudo-locations for model state that actors share outside memory (dpor.c's dependency): */
enum { DPL_DONE = 0,     /* which actors have finished (the idle consumer reads it) */
       DPL_ORACLE = 1,   /* the reference model: push results, batch_end, deliveries */
       DPL_NOTIFY = 2,   /* notify_pending (notify, the consumer's sleep) */
       DPL_INV = 3,      /* what the header invariant oracle reads (dpor.c's dp_access) */
       DPL_HOLDER = 4,   /* the lock oracle's holders (every lock operation, even buffered) */
       DPL_SB = 8 };     /* + actor: whether its store buffer is empty (the idle consumer) */
void dp_loc(int loc, uint32_t n, int write);
#define DP_LOC(loc, n, write) do { if (mn_g.dp_on) dp_loc(loc, n, write); } while (0)
#define DP_ACCESS(addr, size, write) do { if (mn_g.dp_on) dp_access(addr, size, write); } while (0)
#define DP_GLOBAL() do { if (mn_g.dp_on) dp_global(); } while (0)

/* actors.c */
int actors_setup(void);
void actors_teardown(void);
void actor_exec_mop(struct actor *a);

/* oracles.c */
void oracle_deliver(const unsigned char *buf, uint32_t len);
void oracle_released(uint32_t n);
void oracle_lock_op(struct actor *a, int op, unsigned char *addr, uint64_t val, uint64_t old);
void oracle_commit(unsigned char *addr, uint32_t size, uint64_t before);
void oracle_end(void);
void oracle_push_result(int p, int k, int err);
void oracle_batch_done(int p, int first, int n);

#define COV(bit) (mn_g.r->coverage |= 1u << (bit))

#endif
