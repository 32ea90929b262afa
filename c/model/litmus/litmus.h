/* SPDX-License-Identifier: ISC */
/*
 * Litmus programs on rt: each actor runs a straight-line list of memory operations on a small
 * memory (the caller's buffer, zeroed before each execution), and the value each operation read is
 * kept (regs). Every interleaving and memory-model behaviour is then a search away (rt_explore,
 * rt_dpor), and the set of final register values is the test's outcome set.
 *
 *   struct lit_prog p = { .nactors = 2, .mm = RT_MM_TSO, .mem = buf, .mem_bytes = 64 };
 *   p.ops[0][0] = (struct lit_op){ RT_OP_STORE, RT_RELAXED, 4, 0, .off = 0, .value = 1 };
 *   ...
 *   rt_run(rt, &lit_workload, &p, choices, n, NULL, 0);   then p.regs[a][i]
 *
 * An operation is LOAD, STORE, FENCE (order = enum rt_fence), TAS, FETCH_ADD or CAS (value =
 * desired, expect = expected), of 1, 2, 4 or 8 bytes (0 = 4) at an aligned offset. regs[a][i] is
 * what operation i of actor a read (a load's value, an RMW's old value; 0 for a store or fence).
 * Field names for the step table are the caller's (fields: e.g. "x", "y"); watch lists words shown
 * after every step.
 */
#ifndef LITMUS_H
#define LITMUS_H

#include "../rt/rt.h"

#define LIT_MAX_ACTORS RT_MAX_ACTORS
#define LIT_MAX_OPS    64

struct lit_op {
	uint8_t op;                  /* RT_OP_LOAD/STORE/FENCE/TAS/FETCH_ADD/CAS */
	uint8_t order;               /* enum rt_order; a FENCE's kind (enum rt_fence) */
	uint8_t size;                /* 1, 2, 4, 8 (0 = 4) */
	uint8_t blind;               /* FETCH_ADD: the old value is not used (RT_BLIND; regs get 0) */
	uint32_t off;                /* byte offset in mem, a multiple of size */
	uint64_t value;              /* STORE/FETCH_ADD operand; CAS desired */
	uint64_t expect;             /* CAS expected */
};

struct lit_prog {
	uint32_t nactors;
	uint32_t nops[LIT_MAX_ACTORS];
	struct lit_op ops[LIT_MAX_ACTORS][LIT_MAX_OPS];
	int mm;                      /* enum rt_mm_id */
	uint32_t max_steps;          /* 0: RT_DEFAULT_STEPS */
	unsigned char *mem;          /* the shared memory (at a fixed address across executions) */
	uint32_t mem_bytes;
	/* step table: names of mem's fields, the tag of a byte in none, the words to watch */
	const struct rt_field *fields;
	uint32_t nfields;
	uint32_t other_tag;
	const char *other_name;
	uint32_t watch_off[RT_MAX_WATCH], watch_size[RT_MAX_WATCH];
	uint32_t nwatch;
	int kind;                    /* the actors' kind (rt_spawn; < 32) */
	/* results */
	uint64_t regs[LIT_MAX_ACTORS][LIT_MAX_OPS];
	/* filled by lit_setup */
	struct rt_region region;
};

/* Checks p; "" when valid, else why not (a static string). */
const char *lit_invalid(const struct lit_prog *p);
/* For a workload's setup: validates p, zeroes mem and regs, registers the region and the watched
 * words, sets the memory model and spawns one actor per program (ids 0 .. nactors-1). 0 or the
 * rt_setup_error value. */
int lit_setup(struct rt *rt, struct lit_prog *p);
/* The workload itself (ctx = struct lit_prog *): lit_setup, no oracles, verdict codes 1/2/3
 * (deadlock, step bound, setup). */
extern const struct rt_workload lit_workload;

#endif
