/* SPDX-License-Identifier: ISC */
/*
 * Oracles checked during the run: the sequential reference model (frames), the lock oracle,
 * coverage of abstract states, and the end-of-run checks at quiescence. Header invariants are
 * mn_ring_check() itself, called by the scheduler after every step that changed committed memory.
 */
#include "runtime.h"

#include <errno.h>

static const char *actor_kind_name(int kind)
{
	static const char *const n[] = { "none", "producer", "consumer", "unplugger", "killer",
					 "litmus" };

	return kind >= 0 && kind <= MN_ACTOR_LITMUS ? n[kind] : "?";
}

void oracle_push_result(int p, int k, int err)
{
	DP_LOC(DPL_ORACLE, 1, 1);   /* the reference model's state: shared by all actors */
	mn_g.r->push_result[p][k] = err;
	switch (err) {
	case -ENOBUFS: COV(MN_COV_DROP_FULL); break;
	case -EMSGSIZE: COV(MN_COV_DROP_OVERSIZE); break;
	case -EBUSY: COV(MN_COV_DROP_BUSY); break;
	case -EIO: COV(MN_COV_DROP_ERROR); break;
	case -ENODEV: COV(MN_COV_NOT_PLUGGED); break;
	}
}

static int frame_equal(uint32_t p, uint32_t k, const unsigned char *buf, uint32_t len)
{
	uint32_t j;

	if (len != mn_g.w.frame_len[p][k])
		return 0;
	for (j = 0; j < len; j++)
		if (buf[j] != mn_model_frame_byte(p, k, mn_g.w.frame_seed[p][k], j))
			return 0;
	return 1;
}

/*
 * The consumer hands a frame to its handler. It must be, for some producer p, the first frame from
 * next_frame[p] on that was published or is still being pushed; dropped frames are skipped; a
 * published frame skipped over is a lost (or reordered) frame.
 */
void oracle_deliver(const unsigned char *buf, uint32_t len)
{
	struct mn_model_result *r = mn_g.r;
	struct actor *me = mn_g.cur;
	uint32_t p, k, n = r->ndelivered;
	int fp = -1, fk = -1, lost_p = -1, lost_k = -1;

	DP_LOC(DPL_ORACLE, 1, 1);   /* the reference model's state: shared by all actors */

	if (me)
		sched_record(me, MN_MOP_DELIVER, NULL, len, 0, len, 0);
	for (p = 0; p < mn_g.w.nproducers && fp < 0; p++) {
		int skipped = -1;

		for (k = mn_g.next_frame[p]; k < mn_g.w.nframes[p]; k++) {
			int res = r->push_result[p][k];

			if (res != 0 && res != MN_MODEL_NOT_PUSHED)
				continue;                       /* dropped: never in the ring */
			if (frame_equal(p, k, buf, len)) {
				fp = (int)p;
				fk = (int)k;
				if (skipped >= 0) {
					lost_p = (int)p;
					lost_k = skipped;
				}
				break;
			}
			if (res == MN_MODEL_NOT_PUSHED) {
				if (k + 1 < mn_g.batch_end[p])
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
		sched_violation(MN_VIO_FRAME_CORRUPT,
				"reference model: delivered frame #%u (len %u, byte0 0x%02x) is not the "
				"next published frame of any producer (duplicate, stale or corrupt bytes)",
				n, len, len ? buf[0] : 0);
		return;
	}
	if (lost_p >= 0)
		sched_violation(MN_VIO_FRAME_LOST,
				"reference model: frame %d.%d was published but frame %d.%d was delivered "
				"first (lost or reordered)", lost_p, lost_k, fp, fk);
	mn_g.next_frame[fp] = (uint32_t)fk + 1;
	mn_g.got[fp][fk] = 1;
}

/* A batch returned: its frames' fates are known now. A published frame of it that a delivery
 * skipped while the batch was in flight was lost (or reordered). */
void oracle_batch_done(int p, int first, int n)
{
	int k;

	DP_LOC(DPL_ORACLE, 1, 1);   /* the reference model's state: shared by all actors */

	mn_g.batch_end[p] = 0;
	for (k = first; k < first + n; k++)
		if (mn_g.r->push_result[p][k] == 0 && (uint32_t)k < mn_g.next_frame[p] && !mn_g.got[p][k]) {
			sched_violation(MN_VIO_FRAME_LOST,
					"reference model: frame %d.%d was published (batch %d.%d..%d) but "
					"a later frame was delivered first (lost or reordered)", p, k, p,
					first, first + n - 1);
			return;
		}
}

/* The consumer popped its last n deliveries. */
void oracle_released(uint32_t n)
{
	struct mn_model_result *r = mn_g.r;
	uint32_t i;

	for (i = 0; i < n && i < r->ndelivered; i++)
		r->delivered[r->ndelivered - 1 - i].released = 1;
}

static void acquire(struct actor *a, int w)
{
	static const char *const names[2] = { "sr_lock", "entry.plock" };

	if (mn_g.holder[w] >= 0 && mn_g.holder[w] != a->id)
		sched_violation(MN_VIO_TWO_HOLDERS, "lock: actors %d and %d both hold %s (mutual "
				"exclusion)", mn_g.holder[w], a->id, names[w]);
	mn_g.holder[w] = a->id;
	if (w == 0)
		a->tas_streak = 0;
}

/* Tracks who believes it holds sr_lock / the entry's plock: a test-and-set that read 0, or (the
 * TAS_PLAIN zoo) a plain store of 1, acquires; a store of 0 by the holder releases. */
void oracle_lock_op(struct actor *a, int op, unsigned char *addr, uint64_t val, uint64_t old)
{
	uint32_t retries = mn_g.w.lock_retries ? mn_g.w.lock_retries : MN_LOCK_RETRIES;
	int w;

	if (mn_g.w.proto == MN_MODEL_LITMUS)
		return;
	if (addr == mn_g.ring + MN_OFF_LOCK)
		w = 0;
	else if (mn_g.entry && addr == (unsigned char *)&mn_g.entry->plock)
		w = 1;
	else
		return;
	/* the holders are oracle state: a BUFFERED store of 0/1 (TSO/PSO) changes them at once */
	DP_LOC(DPL_HOLDER, 1, 1);
	if (op == MN_OP_TAS) {
		if (old == 0) {
			acquire(a, w);
			return;
		}
		COV(MN_COV_LOCK_CONTENDED);
		if (w == 0 && a->kind == MN_ACTOR_PRODUCER && ++a->tas_streak > retries)
			sched_violation(MN_VIO_RETRIES, "lock: actor %d (%s) failed %u test-and-sets "
					"in a row (bound %u)", a->id, actor_kind_name(a->kind),
					a->tas_streak, retries);
		return;
	}
	if (val == 1)
		acquire(a, w);
	else if (val == 0 && mn_g.holder[w] == a->id)
		mn_g.holder[w] = -1;
}

static uint32_t committed_fill(int *known)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)mn_g.ring;
	uint16_t cur = mn_observe(&h->sr_cur), avail = mn_observe(&h->sr_avail);

	*known = 1;
	if (mn_g.w.proto == MN_PROTO_V2)
		return (uint16_t)(avail - cur);
	if (mn_g.w.proto == MN_PROTO_V1 && mn_observe(&h->sr_lock))
		*known = 0;                     /* a (killed) holder may be half-way through */
	return avail;
}

void oracle_commit(unsigned char *addr, uint32_t size, uint64_t before)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)mn_g.ring;
	int known;

	if (mn_g.w.proto == MN_MODEL_LITMUS || size != 2)
		return;
	if (addr == mn_g.ring + MN_OFF_CUR || addr == mn_g.ring + MN_OFF_AVAIL) {
		uint16_t now = addr == mn_g.ring + MN_OFF_CUR ? mn_observe(&h->sr_cur)
							       : mn_observe(&h->sr_avail);

		if (mn_g.w.proto == MN_PROTO_V2 && now < (uint16_t)before)
			COV(MN_COV_WRAP_V2);
		if (mn_g.w.proto != MN_PROTO_V2 && addr == mn_g.ring + MN_OFF_CUR && now == 0 &&
		    before != 0)
			COV(MN_COV_WRAP_V1);
		/* Raw fill: under the v1 lock too (the holder's stores are what fill the ring). */
		if (committed_fill(&known) >= mn_g.geom.size)
			COV(MN_COV_RING_FULL);
	}
}

/* At quiescence: lost wakeup, then conservation of frames and the drop counters. */
void oracle_end(void)
{
	struct mn_model_result *r = mn_g.r;
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)mn_g.ring;
	uint32_t p, k, published = 0, delivered = 0, inflight = 0, in_ring;
	uint32_t full = 0, oversize = 0, busy = 0, error = 0;
	int known, killed_producer = 0, i;

	if (mn_g.w.proto == MN_MODEL_LITMUS)
		return;
	in_ring = committed_fill(&known);
	r->still_in_ring = in_ring;
	if (mn_g.consumer_id >= 0 && mn_g.a[mn_g.consumer_id]->state == MN_AS_SLEEPING &&
	    known && in_ring > 0 && mn_g.notify_pending == 0) {
		sched_violation(MN_VIO_LOST_WAKEUP,
				"no lost wakeup: the consumer sleeps on the event channel while %u "
				"frame(s) are in the ring and no notification is pending", in_ring);
		return;
	}
	for (i = 0; i < mn_g.nactors; i++) {
		struct actor *a = mn_g.a[i];

		if (a->kind == MN_ACTOR_PRODUCER && a->state == MN_AS_KILLED) {
			killed_producer = 1;
			for (k = 0; a->frame >= 0 && k < (uint32_t)a->nframes; k++)
				inflight += r->push_result[a->producer][a->frame + (int)k] ==
					    MN_MODEL_NOT_PUSHED;
		}
	}
	for (p = 0; p < mn_g.w.nproducers; p++) {
		for (k = 0; k < mn_g.w.nframes[p]; k++) {
			switch (r->push_result[p][k]) {
			case 0: published++; break;
			case -ENOBUFS: full++; break;
			case -EMSGSIZE: oversize++; break;
			case -EBUSY: busy++; break;
			case -EIO: error++; break;
			}
		}
	}
	for (k = 0; k < r->ndelivered; k++)
		delivered += r->delivered[k].released;
	if (known && (delivered + in_ring < published || delivered + in_ring > published + inflight)) {
		sched_violation(MN_VIO_ACCOUNTING,
				"reference model: %u frame(s) published but %u delivered + %u still in the "
				"ring (frames lost or duplicated)", published, delivered, in_ring);
		return;
	}
	if (killed_producer || !mn_g.entry)
		return;
	{
		const struct mn_counters *c = &mn_g.entry->prod.c;

		if (c->frames != published || c->drop_full != full || c->drop_oversize != oversize ||
		    c->drop_busy != busy || c->drop_error != error)
			sched_violation(MN_VIO_ACCOUNTING,
					"counters: frames/full/oversize/busy/error = %u/%u/%u/%u/%u but "
					"the pushes returned %u/%u/%u/%u/%u (each frame in exactly one "
					"counter)", (uint32_t)c->frames, c->drop_full, c->drop_oversize,
					c->drop_busy, c->drop_error, published, full, oversize, busy,
					error);
		else if (mn_observe(&h->sr_frames) != c->frames ||
			 mn_observe(&h->sr_drop_full) != c->drop_full ||
			 mn_observe(&h->sr_drop_busy) != c->drop_busy ||
			 mn_observe(&h->sr_drop_oversize) != c->drop_oversize)
			sched_violation(MN_VIO_ACCOUNTING,
					"counters: the shared copies in the header differ from the "
					"producer's private counters at quiescence");
	}
}
