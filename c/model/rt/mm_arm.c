/* SPDX-License-Identifier: ISC */
/*
 * ARM (enum rt_mm_id RT_MM_ARM; it also stands for RISC-V RVWMO where the two agree):
 * an executable version of Promising-ARM (Pulte, Pichon-Pharabod, Kang, Lee, Hur, PLDI 2019),
 * run on real code by re-execution. docs/memory-models.md says what it allows and why.
 *
 * Memory is ONE list of messages (visible stores) in coherence and propagation order: ARMv8 is
 * other-multi-copy-atomic, so every actor sees stores in this one order. A message's index + 1 is
 * its timestamp; 0 is the initial contents. Committed memory always holds every message (the
 * newest value of each byte), so the workload's oracles read a coherent, newest state. Each actor
 * keeps Promising's views: vr_old / vw_old (the newest message its reads / its writes so far
 * depend on), vr_new / vw_new (lower bounds for its later reads / writes, raised by acquire and
 * fences) and coh(x) (the newest message of x it has read or written). Promising's vRel (RCsc
 * release -> acquire) is left out: acquire is RCpc here, as C11 promises and ARMv8.3 LDAPR and
 * RISC-V's fence mapping give.
 *
 *   load -> load, store -> load  a load reads ANY message of its location not overwritten before
 *                                max(vr_new, coh(x)): a stale read, a decision of its own (option
 *                                0 = the newest message).
 *   store -> store               stores wait in the actor's buffer until they drain (become
 *                                messages), as under PSO, unless an ordering forbids it.
 *   load -> store (buffering)    a load may read a PROMISE: a message another actor appends now and
 *                                must FULFIL later with a store of the same location and value,
 *                                placed at the promise's timestamp, where Promising-ARM allows it
 *                                (above the store's vpre and coh(x), no older buffered store that
 *                                must precede it). An execution that ends with a promise open did
 *                                not happen: it is pruned (rt_result.pruned; no verdict, a
 *                                violation seen during it is dropped). Candidates come from the
 *                                promise table (rt_set_promises; a search learns its own, see
 *                                "learning" below). A promise is made where it matters: right
 *                                before another actor's load reads it, or before another actor
 *                                places a write (or a promise) to the same location.
 * Ordering (the ordering layer's promise, as C11 compiles it for ARMv8 / RVWMO):
 *   acquire load      later loads and stores after what it read (vr_new, vw_new)
 *   release store     after every earlier load and store (drains after every older store)
 *   FULL / RELEASE    everything: drain the buffer, raise both bounds (ARM emits dmb ish for both)
 *   ACQUIRE / RMB     earlier loads before later loads and stores (dmb ishld)
 *   WMB               earlier stores before later stores (dmb ishst)
 *   TAS (acquire)     atomic on the coherence-latest value; FETCH_ADD / CAS seq_cst: a full fence
 *                     on each side (atomic.h's mappings make it so); RT_ACQ_REL: acquire + release
 *                     only (C11's seq_cst RMW as ARMv8 runs it). RMWs are never promised.
 *   region copies     a region store is one message; a region load reads one version of the
 *                     region (the state after one message), not a per-byte mix
 * Not ordering: address, data and control dependencies (the ordering layer does not promise them;
 * a compiler may remove them). Values are never invented: a promised value is one some execution
 * of the workload stores.
 * Event channels synchronise (rt_signal / rt_wait: a kernel's wait queue): everything the signaller
 * did happens before what the woken actor does next. Waiters catch up: an actor woken from rt_spin
 * or rt_idle, or finding its location already changed, reads from the newest message on.
 */
#include "mm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARM_ARENA (8u << 20)
#define ARM_MAX_OPTS 64u
#define LEARN_HASH 4096u
#define LEARN_BLOB (256u << 10)
#define LEARN_LOCS 1024u

struct arm_msg {
	unsigned char *addr;
	uint32_t size;
	int8_t writer;
	uint8_t open;                 /* an unfulfilled promise */
	uint8_t region;
	uint32_t step;                /* the step that made it (store, drain, fence, promise) */
	uint64_t val, old;            /* scalar: its bytes and the bytes it replaced */
	unsigned char *bytes, *oldbytes;
};

struct arm_coh {
	unsigned char *addr;
	uint32_t size, ts;
};

struct arm_thread {
	uint32_t vr_old, vw_old, vr_new, vw_new;
	uint32_t vw_bar;              /* newest placed store issued before its last store fence */
	uint32_t promises;            /* its open promises */
	uint32_t ff;                  /* rt_idle: newest timestamp of the range it caught up with */
	uint32_t last_ts;             /* the message its last load read */
	uint32_t ncoh, coh_cap;
	struct arm_coh *coh;
};

struct learn_loc {
	uint8_t actor, region;
	uint32_t off, size;
};

struct rt_arm {
	struct arm_thread th[RT_MAX_ACTORS];
	struct arm_msg *msgs;
	uint32_t nmsg, msgcap, nopen, npromised, notify_view;
	unsigned char *arena;
	uint32_t arena_used;
	struct {                      /* a violation seen while a promise is open */
		int32_t code, step;
		char message[256];
	} pend;
	/* learning (a search's rounds) */
	int learning;
	uint32_t nl, bloblen, nlocs, ninput;
	struct rt_promise l[RT_MAX_PROMISES];
	uint64_t lh[RT_MAX_PROMISES];
	int32_t bucket[LEARN_HASH];   /* index + 1 into l, 0 = empty */
	struct learn_loc locs[LEARN_LOCS];
	unsigned char blob[LEARN_BLOB];
	struct rt_promise table[RT_MAX_PROMISES];   /* the table installed for the next run(s) */
	unsigned char table_blob[LEARN_BLOB];
	uint32_t ntable;
};

static uint32_t umax(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static struct arm_thread *T(struct rt *rt, const struct rt_actor *a)
{
	return &rt->arm->th[a->id];
}

void rt_arm_free(struct rt *rt)
{
	int i;

	if (!rt->arm)
		return;
	for (i = 0; i < RT_MAX_ACTORS; i++)
		free(rt->arm->th[i].coh);
	free(rt->arm->msgs);
	free(rt->arm->arena);
	free(rt->arm);
	rt->arm = NULL;
}

static struct rt_arm *state(struct rt *rt)
{
	struct rt_arm *A = rt->arm;

	if (!A) {
		A = rt->arm = calloc(1, sizeof(*A));
		if (!A)
			return NULL;
		A->msgcap = 4096;
		A->msgs = malloc(A->msgcap * sizeof(*A->msgs));
		A->arena = malloc(ARM_ARENA);
		if (!A->msgs || !A->arena) {
			rt_arm_free(rt);
			return NULL;
		}
	}
	return A;
}

static void arm_begin(struct rt *rt)
{
	struct rt_arm *A = state(rt);
	int i;

	if (!A) {
		rt_violation(rt, rt->wl->vio_setup, "setup: the ARM model is out of memory");
		return;
	}
	for (i = 0; i < RT_MAX_ACTORS; i++) {
		struct arm_thread *t = &A->th[i];
		struct arm_coh *coh = t->coh;
		uint32_t cap = t->coh_cap;

		memset(t, 0, sizeof(*t));
		t->coh = coh;
		t->coh_cap = cap;
	}
	A->nmsg = A->nopen = A->npromised = A->notify_view = 0;
	A->arena_used = 0;
	A->pend.code = 0;
}

static unsigned char *arena_copy(struct rt_arm *A, const unsigned char *src, uint32_t n)
{
	unsigned char *p;

	if (A->arena_used + n > ARM_ARENA)
		return NULL;
	p = A->arena + A->arena_used;
	A->arena_used += (n + 7) & ~7u;
	memcpy(p, src, n);
	return p;
}

/* ---- coherence views ------------------------------------------------------------------------- */

static uint32_t coh_of(const struct arm_thread *t, const unsigned char *a, uint32_t n)
{
	uint32_t i, ts = 0;

	for (i = 0; i < t->ncoh; i++)
		if (rt_overlaps(t->coh[i].addr, t->coh[i].size, a, n))
			ts = umax(ts, t->coh[i].ts);
	return ts;
}

static void coh_join(struct rt *rt, struct arm_thread *t, unsigned char *a, uint32_t n,
		     uint32_t ts)
{
	uint32_t i;

	if (!ts)
		return;
	for (i = 0; i < t->ncoh; i++) {
		if (t->coh[i].addr == a && t->coh[i].size == n) {
			t->coh[i].ts = umax(t->coh[i].ts, ts);
			return;
		}
	}
	if (t->ncoh == t->coh_cap) {
		uint32_t cap = t->coh_cap ? 2 * t->coh_cap : 64;
		struct arm_coh *c = realloc(t->coh, cap * sizeof(*c));

		if (!c) {
			rt_violation(rt, rt->wl->vio_setup, "setup: the ARM model is out of memory");
			return;
		}
		t->coh = c;
		t->coh_cap = cap;
	}
	t->coh[t->ncoh++] = (struct arm_coh){ a, n, ts };
}

/* Newest message overlapping [a, a+n) with timestamp <= lim (0: the initial contents). */
static uint32_t latest_le(const struct rt_arm *A, const unsigned char *a, uint32_t n, uint32_t lim)
{
	uint32_t i;

	for (i = lim < A->nmsg ? lim : A->nmsg; i-- > 0;)
		if (rt_overlaps(A->msgs[i].addr, A->msgs[i].size, a, n))
			return i + 1;
	return 0;
}

static uint32_t latest(const struct rt_arm *A, const unsigned char *a, uint32_t n)
{
	return latest_le(A, a, n, A->nmsg);
}

/* The bytes of [a, a+n) right after the message with timestamp ts: memory holds every message,
 * so undo the newer ones, newest first. */
static void read_at(const struct rt_arm *A, const unsigned char *a, uint32_t n, uint32_t ts,
		    unsigned char *out)
{
	uint32_t i;

	memcpy(out, a, n);
	for (i = A->nmsg; i-- > ts;) {
		const struct arm_msg *m = &A->msgs[i];
		const unsigned char *lo, *hi, *src;
		unsigned char ov[8];

		if (!rt_overlaps(m->addr, m->size, a, n))
			continue;
		lo = m->addr > a ? m->addr : a;
		hi = m->addr + m->size < a + n ? m->addr + m->size : a + n;
		if (m->region) {
			src = m->oldbytes;
		} else {
			memcpy(ov, &m->old, 8);
			src = ov;
		}
		memcpy(out + (lo - a), src + (lo - m->addr), (size_t)(hi - lo));
	}
}

/* From now on actor x reads [a, a+n) from its newest message on. */
static void catch_up(struct rt *rt, struct rt_actor *x, unsigned char *a, uint32_t n)
{
	coh_join(rt, T(rt, x), a, n, latest(rt->arm, a, n));
}

/* ---- messages ---------------------------------------------------------------------------------- */

static struct arm_msg *append(struct rt *rt, int writer, unsigned char *addr, uint32_t size,
			      uint64_t val, const unsigned char *bytes)
{
	struct rt_arm *A = rt->arm;
	struct arm_msg *m;

	if (A->nmsg == A->msgcap) {
		struct arm_msg *n = realloc(A->msgs, 2 * A->msgcap * sizeof(*A->msgs));

		if (!n)
			return NULL;
		A->msgs = n;
		A->msgcap *= 2;
	}
	m = &A->msgs[A->nmsg];
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->size = size;
	m->writer = (int8_t)writer;
	m->region = bytes != NULL;
	m->step = rt->res.nsteps;
	if (bytes) {
		m->bytes = arena_copy(A, bytes, size);
		m->oldbytes = arena_copy(A, addr, size);
		if (!m->bytes || !m->oldbytes)
			return NULL;
	} else {
		m->val = val;
		m->old = rt_rd(addr, size);
	}
	A->nmsg++;
	return m;
}

static void out_of_memory(struct rt *rt)
{
	rt_violation(rt, rt->wl->vio_setup, "setup: the ARM model ran out of message memory");
}

static void offer_promise_before(struct rt *rt, struct rt_actor *a, unsigned char *addr,
				 uint32_t size);

/* A message of a becomes part of memory: the ordinary commit (oracles, retired regions, waking
 * waiters). offer: another actor's promise to the same location may be placed first. */
static uint32_t place(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
		      uint64_t val, const unsigned char *bytes, int offer)
{
	struct arm_thread *t = T(rt, a);
	uint32_t ts;

	if (offer)
		offer_promise_before(rt, a, addr, size);
	if (!append(rt, a->id, addr, size, val, bytes)) {
		out_of_memory(rt);
		return rt->arm->nmsg;
	}
	ts = rt->arm->nmsg;
	rt_commit(rt, a, addr, size, bytes, val);
	coh_join(rt, t, addr, size, ts);
	t->vw_old = umax(t->vw_old, ts);
	return ts;
}

/* ---- store buffer ------------------------------------------------------------------------------ */

/* Entry i may drain when no older entry must precede it: one of the same location (coherence),
 * any older one for a release, one issued before a store fence that precedes it. */
static int arm_drainable(const struct rt_actor *a, uint32_t i)
{
	const struct rt_sb_entry *e = &a->sb[i];
	uint32_t j;

	for (j = 0; j < i; j++) {
		const struct rt_sb_entry *o = &a->sb[j];

		if (o->seq <= e->bar || rt_overlaps(o->addr, o->size, e->addr, e->size))
			return 0;
	}
	return 1;
}

static uint64_t arm_drain_key(const struct rt_actor *a, uint32_t i)
{
	return (uint64_t)(uintptr_t)a->sb[i].addr;
}

static void arm_commit_entry(struct rt *rt, struct rt_actor *a, uint32_t i)
{
	struct rt_sb_entry e = a->sb[i];
	uint32_t ts;

	if (i > 0)
		RT_EVENT(rt, RT_EV_REORDERED);
	if (a->nsb == 1)
		DP_LOC(rt, RT_DPL_SB + a->id, 1, 1);
	memmove(&a->sb[i], &a->sb[i + 1], (a->nsb - i - 1) * sizeof(a->sb[0]));
	a->nsb--;
	ts = place(rt, a, e.addr, e.size, e.val, e.region ? e.bytes : NULL, 1);
	/* issued before a store fence, placed after it: every later store of a (a promise it
	 * fulfils included) must still be placed after this one */
	if (e.seq <= a->st_bar)
		T(rt, a)->vw_bar = umax(T(rt, a)->vw_bar, ts);
}

static void drain_upto(struct rt *rt, struct rt_actor *a, uint32_t k)
{
	uint32_t i;

	for (i = 0; i <= k && a->nsb; i++)
		arm_commit_entry(rt, a, 0);   /* oldest first: always allowed */
}

static void drain_all(struct rt *rt, struct rt_actor *a)
{
	while (a->nsb)
		arm_commit_entry(rt, a, 0);
}

static void drain_overlapping(struct rt *rt, struct rt_actor *a, const unsigned char *addr,
			      uint32_t size)
{
	uint32_t j, k = (uint32_t)-1;

	for (j = 0; j < a->nsb; j++)
		if (rt_overlaps(a->sb[j].addr, a->sb[j].size, addr, size))
			k = j;
	if (k != (uint32_t)-1)
		drain_upto(rt, a, k);
}

/* a's own buffered stores cover [addr, addr+size): 1 forwarded into out, 0 none overlaps, -1 they
 * overlap it only in part. */
static int forward(struct rt *rt, const struct rt_actor *a, const unsigned char *addr,
		   uint32_t size, unsigned char *out)
{
	uint32_t i, b, any = 0, covered = 0;
	unsigned char *cov;

	for (i = 0; i < a->nsb && !any; i++)
		any = rt_overlaps(a->sb[i].addr, a->sb[i].size, addr, size);
	if (!any)
		return 0;
	if (size > 8)
		return -1;                    /* a region copy partly in the buffer: drain first */
	cov = (unsigned char[8]){ 0 };
	for (i = 0; i < a->nsb; i++) {
		const struct rt_sb_entry *e = &a->sb[i];
		const unsigned char *lo, *hi, *src;
		unsigned char v[8];

		if (!rt_overlaps(e->addr, e->size, addr, size))
			continue;
		lo = e->addr > addr ? e->addr : addr;
		hi = e->addr + e->size < addr + size ? e->addr + e->size : addr + size;
		if (e->region) {
			src = e->bytes;
		} else {
			memcpy(v, &e->val, 8);
			src = v;
		}
		memcpy(out + (lo - addr), src + (lo - e->addr), (size_t)(hi - lo));
		memset(cov + (lo - addr), 1, (size_t)(hi - lo));
	}
	for (b = 0; b < size; b++)
		covered += cov[b];
	if (covered < size)
		return -1;
	RT_EVENT(rt, RT_EV_FORWARDED);
	return 1;
}

/* ---- promises ---------------------------------------------------------------------------------- */

static unsigned char *cand_addr(const struct rt *rt, const struct rt_promise *c)
{
	return c->region < rt->nregions ? (unsigned char *)rt->region[c->region]->base + c->off
					: NULL;
}

static const unsigned char *cand_bytes(const struct rt *rt, const struct rt_promise *c)
{
	return c->bytes ? rt->prom_blob + c->value : NULL;
}

static int msg_is(const struct rt *rt, const struct arm_msg *m, const struct rt_promise *c)
{
	if (m->addr != cand_addr(rt, c) || m->size != c->size || m->region != c->bytes)
		return 0;
	return c->bytes ? memcmp(m->bytes, cand_bytes(rt, c), c->size) == 0 : m->val == c->value;
}

/* May actor c->actor promise c now, read by (or placed before a write of) actor `self`? */
static int may_promise(const struct rt *rt, int self, const struct rt_promise *c,
		       const unsigned char *addr, uint32_t size)
{
	const struct rt_arm *A = rt->arm;
	const struct rt_actor *w;
	uint32_t i;

	if (c->actor >= rt->nactors || c->actor == self || A->npromised >= rt->max_prom ||
	    rt->arm_mutate == 2 || cand_addr(rt, c) != addr || c->size != size)
		return 0;
	w = rt->a[c->actor];
	if (w->state == RT_DONE || w->state == RT_KILLED)
		return 0;
	for (i = 0; i < A->nmsg; i++)         /* the same promise already open */
		if (A->msgs[i].open && A->msgs[i].writer == c->actor && msg_is(rt, &A->msgs[i], c))
			return 0;
	return 1;
}

static uint32_t promise_options(struct rt *rt, int self, const unsigned char *addr,
				uint32_t size, uint32_t *pc, uint32_t cap)
{
	uint32_t i, n = 0;

	for (i = 0; rt->prom && i < rt->nprom && n < cap; i++)
		if (may_promise(rt, self, &rt->prom[i], addr, size))
			pc[n++] = i;
	return n;
}

static void describe(struct rt *rt, struct rt_option *o, int kind, int actor,
		     const unsigned char *addr)
{
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	o->actor = (uint8_t)(actor < 0 ? 0xff : actor);
	rt_classify(rt, addr, &o->tag, &o->index, &o->off);
}

/* Actor p->actor promises its store now: a new message, open until a store fulfils it. */
static uint32_t make_promise(struct rt *rt, const struct rt_promise *p)
{
	struct rt_arm *A = rt->arm;
	struct rt_actor *w = rt->a[p->actor];
	unsigned char *addr = cand_addr(rt, p);
	struct arm_msg *m;

	A->npromised++;                  /* counted first: the offer below may nest */
	offer_promise_before(rt, w, addr, p->size);
	m = append(rt, w->id, addr, p->size, p->bytes ? 0 : p->value, cand_bytes(rt, p));
	if (!m) {
		out_of_memory(rt);
		return A->nmsg;
	}
	m->open = 1;
	T(rt, w)->promises++;
	A->nopen++;
	/* The workload's write oracle follows memory order: a promised store (a lock's release, say)
	 * takes effect now; whatever must precede it must then fit before it, or the promise is
	 * never fulfilled. */
	if (!p->bytes && rt->wl->on_write)
		rt->wl->on_write(rt, rt->ctx, w->id, RT_OP_STORE, addr, p->value, 0);
	rt_commit(rt, w, addr, p->size, cand_bytes(rt, p), p->value);
	rt_record(rt, w, RT_OP_PROMISE, addr, p->size, 0, p->bytes ? 0 : p->value, 0);
	RT_EVENT(rt, RT_EV_PROMISE);
	return A->nmsg;
}

/* Before a's message to [addr, addr+size) is placed: option 0 place it, k > 0 the k-th candidate
 * of another actor promises the same location first (coherence-before a's). */
static void offer_promise_before(struct rt *rt, struct rt_actor *a, unsigned char *addr,
				 uint32_t size)
{
	struct rt_option opts[ARM_MAX_OPTS];
	uint32_t pc[ARM_MAX_OPTS], n, i, c;

	n = promise_options(rt, a->id, addr, size, pc, ARM_MAX_OPTS - 1);
	if (!n)
		return;
	describe(rt, &opts[0], RT_OPT_RUN, a->id, addr);
	for (i = 0; i < n; i++)
		describe(rt, &opts[i + 1], RT_OPT_PROMISE, rt->prom[pc[i]].actor, addr);
	c = rt_choose_opts(rt, n + 1, opts);
	if (c)
		make_promise(rt, &rt->prom[pc[c - 1]]);
}

static void promote_pending(struct rt *rt)
{
	struct rt_arm *A = rt->arm;

	if (A->nopen || !A->pend.code || rt->res.violation)
		return;
	rt->res.violation = A->pend.code;
	rt->res.violation_step = A->pend.step;
	memcpy(rt->res.message, A->pend.message, sizeof(rt->res.message));
	A->pend.code = 0;
}

/* A violation while a promise is open is pending until every promise is fulfilled. */
static int arm_defer(struct rt *rt, int32_t code, const char *message, int32_t step)
{
	struct rt_arm *A = rt->arm;

	if (!A || !A->nopen || code == rt->wl->vio_setup)
		return 0;
	if (!A->pend.code) {
		A->pend.code = code;
		A->pend.step = step;
		snprintf(A->pend.message, sizeof(A->pend.message), "%s", message);
	}
	return 1;
}

/* At the end of a run: an execution with an open promise did not happen. */
static int arm_prune(struct rt *rt)
{
	struct rt_arm *A = rt->arm;

	if (!A || !A->nopen)
		return 0;
	rt->res.pruned = 1;
	rt->res.violation = 0;
	rt->res.violation_step = -1;
	rt->res.message[0] = 0;
	A->pend.code = 0;
	return 1;
}

/* Fulfils one of a's open promises with this store, where Promising-ARM allows it; 1 if done. */
static int fulfil(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
		  int order, uint64_t val, const unsigned char *bytes)
{
	struct rt_arm *A = rt->arm;
	struct arm_thread *t = T(rt, a);
	uint32_t i, j, vpre;

	if (!t->promises)
		return 0;
	vpre = umax(t->vw_new, t->vw_bar);
	if (order == RT_RELEASE)
		vpre = umax(vpre, umax(t->vr_old, t->vw_old));
	for (i = 0; i < A->nmsg; i++) {
		struct arm_msg *m = &A->msgs[i];

		if (!m->open || m->writer != a->id || m->addr != addr || m->size != size ||
		    (bytes ? !m->region || memcmp(m->bytes, bytes, size) : m->region || m->val != val))
			continue;
		if (rt->arm_mutate != 5 && (vpre >= i + 1 || coh_of(t, addr, size) >= i + 1))
			return 0;
		for (j = 0; j < a->nsb; j++)   /* an older store that must precede is not placed yet */
			if (order == RT_RELEASE || a->sb[j].seq <= a->st_bar ||
			    rt_overlaps(a->sb[j].addr, a->sb[j].size, addr, size))
				return 0;
		m->open = 0;
		m->step = rt->res.nsteps;
		t->promises--;
		A->nopen--;
		coh_join(rt, t, addr, size, i + 1);
		t->vw_old = umax(t->vw_old, i + 1);
		promote_pending(rt);
		return 1;
	}
	return 0;
}

/* ---- learning the promise table (rt_explore / rt_find's rounds) ---------------------------------
 * Every store an actor executes is a candidate (actor, location, value) where another actor
 * accesses the location (it may read the promise, or order its own write against it). */

static int region_of(const struct rt *rt, const unsigned char *addr, uint32_t *off)
{
	int r;

	for (r = 0; r < rt->nregions; r++) {
		const unsigned char *b = rt->region[r]->base;

		if (addr >= b && addr < b + rt->region[r]->len) {
			*off = (uint32_t)(addr - b);
			return r;
		}
	}
	return -1;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static const unsigned char *data_of(const struct rt_promise *c, const unsigned char *blob)
{
	return c->bytes ? blob + c->value : (const unsigned char *)&c->value;
}

/* Adds the candidate unless present. */
static void learn_add(struct rt_arm *A, uint8_t actor, uint8_t region, uint32_t off,
		      uint32_t size, uint64_t val, const unsigned char *bytes)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, &actor, 1);
	uint32_t i;
	struct rt_promise *c;

	h = fnv(h, &region, 1);
	h = fnv(h, &off, 4);
	h = fnv(h, &size, 4);
	h = bytes ? fnv(h, bytes, size) : fnv(h, &val, 8);
	for (i = (uint32_t)h % LEARN_HASH; A->bucket[i]; i = (i + 1) % LEARN_HASH) {
		c = &A->l[A->bucket[i] - 1];
		if (A->lh[A->bucket[i] - 1] == h && c->actor == actor && c->region == region &&
		    c->off == off && c->size == size && c->bytes == (bytes != NULL) &&
		    memcmp(data_of(c, A->blob), bytes ? bytes : (const unsigned char *)&val,
			   bytes ? size : 8) == 0)
			return;
	}
	if (A->nl == RT_MAX_PROMISES || (bytes && A->bloblen + size > LEARN_BLOB))
		return;
	c = &A->l[A->nl];
	*c = (struct rt_promise){ .actor = actor, .region = region, .bytes = bytes != NULL,
				  .off = off, .size = size, .value = val };
	if (bytes) {
		c->value = A->bloblen;
		memmove(A->blob + A->bloblen, bytes, size);
		A->bloblen += size;
	}
	A->lh[A->nl] = h;
	A->bucket[i] = (int32_t)++A->nl;
}

static void learn_access(struct rt *rt, const struct rt_actor *a, const unsigned char *addr,
			 uint32_t size)
{
	struct rt_arm *A = rt->arm;
	uint32_t off, i;
	int r;

	if (!A->learning || (r = region_of(rt, addr, &off)) < 0)
		return;
	for (i = 0; i < A->nlocs; i++)
		if (A->locs[i].actor == a->id && A->locs[i].region == r && A->locs[i].off == off &&
		    A->locs[i].size == size)
			return;
	if (A->nlocs < LEARN_LOCS)
		A->locs[A->nlocs++] = (struct learn_loc){ (uint8_t)a->id, (uint8_t)r, off, size };
}

static void learn_store(struct rt *rt, const struct rt_actor *a, const unsigned char *addr,
			uint32_t size, uint64_t val, const unsigned char *bytes)
{
	struct rt_arm *A = rt->arm;
	uint32_t off;
	int r;

	if (!A->learning || (r = region_of(rt, addr, &off)) < 0 || (!bytes && size > 8))
		return;
	learn_add(A, (uint8_t)a->id, (uint8_t)r, off, size, val, bytes);
	learn_access(rt, a, addr, size);
}

void rt_arm_learn_begin(struct rt *rt)
{
	struct rt_arm *A = state(rt);
	uint32_t i;

	if (!A)
		return;
	memset(A->bucket, 0, sizeof(A->bucket));
	A->nl = A->bloblen = A->nlocs = 0;
	if (rt->prom_override) {      /* the previous round's table, in its order */
		for (i = 0; i < rt->nprom; i++) {
			const struct rt_promise *c = &rt->prom[i];

			learn_add(A, c->actor, c->region, c->off, c->size, c->bytes ? 0 : c->value,
				  c->bytes ? rt->prom_blob + c->value : NULL);
		}
	}
	A->ninput = A->nl;
	A->learning = 1;
}

static int useful(const struct rt_arm *A, const struct rt_promise *c)
{
	uint32_t i;

	for (i = 0; i < A->nlocs; i++)
		if (A->locs[i].actor != c->actor && A->locs[i].region == c->region &&
		    A->locs[i].off < c->off + c->size && c->off < A->locs[i].off + A->locs[i].size)
			return 1;
	return 0;
}

/* Ends learning. keep_new: install the input + the useful new candidates for the next round;
 * else the input alone (what the last round ran with: its counterexample replays with it).
 * Returns 1 if a useful candidate was learnt. */
int rt_arm_learn_end(struct rt *rt, int keep_new)
{
	struct rt_arm *A = rt->arm;
	uint32_t i, n = 0, grew = 0;

	if (!A)
		return 0;
	A->learning = 0;
	for (i = A->ninput; i < A->nl; i++)
		grew |= useful(A, &A->l[i]);
	for (i = 0; i < A->nl; i++)
		if (i < A->ninput || (keep_new && useful(A, &A->l[i])))
			A->table[n++] = A->l[i];
	memcpy(A->table_blob, A->blob, A->bloblen);
	A->ntable = n;
	rt->prom = A->table;
	rt->nprom = n;
	rt->prom_blob = A->table_blob;
	return (int)grew;
}

/* After the workload's setup: the first round of a search starts from the workload's table. */
static void learn_input(struct rt *rt)
{
	struct rt_arm *A = rt->arm;
	uint32_t i;

	if (!A->learning || A->nl || rt->prom_override)
		return;
	for (i = 0; rt->prom && i < rt->nprom; i++) {
		const struct rt_promise *c = &rt->prom[i];

		learn_add(A, c->actor, c->region, c->off, c->size, c->bytes ? 0 : c->value,
			  c->bytes ? rt->prom_blob + c->value : NULL);
	}
	A->ninput = A->nl;
}

int rt_promise_table(const struct rt *rt, struct rt_promise *out, uint32_t cap, uint32_t *n,
		     unsigned char *blob, uint32_t blobcap, uint32_t *bloblen)
{
	const struct rt_arm *A = rt->arm;
	uint32_t i, len = 0, cnt = A ? A->ntable : 0;

	for (i = 0; i < cnt; i++)
		if (A->table[i].bytes && A->table[i].value + A->table[i].size > len)
			len = (uint32_t)A->table[i].value + A->table[i].size;
	*n = cnt;
	*bloblen = len;
	if (cnt > cap || len > blobcap)
		return -28;   /* -ENOSPC: the sizes say how much is needed */
	if (cnt)
		memcpy(out, A->table, cnt * sizeof(*out));
	if (len)
		memcpy(blob, A->table_blob, len);
	return 0;
}

void rt_arm_mutate(struct rt *rt, int mutation)
{
	rt->arm_mutate = mutation;
}

/* ---- operations -------------------------------------------------------------------------------- */

static void full_fence(struct rt *rt, struct rt_actor *a)
{
	struct arm_thread *t = T(rt, a);
	uint32_t v;

	drain_all(rt, a);
	v = umax(t->vr_old, t->vw_old);
	t->vr_new = umax(t->vr_new, v);
	t->vw_new = umax(t->vw_new, v);
	a->st_bar = a->st_seq;
}

static void arm_fence(struct rt *rt, struct rt_actor *a, int kind)
{
	struct arm_thread *t = T(rt, a);

	switch (kind) {
	case RT_FENCE_ACQUIRE:
	case RT_FENCE_RMB:
		t->vr_new = umax(t->vr_new, t->vr_old);
		t->vw_new = umax(t->vw_new, t->vr_old);
		break;
	case RT_FENCE_LDLD:           /* earlier loads before later loads; stores unordered */
		t->vr_new = umax(t->vr_new, t->vr_old);
		break;
	case RT_FENCE_WMB:
		if (rt->arm_mutate == 4)
			break;
		a->st_bar = a->st_seq;
		t->vw_new = umax(t->vw_new, t->vw_old);
		break;
	default:                       /* FULL, and RELEASE (ARMv8 and RISC-V compile it to a full one) */
		full_fence(rt, a);
		break;
	}
}

static int arm_store(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size,
		     int order, uint64_t val, const unsigned char *bytes)
{
	struct rt_sb_entry *e;

	if (!rt->arm)
		return 0;
	learn_input(rt);
	a->st_seq++;
	learn_store(rt, a, addr, size, val, bytes);
	if (fulfil(rt, a, addr, size, order, val, bytes))
		return 0;
	if (a->nsb == RT_SB_CAP)
		arm_commit_entry(rt, a, 0);
	if (a->nsb == 0)
		DP_LOC(rt, RT_DPL_SB + a->id, 1, 1);
	e = &a->sb[a->nsb++];
	memset(e, 0, sizeof(*e));
	e->ev = rt->dp_ev;
	e->addr = addr;
	e->size = size;
	e->order = (uint8_t)order;
	e->region = bytes != NULL;
	e->val = val;
	e->seq = a->st_seq;
	e->bar = order == RT_RELEASE ? a->st_seq - 1 : a->st_bar;
	if (bytes && !(e->bytes = arena_copy(rt->arm, bytes, size))) {
		a->nsb--;
		out_of_memory(rt);
		return 0;
	}
	return 1;
}

/* A load (or a region copy out) of [addr, addr+size): chooses the message it reads (option 0 the
 * newest, then older ones, then promises of other actors) and fills out. */
static void arm_load(struct rt *rt, struct rt_actor *a, const unsigned char *caddr, uint32_t size,
		     int order, unsigned char *out)
{
	struct rt_arm *A = rt->arm;
	struct arm_thread *t;
	unsigned char *addr = (unsigned char *)(uintptr_t)caddr;
	struct rt_option opts[ARM_MAX_OPTS];
	uint32_t ver[ARM_MAX_OPTS], pc[ARM_MAX_OPTS], nver = 0, nprom, n, c, i;
	uint32_t vpre, lim, floor, ts, vpost;
	int acq = (order == RT_ACQUIRE || order == RT_SEQ_CST) && rt->arm_mutate != 3;

	if (!A)
		return;
	t = T(rt, a);
	learn_input(rt);
	learn_access(rt, a, addr, size);
	switch (forward(rt, a, addr, size, out)) {
	case 1:
		vpost = t->vr_new;        /* a forwarded value carries no timestamp */
		goto done;
	case -1:
		drain_overlapping(rt, a, addr, size);
		break;
	}
	vpre = t->vr_new;
	lim = umax(vpre, coh_of(t, addr, size));
	floor = rt->arm_mutate == 1 ? latest(A, addr, size) : latest_le(A, addr, size, lim);
	for (i = A->nmsg; i-- > floor && nver < ARM_MAX_OPTS - 1;) {
		const struct arm_msg *m = &A->msgs[i];

		/* not its own promise: a store it has not executed cannot be forwarded to it */
		if (rt_overlaps(m->addr, m->size, addr, size) && !(m->open && m->writer == a->id))
			ver[nver++] = i + 1;
	}
	ver[nver++] = floor;
	nprom = promise_options(rt, a->id, addr, size, pc, ARM_MAX_OPTS - nver);
	n = nver + nprom;
	c = 0;
	if (n >= 2) {
		for (i = 0; i < n; i++) {
			if (i < nver)
				describe(rt, &opts[i], RT_OPT_READ,
					 ver[i] ? A->msgs[ver[i] - 1].writer : -1, addr);
			else
				describe(rt, &opts[i], RT_OPT_PROMISE, rt->prom[pc[i - nver]].actor,
					 addr);
		}
		c = rt_choose_opts(rt, n, opts);
	}
	if (c < nver) {
		ts = ver[c];
		if (c > 0)
			RT_EVENT(rt, RT_EV_STALE_READ);
	} else {
		ts = make_promise(rt, &rt->prom[pc[c - nver]]);
	}
	read_at(A, addr, size, ts, out);
	if (ts)
		rt->step_rf = (int32_t)A->msgs[ts - 1].step;
	vpost = umax(vpre, ts);
	coh_join(rt, t, addr, size, vpost);
done:
	t->vr_old = umax(t->vr_old, vpost);
	t->last_ts = vpost;
	if (acq) {
		t->vr_new = umax(t->vr_new, vpost);
		t->vw_new = umax(t->vw_new, vpost);
	}
}

/* TAS (acquire), FETCH_ADD / CAS (seq_cst: a full fence on each side; RT_ACQ_REL: acquire +
 * release, no fence): atomic on the coherence-latest value, never promised. */
static uint64_t arm_rmw_op(struct rt *rt, struct rt_actor *a, int op, unsigned char *addr,
			   uint32_t size, int order, uint64_t val, uint64_t val2, uint64_t *newval)
{
	struct rt_arm *A = rt->arm;
	struct arm_thread *t = T(rt, a);
	uint32_t tr, vpost;
	uint64_t old, nv, mask = rt_mask_of(size);
	int write = 1;

	learn_input(rt);
	learn_access(rt, a, addr, size);
	if (order == RT_SEQ_CST)
		full_fence(rt, a);
	else if (order == RT_ACQ_REL || order == RT_RELEASE)
		drain_all(rt, a);     /* release: every older store is placed before its write */
	drain_overlapping(rt, a, addr, size);
	/* a promise to this location goes before the read: nothing may come between an RMW's read
	 * and its write (atomicity) */
	offer_promise_before(rt, a, addr, size);
	tr = latest(A, addr, size);
	if (tr)
		rt->step_rf = (int32_t)A->msgs[tr - 1].step;
	old = rt_rd(addr, size);
	if (op == RT_OP_TAS)
		nv = 1;
	else if (op == RT_OP_FETCH_ADD)
		nv = (old + val) & mask;
	else if (old == (val & mask))
		nv = val2 & mask;
	else
		nv = old, write = 0;  /* a failed CAS only reads */
	*newval = nv;
	vpost = umax(t->vr_new, tr);
	if (write)
		place(rt, a, addr, size, nv, NULL, 0);
	t->vr_old = umax(t->vr_old, vpost);
	if (order == RT_ACQUIRE || order == RT_ACQ_REL || order == RT_SEQ_CST) {
		t->vr_new = umax(t->vr_new, vpost);
		t->vw_new = umax(t->vw_new, vpost);
	}
	if (order == RT_SEQ_CST)
		full_fence(rt, a);
	t->last_ts = A->nmsg;
	return old;
}

/* rt_spin: blocks only if a's last load of addr read its newest message; else a catches up
 * (a spin loop on real hardware does see the store) and looks again. */
static int arm_spin_blocks(struct rt *rt, struct rt_actor *a, unsigned char *addr, uint32_t size)
{
	uint32_t l = latest(rt->arm, addr, size);

	if (a->last_load == addr && l <= T(rt, a)->last_ts)
		return 1;
	coh_join(rt, T(rt, a), addr, size, l);
	return 0;
}

/* rt_idle: the range changed since a last caught up with it: catch up, look again. */
static int arm_idle_again(struct rt *rt, struct rt_actor *a)
{
	unsigned char *lo = (unsigned char *)(uintptr_t)a->idle_lo;
	uint32_t l = latest(rt->arm, lo, (uint32_t)a->idle_len);

	if (l <= T(rt, a)->ff)
		return 0;
	T(rt, a)->ff = l;
	coh_join(rt, T(rt, a), lo, (uint32_t)a->idle_len, l);
	return 1;
}

/* The signaller's accesses happen before the woken actor's next ones (the kernel's wait-queue
 * lock): its stores are placed first; the waiter starts from what the signaller had seen. */
static void arm_signal(struct rt *rt, struct rt_actor *a)
{
	struct arm_thread *t = T(rt, a);

	drain_all(rt, a);
	rt->arm->notify_view = umax(rt->arm->notify_view, umax(t->vr_old, t->vw_old));
}

static void arm_woken(struct rt *rt, struct rt_actor *a)
{
	struct arm_thread *t = T(rt, a);

	switch (a->pend.op) {
	case RT_OP_WAIT:
		t->vr_new = umax(t->vr_new, rt->arm->notify_view);
		t->vw_new = umax(t->vw_new, rt->arm->notify_view);
		break;
	case RT_OP_SPIN:
		catch_up(rt, a, a->spin_addr, a->spin_size);
		break;
	case RT_OP_IDLE:
		arm_idle_again(rt, a);
		break;
	}
}

const struct rt_mm rt_mm_arm = {
	.name = "ARM", .begin = arm_begin, .store = arm_store, .load = arm_load,
	.fence = arm_fence, .drainable = arm_drainable, .drain_key = arm_drain_key,
	.rmw_op = arm_rmw_op, .commit_entry = arm_commit_entry, .spin_blocks = arm_spin_blocks,
	.idle_again = arm_idle_again, .woken = arm_woken, .signal = arm_signal,
	.defer = arm_defer, .prune = arm_prune,
};
