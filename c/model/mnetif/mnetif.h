/* SPDX-License-Identifier: ISC */
/*
 * The mnetif workload on rt (internal to c/model/mnetif/; the API is ../model.h): the state of
 * one execution, shared by its files. One instance (the model.h API is global: one execution at a
 * time per process); every function gets it explicitly, except the platform (mn_os_*) and the
 * external consumer's calls, which reach it through mn_running().
 */
#ifndef MNETIF_WORKLOAD_H
#define MNETIF_WORKLOAD_H

#include "../model.h"
#include "../rt/rt.h"
#include "../litmus/litmus.h"
#include "mnetif/registry.h"

/* Internal to the shared object (model.h is the API). */
#pragma GCC visibility push(hidden)

/* DPOR pseudo-locations (rt_dep_pseudo) of the oracles' state shared by the actors. */
enum { MN_DEP_ORACLE = 0,    /* the reference model's deliveries (next_frame, got): written by a
			      * delivery, read by a batch's end (and the hostile's store count) */
       MN_DEP_HOLDER = 1,    /* the lock oracle's holders (every lock operation, even buffered) */
       MN_DEP_BATCH = 2,     /* + producer p: p's batch_end */
       MN_DEP_FRAME = 5 };   /* + 2 (p * MN_MODEL_MAX_FRAMES + k): frame k of p recorded as
			      * published (0), + 1 as dropped (an error); oracles.c dep_frame */

#define MN_NFIELDS_RING 20   /* 16 header fields, ss_len[], slot[]; v3: sr_cons, its sr_wake */

struct mn_actor_info {
	int kind;                    /* enum mn_actor_kind */
	int producer;                /* producer index, or -1 */
	int frame;                   /* first frame being pushed */
	int nframes;                 /* frames being pushed (a batch), from frame on */
	uint32_t tas_streak;         /* consecutive failed test-and-sets on sr_lock */
};

struct mn_ctx {
	struct rt *rt;
	struct mn_model_workload w;
	struct mn_model_result *r;
	/* actors */
	int nactors, consumer_id, unplugger_id, killer_id, hostile_id;
	struct mn_actor_info act[MN_MODEL_MAX_ACTORS];
	/* shared memory and its names */
	unsigned char *ring;
	uint64_t ringlen;
	struct mn_geom geom;         /* the consumer's (correct) geometry */
	struct mn_entry *table;      /* the registry's table (entry 0 = ours) */
	struct mn_entry *entry;
	struct mn_cons cons;
	int ring_region;
	struct rt_field ring_fields[MN_NFIELDS_RING];
	struct rt_region ring_rg, table_rg;
	/* hostile peer runs: the ring memory beyond the ring (a retired region), stores done */
	struct rt_region beyond_rg;
	int beyond_region;
	uint32_t hostile_done;
	int hostile_visible;         /* a hostile store reached memory (committed, or ARM: promised) */
	int hostile_mutate;
	/* oracles */
	int holder[2];               /* lock holders: 0 sr_lock, 1 entry plock; -1 free */
	uint32_t red_private;        /* bits of enum mn_red_loc: locations no other actor accesses */
	uint32_t next_frame[MN_MODEL_MAX_PRODUCERS];
	uint32_t batch_end[MN_MODEL_MAX_PRODUCERS];  /* frames < this may be in flight (unknown fate) */
	uint8_t got[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES];  /* delivered */
	unsigned char pbuf[MN_MODEL_MAX_PRODUCERS][MN_MODEL_MAX_FRAMES][MN_MODEL_MAX_FRAME_LEN];
	struct mn_model_result keep; /* the result while an external consumer finishes */
	/* litmus programs (proto == MN_MODEL_LITMUS) */
	struct lit_prog lit;
	/* external consumer, result hook, trace buffer */
	mn_model_consumer_fn ext_fn;
	void *ext_arg;
	mn_model_result_fn hook_fn;
	void *hook_arg;
	mn_model_chooser_fn chooser;
	void *chooser_arg;
	struct rt_step *steps;
	uint32_t steps_cap;
};

#define COV(m, bit) ((m)->r->coverage |= 1u << (bit))

/* api.c */
struct mn_ctx *mn_running(void);

/* actors.c: the actors */
int mn_spawn_ring_actors(struct mn_ctx *m);
void mn_note_litmus_actors(struct mn_ctx *m, uint32_t n);
int mn_spawn_killer(struct mn_ctx *m);
int mn_spawn_hostile(struct mn_ctx *m);

/* setup.c: one execution's setup and teardown */
int mn_setup_ring(struct mn_ctx *m);
int mn_setup_litmus(struct mn_ctx *m);
void mn_teardown(struct mn_ctx *m);

/* oracles.c: the reference model (called by the actors) and rt's hooks */
void oracle_deliver(struct mn_ctx *m, const unsigned char *buf, uint32_t len);
void oracle_released(struct mn_ctx *m, uint32_t n);
void oracle_push_result(struct mn_ctx *m, int p, int k, int err);
void oracle_batch_done(struct mn_ctx *m, int p, int first, int n);
void oracle_lock_op(struct rt *rt, void *ctx, int actor, int op, const void *addr, uint64_t val,
		    uint64_t old);
void oracle_commit(struct rt *rt, void *ctx, int actor, const void *addr, uint32_t size,
		   uint64_t before);
void oracle_header(struct rt *rt, void *ctx);
void oracle_lifecycle(struct rt *rt, void *ctx, int actor, const void *addr, uint32_t size,
		      int commit);
void oracle_end(struct rt *rt, void *ctx);
void mn_finishing(struct rt *rt, void *ctx, int done);

/* layout.c: regions, field names, reduction */
void mn_layout_ring(struct mn_ctx *m);
void mn_layout_beyond(struct mn_ctx *m);
const struct rt_field *mn_header_fields(void);
void mn_reduction_setup(struct mn_ctx *m);
int mn_is_private(void *ctx, const void *addr, uint32_t size);

#pragma GCC visibility pop

#endif
