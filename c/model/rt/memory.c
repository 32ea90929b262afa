/* SPDX-License-Identifier: ISC */
/*
 * Committed memory: every change to shared memory goes through rt_commit (the commit log for
 * spinners, the workload's on_commit hook, waking blocked actors); classification of addresses
 * into the workload's named fields (the step table); the reduction's private operations.
 *
 * "Committed memory" is the real memory; pending (buffered) stores live in the memory model's
 * buffers (mm.h) until a drain commits them.
 */
#include "mm.h"

#include <string.h>

static int in_region(const struct rt_region *g, const unsigned char *p, uint32_t n)
{
	const unsigned char *lo = g->base;

	return p < lo + g->len && lo < p + (n ? n : 1);
}

/* An access to a retired region by anyone but its keeper: the workload's verdict. */
void rt_check_retired(struct rt *rt, struct rt_actor *a, const unsigned char *addr, uint32_t size,
		      int commit)
{
	int i;

	if (!addr)
		return;
	for (i = 0; i < rt->nregions; i++)
		if ((rt->retired >> i & 1) && a->id != rt->keeper[i] &&
		    in_region(rt->region[i], addr, size) && rt->wl->on_retired) {
			rt->wl->on_retired(rt, rt->ctx, a->id, addr, size, commit);
			return;
		}
}

/* Every change to committed memory goes through here: retired regions, the commit log for
 * spinners, the workload's hook, waking actors blocked on this address. */
void rt_commit(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
	       const unsigned char *bytes, uint64_t val)
{
	struct rt_commit_rec *c;
	uint64_t before = size <= 8 ? rt_rd(addr, size) : 0;
	int i;

	/* even a same-value store: the order still decides the oracles */
	DP_ACCESS(rt, addr, size, rt->commit_add ? RT_DP_ADD : 1);
	if (rt->retired)
		rt_check_retired(rt, a, addr, size, 1);
	if (bytes ? memcmp(addr, bytes, size) == 0 : rt_rd(addr, size) == (val & rt_mask_of(size))) {
		/* Same value (a failed test-and-set, a rewrite): nothing a spinner or a poller can see
		 * changed, so nobody wakes (two spinners would otherwise wake each other forever). */
		if (rt->wl->on_commit)
			rt->wl->on_commit(rt, rt->ctx, a->id, addr, size, before);
		return;
	}
	if (bytes)
		memcpy(addr, bytes, size);
	else
		rt_wr(addr, size, val);
	rt->committed = 1;
	c = &rt->log[rt->commit_seq % RT_COMMIT_LOG];
	c->addr = addr;
	c->size = size;
	c->actor = a->id;
	c->seq = ++rt->commit_seq;
	if (rt->wl->on_commit)
		rt->wl->on_commit(rt, rt->ctx, a->id, addr, size, before);
	for (i = 0; i < rt->nactors; i++) {
		struct rt_actor *b = rt->a[i];

		if (b == a)
			continue;
		/* An idle actor: only a change to what its poll read can end its wait, or (once the
		 * actors it waits for are gone) any commit: the last drain of their stores makes
		 * what it read final. */
		if ((b->state == RT_SPINNING && rt_overlaps(b->spin_addr, 1, addr, size)) ||
		    (b->state == RT_IDLE && rt->idle_mode != 2 &&
		     (rt_idle_waits_on(b, addr, size ? size : 1) ||
		      rt_kinds_alive(rt, (uint32_t)b->pend.val) < 0)))
			rt_wake(rt, b);
	}
}

/* ---- address -> the workload's field (step table) ------------------------------------------- */

static const struct rt_field *field_of(const struct rt *rt, const unsigned char *addr,
				       const struct rt_region **rg, uint32_t *index, uint32_t *off)
{
	int i;
	uint32_t k;

	*rg = NULL;
	for (i = 0; i < rt->nregions; i++) {
		const struct rt_region *g = rt->region[i];
		uint64_t o;

		if (addr < (const unsigned char *)g->base || addr >= (const unsigned char *)g->base + g->len)
			continue;
		*rg = g;
		o = (uint64_t)(addr - (const unsigned char *)g->base);
		for (k = 0; k < g->nfields; k++) {
			const struct rt_field *f = &g->fields[k];
			uint64_t stride = f->stride ? f->stride : f->size, n = f->count ? f->count : 1;

			if (o < f->off || o >= f->off + stride * (n - 1) + f->size)
				continue;
			if ((o - f->off) % stride >= f->size)
				continue;
			*index = (uint32_t)((o - f->off) / stride);
			*off = (uint32_t)((o - f->off) % stride);
			return f;
		}
		*index = 0;
		*off = (uint32_t)o;
		return NULL;
	}
	return NULL;
}

/*
 * The out-of-bounds oracle (wl->vio_bounds != 0). An actor's access must lie inside ONE element of
 * ONE field of a registered region: a field element of at most 8 bytes is a scalar, accessed whole
 * (offset 0, its size) by a scalar operation; a wider one is a byte buffer, any part of one element
 * accessed by a region copy. So a write one element past an array (a[count]) is flagged where it
 * happens, whatever it lands on (padding, the next field, another region), and so is a copy that
 * runs one byte into the next element or past the region's end.
 */
void rt_check_bounds(struct rt *rt, struct rt_actor *a, int op, const unsigned char *addr,
		     uint32_t size)
{
	const struct rt_region *g;
	const struct rt_field *f;
	uint32_t index = 0, off = 0, n = size ? size : 1;
	int copy = op == RT_OP_COPY_IN || op == RT_OP_COPY_OUT;
	const char *why = NULL;

	if (!addr || (copy && !size))    /* a copy of no bytes touches nothing */
		return;
	f = field_of(rt, addr, &g, &index, &off);
	if (!g)
		why = "outside every registered region";
	else if (!f)
		why = "in no field of the region";
	else if (f->size <= 8 && (copy || off || n != f->size))
		why = copy ? "a region copy over a scalar field" : "not the whole scalar field";
	else if (f->size > 8 && !copy)
		why = "a scalar access inside a byte buffer";
	else if ((uint64_t)off + n > f->size)
		why = "runs past the end of the field's element";
	if (!why)
		return;
	if (f)
		rt_violation(rt, rt->wl->vio_bounds, "out of bounds: actor %d (%s) %s of %u bytes at "
			     "%s %s element %u byte %u: %s", a->id, a->name ? a->name : "?",
			     rt_op_name(op), size, g->name, f->name, index, off, why);
	else
		rt_violation(rt, rt->wl->vio_bounds, "out of bounds: actor %d (%s) %s of %u bytes at "
			     "%s+%llu (%s): %s", a->id, a->name ? a->name : "?", rt_op_name(op), size,
			     g ? g->name : "address", g ? (unsigned long long)(addr -
			     (const unsigned char *)g->base) : (unsigned long long)(uintptr_t)addr,
			     g && g->other_name ? g->other_name : "unregistered", why);
}

/* tag: the field's, the region's other_tag, or the workload's tag_unknown / tag_none (NULL). */
void rt_classify(const struct rt *rt, const unsigned char *addr, uint32_t *tag, uint32_t *index,
		 uint32_t *off)
{
	const struct rt_region *g;
	const struct rt_field *f;

	*index = 0;
	*off = 0;
	if (!addr) {
		*tag = rt->wl->tag_none;
		return;
	}
	f = field_of(rt, addr, &g, index, off);
	*tag = f ? f->tag : g ? g->other_tag : rt->wl->tag_unknown;
}

/* The field's name as registered ("[]" not replaced), for rt's own messages. */
const char *rt_field_name(const struct rt *rt, const unsigned char *addr)
{
	const struct rt_region *g;
	uint32_t index, off;
	const struct rt_field *f = addr ? field_of(rt, addr, &g, &index, &off) : NULL;

	return f ? f->name : !addr ? "-" : g ? (g->other_name ? g->other_name : g->name) : "(unknown)";
}

/* ---- reduction: private locations (rt.h "Reduction") ---------------------------------------- */

static int private_loc(struct rt *rt, const unsigned char *addr, uint32_t size)
{
	return rt->wl->is_private(rt->ctx, addr, size);
}

/*
 * Reduction of drains: a buffered store to a private location is invisible to the other actors,
 * so when it drains does not matter (its owner reads the same value from its buffer or from
 * memory); draining it as soon as it may drain loses no behaviour and frees the FIFO (TSO) or
 * the release order (PSO) behind it at the earliest point. Returns the number of drains done.
 */
int rt_drain_private(struct rt *rt)
{
	int i, n = 0;
	uint32_t j;

	if (!rt->red_on)
		return 0;
	for (i = 0; i < rt->nactors; i++) {
		struct rt_actor *a = rt->a[i];

		for (j = 0; j < a->nsb; j++) {
			struct rt_sb_entry e = a->sb[j];

			if (!private_loc(rt, e.addr, e.size) || !rt->mm->drainable(a, j))
				continue;
			rt_sb_commit(rt, a, j);
			rt_record(rt, a, RT_OP_DRAIN, e.addr, e.size, e.order, e.region ? 0 : e.val, 0);
			n++;
			j = (uint32_t)-1;    /* rescan: what stood behind it may drain now */
		}
	}
	return n;
}

/* May a's pending operation run without a decision point? */
int rt_private_op(struct rt *rt, const struct rt_actor *a)
{
	uint32_t i;

	if (!rt->red_on || (a->flags & RT_ACTOR_NO_REDUCE))
		return 0;
	switch (a->pend.op) {
	case RT_OP_LOAD:
	case RT_OP_STORE:
	case RT_OP_COPY_IN:
	case RT_OP_COPY_OUT:
		return private_loc(rt, a->pend.addr, a->pend.size);
	case RT_OP_TAS:
	case RT_OP_FETCH_ADD:
	case RT_OP_CAS:
		if (!private_loc(rt, a->pend.addr, a->pend.size))
			return 0;
		__attribute__((fallthrough));   /* they drain the buffer like a fence */
	case RT_OP_FENCE:
		if (a->pend.order == RT_FENCE_HEAVY)
			return 0;     /* makes every actor's buffered stores visible */
		/* conservative for every other kind: as if it made the whole buffer visible */
		for (i = 0; i < a->nsb; i++)
			if (!private_loc(rt, a->sb[i].addr, a->sb[i].size))
				return 0;
		return 1;
	default:
		return 0;
	}
}
