/* SPDX-License-Identifier: ISC */
/*
 * mnetif model runtime: runs ONE whole interleaving of the real ring/registry code per C call.
 *
 * Layers (docs/harness.md "Layers"). This API is the mnetif WORKLOAD on a generic checker:
 *   c/model/rt/         rt (rt/rt.h), a stateless model checker that knows nothing about rings:
 *                       fibers, the scheduler and its choice encoding, the memory models (one file
 *                       each behind rt/mm.h), blocking primitives, bounded DFS, reachability, DPOR,
 *                       the step table. A workload registers with it, per execution, its actors,
 *                       its regions with field names, its reduction rule and its oracles.
 *   c/model/ordering.c  the ordering layer's model build (atomic.h, MNETIF_MODEL) onto rt: every
 *                       ordering-layer call of the core is one visible rt operation.
 *   c/model/mnetif/     this workload: the actors below, the model platform (mn_os_*), the ring's and
 *                       the registry's fields, the reduction rule, the oracles, and this API as a
 *                       thin layer over rt_run / rt_run_chooser / rt_explore / rt_find / rt_dpor.
 *   c/model/litmus/     litmus programs, a workload of their own (here: proto == MN_MODEL_LITMUS).
 * What rt promises (determinism, the encoding, the memory models, blocking) is stated in rt/rt.h;
 * the summary below is the mnetif workload's use of it.
 *
 * The core (c/src/ring.c, c/src/registry.c) is compiled with -DMNETIF_MODEL. Actors are rt fibers in
 * the calling OS thread (hand-written x86-64 switch, rt/switch.S; mmap'ed stacks with a guard page):
 *
 *   producers 0..nproducers-1   netif_ether_input() of their frames on ONE software interface
 *                               plugged with the real mn_plug() before the execution starts; with
 *                               workload.batch = B >= 2, netif_ether_input_batch() of up to B
 *                               frames at a time (one plock hold, one mn_prod_push_batch)
 *   consumer (optional)         C: mn_cons_peek -> mn_copy_from_shared -> mn_cons_release (with
 *                               workload.cons_batch = C >= 2: mn_cons_peek_n(C) -> a copy of each
 *                               -> one mn_cons_release_n), or an external consumer (see
 *                               mn_model_consumer_fn below)
 *   unplugger (optional)        mn_unplug() of that interface
 *   killer (optional)           one step: ends actor kill_actor where it stands (even holding a lock)
 *   hostile (workload.hostile = H > 0, instead of the consumer): the other side as an adversary.
 *                               H stores, each a visible operation the scheduler places anywhere,
 *                               of a value the search chooses (one rt_choose among fields x
 *                               values: 0, 1, size, size + 1, 0x7fff, all ones) into a field the
 *                               consumer may write: sr_cur, sr_wake, and for v1 sr_lock and
 *                               sr_avail. Its oracles replace the consumer's (see "Oracles").
 *                               Each store's (field, value) decision is taken on its fiber when
 *                               the actor reaches that store (at the start, or after its previous
 *                               store), before the scheduler decides when the store runs
 *   litmus actors               proto == MN_MODEL_LITMUS: tiny programs of ordering-layer operations
 *                               on the ring buffer (litmus tests), instead of all of the above; a
 *                               FENCE's order is its kind (rt.h "Fences": acquire 2, release 3,
 *                               full 4, wmb 5, rmb 6, heavy 7; plain/relaxed mean full)
 *
 * Actor numbering: producers first, then consumer, unplugger, killer (result.actor_kind says which).
 *
 * Scheduling (docs/design.md §7; rt/rt.h "Scheduling" is the full text). At each decision point option 0
 * keeps running the current actor, options 1.. are the other runnable actors in actor order, then
 * the pending store-buffer drains (TSO: the oldest entry of each actor's buffer; PSO: for each
 * actor, the oldest entry of each address that may drain now). A decision point exists only where
 * there are >= 2 options; it consumes one choice, reduced modulo the number of options, so every
 * list is a valid schedule; past the list every decision is 0. The same list replays under SC, TSO
 * and PSO. A step bound (max_steps) turns livelock into a violation.
 *
 * Reduction (workload.reduce = 1; a different, smaller choice encoding, so keep it fixed for a
 * replay): like CHESS, decide only before operations another actor can observe. An operation is
 * private when, in this workload, no other actor can access its location: the registry entry's
 * ifindex (never written during a run), its state (unless an unplugger), users (unless an unplugger
 * or several producers), plock (unless several producers); the ring's producer-only counters and
 * sr_error (unless several producers or an unplugger); sr_wake (unless the consumer waits or an
 * unplugger); the whole ring when there is no consumer, one producer and no unplugger. A fence, a
 * test-and-set or a fetch_add is private only if its location and every store it drains are. A
 * private operation commutes with every operation of the other actors, so running it without a
 * decision loses no behaviour (and no preemption: a switch just moves to the next decision point).
 * Likewise a buffered store to a private location drains as soon as it may (no drain option):
 * nobody else can tell when it drains, and it stops blocking the stores queued behind it.
 * Not reduced: litmus runs, an external consumer (unknown accesses), and the killer's target (a
 * kill does not commute with anything its target does). The oracles only read private fields in
 * conjuncts of their own or at quiescence, so they see the same verdicts. (rt applies the rule;
 * mnetif/layout.c states it.)
 *
 * Memory models (rt): SC (every store visible at once); TSO (per-actor FIFO store buffer; a load
 * forwards from its own buffer; full fences, test-and-set and fetch_add drain the actor's buffer
 * first); PSO (per actor, per address FIFOs: stores to different addresses drain in any order,
 * except that a RELEASE store drains only after every older store of its actor; full fences/RMW
 * drain everything). A frame copy into a slot is one region store (one buffer entry holding the
 * bytes). Loads are never reordered (acquire is implied), which is exact for TSO and for the PSO of
 * SPARC. The ring code uses full fences only (smp_mb).
 *
 * Killing: a killed actor never runs again; its buffered stores STILL drain (they left the core,
 * as on real hardware: killing a process or a CPU taking a fault does not recall its store buffer).
 * A killed actor's locks stay held: that is the point of the v1 killer scenario.
 *
 * Blocking (rt's primitives; not a spin, so every execution is finite):
 *   mn_model_spin(addr)   rt_spin: blocked until another actor's store CHANGES the value at addr in
 *                         memory (if one did since the actor's last load or RMW of addr, it does not
 *                         block at all); a store of the same value (a failed test-and-set) wakes
 *                         nobody;
 *   consumer sleep        rt_wait on event channel 0 (mn_model_notify signals it): blocked until a
 *                         notification is pending (consumer_waits = 1);
 *   consumer idle         rt_idle (consumer_waits = 0, ring empty): blocked until another actor
 *                         changes a location its empty poll read (the header words: a poll that
 *                         reads the same values finds the same nothing) or the last producer
 *                         finishes, then it polls again; it returns "final" once every producer
 *                         is finished and nothing is buffered.
 * Quiescence = nothing runnable and nothing left to drain; the run ends there.
 *
 * Oracles (rt hooks of the workload, mnetif/oracles.c; checked during the run, first violation
 * wins; result.violation_step = the index of the step during or after which it was detected, or -1
 * when detected at quiescence):
 *   header invariants (mn_ring_check) after every step that changes committed memory;
 *   reference model: each delivered frame is the next published frame of some producer, byte-exact
 *   (frame contents come from mn_model_frame_byte()); at the end every frame pushed is delivered,
 *   or dropped with exactly one drop counter, or still in the ring. While a batch is in flight its
 *   frames' fates are unknown (a frame of it may still be dropped), so a delivery may skip them;
 *   when the batch returns, a published frame of it that was skipped is a lost frame;
 *   lock: never two holders of sr_lock / the entry's plock; bounded producer retries;
 *   against a hostile peer (instead of the header invariants, the reference model and the lost
 *   wakeup, which it breaks on purpose): no access outside the ring buffer (the rest of the model's
 *   ring memory is a retired region: an access there is "out-of-bounds"); a push that returned
 *   -EIO left sr_error set (committed, at quiescence) and never happened before the hostile
 *   wrote anything ("error-flag"); every frame is counted (each push's result in exactly one
 *   counter, the header's copies equal to the private ones: "accounting"); no hang (deadlock, step
 *   bound, bounded retries);
 *   no deadlock (rt: an actor spinning at quiescence; the message names the actor's kind); no lost
 *   wakeup (consumer asleep at quiescence while frames are in the ring and no notification is
 *   pending); lifecycle (after mn_os_released() the ring is retired: a producer's/unplugger's access
 *   to it, or a store draining into it, is a use after free. The consumer owns the ring and may
 *   keep reading it).
 *
 * Threading: one execution at a time per process (the API keeps one rt instance; not reentrant).
 */
#ifndef MNETIF_MODEL_H
#define MNETIF_MODEL_H

#include <stdint.h>
#include <stddef.h>
#include "mnetif/ring.h"

#define MN_MODEL_MAX_PRODUCERS 3
#define MN_MODEL_MAX_FRAMES    16        /* per producer */
#define MN_MODEL_MAX_ACTORS    6
#define MN_MODEL_MAX_LITMUS    8         /* operations per litmus actor */
#define MN_MODEL_MAX_DELIVERED (MN_MODEL_MAX_PRODUCERS * MN_MODEL_MAX_FRAMES)
#define MN_MODEL_MAX_FRAME_LEN 8192
#define MN_MODEL_RING_BYTES    (1u << 20) /* dataoff + nslots * slotsize must fit */
#define MN_MODEL_DEFAULT_STEPS 20000u
#define MN_MODEL_LITMUS        100u      /* workload.proto: run litmus programs, no ring protocol */
#define MN_MODEL_IFNAME        "mdl0"
#define MN_MODEL_IFINDEX       4u        /* home slot 0 of the registry table */

enum mn_mm { MN_MM_SC = 0, MN_MM_TSO = 1, MN_MM_PSO = 2, MN_MM_ARM = 3 };
enum mn_model_consumer { MN_CONSUMER_NONE = 0, MN_CONSUMER_C = 1, MN_CONSUMER_EXTERNAL = 2 };
enum mn_actor_kind {
	MN_ACTOR_NONE = 0, MN_ACTOR_PRODUCER, MN_ACTOR_CONSUMER, MN_ACTOR_UNPLUGGER, MN_ACTOR_KILLER,
	MN_ACTOR_LITMUS, MN_ACTOR_HOSTILE
};
#define MN_MODEL_MAX_HOSTILE 8       /* stores of the hostile peer */
/* Final state of an actor. */
enum mn_actor_state {
	MN_AS_RUNNABLE = 0, MN_AS_SPINNING, MN_AS_SLEEPING, MN_AS_IDLE, MN_AS_DONE, MN_AS_KILLED
};

/* A litmus operation: op is enum mn_op (LOAD/STORE/FENCE/TAS/FETCH_ADD); off is a byte offset in the
 * ring buffer (use the MN_OFF_* header fields so the trace names them); size 2/4/8 (0 = 4); flags
 * bit 0: a FETCH_ADD is blind (mn_atomic_add, RT_BLIND). A LOAD's value is recorded in
 * result.litmus_regs[actor][i]. */
struct mn_litmus_op {
	uint8_t op, order, size, flags;
	uint32_t off;
	uint64_t value;
};

/*
 * ARM: a promise another actor may make when a load reads it (see "ARM" above): actor `actor` will
 * store `size` bytes at `off` in region `region` (0 the ring buffer, 1 the registry table): the
 * scalar `value` (bytes = 0, size <= 8), or a frame copy of the bytes at promise_blob + value
 * (bytes = 1).
 */
struct mn_promise_cand {
	uint8_t actor, region, bytes, pad;
	uint32_t off, size, pad2;
	uint64_t value;
};
#define MN_MODEL_MAX_PROMISE_CANDS 512

struct mn_model_workload {
	uint32_t proto;                  /* MN_PROTO_2012 / _V1 / _V2 / _V3, or MN_MODEL_LITMUS */
	uint32_t mm;                     /* enum mn_mm */
	uint32_t nslots, slotsize;       /* ring geometry (power of two; multiple of 64, >= 64) */
	uint32_t lock_retries;           /* v1 test-and-set attempts per lock; 0 = MN_LOCK_RETRIES */
	uint32_t nproducers;             /* 0..3 */
	uint32_t nframes[MN_MODEL_MAX_PRODUCERS];
	uint32_t frame_len[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES];
	uint8_t frame_seed[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES];
	uint32_t consumer;               /* enum mn_model_consumer */
	uint32_t consumer_waits;         /* 1: sleep on the event channel when empty (final-check) */
	uint32_t unplugger;              /* 1: an actor calls mn_unplug() */
	int32_t kill_actor;              /* -1: no killer; else the actor the killer ends */
	uint32_t start_index;            /* initial sr_cur = sr_avail (v2 free-running; v1 masked) */
	uint32_t max_steps;              /* 0 = MN_MODEL_DEFAULT_STEPS */
	uint32_t nlitmus_actors;         /* MN_MODEL_LITMUS only */
	uint32_t nlitmus[MN_MODEL_MAX_ACTORS];
	struct mn_litmus_op litmus[MN_MODEL_MAX_ACTORS][MN_MODEL_MAX_LITMUS];
	uint32_t reduce;                 /* 1: no decision point before an operation that no other
	                                  * actor can observe (see "Reduction" above); 0: every op */
	uint32_t batch;                  /* producers: 0/1 one netif_ether_input per frame; B >= 2
	                                  * netif_ether_input_batch of up to B frames (<= 16) */
	uint32_t cons_batch;             /* C consumer: 0/1 peek/release per frame; C >= 2
	                                  * mn_cons_peek_n(C) + mn_cons_release_n (<= 16) */
	uint32_t nlitmus_final;          /* litmus: locations whose final value the result reports */
	uint32_t litmus_final_off[MN_MODEL_MAX_LITMUS];  /* (4-byte words at these offsets) */
	/* ARM only (ignored by SC/TSO/PSO): */
	uint32_t max_promises;           /* promises read per execution (0: none) */
	uint32_t npromise_cands;         /* entries of promise_cands */
	const struct mn_promise_cand *promise_cands;
	const unsigned char *promise_blob;  /* bytes of the candidates with size > 8 */
	uint32_t hostile;                /* 0, or H <= MN_MODEL_MAX_HOSTILE stores of a hostile peer
	                                  * (needs consumer NONE, no unplugger, no killer) */
};

/* Step kinds beyond enum mn_op (atomic.h); the same values as rt's enum rt_op (10 is rt's
 * compare-and-swap, "cas", which the ring code does not use): */
enum mn_model_op {
	MN_MOP_PROMISE = 11,     /* ARM: `actor` promises a store (field, value) another actor reads */
	MN_MOP_DRAIN = 16,       /* a buffered store of `actor` becomes visible */
	MN_MOP_KILL,             /* the killer ends actor `value` */
	MN_MOP_SLEEP,            /* the consumer goes to sleep (value 1) or finds a notification (0) */
	MN_MOP_IDLE,             /* the consumer found the ring empty and waits for a change */
	MN_MOP_DELIVER,          /* the consumer hands a frame to its handler (value = len) */
	MN_MOP__COUNT
};

/* What an address is (the trace's field). index: ss_len/slot index, or registry entry index. */
enum mn_model_field {
	MN_FLD_CUR = 0, MN_FLD_AVAIL, MN_FLD_SIZE, MN_FLD_SLOTSIZE, MN_FLD_MAGIC, MN_FLD_DATAOFF,
	MN_FLD_LOCK, MN_FLD_WAKE, MN_FLD_ERROR, MN_FLD_DROP_FULL, MN_FLD_DROP_OVERSIZE,
	MN_FLD_DROP_BUSY, MN_FLD_FRAMES, MN_FLD_BYTES, MN_FLD_DROP_ERROR, MN_FLD_NOTIFY,
	MN_FLD_LEN,              /* ss_len[index] */
	MN_FLD_SLOT,             /* slot data of slot index (as the consumer lays slots out) */
	MN_FLD_RING_OTHER,       /* elsewhere in the ring buffer (header pad, 2012's misplaced data) */
	MN_FLD_E_STATE,          /* registry entry index: state / ifindex / users / plock */
	MN_FLD_E_IFINDEX, MN_FLD_E_USERS, MN_FLD_E_PLOCK,
	MN_FLD_NONE,             /* no address (fence, notify, kill, sleep, ...) */
	MN_FLD_OTHER,            /* an address the runtime does not know */
	MN_FLD_CONS,             /* v3: sr_cons (v3's sr_wake is MN_FLD_WAKE at its own offset) */
	MN_FLD__COUNT
};

struct mn_model_step {
	uint8_t actor, op, order, field;  /* op: enum mn_op or enum mn_model_op; field: mn_model_field */
	uint32_t index;                   /* ss_len/slot index, or registry entry */
	uint32_t off;                     /* byte offset inside the field (its element for ss_len[],
					   * slot[], entry[]); elsewhere in the ring: the ring offset */
	uint32_t size;                    /* bytes accessed (copies: frame length) */
	uint64_t value;                   /* load: value read; store: value written; TAS/FA: old value */
	uint32_t buffered;                /* 1: the store went into the actor's store buffer */
	uint16_t cur, avail;              /* committed header AFTER the step (cur: v3's sr_cons) */
	uint32_t lock;                    /* committed sr_lock after the step */
	uint32_t decision;                /* index of the decision that chose this step, or ~0u */
	int32_t rf;                       /* loads: the step whose store (SC), drain or promise made
	                                   * the value read; -1 the initial contents / own buffer */
};

enum mn_model_violation {
	MN_VIO_NONE = 0,
	MN_VIO_INVARIANT,        /* a header invariant (mn_ring_check) failed */
	MN_VIO_FRAME_LOST,       /* a published frame was skipped (lost or reordered) */
	MN_VIO_FRAME_CORRUPT,    /* a delivered frame matches no published frame (corrupt/stale/dup) */
	MN_VIO_ACCOUNTING,       /* frames_in != delivered + drops + still_in_ring, or counters wrong */
	MN_VIO_TWO_HOLDERS,      /* two actors hold the same lock */
	MN_VIO_DEADLOCK,         /* an actor blocked forever at quiescence */
	MN_VIO_RETRIES,          /* a producer retried the lock more than lock_retries times */
	MN_VIO_LOST_WAKEUP,      /* consumer asleep at quiescence, frames in the ring, no notification */
	MN_VIO_USE_AFTER_FREE,   /* access to the ring after mn_os_released() */
	MN_VIO_STEP_BOUND,       /* max_steps reached (livelock) */
	MN_VIO_CONSUMER_ERROR,   /* the consumer got -EIO from the ring (corrupt header) */
	MN_VIO_SETUP,            /* the workload is invalid (message says why); not a bug found */
	MN_VIO_OUT_OF_BOUNDS,    /* an access outside one element of a registered field (a write to
				  * ss_len[size], a frame copy into the next slot), or outside the ring
				  * buffer in hostile peer runs */
	MN_VIO_ERROR_FLAG,       /* -EIO without sr_error set, or with nothing corrupt (hostile) */
	MN_VIO__COUNT
};

/* Coverage: abstract states reached during the run (bit = 1u << enum). */
enum mn_model_coverage {
	MN_COV_RING_FULL = 0,    /* committed fill == size at some point */
	MN_COV_WRAP_V2,          /* a v2/v3 free-running index passed 65535 -> 0 */
	MN_COV_WRAP_V1,          /* v1/2012 sr_cur went back to 0 */
	MN_COV_LOCK_CONTENDED,   /* a test-and-set found a lock held */
	MN_COV_KILLED,           /* the killer ended a live actor */
	MN_COV_CONS_SLEPT,       /* the consumer slept on the event channel */
	MN_COV_NOTIFIED,         /* a producer signalled the event channel */
	MN_COV_DROP_FULL, MN_COV_DROP_OVERSIZE, MN_COV_DROP_BUSY, MN_COV_DROP_ERROR,
	MN_COV_UNPLUGGED,        /* mn_os_released() ran */
	MN_COV_SPIN_BLOCKED,     /* an actor blocked in mn_spin_wait */
	MN_COV_REORDERED,        /* a PSO drain overtook an older store of the same actor */
	MN_COV_FORWARDED,        /* a load was served from the actor's own store buffer */
	MN_COV_NOT_PLUGGED,      /* an input found no plugged interface (-ENODEV) */
	MN_COV_KILLED_HOLDER,    /* the killer ended an actor holding sr_lock or the entry's plock */
	MN_COV_STALE_READ,       /* ARM: a load read a message older than the newest */
	MN_COV_PROMISE,          /* ARM: a load read a promise (load buffering) */
	MN_COV__COUNT
};

struct mn_model_delivery {
	int8_t producer, frame;           /* the published frame it matched, or -1 */
	uint8_t released, pad;            /* 1: popped from the ring (counts as delivered) */
	uint32_t len;
};

#define MN_MODEL_NOT_PUSHED 1        /* push_result: the input never returned (not run / killed) */

struct mn_model_result {
	int32_t violation;                /* enum mn_model_violation */
	int32_t violation_step;           /* step index, or -1 (at quiescence / none) */
	char message[256];                /* names the property, the actor and the field */
	uint32_t nsteps, ndecisions, nchoices_used;
	uint32_t coverage;                /* bits of enum mn_model_coverage */
	uint32_t nactors;
	uint8_t actor_kind[MN_MODEL_MAX_ACTORS];   /* enum mn_actor_kind */
	uint8_t actor_state[MN_MODEL_MAX_ACTORS];  /* enum mn_actor_state at the end */
	uint32_t ndelivered;
	struct mn_model_delivery delivered[MN_MODEL_MAX_DELIVERED];
	int32_t push_result[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES]; /* 0 / -errno / NOT_PUSHED */
	struct mn_counters counters;      /* the producer's private counters at the end */
	uint32_t notify_pending;          /* notifications not consumed by the consumer */
	uint32_t still_in_ring;           /* committed fill at the end */
	uint16_t final_cur, final_avail;  /* committed header at the end */
	uint32_t final_lock;
	int32_t unplug_result;            /* mn_unplug()'s return, or MN_MODEL_NOT_PUSHED */
	uint64_t litmus_regs[MN_MODEL_MAX_ACTORS][MN_MODEL_MAX_LITMUS];
	uint64_t litmus_final[MN_MODEL_MAX_LITMUS];  /* litmus: committed value at quiescence */
	uint32_t pruned;                  /* ARM: ended with a promise unfulfilled: not an execution
	                                   * (no verdict; a violation seen during it is dropped) */
};

/*
 * Runs one execution of the workload under the schedule `choices` (n entries; may be NULL/0).
 * trace (cap entries, may be NULL/0) receives the first cap steps. Returns 0, or -EINVAL when the
 * workload is invalid (result->violation = MN_VIO_SETUP, message says why).
 */
int mn_model_run(const struct mn_model_workload *w, const uint32_t *choices, uint32_t n,
		 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap);

/* One option at a decision point, for choosers. kind: 0 run the current actor, 1 switch to
 * `actor`, 2 drain the buffered store of `actor` to (field, index, off), 3 alternative `index` of
 * a memory operation's own decision (rt_choose); ARM, inside a load of (field, index, off): 4 read
 * the message written by `actor` (0xff: the initial contents; option 0 is the newest), 5 read a
 * promise that `actor` makes now (or, before a store is placed: 0 place it, 5 `actor` promises the
 * same location first). At most 70 are shown. (rt.h's RT_OPT_* values.) */
enum { MN_OPT_RUN = 0, MN_OPT_SWITCH = 1, MN_OPT_DRAIN = 2, MN_OPT_CHOICE = 3, MN_OPT_READ = 4,
       MN_OPT_PROMISE = 5 };
struct mn_model_option {
	uint8_t kind, actor, field, pad;
	uint32_t index, off;
};
/* A chooser returns the option to take (reduced modulo nopt). step = steps so far. */
typedef uint32_t (*mn_model_chooser_fn)(void *arg, uint32_t decision, uint32_t step,
					uint32_t nopt, const struct mn_model_option *opts);

/*
 * Like mn_model_run, but each decision asks chooser (PCT, random walks, ... from Python through a
 * ctypes callback). The choices actually taken are written to taken[0..*ntaken) (cap taken_cap):
 * feeding them to mn_model_run replays the execution exactly (a replay token).
 */
int mn_model_run_chooser(const struct mn_model_workload *w, mn_model_chooser_fn chooser, void *arg,
			 struct mn_model_result *r, struct mn_model_step *trace, uint32_t cap,
			 uint32_t *taken, uint32_t taken_cap, uint32_t *ntaken);

struct mn_explore_stats {
	uint64_t executions;              /* complete executions run */
	uint64_t violations;              /* executions with a violation */
	uint32_t exhausted;               /* 1: every schedule within the bound was run (a proof) */
	uint32_t max_decisions;           /* longest execution, in decisions */
	uint64_t max_steps;               /* longest execution, in steps */
	uint64_t elapsed_ns;
	uint32_t coverage;                /* union over all executions */
	int32_t first_violation;          /* enum mn_model_violation of the first counterexample */
	char message[256];                /* its message */
	uint64_t pruned;                  /* ARM: executions pruned (a promise left unfulfilled) */
	uint32_t rounds;                  /* ARM: searches run until the promise table was complete */
	uint32_t npromise_cands;          /* ARM: size of that final table */
};

/*
 * Exhaustive bounded search (stateless model checking): DFS over choice lists with at most
 * preemption_bound non-zero choices, re-running each from scratch. Stops at the first violation
 * when stop_on_violation, or after max_executions (0 = no limit). The first counterexample's
 * choice list goes to cex[0..*cex_len) (cap entries). Returns 0 or -EINVAL (bad workload).
 */
int mn_model_explore(const struct mn_model_workload *w, uint32_t preemption_bound,
		     uint64_t max_executions, int stop_on_violation, struct mn_explore_stats *st,
		     uint32_t *cex, uint32_t cap, uint32_t *cex_len);

/*
 * Reachability: the same DFS, stopping at the first execution whose coverage includes every bit of
 * `coverage` (bits of enum mn_model_coverage); its choice list goes to choices[0..*len). Returns 0
 * found, 1 not found within the bounds (st->exhausted says whether the bounds were exhausted),
 * -EINVAL bad workload. Violations do not stop it (st->violations counts them).
 */
int mn_model_find(const struct mn_model_workload *w, uint32_t preemption_bound,
		  uint64_t max_executions, uint32_t coverage, struct mn_explore_stats *st,
		  uint32_t *choices, uint32_t cap, uint32_t *len);

/*
 * Dynamic partial-order reduction (dpor.c; Flanagan-Godefroid DPOR over re-execution): explores
 * every interleaving up to equivalence (reordering independent steps), with NO preemption bound.
 * st->exhausted = 1 with no violation is a proof for all interleavings of the workload. The
 * counterexample is an ordinary choice list (replay token). Needs workload.reduce = 0 and no
 * external consumer (else -EINVAL, st->first_violation = MN_VIO_SETUP). Other arguments and the
 * return value as mn_model_explore.
 */
int mn_model_dpor(const struct mn_model_workload *w, uint64_t max_executions,
		  int stop_on_violation, struct mn_explore_stats *st, uint32_t *cex, uint32_t cap,
		  uint32_t *cex_len);
/*
 * Split searches (pyharness/distributed.py: one subtree per task). mn_model_explore_sub: the
 * bounded DFS over the lists extending prefix[0..plen), varying positions < depth only (0: any);
 * lists (may be NULL) gets each execution's first min(decisions, depth) choices (count, then
 * them). With depth k and no prefix it enumerates the subtrees; their searches (depth 0) together
 * run exactly the executions of mn_model_explore. Not ARM (-EINVAL, setup message).
 * mn_model_dpor_sub: DPOR from the state the prefix reaches (its decisions never backtracked).
 */
int mn_model_explore_sub(const struct mn_model_workload *w, uint32_t preemption_bound,
			 uint64_t max_executions, int stop_on_violation, const uint32_t *prefix,
			 uint32_t plen, uint32_t depth, uint32_t *lists, uint32_t lists_cap,
			 uint32_t *nlists, struct mn_explore_stats *st, uint32_t *cex, uint32_t cap,
			 uint32_t *cex_len);
int mn_model_dpor_sub(const struct mn_model_workload *w, uint64_t max_executions,
		      int stop_on_violation, const uint32_t *prefix, uint32_t plen,
		      struct mn_explore_stats *st, uint32_t *cex, uint32_t cap, uint32_t *cex_len);
/*
 * ARM: the promise table the last mn_model_explore/mn_model_find ran with (learnt, see arm.c):
 * its counterexample replays with exactly this table as workload.promise_cands/promise_blob.
 * Returns 0, or -ENOSPC when cap/blobcap are too small (*n and *bloblen say what is needed).
 */
int mn_model_promise_table(struct mn_promise_cand *out, uint32_t cap, uint32_t *n,
			   unsigned char *blob, uint32_t blobcap, uint32_t *bloblen);
/* ARM: one bounded search that only learns: afterwards mn_model_promise_table() gives w's table
 * followed by every candidate its executions stored (for single runs: Hypothesis, PCT, replay).
 * Deterministic for a given workload and bounds. */
int mn_model_learn_promises(const struct mn_model_workload *w, uint32_t preemption_bound,
			    uint64_t max_executions);
/* Test-only mutations of the ARM model (the litmus suite must notice each): */
enum { MN_ARM_MUT_NONE = 0, MN_ARM_MUT_NEWEST = 1 /* loads read the newest message only */,
       MN_ARM_MUT_NO_PROMISE = 2 /* no load buffering */, MN_ARM_MUT_NO_ACQUIRE = 3 /* acquire
       loads order nothing */, MN_ARM_MUT_NO_WMB = 4 /* store fences order nothing */,
       MN_ARM_MUT_UNCHECKED_FULFIL = 5 /* promises fulfilled whatever the views */ };
void mn_model_arm_mutate(int mutation);
/* Test-only: 0 normal; 1 treat every pair of steps as independent; 2 drop the backtrack rule;
 * 3-6 as rt_dpor_mutate (rt/rt.h). Each makes DPOR unsound: the soundness tests must catch it. */
void mn_model_dpor_mutate(int mutation);
/* Test-only: what the idle consumer waits on (rt_idle_mode: 0 its poll's read set, 1 the whole
 * ring and every end, 2 never woken). */
void mn_model_idle_mode(int mode);
/* The DPOR algorithm (enum rt_dpor_mode): 0 source sets + sleep sets (the default), 1
 * Flanagan-Godefroid + sleep sets, 2 plain Flanagan-Godefroid, for comparison. 0 or -EINVAL. */
int mn_model_dpor_mode(int mode);
/* Test-only: 1 makes the hostile runs' out-of-bounds region start at the last slot (so the
 * producer's own writes there are reported: the oracle must fire); 0 normal. */
void mn_model_hostile_mutate(int mutation);
/* Search hook (tests): fn(arg, result) after every execution of mn_model_explore, mn_model_find
 * and mn_model_dpor (NULL: none). */
typedef void (*mn_model_result_fn)(void *arg, const struct mn_model_result *r);
void mn_model_set_result_hook(mn_model_result_fn fn, void *arg);

/* Byte j of frame k of producer p: the reference model's deterministic contents. */
uint8_t mn_model_frame_byte(uint32_t p, uint32_t k, uint8_t seed, uint32_t j);

/* Names for traces and messages (static strings). */
const char *mn_model_op_name(int op);
const char *mn_model_field_name(int field);
const char *mn_model_violation_name(int v);
const char *mn_model_coverage_name(int bit);
/* Which bug-zoo switch this build has ("fixed" for none). */
const char *mn_model_variant(void);

/*
 * External consumer (e.g. the OCaml Netif port running as an actor). If set (non-NULL) and the
 * workload says consumer = MN_CONSUMER_EXTERNAL, the consumer fiber calls fn(arg, ring, ringlen)
 * instead of the C consumer loop. Its ring accesses must go through this build's ordering layer
 * (mn_model_access & co., e.g. from yielding OCaml stubs) so that they are visible operations.
 * It reports frames and waits with:
 *   mn_model_consumer_deliver(buf, len, released)  a frame given to the handler (released = 0);
 *                            call again with released = 1 (buf may be NULL) once it is popped;
 *   mn_model_consumer_poll_begin()  an iteration of its loop starts (rt_poll_begin);
 *   mn_model_consumer_idle()  ring found empty: blocks until a location it read since the last
 *                            poll_begin changes or the last producer ends; returns 0 when every
 *                            producer is finished and no store is pending (return now), else 1;
 *   mn_model_consumer_sleep() after a successful prepare-wait: blocks until notified; returns 1
 *                            when notified, 0 when the run is over (return now);
 *   mn_model_consumer_error(msg)  it found the ring corrupt: a consumer-error violation.
 * Once the verdict is known (quiescence, a violation, the step bound) idle and sleep return 0 and
 * the run continues with every choice 0 and the oracles quiet until the external consumer has
 * returned, so mn_model_run never returns while its fiber is suspended (it must return on 0).
 * Conditions for OCaml (docs/design.md §8): stubs that may yield are ordinary externals (not noalloc);
 * raw pointers are taken before a yield and no unregistered value is kept across one; strictly LIFO
 * (one OCaml fiber; no OCaml code may run on the scheduler's stack while it is suspended, so use
 * mn_model_run, not a chooser callback written in OCaml/Python; a killed fiber is never resumed,
 * so do not kill the external consumer); stacks are MN_MODEL_STACK bytes with a guard page.
 * The C consumer follows the same protocol (consumer = MN_CONSUMER_C).
 */
#define MN_MODEL_STACK (256u * 1024u)
typedef void (*mn_model_consumer_fn)(void *arg, void *ring, uint64_t ringlen);
void mn_model_set_external_consumer(mn_model_consumer_fn fn, void *arg);
void mn_model_consumer_deliver(const void *buf, uint32_t len, int released);
void mn_model_consumer_poll_begin(void);
int mn_model_consumer_idle(void);
int mn_model_consumer_sleep(void);
/* The external consumer found the ring corrupt (or otherwise failed): records the violation
 * "consumer-error" with msg, as the C consumer does for -EIO. */
void mn_model_consumer_error(const char *msg);

#endif /* MNETIF_MODEL_H */
