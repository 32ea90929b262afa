/* SPDX-License-Identifier: ISC */
/* Litmus programs on rt (litmus.h). */
#include "litmus.h"

#include <string.h>

static unsigned size_of(const struct lit_op *o)
{
	return o->size ? o->size : 4;
}

const char *lit_invalid(const struct lit_prog *p)
{
	uint32_t a, i;

	if (p->nactors < 1 || p->nactors > LIT_MAX_ACTORS)
		return "litmus: 1..8 actors";
	if (!p->mem || !p->mem_bytes)
		return "litmus: no memory";
	if (p->nwatch > RT_MAX_WATCH)
		return "litmus: too many watched words";
	for (i = 0; i < p->nwatch; i++)
		if (p->watch_off[i] + p->watch_size[i] > p->mem_bytes)
			return "litmus: a watched word is outside the memory";
	for (a = 0; a < p->nactors; a++) {
		if (p->nops[a] > LIT_MAX_OPS)
			return "litmus: at most 64 operations per actor";
		for (i = 0; i < p->nops[a]; i++) {
			const struct lit_op *o = &p->ops[a][i];
			unsigned size = size_of(o);

			if (o->op != RT_OP_LOAD && o->op != RT_OP_STORE && o->op != RT_OP_FENCE &&
			    o->op != RT_OP_TAS && o->op != RT_OP_FETCH_ADD && o->op != RT_OP_CAS)
				return "litmus: op is LOAD/STORE/FENCE/TAS/FETCH_ADD/CAS";
			if (o->op == RT_OP_FENCE) {
				if (o->order < RT_FENCE_ACQUIRE || o->order > RT_FENCE_LDLD)
					return "litmus: a fence's order is a kind (enum rt_fence)";
				continue;
			}
			if ((size != 1 && size != 2 && size != 4 && size != 8) || o->off % size ||
			    o->off + size > p->mem_bytes)
				return "litmus: size 1/2/4/8, off aligned and inside the memory";
		}
	}
	return "";
}

static void body(struct rt *rt, int id, void *arg)
{
	struct lit_prog *p = arg;
	uint32_t i;

	for (i = 0; i < p->nops[id]; i++) {
		const struct lit_op *o = &p->ops[id][i];
		unsigned char *addr = p->mem + o->off;
		unsigned size = size_of(o);

		switch (o->op) {
		case RT_OP_FENCE:
			rt_fence(rt, o->order);
			break;
		case RT_OP_CAS:
			p->regs[id][i] = rt_cas(rt, addr, size, o->order, o->expect, o->value);
			break;
		default:
			p->regs[id][i] = rt_access(rt, o->op, addr, size,
						   o->order | (o->blind ? RT_BLIND : 0), o->value);
			break;
		}
	}
}

int lit_setup(struct rt *rt, struct lit_prog *p)
{
	const char *why = lit_invalid(p);
	uint32_t a, i;

	if (*why)
		return rt_setup_error(rt, "%s", why);
	if (rt_set_memory_model(rt, p->mm))
		return rt_setup_error(rt, "litmus: unknown memory model %d", p->mm);
	rt_set_max_steps(rt, p->max_steps);
	memset(p->mem, 0, p->mem_bytes);
	memset(p->regs, 0, sizeof(p->regs));
	p->region = (struct rt_region){ "litmus", p->mem, p->mem_bytes, p->fields, p->nfields,
					p->other_tag, p->other_name };
	if (rt_add_region(rt, &p->region) < 0)
		return rt_setup_error(rt, "litmus: too many regions");
	for (i = 0; i < p->nwatch; i++)
		rt_watch(rt, p->mem + p->watch_off[i], p->watch_size[i]);
	for (a = 0; a < p->nactors; a++)
		if (rt_spawn(rt, p->kind, "litmus", body, p, 0) < 0)
			return rt_setup_error(rt, "litmus: cannot start an actor");
	return 0;
}

static int setup(struct rt *rt, void *ctx)
{
	return lit_setup(rt, ctx);
}

const struct rt_workload lit_workload = {
	.name = "litmus",
	.setup = setup,
	.vio_deadlock = 1, .vio_step_bound = 2, .vio_setup = 3,
	.tag_none = ~1u, .tag_unknown = ~0u,
};
