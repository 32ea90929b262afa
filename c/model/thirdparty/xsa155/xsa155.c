/* SPDX-License-Identifier: ISC */
/*
 * A double fetch in a Xen PV backend, written from the XSA-155 advisory (2015): "the backend
 * reads a request field from the shared ring, validates it, and then reads it again (the compiler
 * may do so even where the source uses the value once) and uses the second value" — a frontend
 * that changes the field in between gets past the check. The fix the advisory led to is
 * RING_COPY_REQUEST: copy the request out of the shared page first, validate and use the copy.
 *
 * The ring is the installed xen/io/ring.h (libxen-dev). The backend takes block requests with up
 * to MAX_SEG segments into a pending-request structure (blkback's shape); the frontend is HOSTILE:
 * after pushing one valid request it makes `writes` stores, at scheduled steps, of values the
 * search chooses (0, 1, MAX_SEG, MAX_SEG + 1, 0xffffffff) into the fields a frontend may write
 * (the request's id, nr_segments, seg[], and req_prod). Built twice: -DTP_XSA155_COPY uses
 * RING_COPY_REQUEST, the other reads the request in place.
 *
 * Oracles: no access outside the pending request (a guard follows it: common/plain.c stops the
 * backend at the first byte past it); no hang (the step bound; a bogus req_prod makes the backend
 * set its error flag and stop, as blkback does with RING_REQUEST_PROD_OVERFLOW); each request
 * the backend accepts has the segments it validated.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../xen/xen_barrier.h"
#include <xen/io/ring.h>

#ifndef TP_SOURCE
#define TP_SOURCE "xsa155.c"
#endif
const char tp_build_name[] = TP_SOURCE;

#define MAX_SEG 2u
#define SLOTS 2u
#define RSP_OKAY 0
#define RSP_ERROR (-1)

struct blk_req {
	uint32_t id, nr_segments;
	uint32_t seg[MAX_SEG];
};
struct blk_rsp {
	uint32_t id;
	int32_t status;
};
DEFINE_RING_TYPES(blk, struct blk_req, struct blk_rsp);

enum { KIND_FRONT = 1, KIND_BACK = 2 };
enum { CH_BACK = 0 };
#define PAGE_BYTES (offsetof(struct blk_sring, ring) + SLOTS * sizeof(union blk_sring_entry))

static struct {
	union {
		struct blk_sring s;
		unsigned char bytes[PAGE_BYTES];
	} page;
} mem __attribute__((aligned(64)));

/* The backend's pending request (private to it), and what lies after it. */
static struct {
	uint32_t nr;
	uint32_t seg[MAX_SEG];
	unsigned char guard[64];
} pending;

enum { F_REQ_PROD = 1, F_REQ_EVENT, F_RSP_PROD, F_RSP_EVENT, F_ID, F_NSEG, F_SEG, F_ENTRY };
static const struct rt_field page_fields[] = {
	{ "req_prod", F_REQ_PROD, offsetof(struct blk_sring, req_prod), 4, 0, 0 },
	{ "req_event", F_REQ_EVENT, offsetof(struct blk_sring, req_event), 4, 0, 0 },
	{ "rsp_prod", F_RSP_PROD, offsetof(struct blk_sring, rsp_prod), 4, 0, 0 },
	{ "rsp_event", F_RSP_EVENT, offsetof(struct blk_sring, rsp_event), 4, 0, 0 },
	{ "ring[].id", F_ID, offsetof(struct blk_sring, ring), 4, SLOTS, sizeof(union blk_sring_entry) },
	{ "ring[].nseg|status", F_NSEG, offsetof(struct blk_sring, ring) + 4, 4, SLOTS,
	  sizeof(union blk_sring_entry) },
	{ "ring[].seg", F_SEG, offsetof(struct blk_sring, ring) + 8, 8, SLOTS,
	  sizeof(union blk_sring_entry) },
	{ "ring[]", F_ENTRY, offsetof(struct blk_sring, ring), sizeof(union blk_sring_entry), SLOTS, 0 },
};

static struct {
	uint32_t writes;
	blk_front_ring_t front;
	blk_back_ring_t back;
	int error;                       /* the backend's "frontend is bogus" flag */
	uint32_t accepted;
} st;

static const uint32_t hostile_values[] = { 0, 1, MAX_SEG, MAX_SEG + 1, 0xffffffffu };

/* The frontend: one valid request, then the hostile stores. */
static void frontend(struct rt *rt, int id, void *arg)
{
	blk_front_ring_t *f = &st.front;
	struct blk_req *req = RING_GET_REQUEST(f, f->req_prod_pvt);
	uint32_t k;
	int notify;

	(void)rt, (void)id, (void)arg;
	req->id = 7;
	req->nr_segments = 1;
	req->seg[0] = 40;
	f->req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
	if (notify) {
		xen_mb();
		tp_signal(CH_BACK);
	}
	for (k = 0; k < st.writes; k++) {
		uint32_t *field[] = { &req->id, &req->nr_segments, &req->seg[0], &req->seg[1],
				      &f->sring->req_prod };
		uint32_t *where = field[tp_choose(5)];
		uint32_t v = hostile_values[tp_choose(5)];

		tp_store(where, 4, RT_RELAXED, v);
	}
}

/* Maps the request's segments into the pending request: validate nr_segments, then copy. The
 * loop reads req->nr_segments at every iteration (p->seg may alias *req, as far as the compiler
 * knows): when req points into the shared page, that is the second fetch. */
static __attribute__((noinline)) int map_segments(uint32_t *seg_out, uint32_t *nr_out,
						  const struct blk_req *req)
{
	uint32_t i;

	if (req->nr_segments == 0 || req->nr_segments > MAX_SEG)
		return RSP_ERROR;
	for (i = 0; i < req->nr_segments; i++)
		seg_out[i] = req->seg[i];
	*nr_out = i;
	return RSP_OKAY;
}

static void backend(struct rt *rt, int id, void *arg)
{
	blk_back_ring_t *b = &st.back;
	int notify, more;

	(void)rt, (void)id, (void)arg;
	for (;;) {
		RING_IDX rc = b->req_cons, rp = b->sring->req_prod;

		xen_rmb();
		if (RING_REQUEST_PROD_OVERFLOW(b, rp)) {
			st.error = 1;        /* blkback: "Frontend provided bogus ring requests" */
			return;
		}
		while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(b, rc)) {
			const struct blk_req *req;
			struct blk_rsp *rsp;
			int status;
#ifdef TP_XSA155_COPY
			struct blk_req copy;

			RING_COPY_REQUEST(b, rc, &copy);
			req = &copy;
#else
			req = RING_GET_REQUEST(b, rc);
#endif
			b->req_cons = ++rc;
			status = map_segments(pending.seg, &pending.nr, req);
			if (status == RSP_OKAY)
				st.accepted++;
			rsp = RING_GET_RESPONSE(b, b->rsp_prod_pvt);
			rsp->id = req->id;
			rsp->status = status;
			b->rsp_prod_pvt++;
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify);
			(void)notify;        /* the frontend does not wait for responses */
		}
		RING_FINAL_CHECK_FOR_REQUESTS(b, more);
		if (!more) {
			xen_mb();
			if (!tp_wait(CH_BACK))
				return;
		}
	}
}

static int setup(struct rt *rt, const struct tp_config *c)
{
	memset(&mem, 0, sizeof(mem));
	memset(&pending, 0, sizeof(pending));
	memset(&st, 0, sizeof(st));
	st.writes = c->param[0];
	XEN_FRONT_RING_INIT(&st.front, &mem.page.s, PAGE_BYTES);
	BACK_RING_INIT(&st.back, &mem.page.s, PAGE_BYTES);
	if (RING_SIZE(&st.front) != SLOTS)
		return rt_setup_error(rt, "ring.h made %u slots", RING_SIZE(&st.front));
	if (tp_region(rt, "sring", &mem.page, PAGE_BYTES, page_fields, 8) < 0 ||
	    tp_guard(rt, "the memory after the pending request", pending.guard,
		     sizeof(pending.guard)) < 0)
		return rt_setup_error(rt, "xsa155: cannot register the shared page");
	tp_watch(rt, "req_prod", &mem.page.s.req_prod, 4);
	tp_watch(rt, "nseg[0]", &mem.page.s.ring[0].req.nr_segments, 4);
	if (tp_actor(rt, KIND_FRONT, "frontend", frontend, NULL) < 0 ||
	    tp_actor(rt, KIND_BACK, "backend", backend, NULL) < 0)
		return rt_setup_error(rt, "xsa155: cannot start the actors");
	return 0;
}

static const struct tp_scenario hostile = {
	.name = "hostile-frontend",
	.about = "a block backend on Xen's ring against a frontend that rewrites request fields: no "
		 "access outside the pending request, no hang",
	.param = { "writes" },
	.def = { 1 }, .lo = { 0 }, .hi = { 3 },
	.setup = setup,
};

const struct tp_scenario *const tp_scenarios[] = { &hostile };
const uint32_t tp_nscenarios_ = 1;
