/* SPDX-License-Identifier: ISC */
/*
 * mnetif shared receive ring: the wire format and the core API. This header is the spec of the
 * shared memory; everything else (C, the Linux module, OCaml, the Python harness) follows it.
 *
 * One contiguous buffer, host-endian (both sides always run on the same machine; the OCaml port
 * probes the magic to tell the byte order). Default geometry, as in 2012: 33 pages, 2048-byte
 * slots -> 64 slots.
 *
 *   v1, v2:
 *   offset 0                      64                         64 + 2*size   dataoff                    dataoff + size*slotsize
 *   +-----------------------------+-----------+-----+----------------+------------+--------+-----+---------------+
 *   | header (struct mn_ring_hdr) | ss_len[0] | ... | ss_len[size-1] | (v2: pad)  | slot 0 | ... | slot size-1   |
 *   +-----------------------------+-----------+-----+----------------+------------+--------+-----+---------------+
 *   (v1: dataoff = 64 + 2*size, no pad; v2: dataoff = sr_dataoff, 64 + 2*size rounded up to 64; the
 *   buffer may be longer than dataoff + size*slotsize)
 *
 *   v3 (one writer per 64-byte cache line; struct mn_ring_v3):
 *   0                    64                 128                192              192 + 2*size   dataoff
 *   +--------------------+------------------+------------------+----------------+--------------+--------+---
 *   | header: geometry   | sr_cons (C)      | sr_wake (C)      | ss_len[0] ...  | ss_len[n]    | (pad   | slot 0 ...
 *   | (I), sr_avail,     | alone on its     | alone on its     | (P)            |              |  to 64)|
 *   | counters (P)       | line             | line             |                |              |        |
 *   +--------------------+------------------+------------------+----------------+--------------+--------+---
 *
 * Writers: (P) producer only, (C) consumer only, (I) initialiser only (before the ring is shared),
 *          (L) either side while holding sr_lock (v1).
 *
 * Protocols, told apart by sr_magic:
 *
 *  v1 "locked" (MN_PROTO_V1; the 2012 field meanings + the test-and-set lock of the 2012 thread)
 *    sr_cur   (L) masked index of the next slot to consume
 *    sr_avail (L) number of filled slots, 0..size
 *    Every update of sr_cur/sr_avail by either side happens with sr_lock held. The producer never
 *    blocks: after MN_LOCK_RETRIES failed test-and-sets it drops the frame (drop_busy). The producer
 *    writes slot (cur+avail)&mask; a consumer pop keeps cur+avail constant, so that slot stays free
 *    while the producer fills it. The consumer views slot sr_cur without the lock (the producer never
 *    writes slots in [cur, cur+avail)) and takes the lock only to pop.
 *    Data of slot i at 64 + 2*size + i*slotsize (what the 2012 OCaml reader expects).
 *
 *  v2 "single-writer" (MN_PROTO_V2; lock-free, cf. Xen ring.h, AF_XDP)
 *    sr_cur   (C) consumer index, free-running u16
 *    sr_avail (P) producer index, free-running u16
 *    size <= 32768 so that (u16)(prod - cons) in 0..size tells empty from full with no wasted slot.
 *    Producer: write len + data of slot prod&mask, then store-release prod. Consumer: load-acquire
 *    prod, read the slot, then store-release cons (only once it is done with the slot).
 *    Data of slot i at sr_dataoff + i*slotsize, sr_dataoff = roundup(64 + 2*size, 64).
 *
 *  v3 "single-writer lines" (MN_PROTO_V3; v2's protocol without its shared line and per-frame fence)
 *    Line 0 is v2's header with only producer-written words live: sr_avail (P) the producer index
 *    (as v2), the counters and sr_error (P), geometry and magic (I). sr_cur, sr_lock and the v2
 *    sr_wake stay 0 (unused). Line 1: sr_cons (C) the consumer index; line 2: sr_wake (C); both
 *    alone on their line (struct mn_ring_v3), so a consumer release never takes the producer's line
 *    and the producer's per-publication read of sr_wake hits a line that changes only when the
 *    consumer goes to sleep. Length table at 192, data at sr_dataoff >= roundup(192 + 2*size, 64).
 *    Indices, orderings and the length checks are v2's (sr_cons plays sr_cur), plus:
 *    - cached peer indices (private, never on the wire): the producer re-reads sr_cons (acquire)
 *      only when its last copy leaves too little room for the frames of a push; the consumer
 *      re-reads sr_avail (acquire) only when its last copy holds fewer frames than it asks for.
 *      A stale copy only under-estimates (room or frames), never over-estimates.
 *    - the event channel's store->load order comes from an ASYMMETRIC barrier (atomic.h): the
 *      consumer's prepare_wait issues the heavy barrier (membarrier / the kernel's IPI) between
 *      arming sr_wake and re-checking sr_avail; the producer has only a compiler barrier between
 *      publishing (sr_avail, counters) and reading sr_wake. Why it holds: the heavy barrier lands
 *      on the producer at some point of its program. If the producer had already read sr_wake
 *      there, it had executed its publishing store before (the compiler barrier keeps that
 *      order), and the barrier makes that store visible to the re-check; if not, its read comes
 *      after the barrier and sees the armed sr_wake (the heavy barrier includes the consumer's own
 *      full fence). Remove the heavy barrier (zoo MN_ZOO_NO_HEAVY: even with a full fence in its
 *      place) or hoist the producer's read above its store (MN_ZOO_LIGHT_HOISTED: what a compiler
 *      may do without the compiler barrier) and a wakeup is lost. Where the platform has no heavy
 *      barrier (mn_heavy_barrier_register() == 0) both sides fall back to full fences, i.e. v2's
 *      rule. The producer decides at attach, the consumer at every wait.
 *
 *  2012 (MN_PROTO_2012; bug-zoo model only, compiled in only with MNETIF_WITH_2012): the published
 *    prototype: unlocked read-modify-write of sr_avail by both sides, no full check, and the C
 *    producer puts slot data at 2*size + i*slotsize (without the header). Never a usable protocol.
 *
 * Event channel (every protocol; Xen "final check"): the consumer, finding the ring empty, writes
 * sr_wake = (frames it has consumed) + 1, issues a full fence (v3: the heavy barrier), re-checks
 * the ring and only then sleeps. The producer publishes k >= 1 frames at once (k = 1: mn_prod_push;
 * k <= n: one mn_prod_push_batch), stores sr_frames, issues a full fence (v3: a compiler barrier),
 * reads sr_wake and signals iff
 *     frames_before < sr_wake <= frames_after        (u32 arithmetic: wake - before - 1 < k)
 * i.e. iff the frame the consumer waits for is one of this publication (notification suppression:
 * at most one signal per crossing). For k = 1 this is sr_wake == frames_after. The equality test
 * alone loses the wakeup when a batch jumps over sr_wake (zoo switch MN_ZOO_WAKE_EQ).
 *
 * Untrusted peer: the producer (a kernel) validates geometry once at attach and keeps a private
 * copy; it never re-reads sr_size/sr_slotsize/sr_dataoff. Indices read from shared memory are
 * checked (v2: prod - cons <= size; v1: cur < size, avail <= size); a violation sets sr_error and
 * drops the frame (drop_error). The producer's counters (sr_frames, sr_bytes, sr_drop_*) are
 * read once, at attach, to resume them (a re-plug keeps them running); after that they are stored
 * from the producer's private copies and never read back, so a peer scribbling on them changes
 * only what it reads itself.
 */
#ifndef MNETIF_RING_H
#define MNETIF_RING_H

#include "atomic.h"

#define MN_HDR_SIZE        64u
#define MN_PAGE_SIZE       4096u
#define MN_DEFAULT_PAGES   33u
#define MN_DEFAULT_BUFLEN  (MN_DEFAULT_PAGES * MN_PAGE_SIZE)
#define MN_DEFAULT_SLOTSZ  2048u
#define MN_MAX_SIZE        32768u        /* slots; power of two */
#define MN_MIN_SLOTSZ      64u           /* >= 60 (minimum Ethernet frame), multiple of 64 */
#define MN_MAX_SLOTSZ      65472u        /* largest multiple of 64 in a u16 */
#define MN_LOCK_RETRIES    64u           /* v1: test-and-set attempts before a drop / -EBUSY */
#define MN_WAIT_SPINS      64u           /* v3: looks at the ring before arming sr_wake (a few us) */

/* sr_magic: "MNR" + protocol byte. */
#define MN_MAGIC_BASE      0x4d4e5200u
#define MN_PROTO_2012      0u
#define MN_PROTO_V1        1u
#define MN_PROTO_V2        2u
#define MN_PROTO_V3        3u
#define MN_MAGIC(proto)    (MN_MAGIC_BASE | (proto))

/* sr_error values: the first corruption the producer saw. */
enum mn_error {
	MN_ERR_NONE = 0,
	MN_ERR_CUR = 1,       /* v1: sr_cur >= size */
	MN_ERR_AVAIL = 2,     /* v1: sr_avail > size */
	MN_ERR_INDEX = 3,     /* v2: prod - cons > size */
};

struct mn_ring_hdr {
	mn_u16 sr_cur;           /*  0 v1 (L) next slot to consume | v2 (C) consumer index */
	mn_u16 sr_avail;         /*  2 v1 (L) filled slots         | v2 (P) producer index */
	mn_u16 sr_size;          /*  4 (I) number of slots, power of two */
	mn_u16 sr_slotsize;      /*  6 (I) bytes per slot */
	/* the 2012 sr_pad[56] from here on */
	mn_u32 sr_magic;         /*  8 (I) MN_MAGIC(proto) */
	mn_u32 sr_dataoff;       /* 12 (I) offset of slot 0's data */
	mn_u32 sr_lock;          /* 16 v1 (P,C by test-and-set) 0 free, 1 held */
	mn_u32 sr_wake;          /* 20 (C) signal me when the producer has published this many frames */
	mn_u32 sr_error;         /* 24 (P) enum mn_error: first corruption seen, 0 = none */
	mn_u32 sr_drop_full;     /* 28 (P) frames dropped: ring full */
	mn_u32 sr_drop_oversize; /* 32 (P) frames dropped: longer than a slot */
	mn_u32 sr_drop_busy;     /* 36 (P) frames dropped: v1 lock busy after MN_LOCK_RETRIES */
	mn_u64 sr_frames;        /* 40 (P) frames published */
	mn_u64 sr_bytes;         /* 48 (P) bytes published */
	mn_u32 sr_drop_error;    /* 56 (P) frames dropped: corrupt header (see sr_error) */
	mn_u32 sr_notify;        /* 60 (P) event-channel signals sent */
	mn_u16 ss_len[];         /* 64 length table, size entries; ss_len[i] (P) v1/v2 (v3: at 192) */
};

/* Offsets are part of the wire format: the OCaml port and the harness rely on them. */
#define MN_OFF_CUR 0
#define MN_OFF_AVAIL 2
#define MN_OFF_SIZE 4
#define MN_OFF_SLOTSIZE 6
#define MN_OFF_MAGIC 8
#define MN_OFF_DATAOFF 12
#define MN_OFF_LOCK 16
#define MN_OFF_WAKE 20
#define MN_OFF_ERROR 24
#define MN_OFF_DROP_FULL 28
#define MN_OFF_DROP_OVERSIZE 32
#define MN_OFF_DROP_BUSY 36
#define MN_OFF_FRAMES 40
#define MN_OFF_BYTES 48
#define MN_OFF_DROP_ERROR 56
#define MN_OFF_NOTIFY 60
#define MN_OFF_LENS 64

/* v3: the consumer's two cache lines, right after the 64-byte header. */
#define MN_LINE            64u
struct mn_ring_v3 {
	mn_u16 sr_cons;          /*  64 (C) consumer index, free-running u16 (v2's sr_cur) */
	uint16_t pad_cons[31];
	mn_u32 sr_wake;          /* 128 (C) v3's sr_wake */
	uint32_t pad_wake[15];
};
#define MN_V3_OFF_CONS     64
#define MN_V3_OFF_WAKE     128
#define MN_V3_OFF_LENS     192

/* Where the consumer index, sr_wake and the length table are, by protocol. */
static inline uint32_t mn_off_cons(uint32_t proto)
{
	return proto == MN_PROTO_V3 ? MN_V3_OFF_CONS : MN_OFF_CUR;
}

static inline uint32_t mn_off_wake(uint32_t proto)
{
	return proto == MN_PROTO_V3 ? MN_V3_OFF_WAKE : MN_OFF_WAKE;
}

static inline uint32_t mn_off_lens(uint32_t proto)
{
	return proto == MN_PROTO_V3 ? MN_V3_OFF_LENS : MN_OFF_LENS;
}

/* Private geometry: copied at attach, never re-read from shared memory. */
struct mn_geom {
	uint32_t proto;
	uint32_t size;           /* slots */
	uint32_t mask;           /* size - 1 */
	uint32_t slotsize;
	uint32_t dataoff;        /* where THIS side puts slot 0 (2012: the producer's is wrong) */
	uint64_t buflen;
};

/* Counters as the producer keeps them (the shared copies are stores of these). */
struct mn_counters {
	uint64_t frames, bytes;
	uint32_t drop_full, drop_oversize, drop_busy, drop_error, notify, error;
};

typedef void (*mn_notify_fn)(void *arg);
/* Copies a frame of len bytes into a slot (the kernel passes skb_copy_bits here); NULL = the
 * ordering layer's mn_copy_to_shared. */
typedef void (*mn_copy_fn)(void *slot, const void *src, uint32_t len);

/* Producer-private state (Xen's "front/back private" struct). One producer per ring at a time. */
struct mn_prod {
	struct mn_ring_hdr *hdr;
	unsigned char *base;
	struct mn_geom g;
	uint16_t prod;           /* v2: next producer index (private; never read back) */
	uint32_t lock_retries;
	struct mn_counters c;
	mn_notify_fn notify;
	void *notify_arg;
	int batch_err;           /* why the last mn_prod_push_batch dropped its non-oversize frames it
	                          * did not publish: -ENOBUFS / -EBUSY / -EIO, 0 = none dropped */
	/* where the words of this protocol are (set at attach; v3 moves them, ring.h) */
	mn_u16 *cons_ix;         /* the consumer's index (v1/v2 sr_cur, v3 sr_cons) */
	mn_u32 *wake;            /* sr_wake */
	mn_u16 *lens;            /* ss_len[0] */
	uint16_t cons_seen;      /* v3: the consumer index last read (the cached peer index) */
	uint8_t light;           /* v3 with a heavy barrier: a compiler barrier before reading sr_wake
	                          * (attach: mn_heavy_barrier_register(); the Linux module sets it after
	                          * attach for a consumer that opted in, uapi.h MNETIF_PLUG_BARRIER) */
};

/* Consumer-private state. */
struct mn_cons {
	struct mn_ring_hdr *hdr;
	unsigned char *base;
	struct mn_geom g;
	uint32_t cons;           /* v2: consumer index (u16 range); v1/2012: masked sr_cur. Only the
	                          * consumer writes sr_cur, so it keeps the authoritative copy here. */
	uint32_t seen;           /* frames consumed (low 32 bits), for sr_wake */
	uint32_t lock_retries;
	int peeked;              /* frames returned by the last peek/peek_n and not yet released:
	                          * release_n may pop up to that many (each release decrements it) */
	mn_u16 *cons_ix;         /* the consumer's index (v1/v2 sr_cur, v3 sr_cons) */
	mn_u32 *wake;            /* sr_wake */
	mn_u16 *lens;            /* ss_len[0] */
	uint16_t prod_seen;      /* v3: the producer index last read (the cached peer index) */
	/* v3: the heavy barrier that reaches this ring's producer (mn_cons_set_barrier); NULL:
	 * mn_heavy_barrier(). 0 done, -errno not done (then the wait does not sleep). */
	int (*heavy_fn)(void *arg);
	void *heavy_arg;
	uint32_t wait_spins;     /* v3: looks at the ring this many times before arming (MN_WAIT_SPINS) */
};

/* A zero-copy view of the next frame; valid until mn_cons_release(). */
struct mn_slot {
	const unsigned char *data;
	uint32_t len;
	uint32_t index;          /* slot index (masked) */
};

/* One frame of a batch (mn_prod_push_batch). */
#define MN_BATCH_MAX 256u        /* frames per batch: bounds the time a v1 producer holds sr_lock */
struct mn_frame {
	const void *data;        /* or what a custom mn_copy_fn reads from (an skb) */
	size_t len;              /* the frame's full length: compared with the slot size before any
	                          * narrowing (a 2^32 + 5-byte frame is oversize, not 5 bytes) */
};

/*
 * Initialiser (I): lay out a ring of `proto` in buf. nslots = 0 picks the largest power of two
 * that fits. Returns 0 or -EINVAL (bad protocol/geometry), -ENOSPC (buffer too short).
 */
int mn_ring_init(void *buf, uint64_t buflen, uint32_t proto, uint32_t nslots, uint32_t slotsize);

/* Reads and validates the geometry of a ring (magic, power-of-two size, slot size, data offset,
 * buffer length). Returns 0 or -errno; *why (if not NULL) names the failed check. */
int mn_ring_geometry(const void *buf, uint64_t buflen, struct mn_geom *g, const char **why);

/* Producer. attach: 0 or -errno (see mn_ring_geometry). Lengths are size_t everywhere in the API
 * and checked against the slot size before anything narrows them (a slot length fits a u16).
 * push: 0 published, or the frame was dropped and counted: -ENOBUFS full, -EMSGSIZE longer than a slot, -EBUSY v1 lock busy,
 * -EIO corrupt header (sr_error set). notify (may be NULL) is called when the consumer asked. */
int mn_prod_attach(struct mn_prod *p, void *buf, uint64_t buflen, mn_notify_fn notify, void *arg);
int mn_prod_push(struct mn_prod *p, const void *frame, size_t len);
int mn_prod_push_copy(struct mn_prod *p, const void *src, size_t len, mn_copy_fn copy);
int mn_prod_push_batch(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy);
uint32_t mn_prod_space(struct mn_prod *p);

/*
 * Batches: the same protocols with fewer shared accesses per frame (v1/v2: the header cache line
 * holds both indices and the counters, by the 2012 layout; the fix is to touch it less often; v3
 * moves the consumer's words off that line and caches the peer indices).
 *
 * mn_prod_push_batch() copies up to n frames into consecutive slots, then publishes them ALL with
 *   ONE store-release of the producer index (v2) / of sr_avail under ONE lock hold (v1), ONE update
 *   of sr_frames/sr_bytes, ONE full fence and ONE read of sr_wake (the range rule above: at most one
 *   signal per batch). Frames that do not fit are dropped and counted exactly as mn_prod_push would
 *   count them; a receive path never blocks. mn_prod_push is the n = 1 case (same code, same
 *   operations). Returns the number published: a prefix, in order, of the frames that are not
 *   oversize; the other non-oversize frames were dropped for the reason in p->batch_err.
 *   n > MN_BATCH_MAX (it bounds the v1 lock hold): -EINVAL, nothing done. The 2012 model publishes
 *   frame by frame (its defects included).
 * mn_prod_space(): free slots as the producer sees them now (never more than are really free; a
 *   corrupt header reads as 0, the next push reports it). A producer that may wait (an injector, a
 *   benchmark) asks first and pushes no more than that. v3 answers from its cached copy of the
 *   consumer index while that shows at least half the ring free, else re-reads it.
 * mn_cons_peek_n(): ONE load-acquire of the producer index, then views of up to max frames (0 empty,
 *   k frames, -EIO corrupt header with no valid frame first). Peeking again without a release
 *   returns the same frames first.
 * mn_cons_release_n(): pops the first n peeked frames: ONE store-release of sr_cur (v2) / ONE lock
 *   hold (v1). 0, -ENOENT (n > frames peeked), -EBUSY (v1 lock busy; nothing popped, retry), -EIO.
 *   The views of the frames still peeked stay valid; mn_cons_release() is mn_cons_release_n(c, 1),
 *   so both can be mixed. mn_cons_peek_n(c, out, 1) is mn_cons_peek; max = 0: -EINVAL.
 */

/* Consumer. peek: 1 and a view of the next frame, 0 empty, -EIO corrupt header. release: pops the
 * frame returned by peek: 0, -EBUSY (v1 lock busy; retry), -ENOENT (nothing to pop), -EIO. */
int mn_cons_attach(struct mn_cons *c, void *buf, uint64_t buflen);
int mn_cons_peek(struct mn_cons *c, struct mn_slot *out);
/* Frames waiting (0..size), or -EIO if the shared indices are corrupt. */
int mn_cons_fill(struct mn_cons *c);
int mn_cons_release(struct mn_cons *c);
int mn_cons_peek_n(struct mn_cons *c, struct mn_slot *out, uint32_t max);
int mn_cons_release_n(struct mn_cons *c, uint32_t n);
/* Event channel, consumer side: 1 = ring still empty after arming sr_wake, safe to sleep on the
 * channel; 0 = frames arrived (or v3's heavy barrier failed), do not sleep. */
int mn_cons_prepare_wait(struct mn_cons *c);
/* v3: the heavy barrier of prepare_wait when the producer is out of membarrier's reach (the Linux
 * module's rx_handler: fn = ioctl(fd, MNETIF_IOC_BARRIER), uapi.h). fn NULL: back to
 * mn_heavy_barrier(). Set it after attach, before the first wait. */
void mn_cons_set_barrier(struct mn_cons *c, int (*fn)(void *arg), void *arg);

/* The v1 test-and-set lock on sr_lock (callable from Python and OCaml). try: 1 acquired, 0 busy.
 * lock: up to `retries` attempts, 0 or -EBUSY. */
int mn_ring_trylock(struct mn_ring_hdr *h);
int mn_ring_lock(struct mn_ring_hdr *h, uint32_t retries);
void mn_ring_unlock(struct mn_ring_hdr *h);

/* Invariant checker (an observer: reads committed memory, performs no ordered operation).
 * Returns 0 if every invariant holds, else the first violated enum mn_invariant (mn_invariant_name()
 * names it). v1's index invariants are checked only while sr_lock is free (they hold whenever it is).
 * The error flag is checked last, so a more specific violation is reported first. */
enum mn_invariant {
	MN_INV_OK = 0,
	MN_INV_MAGIC,          /* sr_magic is not a known protocol */
	MN_INV_GEOMETRY,       /* sr_size/sr_slotsize/sr_dataoff differ from the attached geometry */
	MN_INV_CUR_RANGE,      /* v1: sr_cur < size */
	MN_INV_AVAIL_RANGE,    /* v1: sr_avail <= size */
	MN_INV_FILL_RANGE,     /* v2/v3: (u16)(prod - cons) <= size */
	MN_INV_LEN_RANGE,      /* every filled slot: ss_len <= slotsize */
	MN_INV_LOCK_WORD,      /* sr_lock is 0 or 1 */
	MN_INV_ERROR_FLAG,     /* sr_error is 0 */
	MN_INV__COUNT
};
int mn_ring_check(const void *buf, const struct mn_geom *g);
const char *mn_invariant_name(int inv);

/* Offset of slot i's data as the CONSUMER reads it. */
static inline uint64_t mn_slot_offset(const struct mn_geom *g, uint32_t i)
{
	return (uint64_t)g->dataoff + (uint64_t)(i & g->mask) * g->slotsize;
}

#endif /* MNETIF_RING_H */
