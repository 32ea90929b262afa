/* SPDX-License-Identifier: ISC */
/*
 * mnetif's oracles, as rt hooks: header invariants (mn_ring_check() itself, after every step that
 * changed committed memory), the sequential reference model (frames), the lock oracle, the
 * lifecycle (use after mn_os_released()), coverage of abstract states, and the end-of-run checks
 * at quiescence (lost wakeup, accounting). api.c puts them in the ring workload's struct
 * rt_workload.
 */
#include "mnetif.h"

#include <errno.h>
#include <string.h>

static const char *actor_kind_name(int kind)
{
	static const char *const n[] = { "none", "producer", "consumer", "unplugger", "killer",
					 "litmus", "hostile" };

	return kind >= 0 && kind <= MN_ACTOR_HOSTILE ? n[kind] : "?";
}

/*
 * DPOR pseudo-locations of frame k of producer p's result, one for "recorded as published" (0)
 * and one for "recorded as dropped" (+1). A delivery that matches the frame reads only the
 * second: the frame matches whether its push has returned 0 yet or not (the in-flight rule), so
 * the delivery commutes with the recording of a 0; a frame it looks at and passes over reads
 * what decides how it is passed over (below).
 */
_Static_assert(MN_DEP_FRAME + 2 * MN_MODEL_MAX_PRODUCERS * MN_MODEL_MAX_FRAMES <= 128,
	       "dep_frame's pseudo-locations must fit rt_dep_pseudo's 128 (else every step is global)");

static uint32_t dep_frame(uint32_t p, uint32_t k)
{
	return MN_DEP_FRAME + 2 * (p * MN_MODEL_MAX_FRAMES + k);
}

void oracle_push_result(struct mn_ctx *m, int p, int k, int err)
{
	rt_dep_pseudo(m->rt, dep_frame((uint32_t)p, (uint32_t)k) + (err != 0), 1, 1);
	if (m->w.hostile)
		rt_dep_pseudo(m->rt, MN_DEP_ORACLE, 1, 0);   /* the hostile's count (below) */
	m->r->push_result[p][k] = err;
	/* What the producer can have read is what reached memory: a committed hostile store, or
	 * under ARM a promised one (it executes later in the hostile's own order). */
	if (err == -EIO && m->w.hostile && !m->hostile_visible)
		rt_violation(m->rt, MN_VIO_ERROR_FLAG, "error flag: producer %d's frame %d dropped as "
			     "corrupt (-EIO) before any hostile store reached memory", p, k);
	switch (err) {
	case -ENOBUFS: COV(m, MN_COV_DROP_FULL); break;
	case -EMSGSIZE: COV(m, MN_COV_DROP_OVERSIZE); break;
	case -EBUSY: COV(m, MN_COV_DROP_BUSY); break;
	case -EIO: COV(m, MN_COV_DROP_ERROR); break;
	case -ENODEV: COV(m, MN_COV_NOT_PLUGGED); break;
	}
}

static int frame_equal(const struct mn_ctx *m, uint32_t p, uint32_t k, const unsigned char *buf,
		       uint32_t len)
{
	uint32_t j;

	if (len != m->w.frame_len[p][k])
		return 0;
	for (j = 0; j < len; j++)
		if (buf[j] != mn_model_frame_byte(p, k, m->w.frame_seed[p][k], j))
			return 0;
	return 1;
}

/*
 * The consumer hands a frame to its handler. It must be, for some producer p, the first frame from
 * next_frame[p] on that was published or is still being pushed; dropped frames are skipped; a
 * published frame skipped over is a lost (or reordered) frame.
 */
void oracle_deliver(struct mn_ctx *m, const unsigned char *buf, uint32_t len)
{
	struct mn_model_result *r = m->r;
	uint32_t p, k, n = r->ndelivered;
	int fp = -1, fk = -1, lost_p = -1, lost_k = -1;

	/* writes the deliveries; reads the results it looks at (dep_frame) */
	rt_dep_pseudo(m->rt, MN_DEP_ORACLE, 1, 1);

	rt_note(m->rt, MN_MOP_DELIVER, len, len);
	for (p = 0; p < m->w.nproducers && fp < 0; p++) {
		int skipped = -1;

		for (k = m->next_frame[p]; k < m->w.nframes[p]; k++) {
			int res = r->push_result[p][k];
			uint32_t d = dep_frame(p, k);

			if (res != 0 && res != MN_MODEL_NOT_PUSHED) {
				rt_dep_pseudo(m->rt, d + 1, 1, 0);
				continue;                       /* dropped: never in the ring */
			}
			if (frame_equal(m, p, k, buf, len)) {
				/* the same whether a 0 is recorded yet: only a drop changes it */
				rt_dep_pseudo(m->rt, d + 1, 1, 0);
				fp = (int)p;
				fk = (int)k;
				if (skipped >= 0) {
					lost_p = (int)p;
					lost_k = skipped;
				}
				break;
			}
			/* passed over in flight: either recording changes that; published: its 0 */
			rt_dep_pseudo(m->rt, d, res == MN_MODEL_NOT_PUSHED ? 2 : 1, 0);
			if (res == MN_MODEL_NOT_PUSHED) {
				rt_dep_pseudo(m->rt, MN_DEP_BATCH + p, 1, 0);
				if (k + 1 < m->batch_end[p])
					continue;               /* in flight: may yet be dropped */
				break;                          /* later frames are not pushed yet */
			}
			if (skipped < 0)
				skipped = (int)k;
		}
	}
	if (n < MN_MODEL_MAX_DELIVERED) {
		r->delivered[n].producer = (int8_t)fp;
		r->delivered[n].frame = (int8_t)fk;
		r->delivered[n].released = 0;
		r->delivered[n].len = len;
		r->ndelivered++;
	}
	if (fp < 0) {
		rt_violation(m->rt, MN_VIO_FRAME_CORRUPT,
				"reference model: delivered frame #%u (len %u, byte0 0x%02x) is not the "
				"next published frame of any producer (duplicate, stale or corrupt bytes)",
				n, len, len ? buf[0] : 0);
		return;
	}
	if (lost_p >= 0)
		rt_violation(m->rt, MN_VIO_FRAME_LOST,
				"reference model: frame %d.%d was published but frame %d.%d was delivered "
				"first (lost or reordered)", lost_p, lost_k, fp, fk);
	m->next_frame[fp] = (uint32_t)fk + 1;
	m->got[fp][fk] = 1;
}

/* A batch returned: its frames' fates are known now. A published frame of it that a delivery
 * skipped while the batch was in flight was lost (or reordered). */
void oracle_batch_done(struct mn_ctx *m, int p, int first, int n)
{
	int k;

	/* writes p's batch_end, reads the deliveries */
	rt_dep_pseudo(m->rt, MN_DEP_BATCH + (uint32_t)p, 1, 1);
	rt_dep_pseudo(m->rt, MN_DEP_ORACLE, 1, 0);

	m->batch_end[p] = 0;
	for (k = first; k < first + n; k++)
		if (m->r->push_result[p][k] == 0 && (uint32_t)k < m->next_frame[p] && !m->got[p][k]) {
			rt_violation(m->rt, MN_VIO_FRAME_LOST,
					"reference model: frame %d.%d was published (batch %d.%d..%d) but "
					"a later frame was delivered first (lost or reordered)", p, k, p,
					first, first + n - 1);
			return;
		}
}

/* The consumer popped its last n deliveries. */
void oracle_released(struct mn_ctx *m, uint32_t n)
{
	struct mn_model_result *r = m->r;
	uint32_t i;

	for (i = 0; i < n && i < r->ndelivered; i++)
		r->delivered[r->ndelivered - 1 - i].released = 1;
}

static void acquire(struct mn_ctx *m, int a, int w)
{
	static const char *const names[2] = { "sr_lock", "entry.plock" };

	if (m->holder[w] >= 0 && m->holder[w] != a)
		rt_violation(m->rt, MN_VIO_TWO_HOLDERS, "lock: actors %d and %d both hold %s (mutual "
			     "exclusion)", m->holder[w], a, names[w]);
	m->holder[w] = a;
	if (w == 0)
		m->act[a].tas_streak = 0;
}

/* rt's on_write hook (every store, every RMW). Tracks who believes it holds sr_lock / the entry's
 * plock: a test-and-set that read 0, or (the TAS_PLAIN zoo) a plain store of 1, acquires; a store
 * of 0 by the holder releases. */
void oracle_lock_op(struct rt *rt, void *ctx, int a, int op, const void *addr, uint64_t val,
		    uint64_t old)
{
	struct mn_ctx *m = ctx;
	uint32_t retries = m->w.lock_retries ? m->w.lock_retries : MN_LOCK_RETRIES;
	int w;

	if (m->w.hostile && a == m->hostile_id)
		return;         /* the hostile peer is not bound by the lock protocol */
	if (addr == m->ring + MN_OFF_LOCK)
		w = 0;
	else if (m->entry && addr == (const void *)&m->entry->plock)
		w = 1;
	else
		return;
	if (op == RT_OP_CAS)
		return;         /* the ring code takes its locks with test-and-set only */
	/* the holders are oracle state: a BUFFERED store of 0/1 (TSO/PSO) changes them at once */
	rt_dep_pseudo(rt, MN_DEP_HOLDER, 1, 1);
	if (op == RT_OP_TAS) {
		if (old == 0) {
			acquire(m, a, w);
			return;
		}
		COV(m, MN_COV_LOCK_CONTENDED);
		if (w == 0 && m->act[a].kind == MN_ACTOR_PRODUCER && ++m->act[a].tas_streak > retries)
			rt_violation(rt, MN_VIO_RETRIES, "lock: actor %d (%s) failed %u test-and-sets "
				     "in a row (bound %u)", a, actor_kind_name(m->act[a].kind),
				     m->act[a].tas_streak, retries);
		return;
	}
	if (val == 1)
		acquire(m, a, w);
	else if (val == 0 && m->holder[w] == a)
		m->holder[w] = -1;
}

static uint32_t committed_fill(const struct mn_ctx *m, int *known)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)m->ring;
	uint16_t cur = mn_observe((const mn_u16 *)(m->ring + mn_off_cons(m->w.proto)));
	uint16_t avail = mn_observe(&h->sr_avail);

	*known = 1;
	if (m->w.proto == MN_PROTO_V2 || m->w.proto == MN_PROTO_V3)
		return (uint16_t)(avail - cur);
	if (m->w.proto == MN_PROTO_V1 && mn_observe(&h->sr_lock))
		*known = 0;                     /* a (killed) holder may be half-way through */
	return avail;
}

/* rt's on_commit hook: coverage of wraps and of a full ring. */
void oracle_commit(struct rt *rt, void *ctx, int actor, const void *addr, uint32_t size,
			  uint64_t before)
{
	struct mn_ctx *m = ctx;
	const unsigned char *cons = m->ring + mn_off_cons(m->w.proto);
	int known, sw = m->w.proto == MN_PROTO_V2 || m->w.proto == MN_PROTO_V3;

	(void)rt;
	if (actor >= 0 && actor == m->hostile_id)
		m->hostile_visible = 1;
	if (size != 2)
		return;
	if (addr == cons || addr == m->ring + MN_OFF_AVAIL) {
		uint16_t now = mn_observe((const mn_u16 *)addr);

		if (sw && now < (uint16_t)before)
			COV(m, MN_COV_WRAP_V2);    /* v2 and v3: a free-running index wrapped */
		if (!sw && addr == cons && now == 0 && before != 0)
			COV(m, MN_COV_WRAP_V1);
		/* Raw fill: under the v1 lock too (the holder's stores are what fill the ring). */
		if (committed_fill(m, &known) >= m->geom.size)
			COV(m, MN_COV_RING_FULL);
	}
}

/* rt's after_step hook: the header invariants. */
void oracle_header(struct rt *rt, void *ctx)
{
	struct mn_ctx *m = ctx;
	int inv;

	if (m->w.hostile)
		return;         /* the hostile peer breaks the invariants on purpose */
	inv = mn_ring_check(m->ring, &m->geom);
	if (inv)
		rt_violation(rt, MN_VIO_INVARIANT, "header invariant %s violated",
			     mn_invariant_name(inv));
}

/* rt's on_retired hook: after mn_os_released() the ring is freed; the consumer owns it and may
 * keep reading it, anyone else's access is a use after free. */
void oracle_lifecycle(struct rt *rt, void *ctx, int a, const void *addr, uint32_t size,
			     int commit)
{
	struct mn_ctx *m = ctx;

	if (m->beyond_region >= 0 && (const unsigned char *)addr >= (const unsigned char *)m->beyond_rg.base) {
		rt_violation(rt, MN_VIO_OUT_OF_BOUNDS, "no access outside the ring: actor %d (%s) %s "
			     "%u bytes at ring offset %llu (the ring has %llu bytes)", a,
			     actor_kind_name(m->act[a].kind), commit ? "commits" : "accesses", size,
			     (unsigned long long)((const unsigned char *)addr - m->ring),
			     (unsigned long long)m->ringlen);
		return;
	}
	if (commit)
		rt_violation(rt, MN_VIO_USE_AFTER_FREE,
			     "lifecycle: actor %d's store reached the ring after mn_os_released() "
			     "(use of a freed ring)", a);
	else
		rt_violation(rt, MN_VIO_USE_AFTER_FREE,
			     "lifecycle: actor %d (%s) accessed the ring after mn_os_released() "
			     "(use of a freed entry/ring)", a,
			     m->act[a].kind == MN_ACTOR_PRODUCER ? "producer" : "unplugger");
}

/* Each push's result in exactly one counter, the header's copies equal the private ones. */
static void check_counters(struct mn_ctx *m, uint32_t published, uint32_t full, uint32_t oversize,
			   uint32_t busy, uint32_t error)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)m->ring;
	const struct mn_counters *c = &m->entry->prod.c;

	if (c->frames != published || c->drop_full != full || c->drop_oversize != oversize ||
	    c->drop_busy != busy || c->drop_error != error)
		rt_violation(m->rt, MN_VIO_ACCOUNTING,
				"counters: frames/full/oversize/busy/error = %u/%u/%u/%u/%u but "
				"the pushes returned %u/%u/%u/%u/%u (each frame in exactly one "
				"counter)", (uint32_t)c->frames, c->drop_full, c->drop_oversize,
				c->drop_busy, c->drop_error, published, full, oversize, busy,
				error);
	else if (mn_observe(&h->sr_frames) != c->frames ||
		 mn_observe(&h->sr_drop_full) != c->drop_full ||
		 mn_observe(&h->sr_drop_busy) != c->drop_busy ||
		 mn_observe(&h->sr_drop_oversize) != c->drop_oversize ||
		 mn_observe(&h->sr_drop_error) != c->drop_error)
		rt_violation(m->rt, MN_VIO_ACCOUNTING,
				"counters: the shared copies in the header differ from the "
				"producer's private counters at quiescence");
}

/* The push results by kind: published, full, oversize, busy, error. */
static void tally(const struct mn_ctx *m, uint32_t t[5])
{
	uint32_t p, k;

	memset(t, 0, 5 * sizeof(t[0]));
	for (p = 0; p < m->w.nproducers; p++)
		for (k = 0; k < m->w.nframes[p]; k++)
			switch (m->r->push_result[p][k]) {
			case 0: t[0]++; break;
			case -ENOBUFS: t[1]++; break;
			case -EMSGSIZE: t[2]++; break;
			case -EBUSY: t[3]++; break;
			case -EIO: t[4]++; break;
			}
}

/* At quiescence against a hostile peer: every frame counted, the error flag raised for -EIO. */
static void hostile_end(struct mn_ctx *m)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)m->ring;
	uint32_t t[5];

	if (!m->entry)
		return;
	tally(m, t);
	if (t[4] && (m->entry->prod.c.error == MN_ERR_NONE ||
		     mn_observe(&h->sr_error) != m->entry->prod.c.error)) {
		rt_violation(m->rt, MN_VIO_ERROR_FLAG, "error flag: %u frame(s) dropped as corrupt but "
			     "sr_error is %u (the producer's first cause: %u)", t[4],
			     mn_observe(&h->sr_error), m->entry->prod.c.error);
		return;
	}
	check_counters(m, t[0], t[1], t[2], t[3], t[4]);
}

/* rt's at_end hook, at quiescence: lost wakeup, then conservation of frames and the drop
 * counters. */
void oracle_end(struct rt *rt, void *ctx)
{
	struct mn_ctx *m = ctx;
	struct mn_model_result *r = m->r;
	uint32_t k, delivered = 0, inflight = 0, in_ring, t[5];
	int known, killed_producer = 0, i;

	in_ring = committed_fill(m, &known);
	r->still_in_ring = in_ring;
	if (m->w.hostile) {
		hostile_end(m);
		return;
	}
	if (m->consumer_id >= 0 && rt_actor_state(rt, m->consumer_id) == RT_WAITING &&
	    known && in_ring > 0 && rt_channel_pending(rt, 0) == 0) {
		rt_violation(rt, MN_VIO_LOST_WAKEUP,
				"no lost wakeup: the consumer sleeps on the event channel while %u "
				"frame(s) are in the ring and no notification is pending", in_ring);
		return;
	}
	for (i = 0; i < m->nactors; i++) {
		const struct mn_actor_info *a = &m->act[i];

		if (a->kind == MN_ACTOR_PRODUCER && rt_actor_state(rt, i) == RT_KILLED) {
			killed_producer = 1;
			for (k = 0; a->frame >= 0 && k < (uint32_t)a->nframes; k++)
				inflight += r->push_result[a->producer][a->frame + (int)k] ==
					    MN_MODEL_NOT_PUSHED;
		}
	}
	tally(m, t);
	for (k = 0; k < r->ndelivered; k++)
		delivered += r->delivered[k].released;
	if (known && (delivered + in_ring < t[0] || delivered + in_ring > t[0] + inflight)) {
		rt_violation(rt, MN_VIO_ACCOUNTING,
				"reference model: %u frame(s) published but %u delivered + %u still in the "
				"ring (frames lost or duplicated)", t[0], delivered, in_ring);
		return;
	}
	if (killed_producer || !m->entry)
		return;
	check_counters(m, t[0], t[1], t[2], t[3], t[4]);
}

/* rt's finishing hook: while an external consumer runs on to its end after the verdict, what it
 * does is not part of the result. */
void mn_finishing(struct rt *rt, void *ctx, int done)
{
	struct mn_ctx *m = ctx;

	(void)rt;
	if (!done)
		m->keep = *m->r;
	else
		*m->r = m->keep;
}
