/* SPDX-License-Identifier: ISC */
/*
 * mnetif transmit path: the SAME ring (wire format, ordering rules and code of ring.h / ring.c)
 * with the roles swapped. The application is the producer (mn_prod_attach / mn_prod_push /
 * mn_prod_push_batch, exactly as a receive path's platform uses them); the platform is the
 * consumer and puts each frame on the wire through this file's one loop, mn_tx_drain(), which
 * calls only mn_cons_peek_n / mn_cons_release_n / mn_cons_prepare_wait.
 *
 *   application                              platform (userspace thread / Linux write())
 *   mn_prod_push(frame) --- ring (v2) ----->  mn_tx_drain: peek_n, check lengths, xmit, release_n
 *        | notify: sr_wake crossed                 ^ empty: prepare_wait (arm sr_wake, fence,
 *        +------------- kick channel --------------+        re-check), then sleep on the kick
 *
 * Protocol: v2 only (mn_tx_attach refuses v1 with -EPROTONOSUPPORT). A consumer inside a kernel
 * must never wait for a lock its untrusted producer holds, and v2's consumer takes no lock: it
 * stores only sr_cur and sr_wake and validates every index it reads.
 *
 * Event channel, roles swapped (ring.h, "Event channel"): the platform consumer drains the ring,
 * then arms sr_wake with mn_cons_prepare_wait() (store, full fence, re-check) and sleeps only if
 * the ring is still empty; the application's mn_prod_push publishes, fences, reads sr_wake and
 * calls its notify callback (the "kick") iff the frame the consumer waits for is one of this
 * publication. After waking, the consumer clears the kick channel BEFORE it drains again, so a
 * kick after the clear stays pending. No timer, no polling: an idle transmit path costs nothing.
 * Kick channels: userspace, an eventfd the interface's transmit thread polls (c/platform/user/user_tx.c);
 * Linux, write() on /dev/mnetif, which drains in the writer's context (c/platform/linux/mnetif_tx.c).
 *
 * Untrusted producer: geometry is validated once at attach and never re-read (mn_cons_attach);
 * each drain checks prod - cons <= size and every ss_len <= slotsize (mn_cons_peek_n) and then the
 * platform's frame limits (min_len, max_len) before a frame reaches the device. A frame outside
 * them is released and counted, never sent; a corrupt index ends the drain with -EIO (counted).
 */
#ifndef MNETIF_TX_H
#define MNETIF_TX_H

#include "ring.h"

#define MN_TX_BATCH      64u     /* frames per peek_n / xmit call */
#define MN_ETH_HLEN      14u     /* the shortest frame a device accepts: an Ethernet header */
#define MN_VLAN_HLEN     4u      /* a tagged frame may exceed MTU + header by one tag */

/* The consumer's private counters (the platform's; the ring header's counters are the producer's). */
struct mn_tx_counters {
	uint64_t frames;         /* handed to the device and taken by it */
	uint64_t bytes;          /* their bytes */
	uint32_t drop_runt;      /* shorter than min_len */
	uint32_t drop_oversize;  /* longer than max_len */
	uint32_t drop_xmit;      /* the device (socket, qdisc, driver) refused them */
	uint32_t corrupt;        /* drains ended by a corrupt header (-EIO) */
	uint32_t drains;         /* mn_tx_drain calls */
	uint32_t sleeps;         /* drains that ended with sr_wake armed on an empty ring */
};

/* Hands n frames (all within [min_len, max_len]) to the device; returns how many it took. The rest
 * are counted as drop_xmit. Views are valid during the call only (the slots are released after). */
typedef uint32_t (*mn_xmit_fn)(void *arg, const struct mn_slot *f, uint32_t n);

struct mn_tx {
	struct mn_cons c;        /* the ring consumer (validated private geometry) */
	uint32_t min_len, max_len;
	int armed;               /* the last drain ended with sr_wake armed: safe to sleep on the kick */
	struct mn_tx_counters ctr;
	struct mn_slot batch[MN_TX_BATCH];   /* scratch of mn_tx_drain (off the stack: a kernel's is small) */
};

/* Attach as the consumer of a transmit ring (v2) and arm sr_wake (the final check of an empty ring:
 * t->armed = 1), so that the producer's first push kicks; frames already in the ring (armed = 0)
 * wait for the first drain. 0, -EINVAL (geometry, see mn_ring_geometry), -EPROTONOSUPPORT (not
 * v2), -EIO (corrupt indices). max_len < min_len: -EINVAL. */
int mn_tx_attach(struct mn_tx *t, void *buf, uint64_t buflen, uint32_t min_len, uint32_t max_len);

/*
 * Consumes frames, in order, MN_TX_BATCH at a time: each batch's valid frames go to xmit in one call,
 * then the whole batch is released with one mn_cons_release_n. When the ring is empty it arms sr_wake
 * (mn_cons_prepare_wait) and returns with t->armed = 1, or keeps draining if frames arrived meanwhile.
 * After `budget` frames (0 = no limit) it returns with t->armed = 0: call again (a kernel reschedules
 * in between). Returns the number of frames consumed (sent or counted), or -EIO: the producer's
 * index is corrupt (counted in ctr.corrupt; nothing after it is read; the next drain re-checks).
 */
int mn_tx_drain(struct mn_tx *t, mn_xmit_fn xmit, void *arg, uint32_t budget);

#endif /* MNETIF_TX_H */
