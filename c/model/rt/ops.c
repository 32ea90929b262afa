/* SPDX-License-Identifier: ISC */
/*
 * Visible operations. Actor side: rt_load & co. record the operation in the actor's `pend` and
 * yield to the scheduler, which executes it (rt_exec) when it chooses that actor; outside any
 * actor (setup before the run, oracles) they access memory directly. Scheduler side: rt_exec runs
 * the operation through the memory model (mm.h), the workload's hooks and the blocking rules, and
 * records the step.
 */
#include "mm.h"

#include <string.h>

struct rt *rt_running_;

/* No actor running: plain memory (setup before the run, oracles). */
uint64_t rt_direct(int op, unsigned char *addr, unsigned size, uint64_t val, uint64_t val2)
{
	uint64_t old = rt_rd(addr, size);

	switch (op) {
	case RT_OP_STORE:
		rt_wr(addr, size, val);
		return 0;
	case RT_OP_TAS:
		rt_wr(addr, size, 1);
		return old;
	case RT_OP_FETCH_ADD:
		rt_wr(addr, size, (old + val) & rt_mask_of(size));
		return old;
	case RT_OP_CAS:
		if (old == (val & rt_mask_of(size)))
			rt_wr(addr, size, val2);
		return old;
	default:
		return old;
	}
}

static struct rt_actor *actor_of(struct rt *rt)
{
	return rt ? rt->cur : NULL;
}

static void suspend(struct rt *rt, struct rt_actor *a, int op, const volatile void *addr,
		    uint32_t size, int order, uint64_t val)
{
	a->pend.op = op;
	a->pend.addr = (unsigned char *)(uintptr_t)addr;
	a->pend.size = size;
	a->pend.blind = op == RT_OP_FETCH_ADD && (order & RT_BLIND);
	a->pend.order = order & ~RT_BLIND;
	a->pend.val = val;
	rt_fiber_yield(rt, a);
}

uint64_t rt_access(struct rt *rt, int op, volatile void *addr, unsigned size, int order,
		   uint64_t val)
{
	struct rt_actor *a = actor_of(rt);

	if (!a)
		return rt_direct(op, (unsigned char *)(uintptr_t)addr, size, val, 0);
	suspend(rt, a, op, addr, size, order, val);
	return a->ret;
}

uint64_t rt_access_current(int op, volatile void *addr, unsigned size, int order, uint64_t val)
{
	struct rt_actor *a = actor_of(rt_running_);

	if (!a)
		return rt_direct(op, (unsigned char *)(uintptr_t)addr, size, val, 0);
	suspend(rt_running_, a, op, addr, size, order, val);
	return a->ret;
}

uint64_t rt_load(struct rt *rt, const volatile void *addr, unsigned size, int order)
{
	return rt_access(rt, RT_OP_LOAD, (volatile void *)(uintptr_t)addr, size, order, 0);
}

void rt_store(struct rt *rt, volatile void *addr, unsigned size, int order, uint64_t val)
{
	rt_access(rt, RT_OP_STORE, addr, size, order, val);
}

uint64_t rt_rmw(struct rt *rt, int op, volatile void *addr, unsigned size, int order, uint64_t val)
{
	return rt_access(rt, op, addr, size, order, val);
}

uint64_t rt_cas(struct rt *rt, volatile void *addr, unsigned size, int order, uint64_t expected,
		uint64_t desired)
{
	struct rt_actor *a = actor_of(rt);

	if (!a)
		return rt_direct(RT_OP_CAS, (unsigned char *)(uintptr_t)addr, size, expected, desired);
	a->pend.val2 = desired;
	suspend(rt, a, RT_OP_CAS, addr, size, order, expected);
	return a->ret;
}

void rt_fence(struct rt *rt, int kind)
{
	struct rt_actor *a = actor_of(rt);

	if (a)
		suspend(rt, a, RT_OP_FENCE, NULL, 0, kind, 0);
}

void rt_copy_in(struct rt *rt, void *shared_dst, const void *src, size_t n)
{
	struct rt_actor *a = actor_of(rt);

	if (!a) {
		memcpy(shared_dst, src, n);
		return;
	}
	a->pend.dst = shared_dst;
	a->pend.src = src;
	suspend(rt, a, RT_OP_COPY_IN, shared_dst, (uint32_t)n, RT_RELAXED, 0);
}

void rt_copy_out(struct rt *rt, void *dst, const void *shared_src, size_t n)
{
	struct rt_actor *a = actor_of(rt);

	if (!a) {
		memcpy(dst, shared_src, n);
		return;
	}
	a->pend.dst = dst;
	a->pend.src = shared_src;
	suspend(rt, a, RT_OP_COPY_OUT, shared_src, (uint32_t)n, RT_RELAXED, 0);
}

void rt_spin(struct rt *rt, const volatile void *addr, unsigned size)
{
	struct rt_actor *a = actor_of(rt);

	if (a)
		suspend(rt, a, RT_OP_SPIN, addr, size, RT_RELAXED, 0);
}

void rt_signal(struct rt *rt, int ch)
{
	struct rt_actor *a = actor_of(rt);

	if (a)
		suspend(rt, a, RT_OP_SIGNAL, NULL, 0, RT_RELAXED, (uint64_t)ch);
}

/* The runtime's own operations: no address, order 0; val is the argument. */
static uint64_t model_op(struct rt *rt, struct rt_actor *a, int op, uint64_t val)
{
	suspend(rt, a, op, NULL, 0, 0, val);
	return a->ret;
}

int rt_wait(struct rt *rt, int ch)
{
	struct rt_actor *a = actor_of(rt);

	return a && !rt->finishing ? (int)model_op(rt, a, RT_OP_WAIT, (uint64_t)ch) : 0;
}

int rt_idle(struct rt *rt, const void *lo, uint64_t len, uint32_t kinds)
{
	struct rt_actor *a = actor_of(rt);
	int r;

	if (!a || rt->finishing)
		return 0;
	a->idle_lo = lo;
	a->idle_len = len;
	r = (int)model_op(rt, a, RT_OP_IDLE, kinds);
	a->nrd = 0;               /* the next poll's reads */
	return r;
}

void rt_idle_mode(struct rt *rt, int mode)
{
	rt->idle_mode = mode;
}

void rt_poll_begin(struct rt *rt)
{
	struct rt_actor *a = actor_of(rt);

	if (a)
		a->nrd = 0;
}

int rt_kill(struct rt *rt, int target)
{
	struct rt_actor *a = actor_of(rt);

	return a ? (int)model_op(rt, a, RT_OP_KILL, (uint64_t)target) : 0;
}

/* ---- scheduler side ---------------------------------------------------------------------------- */

/* Did another actor change addr after sequence `since`? */
static int changed_since(const struct rt *rt, const struct rt_actor *a, const unsigned char *addr,
			 uint64_t since)
{
	uint64_t s;

	if (rt->commit_seq - since >= RT_COMMIT_LOG)
		return 1;
	for (s = rt->commit_seq; s > since; s--) {
		const struct rt_commit_rec *c = &rt->log[(s - 1) % RT_COMMIT_LOG];

		if (c->actor != a->id && rt_overlaps(c->addr, c->size, addr, 1))
			return 1;
	}
	return 0;
}

int rt_kinds_alive(const struct rt *rt, uint32_t kinds)
{
	int i;

	for (i = 0; i < rt->nactors; i++) {
		const struct rt_actor *b = rt->a[i];

		if ((kinds >> b->kind & 1) && b->state != RT_DONE && b->state != RT_KILLED)
			return i;
	}
	return -1;
}

/* Stores of other actors still buffered (what the idle actor sees is not final yet). */
static int others_pending(const struct rt *rt, const struct rt_actor *me)
{
	int i;

	for (i = 0; i < rt->nactors; i++)
		if (rt->a[i] != me && rt->a[i]->nsb)
			return 1;
	return 0;
}

static void write_hook(struct rt *rt, struct rt_actor *a, int op, const unsigned char *addr,
		       uint64_t val, uint64_t old)
{
	if (rt->wl->on_write)
		rt->wl->on_write(rt, rt->ctx, a->id, op, addr, val, old);
}

/* The runtime's own operations (kill, wait, idle): a->ret is set here or by the wakeup. */
static void exec_model_op(struct rt *rt, struct rt_actor *a)
{
	uint64_t val = 0;
	int ch;

	switch (a->pend.op) {
	case RT_OP_KILL: {
		struct rt_actor *t = rt->a[a->pend.val];

		DP_GLOBAL(rt);   /* ends another actor: dependent with everything */
		val = (uint64_t)t->id;
		a->ret = 0;
		if (t->state != RT_DONE && t->state != RT_KILLED) {
			t->state = RT_KILLED;
			RT_EVENT(rt, RT_EV_KILLED);
			a->ret = 1;
		}
		break;
	}
	case RT_OP_WAIT:
		ch = (int)a->pend.val;
		DP_LOC(rt, RT_DPL_CHAN + ch, 1, 1);
		if (rt->pending[ch]) {
			rt->pending[ch] = 0;
			a->ret = 1;
			if (rt->mm->woken)
				rt->mm->woken(rt, a);
		} else {
			a->state = RT_WAITING;
			RT_EVENT(rt, RT_EV_WAITED);
			val = 1;
		}
		break;
	case RT_OP_IDLE: {
		int alive = rt_kinds_alive(rt, (uint32_t)a->pend.val);

		/* reads what its poll read (its wait) and whether the actors it waits for are gone:
		 * while one is alive, that one (the first: the ends of the others commute with it),
		 * else all of them and whose store buffer is empty */
		if (alive >= 0) {
			DP_LOC(rt, RT_DPL_DONE + alive, 1, 0);
		} else {
			DP_LOC(rt, RT_DPL_DONE, RT_MAX_ACTORS, 0);
			DP_LOC(rt, RT_DPL_SB, RT_MAX_ACTORS, 0);
		}
		if (a->nrd > RT_MAX_READS) {
			DP_ACCESS(rt, a->idle_lo, (uint32_t)a->idle_len, 0);
		} else {
			uint32_t k;

			for (k = 0; k < a->nrd; k++)
				DP_ACCESS(rt, a->rd[k].addr, a->rd[k].size, 0);
		}
		if (rt->mm->idle_again && rt->mm->idle_again(rt, a)) {
			a->ret = 1;       /* it may have read stale values: look again, caught up */
		} else if (alive < 0 && !others_pending(rt, a)) {
			a->ret = 0;
		} else {
			a->state = RT_IDLE;
			a->ret = 1;
			val = 1;
		}
		break;
	}
	}
	rt_record(rt, a, a->pend.op, NULL, 0, 0, val, 0);
}

/* Executes a's pending operation (scheduler context) and records the step. */
void rt_exec(struct rt *rt, struct rt_actor *a)
{
	struct rt_pending *p = &a->pend;
	const struct rt_mm *mm = rt->mm;
	unsigned char v[8];
	uint64_t old, val = 0;
	int buffered = 0, i;

	if (p->op >= RT_OP_DRAIN) {
		exec_model_op(rt, a);
		return;
	}
	if (rt->retired)
		rt_check_retired(rt, a, p->addr, p->size, 0);
	if (rt->wl->vio_bounds)
		rt_check_bounds(rt, a, p->op, p->addr, p->size);
	switch (p->op) {
	case RT_OP_LOAD:
		DP_ACCESS(rt, p->addr, p->size, 0);
		mm->load(rt, a, p->addr, p->size, p->order, v);
		rt_note_read(a, p->addr, p->size);
		val = rt_rd(v, p->size);
		a->last_load = p->addr;
		a->last_load_seq = rt->commit_seq;
		break;
	case RT_OP_STORE:
		val = p->val & rt_mask_of(p->size);
		write_hook(rt, a, RT_OP_STORE, p->addr, val, 0);
		buffered = mm->store(rt, a, p->addr, p->size, p->order, val, NULL);
		break;
	case RT_OP_FENCE:
		if (p->order == RT_FENCE_HEAVY)   /* its commits are recorded as it makes them */
			DP_LOC(rt, RT_DPL_HEAVY, 1, 1);   /* and it races with every buffered store */
		mm->fence(rt, a, p->order);
		break;
	case RT_OP_TAS:
	case RT_OP_FETCH_ADD:
	case RT_OP_CAS:
		rt_note_read(a, p->addr, p->size);
		if (mm->rmw_op) {
			DP_ACCESS(rt, p->addr, p->size, 0);
			old = mm->rmw_op(rt, a, p->op, p->addr, p->size, p->order, p->val, p->val2,
					 &val);
			write_hook(rt, a, p->op, p->addr, val, old);
			a->last_load = p->addr;
			a->last_load_seq = rt->commit_seq;
			val = p->blind ? 0 : old;
			break;
		}
		if (p->op == RT_OP_CAS)
			goto cas;
		mm->rmw(rt, a, p->order);
		/* a blind add: a commutative update of its location (dpor.c), no read */
		DP_ACCESS(rt, p->addr, p->size, p->blind ? RT_DP_ADD : 0);
		old = rt_rd(p->addr, p->size);
		val = p->op == RT_OP_TAS ? 1 : (old + p->val) & rt_mask_of(p->size);
		rt->commit_add = p->blind;
		rt_commit(rt, a, p->addr, p->size, NULL, val);
		rt->commit_add = 0;
		write_hook(rt, a, p->op, p->addr, val, old);
		a->last_load = p->addr;
		a->last_load_seq = rt->commit_seq;
		val = p->blind ? 0 : old;
		break;
cas:
		mm->rmw(rt, a, p->order);
		DP_ACCESS(rt, p->addr, p->size, 0);
		old = rt_rd(p->addr, p->size);
		val = old;
		if (old == (p->val & rt_mask_of(p->size))) {
			val = p->val2 & rt_mask_of(p->size);
			rt_commit(rt, a, p->addr, p->size, NULL, val);
		}
		write_hook(rt, a, RT_OP_CAS, p->addr, val, old);
		a->last_load = p->addr;
		a->last_load_seq = rt->commit_seq;
		val = old;
		break;
	case RT_OP_COPY_IN:
		buffered = mm->store(rt, a, p->addr, p->size, RT_RELAXED, 0, p->src);
		memcpy(&val, p->src, p->size < 8 ? p->size : 8);
		break;
	case RT_OP_COPY_OUT:
		DP_ACCESS(rt, p->addr, p->size, 0);
		mm->load(rt, a, p->addr, p->size, RT_RELAXED, p->dst);
		rt_note_read(a, p->addr, p->size);
		memcpy(&val, p->dst, p->size < 8 ? p->size : 8);
		break;
	case RT_OP_SPIN:
		/* Reads the commit log: whether another actor changed addr since this actor's last
		 * load (a read of addr, which the writer's wakeup also orders it with: dp_wake), or
		 * (the log wrapped; the older algorithms) dependent with everything. */
		if (rt->dp_on && (!dp_refined(rt) || rt->commit_seq - a->last_load_seq >= RT_COMMIT_LOG))
			dp_global(rt);
		else
			DP_ACCESS(rt, p->addr, p->size, 0);
		/* Blocks only if nobody stored to addr since this actor last loaded it (the model
		 * may say otherwise: a stale read). */
		if (mm->spin_blocks ? mm->spin_blocks(rt, a, p->addr, p->size) :
		    a->last_load != p->addr || !changed_since(rt, a, p->addr, a->last_load_seq)) {
			a->state = RT_SPINNING;
			a->spin_addr = p->addr;
			a->spin_size = p->size;
			RT_EVENT(rt, RT_EV_SPIN_BLOCKED);
		}
		break;
	case RT_OP_SIGNAL:
		DP_LOC(rt, RT_DPL_CHAN + (int)p->val, 1, 1);  /* a waiter's wakeup makes it global */
		if (mm->signal)
			mm->signal(rt, a);
		rt->pending[p->val]++;
		RT_EVENT(rt, RT_EV_SIGNALLED);
		for (i = 0; i < rt->nactors; i++) {
			struct rt_actor *b = rt->a[i];

			if (b->state == RT_WAITING && b->pend.val == p->val) {
				rt_wake(rt, b);
				break;
			}
		}
		val = p->val;
		break;
	}
	a->ret = val;
	rt_record(rt, a, p->op, p->addr, p->size, p->order, val, buffered);
}
