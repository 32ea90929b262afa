/* SPDX-License-Identifier: ISC */
/*
 * mnetif ring, batched operations (see mnetif/ring_batch.h). OS-neutral; shared memory only through
 * mnetif/atomic.h, with the ordering rules of ring.c:
 *   - the producer writes ss_len and the bytes of every frame of the batch, THEN store-releases its
 *     index (v2) / sr_avail (v1, under sr_lock); the consumer load-acquires it before reading any slot;
 *   - the consumer store-releases sr_cur only once it is done with every released slot (v2) / pops
 *     under sr_lock, whose release pairs with the producer's acquire (v1);
 *   - the wakeup final check: publish, store sr_frames, full fence, read sr_wake (pairs with the
 *     fence in mn_cons_prepare_wait).
 * Written to be merged into ring.c; until then it reuses nothing static from there.
 *
 * Merging into ring.c / ring.h (nothing on the wire changes):
 *   1. ring.h: move struct mn_frame, MN_BATCH_MAX and the four prototypes in; add the range rule to
 *      the event-channel paragraph ("signals iff frames_before < sr_wake <= frames_after").
 *   2. ring.c: replace prod_published(p, len) by batch_published() here (k = 1 gives exactly today's
 *      `sr_wake == frames` test); push_v2/push_v1 become batch_v2/batch_v1 with n = 1 (or stay, sharing
 *      fill_slots); prod_slot/prod_drop/prod_corrupt replace batch_slot/store_drops/set_error.
 *   3. struct mn_cons.peeked becomes a count: mn_cons_peek sets it to 1, mn_cons_release decrements it
 *      (instead of zeroing), so a per-frame release after mn_cons_peek_n keeps the rest of the batch.
 *   4. libmnetif.map exports the four symbols; the model build gets a batch-producer actor so the
 *      harness explores the range rule under TSO/PSO; the registry gets netif_ether_input_batch()
 *      (one plock hold and one mn_prod_push_batch per receive poll).
 */
#include "mnetif/ring_batch.h"
#include "compat.h"

static unsigned char *batch_slot(struct mn_prod *p, uint32_t i)
{
	return p->base + p->g.dataoff + (uint64_t)(i & p->g.mask) * p->g.slotsize;
}

/* Producer-private tallies of one batch; stored to the shared counters once, at the end. */
struct batch_tally {
	uint32_t published;
	uint64_t bytes;
	uint32_t oversize, full, busy, error;
};

static void store_drops(struct mn_prod *p, const struct batch_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;

	/* Counters are stored from private copies, never read back (ring.h). */
	if (t->oversize) {
		p->c.drop_oversize += t->oversize;
		mn_write_once(&h->sr_drop_oversize, p->c.drop_oversize);
	}
	if (t->full) {
		p->c.drop_full += t->full;
		mn_write_once(&h->sr_drop_full, p->c.drop_full);
	}
	if (t->busy) {
		p->c.drop_busy += t->busy;
		mn_write_once(&h->sr_drop_busy, p->c.drop_busy);
	}
	if (t->error) {
		p->c.drop_error += t->error;
		mn_write_once(&h->sr_drop_error, p->c.drop_error);
	}
}

static void set_error(struct mn_prod *p, uint32_t why)
{
	if (p->c.error == MN_ERR_NONE) {
		p->c.error = why;
		mn_write_once(&p->hdr->sr_error, why);
	}
}

/* After the batch is visible: counters, then the event-channel final check over the whole range. */
static void batch_published(struct mn_prod *p, const struct batch_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t before = (uint32_t)p->c.frames;

	p->c.frames += t->published;
	p->c.bytes += t->bytes;
	mn_write_once(&h->sr_frames, p->c.frames);
	mn_write_once(&h->sr_bytes, p->c.bytes);
	/* Pairs with the consumer's fence in mn_cons_prepare_wait: either we read its sr_wake, or its
	 * re-check reads our index (store-load order: only a full fence gives that). */
	mn_smp_mb();
	/* Signal iff before < wake <= before + published: the consumer waits for a frame of this batch. */
	if ((uint32_t)(mn_read_once(&h->sr_wake) - before - 1u) < t->published) {
		p->c.notify++;
		mn_write_once(&h->sr_notify, p->c.notify);
		mn_notify_op(p);
		if (p->notify)
			p->notify(p->notify_arg);
	}
}

/* Copies the frames that fit into slots first, first+1, ...; returns how many were written. */
static uint32_t fill_slots(struct mn_prod *p, uint32_t first, uint32_t room, const struct mn_frame *f,
			   uint32_t n, mn_copy_fn copy, struct batch_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t j, k = 0;

	for (j = 0; j < n; j++) {
		if (f[j].len > p->g.slotsize) {
			t->oversize++;
		} else if (k == room) {
			t->full++;
		} else {
			uint32_t i = (first + k) & p->g.mask;

			mn_write_once(&h->ss_len[i], (uint16_t)f[j].len);
			if (copy)
				copy(batch_slot(p, i), f[j].data, f[j].len);
			else
				mn_copy_to_shared(batch_slot(p, i), f[j].data, f[j].len);
			t->bytes += f[j].len;
			k++;
		}
	}
	return k;
}

static void drop_all(const struct mn_frame *f, uint32_t n, uint32_t *ctr, struct batch_tally *t,
		     uint32_t slotsize)
{
	uint32_t j;

	for (j = 0; j < n; j++) {
		if (f[j].len > slotsize)
			t->oversize++;
		else
			*ctr += 1;
	}
}

static void batch_v2(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		     struct batch_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	/* Acquire pairs with the consumer's release of sr_cur: it has finished reading every slot up to
	 * cons, which we may now overwrite. One read for the whole batch. */
	uint16_t cons = mn_load_acquire(&h->sr_cur);
	uint16_t used = (uint16_t)(p->prod - cons);

	if (used > p->g.size) {
		set_error(p, MN_ERR_INDEX);
		drop_all(f, n, &t->error, t, p->g.slotsize);
		return;
	}
	t->published = fill_slots(p, p->prod, p->g.size - used, f, n, copy, t);
	if (!t->published)
		return;
	p->prod = (uint16_t)(p->prod + t->published);
	/* Release: the consumer's load-acquire of sr_avail sees every ss_len and frame byte above. */
	mn_store_release(&h->sr_avail, p->prod);
}

static void batch_v1(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		     struct batch_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint16_t cur, avail;

	if (mn_ring_lock(h, p->lock_retries)) {
		drop_all(f, n, &t->busy, t, p->g.slotsize);
		return;
	}
	/* Under the lock: relaxed reads suffice, the lock's acquire orders them. */
	cur = mn_read_once(&h->sr_cur);
	avail = mn_read_once(&h->sr_avail);
	if (cur >= p->g.size || avail > p->g.size) {
		mn_ring_unlock(h);
		set_error(p, cur >= p->g.size ? MN_ERR_CUR : MN_ERR_AVAIL);
		drop_all(f, n, &t->error, t, p->g.slotsize);
		return;
	}
	/* Slots [cur+avail, cur+size) are free and the consumer cannot pop while we hold the lock. */
	t->published = fill_slots(p, (uint32_t)cur + avail, p->g.size - avail, f, n, copy, t);
	if (t->published)
		/* Release: the consumer's unlocked peek (load-acquire of sr_avail) sees lengths and bytes. */
		mn_store_release(&h->sr_avail, (uint16_t)(avail + t->published));
	mn_ring_unlock(h);
}

int mn_prod_push_batch(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy)
{
	struct batch_tally t = { 0 };

	if (n > MN_BATCH_MAX || (n && !f))
		return -EINVAL;
	switch (p->g.proto) {
	case MN_PROTO_V2:
		batch_v2(p, f, n, copy, &t);
		break;
	case MN_PROTO_V1:
		batch_v1(p, f, n, copy, &t);
		break;
	default:
		return -EINVAL;
	}
	store_drops(p, &t);
	if (t.published)
		batch_published(p, &t);
	return (int)t.published;
}

uint32_t mn_prod_space(struct mn_prod *p)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t used;

	switch (p->g.proto) {
	case MN_PROTO_V2:
		/* Acquire as in batch_v2: a slot counted free has been released by the consumer. */
		used = (uint16_t)(p->prod - mn_load_acquire(&h->sr_cur));
		break;
	case MN_PROTO_V1:
		/* Unlocked read of sr_avail: only we increase it, so (coherence) the value read is at least
		 * the current one and the space we report is at most the real space. */
		used = mn_load_acquire(&h->sr_avail);
		break;
	default:
		return 0;
	}
	return used > p->g.size ? 0 : p->g.size - used;
}

/* ---- consumer --------------------------------------------------------------------------- */

int mn_cons_peek_n(struct mn_cons *c, struct mn_slot *out, uint32_t max)
{
	int fill;
	uint32_t k;

	if (c->g.proto != MN_PROTO_V2 && c->g.proto != MN_PROTO_V1)
		return -EINVAL;
	/* One load-acquire of the producer's index (pairs with its store-release) covers every slot
	 * below it: their lengths and bytes are visible. */
	fill = mn_cons_fill(c);
	if (fill <= 0)
		return fill;
	if ((uint32_t)fill > max)
		fill = (int)max;
	for (k = 0; k < (uint32_t)fill; k++) {
		uint32_t i = (c->cons + k) & c->g.mask;
		uint32_t len = mn_read_once(&c->hdr->ss_len[i]);

		if (len > c->g.slotsize)
			break;
		out[k].data = c->base + mn_slot_offset(&c->g, i);
		out[k].len = len;
		out[k].index = i;
	}
	if (k == 0)
		return -EIO;
	c->peeked = (int)k;
	return (int)k;
}

int mn_cons_release_n(struct mn_cons *c, uint32_t n)
{
	struct mn_ring_hdr *h = c->hdr;
	uint16_t avail;

	if (n == 0)
		return 0;
	if (c->peeked <= 0 || n > (uint32_t)c->peeked)
		return -ENOENT;
	switch (c->g.proto) {
	case MN_PROTO_V2:
		/* Release pairs with the producer's acquire of sr_cur: we are done with all n slots. */
		c->cons = (uint16_t)(c->cons + n);
		mn_store_release(&h->sr_cur, (uint16_t)c->cons);
		break;
	case MN_PROTO_V1:
		if (mn_ring_lock(h, c->lock_retries))
			return -EBUSY;
		avail = mn_read_once(&h->sr_avail);
		if (avail < n || avail > c->g.size) {
			mn_ring_unlock(h);
			return -EIO;
		}
		c->cons = (c->cons + n) & c->g.mask;
		mn_write_once(&h->sr_cur, (uint16_t)c->cons);
		mn_write_once(&h->sr_avail, (uint16_t)(avail - n));
		/* Unlock is a release: the producer, taking the lock, sees we are done with the slots. */
		mn_ring_unlock(h);
		break;
	default:
		return -EINVAL;
	}
	c->peeked -= (int)n;
	c->seen += n;
	return 0;
}
