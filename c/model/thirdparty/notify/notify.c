/* SPDX-License-Identifier: ISC */
/*
 * Two notification protocols with the store-buffering shape, written from their public
 * descriptions (docs/thirdparty.md has the sources), in the style of the code they describe:
 * plain C on the shared rings (made visible by common/plain.c) and the projects' barrier macros
 * mapped onto rt. Built twice (mk/thirdparty.mk): as described, and with -DTP_NO_FENCE, the one
 * full barrier the fix added taken out again.
 *
 * sqpoll       io_uring's SQ polling thread and liburing's submit side (liburing issue #541,
 *              2022): the application stores the SQ tail, then loads the SQ flags to see whether
 *              the kernel thread went to sleep (IORING_SQ_NEED_WAKEUP) and must be woken with
 *              io_uring_enter(IORING_ENTER_SQ_WAKEUP). The kernel thread sets NEED_WAKEUP, then
 *              looks at the tail a last time before it sleeps. Each side stores then loads: a full
 *              barrier (io_uring_smp_mb()) must sit between the application's tail store and flags
 *              load, as the kernel's io_uring.c comment says; liburing had none.
 * used_event   virtio's used-buffer notification suppression (VIRTIO_RING_F_EVENT_IDX) on the
 *              device side, as kvmtool's virtio core had it before it added mb() to
 *              virtio_queue__should_signal (DPDK's vhost had the same missing barrier in
 *              vhost_vring_call): the device stores used->idx, then loads used_event to decide
 *              whether to interrupt the driver; the driver (Linux virtio_ring) stores used_event
 *              when it re-enables callbacks, then re-reads used->idx before it sleeps.
 * Oracles: every entry/buffer is consumed exactly once, in order, with its value; at the end
 * nobody is asleep with work for it and no wakeup pending (the lost wakeup / lost interrupt).
 * A syscall, an interrupt injection and going to sleep are full barriers (serializing), as on
 * real hardware; the barrier under test is the one between the index store and the flag load.
 */
#include <stdint.h>
#include <string.h>

#include "../common/tp.h"

#ifndef TP_SOURCE
#define TP_SOURCE "notify.c"
#endif
const char tp_build_name[] = TP_SOURCE;

enum { KIND_USER = 1, KIND_KERNEL = 2 };
enum { CH_SQTHREAD = 0, CH_DRIVER = 1 };
#define MAX_ENTRIES 4
#define RING_ENTRIES 4u

/* liburing's barrier vocabulary (src/include/liburing/barrier.h), onto rt */
#define io_uring_smp_store_release(p, v) tp_store((p), sizeof(*(p)), RT_RELEASE, (v))
#define io_uring_smp_load_acquire(p) ((uint32_t)tp_load((p), sizeof(*(p)), RT_ACQUIRE))
#define IO_URING_READ_ONCE(x) ((uint32_t)tp_load(&(x), sizeof(x), RT_RELAXED))
#define io_uring_smp_mb() tp_fence(RT_FENCE_FULL)
/* the kernel's and kvmtool's */
#define smp_mb() tp_fence(RT_FENCE_FULL)
#define smp_wmb() tp_fence(RT_FENCE_WMB)
#define smp_rmb() tp_fence(RT_FENCE_RMB)
#define IORING_SQ_NEED_WAKEUP 1u

/* The shared memory: an SQ ring, or a virtqueue's used ring and used_event. */
static struct {
	struct {
		uint32_t khead, ktail, kflags, pad;
		uint32_t sqe[RING_ENTRIES];       /* the SQ entries (the SQE "array"), user data only */
	} sq;
	struct {
		uint16_t flags, idx;              /* vring_used */
		struct { uint32_t id, len; } ring[RING_ENTRIES];
		uint16_t used_event;              /* vring_used_event: the avail ring's last field */
		uint16_t pad;
	} vq;
	unsigned char guard[64];
} mem __attribute__((aligned(64)));

enum { F_KHEAD = 1, F_KTAIL, F_KFLAGS, F_SQE, F_USED_IDX, F_USED_ID, F_USED_LEN, F_USED_EVENT };
static const struct rt_field sq_fields[] = {
	{ "khead", F_KHEAD, offsetof(__typeof__(mem.sq), khead), 4, 0, 0 },
	{ "ktail", F_KTAIL, offsetof(__typeof__(mem.sq), ktail), 4, 0, 0 },
	{ "kflags", F_KFLAGS, offsetof(__typeof__(mem.sq), kflags), 4, 0, 0 },
	{ "sqe[]", F_SQE, offsetof(__typeof__(mem.sq), sqe), 4, RING_ENTRIES, 0 },
};
static const struct rt_field vq_fields[] = {
	{ "used.idx", F_USED_IDX, offsetof(__typeof__(mem.vq), idx), 2, 0, 0 },
	{ "used.ring[].id", F_USED_ID, offsetof(__typeof__(mem.vq), ring), 4, RING_ENTRIES, 8 },
	{ "used.ring[].len", F_USED_LEN, offsetof(__typeof__(mem.vq), ring) + 4, 4, RING_ENTRIES, 8 },
	{ "used_event", F_USED_EVENT, offsetof(__typeof__(mem.vq), used_event), 2, 0, 0 },
};

static struct {
	uint32_t n;                      /* entries / buffers */
	uint32_t consumed;
	uint16_t last_used_signalled;    /* the device's private copy */
	uint16_t last_used_idx;          /* the driver's */
} st;

/* A system call, an interrupt injection: serializing (a full barrier), then the event. */
static void wake(int ch)
{
	smp_mb();
	tp_signal(ch);
}

static void sleep_on(int ch)
{
	smp_mb();
	tp_wait(ch);
}

/* ---- sqpoll ------------------------------------------------------------------------------------- */

/* liburing's submit path for SQPOLL: fill the SQEs, publish the tail, wake the thread if it
 * sleeps (sq_ring_needs_enter). */
static void submitter(struct rt *rt, int id, void *arg)
{
	uint32_t i, tail = 0;

	(void)rt, (void)id, (void)arg;
	for (i = 0; i < st.n; i++) {
		mem.sq.sqe[tail & (RING_ENTRIES - 1)] = 100 + i;
		tail++;
		io_uring_smp_store_release(&mem.sq.ktail, tail);
#ifndef TP_NO_FENCE
		/* the fix for #541: the tail store before the flags load */
		io_uring_smp_mb();
#endif
		if (IO_URING_READ_ONCE(mem.sq.kflags) & IORING_SQ_NEED_WAKEUP)
			wake(CH_SQTHREAD);         /* io_uring_enter(IORING_ENTER_SQ_WAKEUP) */
	}
}

/* The kernel's SQ thread: consume what the tail announces; when idle, set NEED_WAKEUP, look
 * at the tail once more (after a full barrier) and sleep only if it did not move. */
static void sq_thread(struct rt *rt, int id, void *arg)
{
	uint32_t head = 0;

	(void)rt, (void)id, (void)arg;
	for (;;) {
		uint32_t tail = io_uring_smp_load_acquire(&mem.sq.ktail);

		while (head != tail) {
			uint32_t v = mem.sq.sqe[head & (RING_ENTRIES - 1)];

			if (v != 100 + st.consumed) {
				tp_fail(TP_VIO_CORRUPT, "SQ thread: entry %u holds %u, %u was due", head, v,
					100 + st.consumed);
				return;
			}
			st.consumed++;
			head++;
			io_uring_smp_store_release(&mem.sq.khead, head);
		}
		if (st.consumed == st.n)
			return;
		mem.sq.kflags |= IORING_SQ_NEED_WAKEUP;
		smp_mb();
		if (io_uring_smp_load_acquire(&mem.sq.ktail) == head)
			sleep_on(CH_SQTHREAD);
		mem.sq.kflags &= ~IORING_SQ_NEED_WAKEUP;
	}
}

static void sq_at_end(struct rt *rt)
{
	int a;

	for (a = 0; a < rt_nactors(rt); a++)
		if (rt_actor_kind(rt, a) == KIND_KERNEL && rt_actor_state(rt, a) == RT_WAITING &&
		    !rt_channel_pending(rt, CH_SQTHREAD)) {
			tp_fail(TP_VIO_LOST_NOTIFY, "no lost wakeup: the SQ thread sleeps with %u of %u "
				"entries submitted and not consumed (ktail %u, khead %u), the application "
				"saw no NEED_WAKEUP", st.n - st.consumed, st.n, mem.sq.ktail, mem.sq.khead);
			return;
		}
}

static int sq_setup(struct rt *rt, const struct tp_config *c)
{
	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	st.n = c->param[0];
	if (tp_region(rt, "sq", &mem.sq, sizeof(mem.sq), sq_fields, 4) < 0 ||
	    tp_guard(rt, "the memory after the SQ", &mem.vq, sizeof(mem) - sizeof(mem.sq)) < 0)
		return rt_setup_error(rt, "sqpoll: cannot register the SQ ring");
	tp_watch(rt, "ktail", &mem.sq.ktail, 4);
	tp_watch(rt, "khead", &mem.sq.khead, 4);
	tp_watch(rt, "kflags", &mem.sq.kflags, 4);
	if (tp_actor(rt, KIND_USER, "app", submitter, NULL) < 0 ||
	    tp_actor(rt, KIND_KERNEL, "sqthread", sq_thread, NULL) < 0)
		return rt_setup_error(rt, "sqpoll: cannot start the actors");
	return 0;
}

static const struct tp_scenario sqpoll = {
	.name = "sqpoll",
	.about = "io_uring SQPOLL submit vs. the SQ thread's NEED_WAKEUP (liburing #541): no lost "
		 "wakeup",
	.param = { "entries" },
	.def = { 2 }, .lo = { 1 }, .hi = { MAX_ENTRIES },
	.setup = sq_setup,
	.at_end = sq_at_end,
};

/* ---- used_event ----------------------------------------------------------------------------------- */

/* vring_need_event (include/uapi/linux/virtio_ring.h) */
static int vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* The device completes buffers one at a time (kvmtool: virt_queue__set_used_elem, then
 * virtio_queue__should_signal decides whether to inject the interrupt). */
static void device(struct rt *rt, int id, void *arg)
{
	uint16_t used = 0;
	uint32_t i;

	(void)rt, (void)id, (void)arg;
	for (i = 0; i < st.n; i++) {
		uint16_t old, new_idx, event;

		mem.vq.ring[used % RING_ENTRIES].id = i;
		mem.vq.ring[used % RING_ENTRIES].len = 100 + i;
		smp_wmb();                   /* the element before the index that announces it */
		mem.vq.idx = ++used;
#ifndef TP_NO_FENCE
		/* the fix: the used idx store before the used_event load */
		smp_mb();
#endif
		old = st.last_used_signalled;
		new_idx = mem.vq.idx;
		event = mem.vq.used_event;
		if (vring_need_event(event, new_idx, old)) {
			st.last_used_signalled = new_idx;
			wake(CH_DRIVER);     /* interrupt injection */
		}
	}
}

/* The driver (Linux virtio_ring, NAPI style): take what used->idx announces, then re-enable
 * callbacks (store used_event, virtio_mb) and poll once more before sleeping. */
static void driver(struct rt *rt, int id, void *arg)
{
	(void)rt, (void)id, (void)arg;
	for (;;) {
		uint16_t idx = mem.vq.idx;

		smp_rmb();                   /* elements after the index */
		while (st.last_used_idx != idx) {
			uint32_t e = st.last_used_idx % RING_ENTRIES;
			uint32_t bid = mem.vq.ring[e].id, len = mem.vq.ring[e].len;

			if (bid != st.consumed || len != 100 + st.consumed) {
				tp_fail(TP_VIO_CORRUPT, "driver: used element %u is (%u, %u), buffer %u was "
					"due", st.last_used_idx, bid, len, st.consumed);
				return;
			}
			st.consumed++;
			st.last_used_idx++;
		}
		if (st.consumed == st.n)
			return;
		mem.vq.used_event = st.last_used_idx;     /* virtqueue_enable_cb_prepare */
		smp_mb();                                 /* virtqueue_poll's virtio_mb */
		if (mem.vq.idx == st.last_used_idx)
			sleep_on(CH_DRIVER);
	}
}

static void vq_at_end(struct rt *rt)
{
	int a;

	for (a = 0; a < rt_nactors(rt); a++)
		if (rt_actor_kind(rt, a) == KIND_USER && rt_actor_state(rt, a) == RT_WAITING &&
		    !rt_channel_pending(rt, CH_DRIVER)) {
			tp_fail(TP_VIO_LOST_NOTIFY, "no lost interrupt: the driver sleeps with %u used "
				"buffers it has not seen (used->idx %u, used_event %u, last signalled %u)",
				st.n - st.consumed, mem.vq.idx, mem.vq.used_event,
				st.last_used_signalled);
			return;
		}
}

static int vq_setup(struct rt *rt, const struct tp_config *c)
{
	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	st.n = c->param[0];
	if (tp_region(rt, "vq", &mem.vq, sizeof(mem.vq), vq_fields, 4) < 0 ||
	    tp_guard(rt, "the memory after the virtqueue", mem.guard, sizeof(mem.guard)) < 0)
		return rt_setup_error(rt, "used_event: cannot register the virtqueue");
	tp_watch(rt, "used.idx", &mem.vq.idx, 2);
	tp_watch(rt, "used_event", &mem.vq.used_event, 2);
	if (tp_actor(rt, KIND_USER, "driver", driver, NULL) < 0 ||
	    tp_actor(rt, KIND_KERNEL, "device", device, NULL) < 0)
		return rt_setup_error(rt, "used_event: cannot start the actors");
	return 0;
}

static const struct tp_scenario used_event = {
	.name = "used_event",
	.about = "virtio used ring with EVENT_IDX, kvmtool/DPDK-vhost device side: no lost interrupt",
	.param = { "buffers" },
	.def = { 2 }, .lo = { 1 }, .hi = { MAX_ENTRIES },
	.setup = vq_setup,
	.at_end = vq_at_end,
};

const struct tp_scenario *const tp_scenarios[] = { &sqpoll, &used_event };
const uint32_t tp_nscenarios_ = 2;
