/* SPDX-License-Identifier: ISC */
/*
 * Setup and teardown of one mnetif execution (the rt workload's setup/teardown): validation of
 * the workload, the ring (mn_ring_init, the real mn_plug(), the consumer's attach) before any actor
 * runs (so its ordering-layer calls access memory directly), the actors, the regions; at the end,
 * the result. Between executions the registry table is zeroed: entries only hold what this
 * runtime put there, and no execution may see the previous one.
 */
#include "mnetif.h"

#include <errno.h>
#include <string.h>

static unsigned char ring_mem[MN_MODEL_RING_BYTES] __attribute__((aligned(4096)));

static int bad(struct mn_ctx *m, const char *why)
{
	return rt_setup_error(m->rt, "%s", why);
}

static int validate(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	uint32_t p, k;

	if (w->mm > MN_MM_ARM)
		return bad(m, "mm is not SC/TSO/PSO/ARM");
	if (w->npromise_cands > MN_MODEL_MAX_PROMISE_CANDS || (w->npromise_cands && !w->promise_cands))
		return bad(m, "promise_cands: at most 512, and given when npromise_cands > 0");
	if (w->proto == MN_MODEL_LITMUS) {
		if (w->nlitmus_actors < 1 || w->nlitmus_actors > MN_MODEL_MAX_ACTORS)
			return bad(m, "litmus: 1..6 actors");
		for (p = 0; p < w->nlitmus_actors; p++) {
			if (w->nlitmus[p] > MN_MODEL_MAX_LITMUS)
				return bad(m, "litmus: at most 8 operations per actor");
			for (k = 0; k < w->nlitmus[p]; k++) {
				const struct mn_litmus_op *o = &w->litmus[p][k];
				unsigned size = o->size ? o->size : 4;

				if (o->off + size > 4096 || o->off % size ||
				    (size != 2 && size != 4 && size != 8))
					return bad(m, "litmus: off must be aligned and < 4096, size 2/4/8");
				if (o->op < MN_OP_LOAD || o->op > MN_OP_FETCH_ADD)
					return bad(m, "litmus: op is LOAD/STORE/FENCE/TAS/FETCH_ADD");
			}
		}
		if (w->nlitmus_final > MN_MODEL_MAX_LITMUS)
			return bad(m, "litmus: at most 8 final locations");
		for (p = 0; p < w->nlitmus_final; p++)
			if (w->litmus_final_off[p] + 4 > 4096 || w->litmus_final_off[p] % 4)
				return bad(m, "litmus: final locations are aligned 4-byte words < 4096");
		return 0;
	}
	if (w->proto > MN_PROTO_V3)
		return bad(m, "proto is 2012 (0), v1 (1), v2 (2), v3 (3) or litmus (100)");
	if (w->nproducers > MN_MODEL_MAX_PRODUCERS)
		return bad(m, "at most 3 producers");
	for (p = 0; p < w->nproducers; p++) {
		if (w->nframes[p] > MN_MODEL_MAX_FRAMES)
			return bad(m, "at most 16 frames per producer");
		for (k = 0; k < w->nframes[p]; k++)
			if (w->frame_len[p][k] > MN_MODEL_MAX_FRAME_LEN)
				return bad(m, "frame longer than MN_MODEL_MAX_FRAME_LEN");
	}
	if (w->batch > MN_MODEL_MAX_FRAMES || w->cons_batch > MN_MODEL_MAX_FRAMES)
		return bad(m, "batch and cons_batch are 0..16");
	if (w->consumer > MN_CONSUMER_EXTERNAL)
		return bad(m, "consumer is 0 (none), 1 (C) or 2 (external)");
	if (w->consumer == MN_CONSUMER_EXTERNAL && !m->ext_fn)
		return bad(m, "external consumer requested but mn_model_set_external_consumer() not called");
	if (w->hostile > MN_MODEL_MAX_HOSTILE)
		return bad(m, "hostile: at most 8 stores");
	if (w->hostile && (w->consumer != MN_CONSUMER_NONE || w->consumer_waits || w->unplugger ||
			   w->kill_actor >= 0 ||
			   w->proto == MN_PROTO_2012))
		return bad(m, "hostile: the hostile peer is the other side (consumer none, no unplugger, "
			   "no killer) of a v1 or v2 ring");
	return 0;
}

static int plug_ring(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring_mem;
	struct mn_plug_info info;
	uint64_t dataoff = mn_off_lens(w->proto) + 2ull * w->nslots;
	const char *why = NULL;
	int err;

	if (w->proto == MN_PROTO_V2 || w->proto == MN_PROTO_V3)
		dataoff = (dataoff + 63) & ~63ull;
	m->ringlen = dataoff + (uint64_t)w->nslots * w->slotsize;
	if (m->ringlen > MN_MODEL_RING_BYTES)
		return bad(m, "ring larger than MN_MODEL_RING_BYTES");
	memset(ring_mem, 0, m->ringlen);
	err = mn_ring_init(ring_mem, m->ringlen, w->proto, w->nslots, w->slotsize);
	if (err)
		return bad(m, "mn_ring_init rejected the geometry (nslots: power of two; slotsize: "
			   "multiple of 64, >= 64)");
	if (w->proto == MN_PROTO_V2 || w->proto == MN_PROTO_V3) {
		mn_write_once((mn_u16 *)(ring_mem + mn_off_cons(w->proto)), (uint16_t)w->start_index);
		mn_write_once(&h->sr_avail, (uint16_t)w->start_index);
	} else {
		mn_write_once(&h->sr_cur, (uint16_t)(w->start_index & (w->nslots - 1)));
	}
	if (mn_ring_geometry(ring_mem, m->ringlen, &m->geom, &why))
		return bad(m, why ? why : "geometry");
	err = mn_plug(MN_MODEL_IFNAME, ring_mem, m->ringlen, &info);
	if (err)
		return rt_setup_error(m->rt, "mn_plug failed: %d %s", err,
				      mn_plug_why() ? mn_plug_why() : "");
	if (mn_cons_attach(&m->cons, ring_mem, m->ringlen))
		return bad(m, "mn_cons_attach failed");
	m->cons.lock_retries = w->lock_retries ? w->lock_retries : MN_LOCK_RETRIES;
	/* v3: one look at the ring before arming instead of MN_WAIT_SPINS (the same loop; each more
	 * look is one more read of sr_avail that returns early, like v1's retries) */
	if (m->cons.wait_spins)
		m->cons.wait_spins = 1;
	return 0;
}

/* What both workloads reset before validating. */
static void begin(struct mn_ctx *m)
{
	memset(m->r, 0, sizeof(*m->r));
	m->r->violation_step = -1;
	m->r->unplug_result = MN_MODEL_NOT_PUSHED;
	m->nactors = 0;
	m->consumer_id = m->unplugger_id = m->killer_id = m->hostile_id = -1;
	m->beyond_region = -1;
	m->hostile_done = 0;
	m->hostile_visible = 0;
	m->holder[0] = m->holder[1] = -1;
	m->entry = NULL;
	m->ring = ring_mem;
	m->ring_region = -1;
	memset(m->next_frame, 0, sizeof(m->next_frame));
	memset(m->batch_end, 0, sizeof(m->batch_end));
	memset(m->got, 0, sizeof(m->got));
}

/* ARM: the workload's promise table (model.h "ARM"; regions: 0 the ring buffer, 1 the table). */
static void set_promises(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;

	rt_set_promises(m->rt, (const struct rt_promise *)w->promise_cands, w->npromise_cands,
			w->promise_blob, w->max_promises);
}

static int killer(struct mn_ctx *m)
{
	if (m->w.kill_actor < 0)
		return 0;
	if (m->w.kill_actor >= m->nactors)
		return bad(m, "kill_actor names no actor (the killer cannot kill itself)");
	return mn_spawn_killer(m) ? bad(m, "cannot start the killer") : 0;
}

int mn_setup_ring(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	int err;

	begin(m);
	err = validate(m);
	if (err)
		return err;
	rt_set_memory_model(m->rt, (int)w->mm);
	rt_set_max_steps(m->rt, w->max_steps);
	set_promises(m);
	err = plug_ring(m);
	if (err)
		return err;
	mn_layout_ring(m);
	if (w->hostile)
		mn_layout_beyond(m);
	if (mn_spawn_ring_actors(m))
		return bad(m, "cannot start the actors");
	err = killer(m);
	if (err)
		return err;
	if (m->nactors == 0)
		return bad(m, "no actors");
	mn_reduction_setup(m);
	rt_set_reduce(m->rt, w->reduce && w->consumer != MN_CONSUMER_EXTERNAL);
	m->r->nactors = (uint32_t)m->nactors;
	return 0;
}

/*
 * Litmus programs (model.h: proto == MN_MODEL_LITMUS) on the ring buffer's first 4096 bytes, its
 * header fields named as in the ring, through the generic litmus workload (../litmus). A fence's
 * order is its kind (enum rt_fence); any other order (plain, relaxed) is a full fence.
 */
int mn_setup_litmus(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	struct lit_prog *p = &m->lit;
	uint32_t a, i;
	int err;

	begin(m);
	err = validate(m);
	if (err)
		return err;
	p->nactors = w->nlitmus_actors;
	for (a = 0; a < p->nactors; a++) {
		p->nops[a] = w->nlitmus[a];
		for (i = 0; i < w->nlitmus[a]; i++) {
			const struct mn_litmus_op *o = &w->litmus[a][i];
			struct lit_op *l = &p->ops[a][i];

			*l = (struct lit_op){ o->op, o->order, o->size ? o->size : 4, o->flags & 1,
					      o->off, o->value, 0 };
			if (o->op == MN_OP_FENCE && (o->order < RT_FENCE_ACQUIRE || o->order > RT_FENCE_HEAVY))
				l->order = RT_FENCE_FULL;
		}
	}
	p->mm = (int)w->mm;
	p->max_steps = w->max_steps;
	p->mem = ring_mem;
	p->mem_bytes = 4096;
	m->ringlen = 4096;
	memset(&m->geom, 0, sizeof(m->geom));
	p->fields = mn_header_fields();
	p->nfields = 16;
	p->other_tag = MN_FLD_RING_OTHER;
	p->other_name = "ring(other)";
	p->watch_off[0] = MN_OFF_CUR, p->watch_size[0] = 2;
	p->watch_off[1] = MN_OFF_AVAIL, p->watch_size[1] = 2;
	p->watch_off[2] = MN_OFF_LOCK, p->watch_size[2] = 4;
	p->nwatch = 3;
	p->kind = MN_ACTOR_LITMUS;
	err = lit_setup(m->rt, p);
	if (err)
		return err;
	set_promises(m);
	mn_note_litmus_actors(m, p->nactors);
	err = killer(m);
	if (err)
		return err;
	m->r->nactors = (uint32_t)m->nactors;
	return 0;
}

/* After the verdict: the final state into the result, the verdict and coverage from rt. */
void mn_teardown(struct mn_ctx *m)
{
	static const struct { uint32_t ev; int cov; } ev_cov[] = {
		{ RT_EV_SPIN_BLOCKED, MN_COV_SPIN_BLOCKED }, { RT_EV_REORDERED, MN_COV_REORDERED },
		{ RT_EV_FORWARDED, MN_COV_FORWARDED }, { RT_EV_WAITED, MN_COV_CONS_SLEPT },
		{ RT_EV_SIGNALLED, MN_COV_NOTIFIED }, { RT_EV_KILLED, MN_COV_KILLED },
		{ RT_EV_STALE_READ, MN_COV_STALE_READ }, { RT_EV_PROMISE, MN_COV_PROMISE },
	};
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)ring_mem;
	const struct rt_result *v = rt_result(m->rt);
	struct mn_model_result *r = m->r;
	unsigned i;

	for (i = 0; i < (unsigned)m->nactors; i++)
		r->actor_state[i] = (uint8_t)rt_actor_state(m->rt, (int)i);
	r->final_cur = mn_observe((const mn_u16 *)(ring_mem + mn_off_cons(m->w.proto)));
	r->final_avail = mn_observe(&h->sr_avail);
	r->final_lock = mn_observe(&h->sr_lock);
	r->notify_pending = rt_channel_pending(m->rt, 0);
	if (m->entry)
		r->counters = m->entry->prod.c;
	if (m->table)
		memset(m->table, 0, sizeof(struct mn_entry) * MN_MAX_PLUGS);
	m->entry = NULL;
	if (m->w.proto == MN_MODEL_LITMUS && r->nactors) {   /* set by a successful setup only */
		for (i = 0; i < m->lit.nactors; i++)
			memcpy(r->litmus_regs[i], m->lit.regs[i], sizeof(r->litmus_regs[i]));
		for (i = 0; i < m->w.nlitmus_final; i++)
			r->litmus_final[i] = *(const uint32_t *)(ring_mem + m->w.litmus_final_off[i]);
	}
	r->pruned = v->pruned;
	for (i = 0; i < sizeof(ev_cov) / sizeof(ev_cov[0]); i++)
		if (v->events & ev_cov[i].ev)
			COV(m, ev_cov[i].cov);
	rt_set_coverage(m->rt, r->coverage);
	r->violation = v->violation;
	r->violation_step = v->violation_step;
	if (v->violation)
		memcpy(r->message, v->message, sizeof(r->message));
	r->nsteps = v->nsteps;
	r->ndecisions = v->ndecisions;
	r->nchoices_used = v->nchoices_used;
}
