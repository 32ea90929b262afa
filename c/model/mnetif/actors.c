/* SPDX-License-Identifier: ISC */
/*
 * The actors of an execution and the model's platform (the mn_os_* functions registry.h asks each
 * platform for). Setup (ring init, the real mn_plug(), consumer attach) runs before any actor, so
 * its ordering-layer calls access memory directly.
 *
 * Model platform: one software interface MN_MODEL_IFNAME with index MN_MODEL_IFINDEX (home slot 0
 * of the registry table, so the entry mn_os_attach receives is table[0]); the control lock is a
 * no-op (only the setup and the single unplugger use the control path); mn_os_released() marks the
 * ring freed for the lifecycle oracle; mn_os_notify() does nothing (the producer's mn_notify_op is
 * the visible event-channel signal). Between executions the registry table is zeroed: entries only
 * hold what this runtime put there, and no execution may see the previous one.
 */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct actor actor_store[MN_MODEL_MAX_ACTORS];
static unsigned char ring_mem[MN_MODEL_RING_BYTES] __attribute__((aligned(4096)));
static unsigned char cons_buf[65536];
static mn_model_consumer_fn ext_fn;
static void *ext_arg;

/* ---- platform ---------------------------------------------------------------------------------- */

int mn_os_ifinfo_by_name(const char *name, struct mn_ifinfo *out)
{
	static const uint8_t mac[6] = { 0x02, 0x4d, 0x4e, 0x00, 0x00, 0x01 };

	if (!name || strcmp(name, MN_MODEL_IFNAME) != 0)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, MN_MODEL_IFNAME);
	out->index = MN_MODEL_IFINDEX;
	memcpy(out->mac, mac, 6);
	out->up = 1;
	out->is_ether = 1;
	return 0;
}

int mn_os_list_ifs(struct mn_ifinfo *out, int max)
{
	if (max > 0)
		mn_os_ifinfo_by_name(MN_MODEL_IFNAME, out);
	return 1;
}

void mn_os_ctl_lock(void)
{
}

void mn_os_ctl_unlock(void)
{
}

int mn_os_attach(struct mn_entry *e, struct mn_plug_info *out)
{
	(void)out;
	mn_g.entry = e;
	mn_g.table = mn_registry_table();
	e->prod.lock_retries = mn_g.w.lock_retries ? mn_g.w.lock_retries : MN_LOCK_RETRIES;
	return 0;
}

void mn_os_detach(struct mn_entry *e)
{
	(void)e;
}

void mn_os_released(struct mn_entry *e)
{
	(void)e;
	DP_GLOBAL();
	mn_g.ring_freed = 1;
	COV(MN_COV_UNPLUGGED);
}

void mn_os_notify(void *e)
{
	(void)e;
}

/* ---- model operations of the consumer and the killer ------------------------------------------ */

static uint64_t model_op(int op)
{
	struct actor *a = mn_g.cur;

	a->pend.op = op;
	a->pend.addr = NULL;
	a->pend.size = 0;
	a->pend.order = 0;
	mn_fiber_yield(a);
	return a->ret;
}

void actor_exec_mop(struct actor *a)
{
	uint64_t val = 0;

	switch (a->pend.op) {
	case MN_MOP_KILL: {
		DP_GLOBAL();   /* ends another actor: dependent with everything */
		struct actor *t = mn_g.a[mn_g.w.kill_actor];

		val = (uint64_t)t->id;
		if (t->state != MN_AS_DONE && t->state != MN_AS_KILLED) {
			t->state = MN_AS_KILLED;
			COV(MN_COV_KILLED);
			if (mn_g.holder[0] == t->id || mn_g.holder[1] == t->id)
				COV(MN_COV_KILLED_HOLDER);
		}
		break;
	}
	case MN_MOP_SLEEP:
		DP_LOC(DPL_NOTIFY, 1, 1);
		if (mn_g.notify_pending) {
			mn_g.notify_pending = 0;
			a->ret = 1;
		} else {
			a->state = MN_AS_SLEEPING;
			COV(MN_COV_CONS_SLEPT);
			val = 1;
		}
		break;
	case MN_MOP_IDLE:
		/* reads: who finished, whose buffer is empty, and (its wait) the whole ring */
		DP_LOC(DPL_DONE, 1, 0);
		DP_LOC(DPL_SB, MN_MODEL_MAX_ACTORS, 0);
		DP_ACCESS(mn_g.ring, (uint32_t)mn_g.ringlen, 0);
		if (sched_producers_done() && !sched_others_pending(a)) {
			a->ret = 0;
		} else {
			a->state = MN_AS_IDLE;
			a->ret = 1;
			val = 1;
		}
		break;
	}
	sched_record(a, a->pend.op, NULL, 0, 0, val, 0);
}

int mn_model_consumer_idle(void)
{
	return mn_g.cur && !mn_g.finishing ? (int)model_op(MN_MOP_IDLE) : 0;
}

int mn_model_consumer_sleep(void)
{
	return mn_g.cur && !mn_g.finishing ? (int)model_op(MN_MOP_SLEEP) : 0;
}

void mn_model_consumer_deliver(const void *buf, uint32_t len, int released)
{
	if (released)
		oracle_released(1);
	else
		oracle_deliver(buf, len);
}

void mn_model_set_external_consumer(mn_model_consumer_fn fn, void *arg)
{
	ext_fn = fn;
	ext_arg = arg;
}

/* ---- actor bodies -------------------------------------------------------------------------------- */

uint8_t mn_model_frame_byte(uint32_t p, uint32_t k, uint8_t seed, uint32_t j)
{
	/* Byte 0 names the frame (non-zero, distinct per producer and frame), so a stale, duplicated
	 * or misplaced frame never passes for the expected one; the rest is seed + offset. */
	if (j == 0)
		return (uint8_t)(0x80u | (p << 4) | (k & 15u));
	return (uint8_t)(seed + j);
}

static const unsigned char *frame_bytes(int p, uint32_t k)
{
	uint32_t j;

	for (j = 0; j < mn_g.w.frame_len[p][k]; j++)
		mn_g.pbuf[p][k][j] = mn_model_frame_byte((uint32_t)p, k, mn_g.w.frame_seed[p][k], j);
	return mn_g.pbuf[p][k];
}

/* Frames k .. k+n-1 through netif_ether_input_batch; each frame's result as netif_ether_input
 * would have returned it (the published ones are a prefix of those that fit a slot). */
static void producer_batch(int p, uint32_t k, uint32_t n)
{
	struct mn_frame f[MN_MODEL_MAX_FRAMES] = { { 0 } };   /* = {0}: gcc -O1 -fsanitize sees n == 0 */
	uint32_t j;
	int why = 0, published, left, err;

	for (j = 0; j < n; j++) {
		f[j].data = frame_bytes(p, k + j);
		f[j].len = mn_g.w.frame_len[p][k + j];
	}
	published = netif_ether_input_batch(MN_MODEL_IFINDEX, f, n, NULL, &why);
	for (j = 0, left = published; j < n; j++) {
		if (published < 0)
			err = published;                /* -ENODEV: the whole batch */
		else if (f[j].len > mn_g.w.slotsize)
			err = -EMSGSIZE;
		else if (left > 0)
			err = 0, left--;
		else
			err = why;
		oracle_push_result(p, (int)(k + j), err);
	}
	oracle_batch_done(p, (int)k, (int)n);
}

static void producer_body(struct actor *a)
{
	int p = a->producer;
	uint32_t k, n, batch = mn_g.w.batch > 1 ? mn_g.w.batch : 1;

	for (k = 0; k < mn_g.w.nframes[p]; k += n) {
		n = mn_g.w.nframes[p] - k < batch ? mn_g.w.nframes[p] - k : batch;
		a->frame = (int)k;
		a->nframes = (int)n;
		DP_LOC(DPL_ORACLE, 1, 1);   /* batch_end: the consumer's oracle reads it */
		mn_g.batch_end[p] = k + n;
		a->tas_streak = 0;
		if (batch == 1)
			oracle_push_result(p, (int)k, netif_ether_input(MN_MODEL_IFINDEX, frame_bytes(p, k),
									  mn_g.w.frame_len[p][k]));
		else
			producer_batch(p, k, n);
	}
}

/* The C consumer: DESIGN's rx_poll, with the event-channel final check when consumer_waits. */
static void consumer_body(struct actor *a)
{
	struct mn_cons *c = &mn_g.cons;
	struct mn_slot s[MN_MODEL_MAX_FRAMES];
	uint32_t max = mn_g.w.cons_batch > 1 ? mn_g.w.cons_batch : 1;
	int r, n, i;

	(void)a;
	if (mn_g.w.consumer == MN_CONSUMER_EXTERNAL) {
		ext_fn(ext_arg, mn_g.ring, mn_g.ringlen);
		return;
	}
	for (;;) {
		n = max == 1 ? mn_cons_peek(c, s) : mn_cons_peek_n(c, s, max);
		if (n < 0) {
			sched_violation(MN_VIO_CONSUMER_ERROR, "consumer: mn_cons_peek%s returned %d "
					"(the header's indices are corrupt)", max == 1 ? "" : "_n", n);
			return;
		}
		if (n > 0) {
			for (i = 0; i < n; i++) {
				mn_copy_from_shared(cons_buf, s[i].data, s[i].len);
				oracle_deliver(cons_buf, s[i].len);
			}
			/* v1: lock busy after lock_retries attempts. Waiting for the holder is a
			 * block (the next store to sr_lock), not a spin the scheduler must run. */
			while ((r = max == 1 ? mn_cons_release(c)
					     : mn_cons_release_n(c, (uint32_t)n)) == -EBUSY)
				mn_spin_wait(&c->hdr->sr_lock);
			if (r < 0) {
				sched_violation(MN_VIO_CONSUMER_ERROR, "consumer: mn_cons_release%s "
						"returned %d", max == 1 ? "" : "_n", r);
				return;
			}
			oracle_released((uint32_t)n);
			continue;
		}
		if (mn_g.w.consumer_waits) {
			if (mn_cons_prepare_wait(c) && !mn_model_consumer_sleep())
				return;
		} else if (!mn_model_consumer_idle()) {
			return;
		}
	}
}

static void unplugger_body(struct actor *a)
{
	(void)a;
	mn_g.r->unplug_result = mn_unplug(MN_MODEL_IFNAME);
}

static void killer_body(struct actor *a)
{
	(void)a;
	model_op(MN_MOP_KILL);
}

static void litmus_body(struct actor *a)
{
	uint32_t i;

	for (i = 0; i < mn_g.w.nlitmus[a->id]; i++) {
		const struct mn_litmus_op *o = &mn_g.w.litmus[a->id][i];
		unsigned char *addr = mn_g.ring + o->off;
		unsigned size = o->size ? o->size : 4;

		if (o->op == MN_OP_FENCE)
			mn_model_fence();
		else
			mn_g.r->litmus_regs[a->id][i] =
				mn_model_access(o->op, addr, size, o->order, o->value);
	}
}

static void actor_main(struct actor *a)
{
	switch (a->kind) {
	case MN_ACTOR_PRODUCER: producer_body(a); break;
	case MN_ACTOR_CONSUMER: consumer_body(a); break;
	case MN_ACTOR_UNPLUGGER: unplugger_body(a); break;
	case MN_ACTOR_KILLER: killer_body(a); break;
	case MN_ACTOR_LITMUS: litmus_body(a); break;
	}
	a->state = MN_AS_DONE;
	for (;;)
		mn_fiber_yield(a);   /* never resumed */
}

/* ---- setup and teardown -------------------------------------------------------------------------- */

static int bad(const char *why)
{
	snprintf(mn_g.r->message, sizeof(mn_g.r->message), "%s", why);
	return -EINVAL;
}

static int validate(const struct mn_model_workload *w)
{
	uint32_t p, k;

	if (w->mm > MN_MM_PSO)
		return bad("mm is not SC/TSO/PSO");
	if (w->proto == MN_MODEL_LITMUS) {
		if (w->nlitmus_actors < 1 || w->nlitmus_actors > MN_MODEL_MAX_ACTORS)
			return bad("litmus: 1..6 actors");
		for (p = 0; p < w->nlitmus_actors; p++) {
			if (w->nlitmus[p] > MN_MODEL_MAX_LITMUS)
				return bad("litmus: at most 8 operations per actor");
			for (k = 0; k < w->nlitmus[p]; k++) {
				const struct mn_litmus_op *o = &w->litmus[p][k];
				unsigned size = o->size ? o->size : 4;

				if (o->off + size > 4096 || o->off % size ||
				    (size != 2 && size != 4 && size != 8))
					return bad("litmus: off must be aligned and < 4096, size 2/4/8");
				if (o->op < MN_OP_LOAD || o->op > MN_OP_FETCH_ADD)
					return bad("litmus: op is LOAD/STORE/FENCE/TAS/FETCH_ADD");
			}
		}
		return 0;
	}
	if (w->proto > MN_PROTO_V2)
		return bad("proto is 2012 (0), v1 (1), v2 (2) or litmus (100)");
	if (w->nproducers > MN_MODEL_MAX_PRODUCERS)
		return bad("at most 3 producers");
	for (p = 0; p < w->nproducers; p++) {
		if (w->nframes[p] > MN_MODEL_MAX_FRAMES)
			return bad("at most 16 frames per producer");
		for (k = 0; k < w->nframes[p]; k++)
			if (w->frame_len[p][k] > MN_MODEL_MAX_FRAME_LEN)
				return bad("frame longer than MN_MODEL_MAX_FRAME_LEN");
	}
	if (w->batch > MN_MODEL_MAX_FRAMES || w->cons_batch > MN_MODEL_MAX_FRAMES)
		return bad("batch and cons_batch are 0..16");
	if (w->consumer > MN_CONSUMER_EXTERNAL)
		return bad("consumer is 0 (none), 1 (C) or 2 (external)");
	if (w->consumer == MN_CONSUMER_EXTERNAL && !ext_fn)
		return bad("external consumer requested but mn_model_set_external_consumer() not called");
	return 0;
}

static struct actor *add_actor(int kind, int producer)
{
	int id = mn_g.nactors++;
	struct actor *a = &actor_store[id];

	a->id = id;
	a->kind = kind;
	a->state = MN_AS_RUNNABLE;
	a->nsb = 0;
	a->last_load = NULL;
	a->last_load_seq = 0;
	a->spin_addr = NULL;
	a->producer = producer;
	a->frame = -1;
	a->nframes = 0;
	a->tas_streak = 0;
	a->woken = 0;
	memset(&a->pend, 0, sizeof(a->pend));
	mn_fiber_init(a, actor_main);
	mn_g.a[id] = a;
	mn_g.r->actor_kind[id] = (uint8_t)kind;
	return a;
}

static int setup_ring(const struct mn_model_workload *w)
{
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)ring_mem;
	struct mn_plug_info info;
	uint64_t dataoff = MN_HDR_SIZE + 2ull * w->nslots;
	const char *why = NULL;
	int err;

	if (w->proto == MN_PROTO_V2)
		dataoff = (dataoff + 63) & ~63ull;
	mn_g.ringlen = dataoff + (uint64_t)w->nslots * w->slotsize;
	if (mn_g.ringlen > MN_MODEL_RING_BYTES)
		return bad("ring larger than MN_MODEL_RING_BYTES");
	memset(ring_mem, 0, mn_g.ringlen);
	err = mn_ring_init(ring_mem, mn_g.ringlen, w->proto, w->nslots, w->slotsize);
	if (err)
		return bad("mn_ring_init rejected the geometry (nslots: power of two; slotsize: "
			   "multiple of 64, >= 64)");
	if (w->proto == MN_PROTO_V2) {
		mn_write_once(&h->sr_cur, (uint16_t)w->start_index);
		mn_write_once(&h->sr_avail, (uint16_t)w->start_index);
	} else {
		mn_write_once(&h->sr_cur, (uint16_t)(w->start_index & (w->nslots - 1)));
	}
	if (mn_ring_geometry(ring_mem, mn_g.ringlen, &mn_g.geom, &why))
		return bad(why ? why : "geometry");
	err = mn_plug(MN_MODEL_IFNAME, ring_mem, mn_g.ringlen, &info);
	if (err) {
		snprintf(mn_g.r->message, sizeof(mn_g.r->message), "mn_plug failed: %d %s", err,
			 mn_plug_why() ? mn_plug_why() : "");
		return -EINVAL;
	}
	if (mn_cons_attach(&mn_g.cons, ring_mem, mn_g.ringlen))
		return bad("mn_cons_attach failed");
	mn_g.cons.lock_retries = w->lock_retries ? w->lock_retries : MN_LOCK_RETRIES;
	return 0;
}

int actors_setup(void)
{
	const struct mn_model_workload *w = &mn_g.w;
	uint32_t p, k;
	int err;

	mn_g.cur = NULL;
	mn_g.nactors = 0;
	mn_g.consumer_id = mn_g.unplugger_id = mn_g.killer_id = -1;
	mn_g.current = 0;
	mn_g.nwake = 0;
	mn_g.commit_seq = 0;
	mn_g.ring_freed = 0;
	mn_g.arena_used = 0;
	mn_g.holder[0] = mn_g.holder[1] = -1;
	mn_g.notify_pending = 0;
	mn_g.finishing = 0;
	mn_g.entry = NULL;
	mn_g.ring = ring_mem;
	memset(mn_g.next_frame, 0, sizeof(mn_g.next_frame));
	memset(mn_g.batch_end, 0, sizeof(mn_g.batch_end));
	memset(mn_g.got, 0, sizeof(mn_g.got));
	err = validate(w);
	if (err)
		return err;
	if (w->proto == MN_MODEL_LITMUS) {
		mn_g.ringlen = 4096;
		memset(ring_mem, 0, 4096);
		memset(&mn_g.geom, 0, sizeof(mn_g.geom));
		for (p = 0; p < w->nlitmus_actors; p++)
			add_actor(MN_ACTOR_LITMUS, -1);
	} else {
		err = setup_ring(w);
		if (err)
			return err;
		for (p = 0; p < w->nproducers; p++) {
			add_actor(MN_ACTOR_PRODUCER, (int)p);
			for (k = 0; k < w->nframes[p]; k++)
				mn_g.r->push_result[p][k] = MN_MODEL_NOT_PUSHED;
		}
		if (w->consumer != MN_CONSUMER_NONE)
			mn_g.consumer_id = add_actor(MN_ACTOR_CONSUMER, -1)->id;
		if (w->unplugger)
			mn_g.unplugger_id = add_actor(MN_ACTOR_UNPLUGGER, -1)->id;
	}
	if (w->kill_actor >= 0) {
		if (w->kill_actor >= mn_g.nactors)
			return bad("kill_actor names no actor (the killer cannot kill itself)");
		mn_g.killer_id = add_actor(MN_ACTOR_KILLER, -1)->id;
	}
	if (mn_g.nactors == 0)
		return bad("no actors");
	mem_reduction_setup();
	mn_g.r->nactors = (uint32_t)mn_g.nactors;
	return 0;
}

void actors_teardown(void)
{
	const struct mn_ring_hdr *h = (const struct mn_ring_hdr *)ring_mem;
	int i;

	for (i = 0; i < mn_g.nactors; i++)
		mn_g.r->actor_state[i] = (uint8_t)mn_g.a[i]->state;
	mn_g.r->final_cur = mn_observe(&h->sr_cur);
	mn_g.r->final_avail = mn_observe(&h->sr_avail);
	mn_g.r->final_lock = mn_observe(&h->sr_lock);
	mn_g.r->notify_pending = mn_g.notify_pending;
	if (mn_g.entry)
		mn_g.r->counters = mn_g.entry->prod.c;
	if (mn_g.table)
		memset(mn_g.table, 0, sizeof(struct mn_entry) * MN_MAX_PLUGS);
	mn_g.entry = NULL;
	mn_g.cur = NULL;
}
