/* SPDX-License-Identifier: ISC */
/*
 * Xen's shared ring (the installed xen/io/ring.h of libxen-dev, or a build-time copy with one
 * weakened barrier: mk/thirdparty.mk) between a frontend and a backend, written the way the PV
 * drivers use the macros (Linux blkfront/blkback): the frontend pushes requests with
 * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY and sleeps on its event channel after
 * RING_FINAL_CHECK_FOR_RESPONSES; the backend consumes with RING_COPY_REQUEST, answers with
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, and sleeps after RING_FINAL_CHECK_FOR_REQUESTS. An event
 * channel is rt's (a pending count: a notification sent while nobody waits is kept).
 *
 * Scenario front-back (requests K <= slots):
 *   oracles: each request reaches the backend once, in order, with its payload; each response
 *   reaches the frontend once, in order, with the right status; at the end nobody is asleep with
 *   work for it on the ring (a lost notification: the notify check and the final check both
 *   missed each other's index update).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xen_barrier.h"
#include <xen/io/ring.h>

#ifndef TP_SOURCE
#define TP_SOURCE "xen/io/ring.h"
#endif
const char tp_build_name[] = TP_SOURCE;

struct tpx_req {
	uint32_t id, op, len, pad;
};
struct tpx_rsp {
	uint32_t id;
	int32_t status;
};
DEFINE_RING_TYPES(tpx, struct tpx_req, struct tpx_rsp);

enum { KIND_FRONT = 1, KIND_BACK = 2 };
enum { CH_BACK = 0, CH_FRONT = 1 };           /* the event channel each end sleeps on */
#define MAX_SLOTS 4
#define PAGE_BYTES (offsetof(struct tpx_sring, ring) + MAX_SLOTS * sizeof(union tpx_sring_entry))

static struct {
	union {
		struct tpx_sring s;
		unsigned char bytes[PAGE_BYTES];
	} page;
	unsigned char guard[64];
} mem __attribute__((aligned(64)));

enum { F_REQ_PROD = 1, F_REQ_EVENT, F_RSP_PROD, F_RSP_EVENT, F_PAD, F_REQ_ID, F_REQ_OP, F_REQ_LEN,
       F_RSP_ID, F_RSP_STATUS };
static const struct rt_field page_fields[] = {
	{ "req_prod", F_REQ_PROD, offsetof(struct tpx_sring, req_prod), 4, 0, 0 },
	{ "req_event", F_REQ_EVENT, offsetof(struct tpx_sring, req_event), 4, 0, 0 },
	{ "rsp_prod", F_RSP_PROD, offsetof(struct tpx_sring, rsp_prod), 4, 0, 0 },
	{ "rsp_event", F_RSP_EVENT, offsetof(struct tpx_sring, rsp_event), 4, 0, 0 },
	/* the entries: a request or a response (the union), by the fields of each */
	{ "ring[].id", F_REQ_ID, offsetof(struct tpx_sring, ring), 4, MAX_SLOTS,
	  sizeof(union tpx_sring_entry) },
	{ "ring[].op|status", F_REQ_OP, offsetof(struct tpx_sring, ring) + 4, 4, MAX_SLOTS,
	  sizeof(union tpx_sring_entry) },
	{ "ring[].len", F_REQ_LEN, offsetof(struct tpx_sring, ring) + 8, 4, MAX_SLOTS,
	  sizeof(union tpx_sring_entry) },
	{ "ring[]", F_PAD, offsetof(struct tpx_sring, ring), sizeof(union tpx_sring_entry), MAX_SLOTS,
	  0 },
};

static struct {
	uint32_t nreq, slots;
	tpx_front_ring_t front;          /* each end's private half */
	tpx_back_ring_t back;
	uint32_t handled, answered;
} st;

/* notify_remote_via_evtchn is a hypercall (EVTCHNOP_send): serializing, a full barrier before
 * the event is sent. Going to sleep (wait_event: set_current_state) is a full barrier too. */
static void notify_remote(int ch)
{
	xen_mb();
	tp_signal(ch);
}

static void sleep_until_notified(int ch)
{
	xen_mb();
	tp_wait(ch);
}

static uint32_t payload(uint32_t i)
{
	return 100 + i;
}

static void frontend(struct rt *rt, int id, void *arg)
{
	tpx_front_ring_t *f = &st.front;
	uint32_t i;
	int notify, more;

	(void)rt, (void)id, (void)arg;
	for (i = 0; i < st.nreq; i++) {
		struct tpx_req *req = RING_GET_REQUEST(f, f->req_prod_pvt);

		req->id = i;
		req->op = 1;
		req->len = payload(i);
		f->req_prod_pvt++;
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
		if (notify)
			notify_remote(CH_BACK);
	}
	for (;;) {
		RING_IDX rp = f->sring->rsp_prod, c;

		xen_rmb();      /* responses after the index that announces them */
		for (c = f->rsp_cons; c != rp; c++) {
			struct tpx_rsp rsp;

			RING_COPY_RESPONSE(f, c, &rsp);
			if (rsp.id != st.answered || rsp.status != (int32_t)payload(st.answered)) {
				tp_fail(TP_VIO_CORRUPT, "frontend: response %u (status %d) where response "
					"%u (status %u) was due", rsp.id, rsp.status, st.answered,
					payload(st.answered));
				return;
			}
			st.answered++;
		}
		f->rsp_cons = c;
		if (st.answered == st.nreq)
			return;
		RING_FINAL_CHECK_FOR_RESPONSES(f, more);
		if (!more)
			sleep_until_notified(CH_FRONT);
	}
}

static void backend(struct rt *rt, int id, void *arg)
{
	tpx_back_ring_t *b = &st.back;
	int notify, more;

	(void)rt, (void)id, (void)arg;
	while (st.handled < st.nreq) {
		RING_IDX rc = b->req_cons, rp = b->sring->req_prod;

		xen_rmb();      /* requests after the index that announces them */
		while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(b, rc)) {
			struct tpx_req req;
			struct tpx_rsp *rsp;

			RING_COPY_REQUEST(b, rc, &req);
			b->req_cons = ++rc;
			if (req.id != st.handled || req.len != payload(st.handled)) {
				tp_fail(TP_VIO_CORRUPT, "backend: request %u (len %u) where request %u "
					"(len %u) was due", req.id, req.len, st.handled,
					payload(st.handled));
				return;
			}
			rsp = RING_GET_RESPONSE(b, b->rsp_prod_pvt);
			rsp->id = req.id;
			rsp->status = (int32_t)req.len;
			b->rsp_prod_pvt++;
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify);
			if (notify)
				notify_remote(CH_FRONT);
			st.handled++;
		}
		if (st.handled == st.nreq)
			return;
		RING_FINAL_CHECK_FOR_REQUESTS(b, more);
		if (!more)
			sleep_until_notified(CH_BACK);
	}
}

/* At quiescence: an end asleep with work on the ring for it and no notification pending. */
static void at_end(struct rt *rt)
{
	const struct tpx_sring *s = &mem.page.s;
	int a;

	for (a = 0; a < rt_nactors(rt); a++) {
		int back = rt_actor_kind(rt, a) == KIND_BACK;
		uint32_t waiting = back ? s->req_prod - st.back.req_cons
					: s->rsp_prod - st.front.rsp_cons;

		if (rt_actor_state(rt, a) != RT_WAITING)
			continue;
		if (waiting && !rt_channel_pending(rt, back ? CH_BACK : CH_FRONT)) {
			tp_fail(TP_VIO_LOST_NOTIFY, "no lost notification: the %s sleeps with %u %s on the "
				"ring (%s %u, %s %u, %s %u) and no notification pending",
				back ? "backend" : "frontend", waiting, back ? "requests" : "responses",
				back ? "req_prod" : "rsp_prod", back ? s->req_prod : s->rsp_prod,
				back ? "req_cons" : "rsp_cons", back ? st.back.req_cons : st.front.rsp_cons,
				back ? "req_event" : "rsp_event", back ? s->req_event : s->rsp_event);
			return;
		}
	}
	if (st.answered != st.nreq)
		tp_fail(TP_VIO_LOST, "%u of %u requests answered at the end, nobody has work pending",
			st.answered, st.nreq);
}

static int setup(struct rt *rt, const struct tp_config *c)
{
	size_t bytes;

	memset(&mem, 0, sizeof(mem));
	memset(&st, 0, sizeof(st));
	st.nreq = c->param[0];
	st.slots = c->param[1];
	if (st.slots & (st.slots - 1))
		return rt_setup_error(rt, "slots %u: a Xen ring has a power of two", st.slots);
	if (st.nreq > st.slots)
		return rt_setup_error(rt, "requests %u > slots %u: the frontend does no flow control "
				      "(ring.h: at most RING_SIZE outstanding)", st.nreq, st.slots);
	bytes = offsetof(struct tpx_sring, ring) + st.slots * sizeof(union tpx_sring_entry);
	XEN_FRONT_RING_INIT(&st.front, &mem.page.s, bytes);
	BACK_RING_INIT(&st.back, &mem.page.s, bytes);
	if (RING_SIZE(&st.front) != st.slots)
		return rt_setup_error(rt, "ring.h made %u slots of %zu bytes", RING_SIZE(&st.front),
				      bytes);
	if (tp_region(rt, "sring", &mem.page, bytes, page_fields, 8) < 0 ||
	    tp_guard(rt, "the guard after the ring", (unsigned char *)&mem.page + bytes,
		     sizeof(mem) - bytes) < 0)
		return rt_setup_error(rt, "xen: cannot register the shared page");
	tp_watch(rt, "req_prod", &mem.page.s.req_prod, 4);
	tp_watch(rt, "req_evt", &mem.page.s.req_event, 4);
	tp_watch(rt, "rsp_prod", &mem.page.s.rsp_prod, 4);
	tp_watch(rt, "rsp_evt", &mem.page.s.rsp_event, 4);
	if (tp_actor(rt, KIND_FRONT, "frontend", frontend, NULL) < 0 ||
	    tp_actor(rt, KIND_BACK, "backend", backend, NULL) < 0)
		return rt_setup_error(rt, "xen: cannot start the actors");
	return 0;
}

static const struct tp_scenario front_back = {
	.name = "front-back",
	.about = "RING_PUSH_*_AND_CHECK_NOTIFY / RING_FINAL_CHECK_FOR_*: every request answered, "
		 "in order, no lost notification",
	.param = { "requests", "slots" },
	.def = { 2, 2 }, .lo = { 1, 1 }, .hi = { MAX_SLOTS, MAX_SLOTS },
	.setup = setup,
	.at_end = at_end,
};

const struct tp_scenario *const tp_scenarios[] = { &front_back };
const uint32_t tp_nscenarios_ = 1;
