/* SPDX-License-Identifier: ISC */
/*
 * The ordering layer's model implementation (atomic.h, MNETIF_MODEL) and the memory models.
 *
 * Fiber side: mn_model_access/copy/fence/spin/notify record the operation in the actor's `pend` and
 * yield; the scheduler executes it (mem_exec) when it chooses that actor. Outside any actor (plug
 * before the run, oracles) they access memory directly.
 *
 * "Committed memory" is the real memory; buffered stores live in the actors' store buffers until a
 * drain commits them. A load reads committed memory overlaid with the actor's own buffered stores
 * (oldest first, so the newest wins): TSO/PSO store-to-load forwarding.
 */
#include "../mnetif/runtime.h"

#include <stddef.h>
#include <string.h>

static uint64_t rd(const unsigned char *p, uint32_t size)
{
	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static void wr(unsigned char *p, uint32_t size, uint64_t val)
{
	switch (size) {
	case 1: *p = (uint8_t)val; break;
	case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
	case 4: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); break; }
	default: memcpy(p, &val, 8); break;
	}
}

static uint64_t mask_of(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* No actor running: plain memory (plug before the run, oracles, the external consumer's setup). */
uint64_t mem_direct(int op, unsigned char *addr, unsigned size, uint64_t val)
{
	uint64_t old = rd(addr, size);

	switch (op) {
	case MN_OP_STORE:
		wr(addr, size, val);
		return 0;
	case MN_OP_TAS:
		wr(addr, size, 1);
		return old;
	case MN_OP_FETCH_ADD:
		wr(addr, size, (old + val) & mask_of(size));
		return old;
	default:
		return old;
	}
}

static void suspend(struct actor *a, int op, unsigned char *addr, uint32_t size, int order,
		    uint64_t val)
{
	a->pend.op = op;
	a->pend.addr = addr;
	a->pend.size = size;
	a->pend.order = order;
	a->pend.val = val;
	mn_fiber_yield(a);
}

uint64_t mn_model_access(int op, volatile void *addr, unsigned size, int order, uint64_t val)
{
	struct actor *a = mn_g.cur;

	if (!a)
		return mem_direct(op, (unsigned char *)addr, size, val);
	suspend(a, op, (unsigned char *)addr, size, order, val);
	return a->ret;
}

void mn_model_copy(int op, void *dst, const void *src, size_t n)
{
	struct actor *a = mn_g.cur;

	if (!a) {
		memcpy(dst, src, n);
		return;
	}
	a->pend.dst = dst;
	a->pend.src = src;
	if (op == MN_OP_COPY_IN)
		suspend(a, op, dst, (uint32_t)n, MN_RELAXED, 0);
	else
		suspend(a, op, (unsigned char *)src, (uint32_t)n, MN_RELAXED, 0);
}

void mn_model_fence(void)
{
	if (mn_g.cur)
		suspend(mn_g.cur, MN_OP_FENCE, NULL, 0, MN_SEQ_CST, 0);
}

void mn_model_spin(volatile void *addr, unsigned size)
{
	if (mn_g.cur)
		suspend(mn_g.cur, MN_OP_SPIN, (unsigned char *)addr, size, MN_RELAXED, 0);
}

void mn_model_notify(void *tag)
{
	(void)tag;
	if (mn_g.cur)
		suspend(mn_g.cur, MN_OP_NOTIFY, NULL, 0, MN_RELAXED, 0);
}

/* ---- committed memory ----------------------------------------------------------------------- */

static int overlaps(const unsigned char *a, uint32_t an, const unsigned char *b, uint32_t bn)
{
	return a < b + bn && b < a + an;
}

static int in_ring(const unsigned char *p, uint32_t n)
{
	return overlaps(p, n ? n : 1, mn_g.ring, (uint32_t)mn_g.ringlen);
}

/* Every change to committed memory goes through here: lifecycle check, the commit log for
 * spinners, coverage, waking actors blocked on this address. */
static void commit(struct actor *a, unsigned char *addr, uint32_t size, const unsigned char *bytes,
		   uint64_t val)
{
	struct commit_rec *c;
	uint64_t before = size <= 8 ? rd(addr, size) : 0;
	int i;

	DP_ACCESS(addr, size, 1);     /* even a same-value store: the order still decides the oracles */
	if (mn_g.ring_freed && in_ring(addr, size) && a->kind != MN_ACTOR_CONSUMER)
		sched_violation(MN_VIO_USE_AFTER_FREE,
				"lifecycle: actor %d's store reached the ring after mn_os_released() "
				"(use of a freed ring)", a->id);
	if (bytes ? memcmp(addr, bytes, size) == 0 : rd(addr, size) == (val & mask_of(size))) {
		/* Same value (a failed test-and-set, a rewrite): nothing a spinner or a poller can see
		 * changed, so nobody wakes (two spinners would otherwise wake each other forever). */
		oracle_commit(addr, size, before);
		return;
	}
	if (bytes)
		memcpy(addr, bytes, size);
	else
		wr(addr, size, val);
	mn_g.committed = 1;
	c = &mn_g.log[mn_g.commit_seq % COMMIT_LOG];
	c->addr = addr;
	c->size = size;
	c->actor = a->id;
	c->seq = ++mn_g.commit_seq;
	oracle_commit(addr, size, before);
	for (i = 0; i < mn_g.nactors; i++) {
		struct actor *b = mn_g.a[i];

		if (b == a)
			continue;
		/* An idle consumer polls the ring: only a change of ring memory can end its wait. */
		if ((b->state == MN_AS_SPINNING && overlaps(b->spin_addr, 1, addr, size)) ||
		    (b->state == MN_AS_IDLE && in_ring(addr, size)))
			sched_wake(b);
	}
}

/* Did another actor change addr after sequence `since`? */
static int changed_since(const struct actor *a, const unsigned char *addr, uint64_t since)
{
	uint64_t s;

	if (mn_g.commit_seq - since >= COMMIT_LOG)
		return 1;
	for (s = mn_g.commit_seq; s > since; s--) {
		const struct commit_rec *c = &mn_g.log[(s - 1) % COMMIT_LOG];

		if (c->actor != a->id && overlaps(c->addr, c->size, addr, 1))
			return 1;
	}
	return 0;
}

void mem_read_view(struct actor *a, unsigned char *addr, uint32_t size, unsigned char *out)
{
	uint32_t i;

	memcpy(out, addr, size);
	for (i = 0; i < a->nsb; i++) {
		const struct sb_entry *e = &a->sb[i];
		const unsigned char *lo, *hi;

		if (!overlaps(e->addr, e->size, addr, size))
			continue;
		lo = e->addr > addr ? e->addr : addr;
		hi = e->addr + e->size < addr + size ? e->addr + e->size : addr + size;
		if (e->region) {
			memcpy(out + (lo - addr), e->bytes + (lo - e->addr), (size_t)(hi - lo));
		} else {
			unsigned char v[8];

			memcpy(v, &e->val, 8);
			memcpy(out + (lo - addr), v + (lo - e->addr), (size_t)(hi - lo));
		}
		COV(MN_COV_FORWARDED);
	}
}

void mem_commit_entry(struct actor *a, uint32_t i)
{
	struct sb_entry e = a->sb[i];

	if (i > 0)
		COV(MN_COV_REORDERED);
	if (a->nsb == 1)
		DP_LOC(DPL_SB + a->id, 1, 1);   /* the buffer becomes empty */
	memmove(&a->sb[i], &a->sb[i + 1], (a->nsb - i - 1) * sizeof(a->sb[0]));
	a->nsb--;
	commit(a, e.addr, e.size, e.region ? e.bytes : NULL, e.val);
}

void mem_flush(struct actor *a)
{
	/* DPOR: the commits are recorded as writes; that the flush disables the actor's drain
	 * pseudo-threads is handled by dpor.c's disabled-transition check */
	while (a->nsb)
		mem_commit_entry(a, 0);
}

/* TSO: only the oldest entry drains. PSO: an entry drains when no older entry of its actor
 * overlaps it (per-address FIFO) and, for a RELEASE store, when it is the oldest of all. */
int mem_drainable(const struct actor *a, uint32_t i)
{
	uint32_t j;

	if (i == 0)
		return 1;
	if (mn_g.w.mm != MN_MM_PSO || a->sb[i].order == MN_RELEASE)
		return 0;
	for (j = 0; j < i; j++)
		if (overlaps(a->sb[j].addr, a->sb[j].size, a->sb[i].addr, a->sb[i].size))
			return 0;
	return 1;
}

static void buffer_store(struct actor *a, unsigned char *addr, uint32_t size, int order,
			 uint64_t val, const unsigned char *bytes)
{
	struct sb_entry *e;

	if (a->nsb == SB_CAP) {
		DP_GLOBAL();
		mem_commit_entry(a, 0);   /* a finite buffer: the oldest store leaves first */
	}
	if (a->nsb == 0)
		DP_LOC(DPL_SB + a->id, 1, 1);   /* the buffer becomes non-empty */
	e = &a->sb[a->nsb++];
	e->ev = mn_g.dp_ev;
	e->addr = addr;
	e->size = size;
	e->order = (uint8_t)order;
	e->region = bytes != NULL;
	e->val = val;
	e->bytes = NULL;
	if (bytes) {
		if (mn_g.arena_used + size > ARENA_BYTES) {
			a->nsb--;
			mem_flush(a);
			commit(a, addr, size, bytes, 0);
			return;
		}
		e->bytes = mn_g.arena + mn_g.arena_used;
		mn_g.arena_used += (size + 7) & ~7u;
		memcpy(e->bytes, bytes, size);
	}
}

static void store(struct actor *a, unsigned char *addr, uint32_t size, int order, uint64_t val,
		  const unsigned char *bytes)
{
	if (mn_g.w.mm == MN_MM_SC)
		commit(a, addr, size, bytes, val);
	else
		buffer_store(a, addr, size, order, val, bytes);
}

static void check_access(struct actor *a, unsigned char *addr, uint32_t size)
{
	if (mn_g.ring_freed && addr && in_ring(addr, size) && a->kind != MN_ACTOR_CONSUMER)
		sched_violation(MN_VIO_USE_AFTER_FREE,
				"lifecycle: actor %d (%s) accessed the ring after mn_os_released() "
				"(use of a freed entry/ring)", a->id,
				a->kind == MN_ACTOR_PRODUCER ? "producer" : "unplugger");
}

/* Executes a's pending ordering-layer operation (scheduler context) and records the step. */
void mem_exec(struct actor *a)
{
	struct pending *p = &a->pend;
	unsigned char v[8];
	uint64_t old, val = 0;
	int buffered = 0;

	check_access(a, p->addr, p->size);
	switch (p->op) {
	case MN_OP_LOAD:
		DP_ACCESS(p->addr, p->size, 0);
		mem_read_view(a, p->addr, p->size, v);
		val = rd(v, p->size);
		a->last_load = p->addr;
		a->last_load_seq = mn_g.commit_seq;
		break;
	case MN_OP_STORE:
		val = p->val & mask_of(p->size);
		oracle_lock_op(a, MN_OP_STORE, p->addr, val, 0);
		store(a, p->addr, p->size, p->order, val, NULL);
		buffered = mn_g.w.mm != MN_MM_SC;
		break;
	case MN_OP_FENCE:
		mem_flush(a);
		break;
	case MN_OP_TAS:
	case MN_OP_FETCH_ADD:
		/* Atomic RMWs are fully ordered on x86 (locked instructions): drain first. */
		mem_flush(a);
		DP_ACCESS(p->addr, p->size, 0);
		old = rd(p->addr, p->size);
		val = p->op == MN_OP_TAS ? 1 : (old + p->val) & mask_of(p->size);
		commit(a, p->addr, p->size, NULL, val);
		oracle_lock_op(a, p->op, p->addr, val, old);
		a->last_load = p->addr;
		a->last_load_seq = mn_g.commit_seq;
		val = old;
		break;
	case MN_OP_COPY_IN:
		store(a, p->addr, p->size, MN_RELAXED, 0, p->src);
		buffered = mn_g.w.mm != MN_MM_SC;
		memcpy(&val, p->src, p->size < 8 ? p->size : 8);
		break;
	case MN_OP_COPY_OUT:
		DP_ACCESS(p->addr, p->size, 0);
		mem_read_view(a, p->addr, p->size, p->dst);
		memcpy(&val, p->dst, p->size < 8 ? p->size : 8);
		break;
	case MN_OP_SPIN:
		DP_GLOBAL();              /* reads the commit log: dependent with everything */
		/* Blocks only if nobody stored to addr since this actor last loaded it. */
		if (a->last_load != p->addr || !changed_since(a, p->addr, a->last_load_seq)) {
			a->state = MN_AS_SPINNING;
			a->spin_addr = p->addr;
			COV(MN_COV_SPIN_BLOCKED);
		}
		break;
	case MN_OP_NOTIFY:
		DP_LOC(DPL_NOTIFY, 1, 1);   /* a sleeping consumer's wakeup makes the event global */
		mn_g.notify_pending++;
		COV(MN_COV_NOTIFIED);
		if (mn_g.consumer_id >= 0 && mn_g.a[mn_g.consumer_id]->state == MN_AS_SLEEPING)
			sched_wake(mn_g.a[mn_g.consumer_id]);
		break;
	}
	a->ret = val;
	sched_record(a, p->op, p->addr, p->size, p->order, val, buffered);
}

/* ---- reduction: private locations (see "Reduction" in model.h) ------------------------------ */

void mem_reduction_setup(void)
{
	const struct mn_model_workload *w = &mn_g.w;
	int multi = w->nproducers > 1, unplug = w->unplugger != 0, cons = w->consumer != 0;
	uint32_t p = 0;

	mn_g.red_on = w->reduce && w->proto != MN_MODEL_LITMUS && w->consumer != MN_CONSUMER_EXTERNAL;
	mn_g.red_target = w->kill_actor;
	if (!cons && !multi && !unplug)
		p |= RED_RING_ALL;
	if (!multi && !unplug)
		p |= RED_COUNTERS;
	if (!(cons && w->consumer_waits) && !unplug)
		p |= RED_WAKE;
	if (!unplug)
		p |= RED_STATE;
	if (!unplug && !multi)
		p |= RED_USERS;
	if (!multi)
		p |= RED_PLOCK;
	mn_g.red_private = p;
}

static int within(uint64_t off, uint32_t size, uint64_t lo, uint64_t hi)
{
	return off >= lo && off + size <= hi;
}

static int private_loc(const unsigned char *addr, uint32_t size)
{
	uint32_t p = mn_g.red_private;

	if (addr >= mn_g.ring && addr < mn_g.ring + mn_g.ringlen) {
		uint64_t off = (uint64_t)(addr - mn_g.ring);

		if (p & RED_RING_ALL)
			return 1;
		if ((p & RED_COUNTERS) && within(off, size, MN_OFF_ERROR, MN_HDR_SIZE))
			return 1;
		return (p & RED_WAKE) && within(off, size, MN_OFF_WAKE, MN_OFF_WAKE + 4);
	}
	if (mn_g.entry && addr >= (const unsigned char *)mn_g.entry &&
	    addr < (const unsigned char *)(mn_g.entry + 1)) {
		const struct mn_entry *e = mn_g.entry;
		uint64_t off = (uint64_t)(addr - (const unsigned char *)e);

		if (within(off, size, offsetof(struct mn_entry, ifindex), offsetof(struct mn_entry, ifindex) + 4))
			return 1;     /* written by mn_plug before the run only */
		if (within(off, size, offsetof(struct mn_entry, state), offsetof(struct mn_entry, state) + 4))
			return (p & RED_STATE) != 0;
		if (within(off, size, offsetof(struct mn_entry, users), offsetof(struct mn_entry, users) + 4))
			return (p & RED_USERS) != 0;
		if (within(off, size, offsetof(struct mn_entry, plock), offsetof(struct mn_entry, plock) + 4))
			return (p & RED_PLOCK) != 0;
		return 0;
	}
	/* The other registry entries are only read during a run (the unplugger's lookup). */
	return mn_g.table && addr > (const unsigned char *)mn_g.entry &&
	       addr < (const unsigned char *)(mn_g.table + MN_MAX_PLUGS);
}

/*
 * Reduction of drains: a buffered store to a private location is invisible to the other actors,
 * so when it drains does not matter (its owner reads the same value from its buffer or from
 * memory); draining it as soon as it may drain loses no behaviour and frees the FIFO (TSO) or
 * the release order (PSO) behind it at the earliest point. Returns the number of drains done.
 */
int mem_drain_private(void)
{
	int i, n = 0;
	uint32_t j;

	if (!mn_g.red_on)
		return 0;
	for (i = 0; i < mn_g.nactors; i++) {
		struct actor *a = mn_g.a[i];

		for (j = 0; j < a->nsb; j++) {
			struct sb_entry e = a->sb[j];

			if (!private_loc(e.addr, e.size) || !mem_drainable(a, j))
				continue;
			mem_commit_entry(a, j);
			sched_record(a, MN_MOP_DRAIN, e.addr, e.size, e.order, e.region ? 0 : e.val, 0);
			n++;
			j = (uint32_t)-1;    /* rescan: what stood behind it may drain now */
		}
	}
	return n;
}

/* May a's pending operation run without a decision point? */
int mem_private_op(const struct actor *a)
{
	uint32_t i;

	if (!mn_g.red_on || a->id == mn_g.red_target)
		return 0;
	switch (a->pend.op) {
	case MN_OP_LOAD:
	case MN_OP_STORE:
	case MN_OP_COPY_IN:
	case MN_OP_COPY_OUT:
		return private_loc(a->pend.addr, a->pend.size);
	case MN_OP_TAS:
	case MN_OP_FETCH_ADD:
		if (!private_loc(a->pend.addr, a->pend.size))
			return 0;
		__attribute__((fallthrough));   /* they drain the buffer like a fence */
	case MN_OP_FENCE:
		for (i = 0; i < a->nsb; i++)
			if (!private_loc(a->sb[i].addr, a->sb[i].size))
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* ---- address -> field names ------------------------------------------------------------------ */

static const struct { uint8_t off, size, field; } hdr_fields[] = {
	{ MN_OFF_CUR, 2, MN_FLD_CUR }, { MN_OFF_AVAIL, 2, MN_FLD_AVAIL },
	{ MN_OFF_SIZE, 2, MN_FLD_SIZE }, { MN_OFF_SLOTSIZE, 2, MN_FLD_SLOTSIZE },
	{ MN_OFF_MAGIC, 4, MN_FLD_MAGIC }, { MN_OFF_DATAOFF, 4, MN_FLD_DATAOFF },
	{ MN_OFF_LOCK, 4, MN_FLD_LOCK }, { MN_OFF_WAKE, 4, MN_FLD_WAKE },
	{ MN_OFF_ERROR, 4, MN_FLD_ERROR }, { MN_OFF_DROP_FULL, 4, MN_FLD_DROP_FULL },
	{ MN_OFF_DROP_OVERSIZE, 4, MN_FLD_DROP_OVERSIZE }, { MN_OFF_DROP_BUSY, 4, MN_FLD_DROP_BUSY },
	{ MN_OFF_FRAMES, 8, MN_FLD_FRAMES }, { MN_OFF_BYTES, 8, MN_FLD_BYTES },
	{ MN_OFF_DROP_ERROR, 4, MN_FLD_DROP_ERROR }, { MN_OFF_NOTIFY, 4, MN_FLD_NOTIFY },
};

void mem_classify(const unsigned char *addr, struct mn_model_step *s)
{
	s->index = 0;
	s->off = 0;
	if (!addr) {
		s->field = MN_FLD_NONE;
		return;
	}
	if (addr >= mn_g.ring && addr < mn_g.ring + mn_g.ringlen) {
		uint64_t off = (uint64_t)(addr - mn_g.ring);
		uint32_t size = mn_g.geom.size;
		unsigned i;

		s->off = (uint32_t)off;
		if (off < MN_HDR_SIZE) {
			for (i = 0; i < sizeof(hdr_fields) / sizeof(hdr_fields[0]); i++) {
				if (off >= hdr_fields[i].off && off < hdr_fields[i].off + hdr_fields[i].size) {
					s->field = hdr_fields[i].field;
					s->off = (uint32_t)(off - hdr_fields[i].off);
					return;
				}
			}
			s->field = MN_FLD_RING_OTHER;
			return;
		}
		if (mn_g.w.proto != MN_MODEL_LITMUS && size && off < MN_HDR_SIZE + 2ull * size) {
			s->field = MN_FLD_LEN;
			s->index = (uint32_t)((off - MN_HDR_SIZE) / 2);
			s->off = (uint32_t)((off - MN_HDR_SIZE) % 2);
			return;
		}
		if (mn_g.w.proto != MN_MODEL_LITMUS && size && off >= mn_g.geom.dataoff &&
		    off < mn_g.geom.dataoff + (uint64_t)size * mn_g.geom.slotsize) {
			s->field = MN_FLD_SLOT;
			s->index = (uint32_t)((off - mn_g.geom.dataoff) / mn_g.geom.slotsize);
			s->off = (uint32_t)((off - mn_g.geom.dataoff) % mn_g.geom.slotsize);
			return;
		}
		s->field = MN_FLD_RING_OTHER;
		return;
	}
	if (mn_g.table && addr >= (const unsigned char *)mn_g.table &&
	    addr < (const unsigned char *)(mn_g.table + MN_MAX_PLUGS)) {
		uint64_t off = (uint64_t)(addr - (const unsigned char *)mn_g.table);
		uint32_t in = (uint32_t)(off % sizeof(struct mn_entry));

		s->index = (uint32_t)(off / sizeof(struct mn_entry));
		s->off = in;
		if (in < 4)
			s->field = MN_FLD_E_STATE;
		else if (in < 8)
			s->field = MN_FLD_E_IFINDEX;
		else if (in < 12)
			s->field = MN_FLD_E_USERS;
		else if (in < 16)
			s->field = MN_FLD_E_PLOCK;
		else
			s->field = MN_FLD_OTHER;
		return;
	}
	s->field = MN_FLD_OTHER;
}
