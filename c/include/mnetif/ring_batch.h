/* SPDX-License-Identifier: ISC */
/*
 * mnetif ring, batched operations: an API addition to the core of mnetif/ring.h. Same wire format,
 * same writers, same ordering rules; only fewer shared accesses per frame.
 *
 * Why: the per-frame API touches the header cache line (sr_cur, sr_avail, sr_frames, sr_bytes,
 * sr_wake all share it, by the 2012 layout) several times per frame from both sides, plus one full
 * fence per published frame. Moving fields is not allowed (wire format), so the fix is to touch
 * them less often: each side reads the other's index once per batch (only when the frames it
 * already knows about are used up) and publishes its own index once per batch.
 *
 * Producer (one per ring, as for mn_prod_push):
 *   mn_prod_push_batch()  copies up to n frames into consecutive slots, then ONE store-release of
 *                         the producer index (v2) / of sr_avail under ONE lock hold (v1), ONE
 *                         update of sr_frames/sr_bytes, ONE full fence and ONE read of sr_wake.
 *                         Frames that do not fit are dropped and counted exactly as mn_prod_push
 *                         would count them (drop_full / drop_oversize / drop_busy / drop_error):
 *                         a receive path never blocks.
 *   mn_prod_space()       free slots as the producer sees them now: a producer that may wait (an
 *                         injector, a benchmark) asks first and pushes no more than that.
 * Wakeup rule for a batch: the consumer armed sr_wake = w (the frame count it waits for); the
 * producer that moved sr_frames from f to f+k signals iff f < w <= f+k (u32 arithmetic). With
 * k = 1 this is the per-frame rule (w == frames): no wakeup is lost inside a batch.
 *
 * Consumer (one per ring):
 *   mn_cons_peek_n()      one load-acquire of the producer index, then views of up to max frames
 *                         (zero-copy, valid until released). Calling it again without a release
 *                         returns the same frames first.
 *   mn_cons_release_n()   pops the first n peeked frames: ONE store-release of sr_cur (v2) / ONE
 *                         lock hold (v1). The remaining peeked views stay valid.
 * Do not mix within one batch: mn_cons_release() after mn_cons_peek_n() pops one frame and forgets
 * the rest of the batch (peek again). The 2012 model protocol is not supported (-EINVAL).
 */
#ifndef MNETIF_RING_BATCH_H
#define MNETIF_RING_BATCH_H

#include "ring.h"

#define MN_BATCH_MAX 256u        /* frames per call; bounds the time a v1 producer holds sr_lock */

struct mn_frame {
	const void *data;
	uint32_t len;
};

/* Returns the number of frames published (in order, a prefix of the frames that were not dropped
 * as oversize); every other frame was dropped and counted. n > MN_BATCH_MAX: -EINVAL, nothing done.
 * copy may be NULL (mn_copy_to_shared). notify is called at most once per batch. */
int mn_prod_push_batch(struct mn_prod *p, const struct mn_frame *f, uint32_t n, mn_copy_fn copy);
/* 0..size; never more than are really free (a corrupt header reads as 0: the next push reports it). */
uint32_t mn_prod_space(struct mn_prod *p);

/* 0 empty, k > 0 frames in out[0..k-1], -EIO corrupt header (no frame before the corruption). */
int mn_cons_peek_n(struct mn_cons *c, struct mn_slot *out, uint32_t max);
/* 0, -ENOENT (n > frames peeked), -EBUSY (v1 lock busy; nothing popped, retry), -EIO. */
int mn_cons_release_n(struct mn_cons *c, uint32_t n);

#endif /* MNETIF_RING_BATCH_H */
