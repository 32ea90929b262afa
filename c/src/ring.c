/* SPDX-License-Identifier: ISC */
/*
 * mnetif ring core: OS-neutral; touches shared memory only through mnetif/atomic.h.
 * The wire format, the writer of every field and the ordering rules are in mnetif/ring.h.
 *
 * Bug-zoo switches (compile-time, for the model build and tests only; each re-creates one known
 * defect on these same sources so the harness can show it finds it):
 *   MN_ZOO_V1_NO_LOCK          v1 lock acquire/release are no-ops       -> lost update on sr_avail
 *   MN_ZOO_TAS_PLAIN           test-and-set as a plain load then store  -> two lock holders
 *   MN_ZOO_V2_RELAXED_PUBLISH  v2 producer publishes with a relaxed store -> stale frame under PSO
 *   MN_ZOO_NO_PROD_FENCE       producer's wakeup fence removed          -> lost wakeup under TSO
 *   MN_ZOO_NO_CONS_FENCE       consumer's wakeup fence removed          -> lost wakeup under TSO
 *   MN_ZOO_WAKE_EQ             producer signals iff sr_wake == frames   -> lost wakeup when a batch
 *                              (the per-frame rule, not the range rule)    jumps over sr_wake
 *   MN_ZOO_2012_SAME_OFFSET    2012 model with the data-offset bug fixed (isolates its other bugs)
 *   MN_ZOO_NO_HEAVY            v3 consumer's heavy barrier replaced by an -> lost wakeup under TSO
 *                              ordinary full fence (no light/heavy pair)
 *   MN_ZOO_LIGHT_HOISTED       v3 producer reads sr_wake before its     -> lost wakeup under SC
 *                              publishing store (the compiler's freedom
 *                              without the compiler barrier)
 * Found only by the ARM model (load reordering, load buffering; correct under SC/TSO/PSO):
 *   MN_ZOO_V2_RELAXED_CONSUME  v2 consumer loads prod relaxed (not acquire)  -> reads a stale
 *                              length or frame (load -> load)
 *   MN_ZOO_CONS_WMB_RELEASE    v2 consumer releases its slots with a store fence + relaxed store
 *                              (Concurrency Kit c7945fe): its slot reads may complete after the
 *                              producer saw the new index and refilled the slot (load -> store)
 *   MN_ZOO_PROD_RELAXED_CONS   v2 producer loads cons relaxed (trusting the control dependency,
 *                              which the ordering layer does not promise; the perf ring's
 *                              data_tail shape): its slot writes may land before the consumer's
 *                              reads of the old frame (load -> store)
 */
#include "mnetif/ring.h"
#include "compat.h"

#ifndef offsetof
#define offsetof(t, m) __builtin_offsetof(t, m)
#endif

#define MN_CHECK_OFF(f, o) _Static_assert(offsetof(struct mn_ring_hdr, f) == (o), #f " offset")
MN_CHECK_OFF(sr_cur, MN_OFF_CUR);
MN_CHECK_OFF(sr_avail, MN_OFF_AVAIL);
MN_CHECK_OFF(sr_size, MN_OFF_SIZE);
MN_CHECK_OFF(sr_slotsize, MN_OFF_SLOTSIZE);
MN_CHECK_OFF(sr_magic, MN_OFF_MAGIC);
MN_CHECK_OFF(sr_dataoff, MN_OFF_DATAOFF);
MN_CHECK_OFF(sr_lock, MN_OFF_LOCK);
MN_CHECK_OFF(sr_wake, MN_OFF_WAKE);
MN_CHECK_OFF(sr_error, MN_OFF_ERROR);
MN_CHECK_OFF(sr_drop_full, MN_OFF_DROP_FULL);
MN_CHECK_OFF(sr_drop_oversize, MN_OFF_DROP_OVERSIZE);
MN_CHECK_OFF(sr_drop_busy, MN_OFF_DROP_BUSY);
MN_CHECK_OFF(sr_frames, MN_OFF_FRAMES);
MN_CHECK_OFF(sr_bytes, MN_OFF_BYTES);
MN_CHECK_OFF(sr_drop_error, MN_OFF_DROP_ERROR);
MN_CHECK_OFF(sr_notify, MN_OFF_NOTIFY);
MN_CHECK_OFF(ss_len, MN_OFF_LENS);
_Static_assert(sizeof(struct mn_ring_hdr) == MN_HDR_SIZE, "header is 64 bytes");
_Static_assert(MN_HDR_SIZE + offsetof(struct mn_ring_v3, sr_cons) == MN_V3_OFF_CONS, "v3 sr_cons");
_Static_assert(MN_HDR_SIZE + offsetof(struct mn_ring_v3, sr_wake) == MN_V3_OFF_WAKE, "v3 sr_wake");
_Static_assert(MN_HDR_SIZE + sizeof(struct mn_ring_v3) == MN_V3_OFF_LENS, "v3 length table");
_Static_assert(MN_V3_OFF_CONS % MN_LINE == 0 && MN_V3_OFF_WAKE % MN_LINE == 0 &&
	       MN_V3_OFF_LENS % MN_LINE == 0, "v3: one writer per cache line");

static int proto_known(uint32_t proto)
{
#ifdef MNETIF_WITH_2012
	if (proto == MN_PROTO_2012)
		return 1;
#endif
	return proto == MN_PROTO_V1 || proto == MN_PROTO_V2 || proto == MN_PROTO_V3;
}

/* The lock-free protocols: one writer per index, sr_dataoff 64-aligned and at least ... */
static int single_writer(uint32_t proto)
{
	return proto == MN_PROTO_V2 || proto == MN_PROTO_V3;
}

/* Where the consumer (and the correct producer) finds slot 0. */
static uint64_t dataoff_for(uint32_t proto, uint64_t size)
{
	uint64_t end_of_lens = mn_off_lens(proto) + 2 * size;

	return single_writer(proto) ? MN_ALIGN_UP(end_of_lens, 64) : end_of_lens;
}

/* The words whose place depends on the protocol (ring.h: v3 moves them to lines of their own). */
static void locate(unsigned char *base, uint32_t proto, mn_u16 **cons_ix, mn_u32 **wake,
		   mn_u16 **lens)
{
	*cons_ix = (mn_u16 *)(base + mn_off_cons(proto));
	*wake = (mn_u32 *)(base + mn_off_wake(proto));
	*lens = (mn_u16 *)(base + mn_off_lens(proto));
}

static int fits(uint32_t proto, uint64_t size, uint64_t slotsize, uint64_t buflen)
{
	return dataoff_for(proto, size) + size * slotsize <= buflen;
}

int mn_ring_init(void *buf, uint64_t buflen, uint32_t proto, uint32_t nslots, uint32_t slotsize)
{
	struct mn_ring_hdr *h = buf;
	uint32_t size = nslots;
	unsigned char *p = buf;
	uint64_t i, off;

	if (!buf || !proto_known(proto))
		return -EINVAL;
	if (slotsize < MN_MIN_SLOTSZ || slotsize > MN_MAX_SLOTSZ || slotsize % 64)
		return -EINVAL;
	if (size == 0) {
		for (size = MN_MAX_SIZE; size && !fits(proto, size, slotsize, buflen); size >>= 1)
			;
		if (!size)
			return -ENOSPC;
	} else if (!MN_IS_POW2(size) || size > MN_MAX_SIZE) {
		return -EINVAL;
	} else if (!fits(proto, size, slotsize, buflen)) {
		return -ENOSPC;
	}
	off = dataoff_for(proto, size);
	/* (I): nobody else sees the buffer yet, plain bytes are fine for the pad and length table. */
	for (i = 0; i < off; i++)
		p[i] = 0;
	mn_write_once(&h->sr_size, (uint16_t)size);
	mn_write_once(&h->sr_slotsize, (uint16_t)slotsize);
	mn_write_once(&h->sr_dataoff, (uint32_t)off);
	mn_write_once(&h->sr_magic, MN_MAGIC(proto));
	return 0;
}

int mn_ring_geometry(const void *buf, uint64_t buflen, struct mn_geom *g, const char **why)
{
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)buf;
	uint32_t magic, size, slotsize, dataoff, proto;
	const char *msg = NULL;

	if (!buf || buflen < MN_HDR_SIZE) {
		msg = "buffer shorter than the 64-byte header";
		goto bad;
	}
	magic = mn_read_once(&h->sr_magic);
	proto = magic & 0xffu;
	if ((magic & ~0xffu) != MN_MAGIC_BASE || !proto_known(proto)) {
		msg = "wrong magic: not an mnetif ring of a known protocol";
		goto bad;
	}
	size = mn_read_once(&h->sr_size);
	slotsize = mn_read_once(&h->sr_slotsize);
	dataoff = mn_read_once(&h->sr_dataoff);
	if (size == 0) {
		msg = "sr_size is 0";
		goto bad;
	}
	if (!MN_IS_POW2(size) || size > MN_MAX_SIZE) {
		msg = "sr_size is not a power of two <= 32768";
		goto bad;
	}
	if (slotsize < MN_MIN_SLOTSZ || slotsize % 64) {
		msg = "sr_slotsize is not a multiple of 64 >= 64";
		goto bad;
	}
	if (single_writer(proto) ? (dataoff < dataoff_for(proto, size) || dataoff % 64)
				 : dataoff != dataoff_for(proto, size)) {
		msg = "sr_dataoff overlaps the length table or is misaligned";
		goto bad;
	}
	if ((uint64_t)dataoff + (uint64_t)size * slotsize > buflen) {
		msg = "buffer too short for sr_size slots of sr_slotsize bytes";
		goto bad;
	}
	g->proto = proto;
	g->size = size;
	g->mask = size - 1;
	g->slotsize = slotsize;
	g->dataoff = dataoff;
	g->buflen = buflen;
	if (why)
		*why = NULL;
	return 0;
bad:
	if (why)
		*why = msg;
	return -EINVAL;
}

/* ---- the v1 test-and-set lock ------------------------------------------------------------- */

int mn_ring_trylock(struct mn_ring_hdr *h)
{
#if defined(MN_ZOO_V1_NO_LOCK)
	(void)h;
	return 1;
#elif defined(MN_ZOO_TAS_PLAIN)
	/* The bug: between the load and the store another actor can take the lock too. */
	if (mn_read_once(&h->sr_lock) != 0)
		return 0;
	mn_write_once(&h->sr_lock, 1u);
	return 1;
#else
	/* Acquire: pairs with the holder's mn_clear_release; we see everything it did under the lock. */
	return mn_test_and_set(&h->sr_lock) == 0;
#endif
}

int mn_ring_lock(struct mn_ring_hdr *h, uint32_t retries)
{
	uint32_t n;

	for (n = 0; n < retries; n++) {
		if (mn_ring_trylock(h))
			return 0;
		mn_cpu_relax();
	}
	return -EBUSY;
}

void mn_ring_unlock(struct mn_ring_hdr *h)
{
#ifdef MN_ZOO_V1_NO_LOCK
	(void)h;
#else
	mn_clear_release(&h->sr_lock);
#endif
}

/* ---- producer --------------------------------------------------------------------------- */

int mn_prod_attach(struct mn_prod *p, void *buf, uint64_t buflen, mn_notify_fn notify, void *arg)
{
	struct mn_ring_hdr *h = buf;
	int err = mn_ring_geometry(buf, buflen, &p->g, NULL);

	if (err)
		return err;
	p->hdr = h;
	p->base = buf;
	p->notify = notify;
	p->notify_arg = arg;
	p->lock_retries = MN_LOCK_RETRIES;
	/* Resume counters and the producer index from the ring (a re-plug keeps them running). */
	p->prod = mn_read_once(&h->sr_avail);
	p->c.frames = mn_read_once(&h->sr_frames);
	p->c.bytes = mn_read_once(&h->sr_bytes);
	p->c.drop_full = mn_read_once(&h->sr_drop_full);
	p->c.drop_oversize = mn_read_once(&h->sr_drop_oversize);
	p->c.drop_busy = mn_read_once(&h->sr_drop_busy);
	p->c.drop_error = mn_read_once(&h->sr_drop_error);
	p->c.notify = mn_read_once(&h->sr_notify);
	p->c.error = MN_ERR_NONE;
	locate(buf, p->g.proto, &p->cons_ix, &p->wake, &p->lens);
	/* v3: no room known until the first push reads sr_cons; registering makes this process a
	 * target of the consumer's heavy barrier (or tells us there is none: then a full fence). */
	p->cons_seen = (uint16_t)(p->prod - p->g.size);
	p->light = p->g.proto == MN_PROTO_V3 && mn_heavy_barrier_register();
#if defined(MNETIF_WITH_2012) && !defined(MN_ZOO_2012_SAME_OFFSET)
	if (p->g.proto == MN_PROTO_2012)
		p->g.dataoff = 2 * p->g.size;   /* bug 3: the C side forgot the 64-byte header */
#endif
	return 0;
}

/* What one push did, kept privately until the end (counters are stored once per push). */
struct push_tally {
	uint32_t published;      /* frames made visible, in order */
	uint64_t bytes;          /* their bytes */
	uint32_t oversize;       /* frames longer than a slot: never offered to the ring */
	uint32_t dropped;        /* other frames not published, all for one reason: */
	int err;                 /* -ENOBUFS full / -EBUSY v1 lock busy / -EIO corrupt header */
};

MN_COLD void prod_corrupt(struct mn_prod *p, uint32_t why)
{
	/* The first cause is kept privately; the shared flag is (re)raised on every corrupt push, so
	 * a consumer that cleared it still sees it. */
	if (p->c.error == MN_ERR_NONE)
		p->c.error = why;
	mn_write_once(&p->hdr->sr_error, p->c.error);
}

/* Drop counters are stored from private copies, never read back after attach (ring.h). */
static void prod_count(uint32_t *ctr, mn_u32 *field, uint32_t n)
{
	if (!n)
		return;
	*ctr += n;
	mn_write_once(field, *ctr);
}

MN_COLD void prod_count_drops(struct mn_prod *p, const struct push_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;

	prod_count(&p->c.drop_oversize, &h->sr_drop_oversize, t->oversize);
	switch (t->err) {
	case -ENOBUFS:
		prod_count(&p->c.drop_full, &h->sr_drop_full, t->dropped);
		break;
	case -EBUSY:
		prod_count(&p->c.drop_busy, &h->sr_drop_busy, t->dropped);
		break;
	case -EIO:
		prod_count(&p->c.drop_error, &h->sr_drop_error, t->dropped);
		break;
	}
}

#ifdef MN_ZOO_LIGHT_HOISTED
static uint32_t zoo_wake_early;   /* the hoisted read (zoo model: one producer per execution) */
#endif

static unsigned char *prod_slot(struct mn_prod *p, uint32_t i)
{
	return p->base + p->g.dataoff + (uint64_t)(i & p->g.mask) * p->g.slotsize;
}

/* After frames are visible: counters, then the event-channel final check with the range rule. */
MN_HOT void prod_published(struct mn_prod *p, uint32_t published, uint64_t bytes)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t before = (uint32_t)p->c.frames, wake;

	p->c.frames += published;
	p->c.bytes += bytes;
	mn_write_once(&h->sr_frames, p->c.frames);
	mn_write_once(&h->sr_bytes, p->c.bytes);
	if (p->light) {
		/* v3: pairs with the consumer's HEAVY barrier in mn_cons_prepare_wait (ring.h): it lands
		 * after our read of sr_wake (then our index is visible to its re-check) or before it
		 * (then we read its sr_wake). Program order between the two is all we need. */
		mn_light_barrier();
	} else {
#ifndef MN_ZOO_NO_PROD_FENCE
		/* Pairs with the consumer's fence in mn_cons_prepare_wait: either we read its sr_wake,
		 * or its re-check reads our index (store-load order: no weaker barrier gives that). */
		mn_smp_mb();
#endif
	}
#ifdef MN_ZOO_LIGHT_HOISTED
	wake = p->g.proto == MN_PROTO_V3 ? zoo_wake_early : mn_read_once(p->wake);
#else
	wake = mn_read_once(p->wake);
#endif
#ifdef MN_ZOO_WAKE_EQ
	/* The bug: the per-frame equality test; a batch that jumps over sr_wake signals nobody. */
	(void)before;
	if (wake == (uint32_t)p->c.frames) {
#else
	/* before < wake <= before + published: the consumer waits for a frame of this publication. */
	if (wake - before - 1u < published) {
#endif
		p->c.notify++;
		mn_write_once(&h->sr_notify, p->c.notify);
		mn_notify_op(p);
		if (p->notify)
			p->notify(p->notify_arg);
	}
}

/* Writes the lengths and bytes of the frames that fit into slots first, first+1, ... (room of
 * them); the caller publishes them. Oversize frames are skipped (already counted). */
MN_HOT uint32_t fill_slots(struct mn_prod *p, uint32_t first, uint32_t room, const struct mn_frame *f,
			   uint32_t n, mn_copy_fn copy, struct push_tally *t)
{
	uint32_t j, k = 0;

	for (j = 0; j < n && k < room; j++) {
		uint32_t i = (first + k) & p->g.mask;

		if (f[j].len > p->g.slotsize)
			continue;
		/* len <= slotsize <= MN_MAX_SLOTSZ: the narrowing below loses nothing. */
		mn_write_once(&p->lens[i], (uint16_t)f[j].len);
		if (copy)
			copy(prod_slot(p, i), f[j].data, (uint32_t)f[j].len);
		else
			mn_copy_to_shared(prod_slot(p, i), f[j].data, (uint32_t)f[j].len);
		t->bytes += f[j].len;
		k++;
	}
	return k;
}

/* Each push_* returns the number of frames published, or -errno when none could be offered. */
/* v2 and v3: the consumer index is read at every push (v2, as shipped) or only when the cached copy
 * leaves less room than the frames that fit a slot (v3). */
MN_HOT int push_sw(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		   struct push_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t room = p->g.size - (uint16_t)(p->prod - p->cons_seen);
	uint32_t k;

	if (p->g.proto != MN_PROTO_V3 || room < n - t->oversize) {
		/* Acquire pairs with the consumer's release of its index: it has finished reading
		 * every slot below cons, which we may now overwrite. One read for the whole batch. */
#ifdef MN_ZOO_PROD_RELAXED_CONS
		uint16_t cons = mn_read_once(p->cons_ix);
#else
		uint16_t cons = mn_load_acquire(p->cons_ix);
#endif
		uint16_t used = (uint16_t)(p->prod - cons);

		if (used > p->g.size) {
			prod_corrupt(p, MN_ERR_INDEX);
			return -EIO;
		}
		p->cons_seen = cons;
		room = p->g.size - used;
	}
	k = fill_slots(p, p->prod, room, f, n, copy, t);
	if (!k)
		return 0;
	p->prod = (uint16_t)(p->prod + k);
#ifdef MN_ZOO_LIGHT_HOISTED
	if (p->g.proto == MN_PROTO_V3)
		zoo_wake_early = mn_read_once(p->wake);
#endif
#ifdef MN_ZOO_V2_RELAXED_PUBLISH
	mn_write_once(&h->sr_avail, p->prod);
#else
	/* Release: the consumer's load-acquire of sr_avail sees every ss_len and frame byte above. */
	mn_store_release(&h->sr_avail, p->prod);
#endif
	return (int)k;
}

static int push_v1(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		   struct push_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint16_t cur, avail;
	uint32_t k;

	if (mn_ring_lock(h, p->lock_retries))
		return -EBUSY;
	/* Under the lock: relaxed reads suffice, the lock's acquire orders them. */
	cur = mn_read_once(&h->sr_cur);
	avail = mn_read_once(&h->sr_avail);
	if (cur >= p->g.size || avail > p->g.size) {
		mn_ring_unlock(h);
		prod_corrupt(p, cur >= p->g.size ? MN_ERR_CUR : MN_ERR_AVAIL);
		return -EIO;
	}
	/* Slots [cur+avail, cur+size) are free and the consumer cannot pop while we hold the lock. */
	k = fill_slots(p, (uint32_t)cur + avail, p->g.size - avail, f, n, copy, t);
	if (k)
		/* Release: the consumer's unlocked peek (load-acquire of sr_avail) sees the lengths
		 * and bytes. */
		mn_store_release(&h->sr_avail, (uint16_t)(avail + k));
	mn_ring_unlock(h);
	return (int)k;
}

#ifdef MNETIF_WITH_2012
/* A faithful model of the 2012 netif_stubs.c producer, frame by frame: plain accesses, no lock, no
 * full check (so every frame is "published"). */
static int push_2012(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		     struct push_tally *t)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t j, k = 0;

	for (j = 0; j < n; j++) {
		uint16_t cur = mn_plain_load(&h->sr_cur);
		uint16_t avail = mn_plain_load(&h->sr_avail);
		uint32_t i = (uint32_t)(cur + avail) & p->g.mask;

		if (f[j].len > p->g.slotsize)
			continue;
		mn_plain_store(&p->lens[i], (uint16_t)f[j].len);
		if (copy)
			copy(prod_slot(p, i), f[j].data, (uint32_t)f[j].len);
		else
			mn_copy_to_shared(prod_slot(p, i), f[j].data, (uint32_t)f[j].len);
		/* avail++ : an unlocked read-modify-write (bug 1) */
		mn_plain_store(&h->sr_avail, (uint16_t)(mn_plain_load(&h->sr_avail) + 1));
		t->bytes += f[j].len;
		k++;
	}
	return (int)k;
}
#endif

/* The one producer path: per-frame pushes are batches of one. copy NULL: mn_copy_to_shared. */
MN_HOT int prod_push(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
		     struct push_tally *t)
{
	uint32_t j;
	int k = 0;

	for (j = 0; j < n; j++)
		t->oversize += f[j].len > p->g.slotsize;
	/* Only frames that fit a slot touch the ring (an oversize frame costs no shared access). */
	if (n > t->oversize) {
		switch (p->g.proto) {
		case MN_PROTO_V2:
		case MN_PROTO_V3:
			k = push_sw(p, f, n, copy, t);
			break;
		case MN_PROTO_V1:
			k = push_v1(p, f, n, copy, t);
			break;
#ifdef MNETIF_WITH_2012
		case MN_PROTO_2012:
			k = push_2012(p, f, n, copy, t);
			break;
#endif
		default:
			return -EINVAL;
		}
	}
	t->published = k > 0 ? (uint32_t)k : 0;
	t->dropped = n - t->oversize - t->published;
	t->err = !t->dropped ? 0 : k < 0 ? k : -ENOBUFS;
	if (t->oversize | t->dropped)
		prod_count_drops(p, t);
	if (t->published)
		prod_published(p, t->published, t->bytes);
	return 0;
}

int mn_prod_push_batch(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy)
{
	struct push_tally t = { 0 };
	int err;

	if (n > MN_BATCH_MAX || (n && !f))
		return -EINVAL;
	err = prod_push(p, f, n, copy, &t);
	if (err)
		return err;
	p->batch_err = t.err;
	return (int)t.published;
}

/* One frame: the batch path with n = 1, inlined (the loops and tallies fold away). */
MN_HOT int push_one(struct mn_prod *p, const void *src, size_t len, mn_copy_fn copy)
{
	struct mn_frame f = { src, len };
	struct push_tally t = { 0 };
	int err = prod_push(p, &f, 1, copy, &t);

	if (err)
		return err;
	return t.published ? 0 : t.oversize ? -EMSGSIZE : t.err;
}

int mn_prod_push_copy(struct mn_prod *p, const void *src, size_t len, mn_copy_fn copy)
{
	return push_one(p, src, len, copy);
}

int mn_prod_push(struct mn_prod *p, const void *frame, size_t len)
{
	return push_one(p, frame, len, NULL);
}

uint32_t mn_prod_space(struct mn_prod *p)
{
	struct mn_ring_hdr *h = p->hdr;
	uint32_t used;

	switch (p->g.proto) {
	case MN_PROTO_V3:
		used = (uint16_t)(p->prod - p->cons_seen);
		if (used <= p->g.size / 2)
			break;             /* the cached copy shows half the ring free: enough */
		__attribute__((__fallthrough__));
	case MN_PROTO_V2:
		/* Acquire as in push_sw: a slot counted free has been released by the consumer. */
		used = (uint16_t)(p->prod - mn_load_acquire(p->cons_ix));
		if (used <= p->g.size)
			p->cons_seen = (uint16_t)(p->prod - used);
		break;
	case MN_PROTO_V1:
		/* Unlocked read of sr_avail: only we increase it, so (coherence) the value read is at
		 * least the current one and the space we report is at most the real space. */
		used = mn_load_acquire(&h->sr_avail);
		break;
	default:
		return 0;
	}
	return used > p->g.size ? 0 : p->g.size - used;
}

/* ---- consumer --------------------------------------------------------------------------- */

int mn_cons_attach(struct mn_cons *c, void *buf, uint64_t buflen)
{
	struct mn_ring_hdr *h = buf;
	int err = mn_ring_geometry(buf, buflen, &c->g, NULL);

	if (err)
		return err;
	c->hdr = h;
	c->base = buf;
	c->lock_retries = MN_LOCK_RETRIES;
	locate(buf, c->g.proto, &c->cons_ix, &c->wake, &c->lens);
	c->heavy_fn = NULL;
	c->heavy_arg = NULL;
	c->wait_spins = c->g.proto == MN_PROTO_V3 ? MN_WAIT_SPINS : 0;
	c->cons = mn_read_once(c->cons_ix);
	c->peeked = 0;
	err = mn_cons_fill(c);
	if (err < 0)
		return err;
	c->seen = (uint32_t)mn_read_once(&h->sr_frames) - (uint32_t)err;
	return 0;
}

/* Frames in the ring as the consumer sees them; -EIO if the header is corrupt. */
MN_HOT int cons_fill(struct mn_cons *c)
{
	struct mn_ring_hdr *h = c->hdr;
	uint32_t fill;

	switch (c->g.proto) {
	case MN_PROTO_V2:
	case MN_PROTO_V3:
		/* Acquire pairs with the producer's release of sr_avail. */
#ifdef MN_ZOO_V2_RELAXED_CONSUME
		c->prod_seen = mn_read_once(&h->sr_avail);
#else
		c->prod_seen = mn_load_acquire(&h->sr_avail);
#endif
		fill = (uint16_t)(c->prod_seen - c->cons);
		break;
	case MN_PROTO_V1:
		/* Unlocked: acquire pairs with the producer's release store of sr_avail under the lock. */
		fill = mn_load_acquire(&h->sr_avail);
		break;
	default:
		fill = mn_plain_load(&h->sr_avail);
		break;
	}
	if (fill > c->g.size || c->cons > (single_writer(c->g.proto) ? 0xffffu : c->g.mask)) {
		c->prod_seen = (uint16_t)c->cons;   /* v3: nothing cached from a corrupt index */
		return -EIO;
	}
	return (int)fill;
}

/* Frames the consumer may take now, for a peek of up to max: v3 first counts its cached copy of the
 * producer index (validated when read) and re-reads sr_avail only when that holds fewer than max. */
int mn_cons_fill(struct mn_cons *c)
{
	return cons_fill(c);
}

MN_HOT int cons_avail(struct mn_cons *c, uint32_t max)
{
	uint32_t cached = (uint16_t)(c->prod_seen - c->cons);

	if (c->g.proto == MN_PROTO_V3 && cached >= max)
		return (int)cached;
	return cons_fill(c);
}

MN_HOT int cons_peek(struct mn_cons *c, struct mn_slot *out, uint32_t max)
{
	int avail, fill;
	uint32_t k;

	if (max == 0)
		return -EINVAL;
	/* One load-acquire of the producer's index (pairs with its store-release) covers every slot
	 * below it: their lengths and bytes are visible (v3: the cached copy was read that way). */
	avail = fill = cons_avail(c, max);
	if (fill <= 0)
		return fill;
	if ((uint32_t)fill > max)
		fill = (int)max;
	for (k = 0; k < (uint32_t)fill; k++) {
		uint32_t i = (c->cons + k) & c->g.mask;
		uint32_t len = mn_read_once(&c->lens[i]);

		if (len > c->g.slotsize)
			break;
		out[k].data = c->base + mn_slot_offset(&c->g, i);
		out[k].len = len;
		out[k].index = i;
		mn_prefetch(out[k].data);
	}
	if (k == 0)
		return -EIO;
	/* More frames published than asked for (a per-frame consumer behind the producer): start
	 * fetching the next one too. */
	if ((uint32_t)avail > k)
		mn_prefetch(c->base + mn_slot_offset(&c->g, c->cons + k));
	/* The last peek says how many frames the caller holds views of (a re-peek of fewer frames
	 * releases nothing, it only narrows what release_n may pop). */
	c->peeked = (int)k;
	return (int)k;
}

int mn_cons_peek_n(struct mn_cons *c, struct mn_slot *out, uint32_t max)
{
	return cons_peek(c, out, max);
}

int mn_cons_peek(struct mn_cons *c, struct mn_slot *out)
{
	return cons_peek(c, out, 1);
}

MN_HOT int cons_release(struct mn_cons *c, uint32_t n)
{
	struct mn_ring_hdr *h = c->hdr;
	uint16_t avail;

	if (n == 0)
		return 0;
	if (c->peeked <= 0 || n > (uint32_t)c->peeked)
		return -ENOENT;
	switch (c->g.proto) {
	case MN_PROTO_V2:
	case MN_PROTO_V3:
		/* Release pairs with the producer's acquire of our index: we are done with all n slots. */
#ifdef MN_ZOO_CONS_WMB_RELEASE
		mn_smp_wmb();
		mn_write_once(c->cons_ix, (uint16_t)(c->cons + n));
#else
		mn_store_release(c->cons_ix, (uint16_t)(c->cons + n));
#endif
		c->cons = (uint16_t)(c->cons + n);
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
		/* 2012 netif.ml: cur = (cur+1) & (size-1); avail = avail - 1, both unlocked (bug 1). */
		c->cons = (c->cons + n) & c->g.mask;
		mn_plain_store(&h->sr_cur, (uint16_t)c->cons);
		mn_plain_store(&h->sr_avail, (uint16_t)(mn_plain_load(&h->sr_avail) - n));
		break;
	}
	c->peeked -= (int)n;
	c->seen += n;
	return 0;
}

int mn_cons_release_n(struct mn_cons *c, uint32_t n)
{
	return cons_release(c, n);
}

int mn_cons_release(struct mn_cons *c)
{
	return cons_release(c, 1);
}

void mn_cons_set_barrier(struct mn_cons *c, int (*fn)(void *arg), void *arg)
{
	c->heavy_fn = fn;
	c->heavy_arg = arg;
}

/* v3: the heavy side of the asymmetric barrier (ring.h). 0, or -errno when it could not be issued:
 * the caller must not sleep then. */
static int cons_heavy(struct mn_cons *c)
{
#ifdef MN_ZOO_NO_HEAVY
	/* The bug: an ordinary fence orders only our own accesses; the light producer is not fenced. */
	mn_smp_mb();
	return 0;
#else
	if (c->heavy_fn)
		return c->heavy_fn(c->heavy_arg);
	if (!mn_heavy_barrier_register()) {
		/* No heavy barrier on this platform: the producers fall back to a full fence (they
		 * registered at attach, with the same answer), so ours pairs with theirs as in v2. */
		mn_smp_mb();
		return 0;
	}
	return mn_heavy_barrier() ? 0 : -EIO;
#endif
}

int mn_cons_prepare_wait(struct mn_cons *c)
{
	uint32_t i;

	for (i = 0; i < c->wait_spins; i++) {
		if (mn_cons_fill(c) != 0)
			return 0;
		mn_cpu_relax();
	}
	mn_write_once(c->wake, c->seen + 1);
	if (c->g.proto == MN_PROTO_V3) {
		/* Pairs with the producer's compiler barrier after it publishes (prod_published). */
		if (cons_heavy(c))
			return 0;
	} else {
#ifndef MN_ZOO_NO_CONS_FENCE
		/* Pairs with the producer's fence after it publishes (see prod_published). */
		mn_smp_mb();
#endif
	}
	return mn_cons_fill(c) == 0;
}

/* ---- invariant checker (observer) ----------------------------------------------------------- */

static const char *const inv_names[MN_INV__COUNT] = {
	[MN_INV_OK] = "ok",
	[MN_INV_MAGIC] = "magic: sr_magic names the attached protocol",
	[MN_INV_GEOMETRY] = "geometry: sr_size/sr_slotsize/sr_dataoff unchanged since attach",
	[MN_INV_CUR_RANGE] = "v1 cur-range: sr_cur < sr_size (lock free)",
	[MN_INV_AVAIL_RANGE] = "avail-range: sr_avail <= sr_size (lock free)",
	[MN_INV_FILL_RANGE] = "v2 fill-range: (u16)(prod - cons) <= sr_size (v3 too)",
	[MN_INV_LEN_RANGE] = "len-range: every filled slot has ss_len <= sr_slotsize",
	[MN_INV_LOCK_WORD] = "lock-word: sr_lock is 0 or 1",
	[MN_INV_ERROR_FLAG] = "error-flag: sr_error is 0",
};

const char *mn_invariant_name(int inv)
{
	if (inv < 0 || inv >= MN_INV__COUNT)
		return "unknown invariant";
	return inv_names[inv];
}

int mn_ring_check(const void *buf, const struct mn_geom *g)
{
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)buf;
	uint32_t lock = mn_observe(&h->sr_lock);
	uint32_t first, fill, k;
	const mn_u16 *lens;

	if (mn_observe(&h->sr_magic) != MN_MAGIC(g->proto))
		return MN_INV_MAGIC;
	if (mn_observe(&h->sr_size) != g->size || mn_observe(&h->sr_slotsize) != g->slotsize ||
	    mn_observe(&h->sr_dataoff) != g->dataoff)
		return MN_INV_GEOMETRY;
	if (lock > 1)
		return MN_INV_LOCK_WORD;
	if (single_writer(g->proto)) {
		first = mn_observe((const mn_u16 *)((const unsigned char *)buf + mn_off_cons(g->proto)));
		fill = (uint16_t)(mn_observe(&h->sr_avail) - first);
		if (fill > g->size)
			return MN_INV_FILL_RANGE;
	} else {
		if (g->proto == MN_PROTO_V1 && lock)
			goto flags;
		first = mn_observe(&h->sr_cur);
		fill = mn_observe(&h->sr_avail);
		if (first >= g->size)
			return MN_INV_CUR_RANGE;
		if (fill > g->size)
			return MN_INV_AVAIL_RANGE;
	}
	lens = (const mn_u16 *)((const unsigned char *)buf + mn_off_lens(g->proto));
	for (k = 0; k < fill; k++)
		if (mn_observe(&lens[(first + k) & g->mask]) > g->slotsize)
			return MN_INV_LEN_RANGE;
flags:
	if (mn_observe(&h->sr_error) != MN_ERR_NONE)
		return MN_INV_ERROR_FLAG;
	return MN_INV_OK;
}
