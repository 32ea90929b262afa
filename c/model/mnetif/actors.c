/* SPDX-License-Identifier: ISC */
/*
 * The actors of an mnetif execution (model.h): producers (netif_ether_input[_batch]), the C
 * consumer or an external one, the unplugger and the killer, as rt actors; and the external
 * consumer's calls (model.h), which are rt's blocking primitives.
 */
#include "mnetif.h"

#include <errno.h>

static unsigned char cons_buf[65536];

uint8_t mn_model_frame_byte(uint32_t p, uint32_t k, uint8_t seed, uint32_t j)
{
	/* Byte 0 names the frame (non-zero, distinct per producer and frame), so a stale, duplicated
	 * or misplaced frame never passes for the expected one; the rest is seed + offset. */
	if (j == 0)
		return (uint8_t)(0x80u | (p << 4) | (k & 15u));
	return (uint8_t)(seed + j);
}

static const unsigned char *frame_bytes(struct mn_ctx *m, int p, uint32_t k)
{
	uint32_t j;

	for (j = 0; j < m->w.frame_len[p][k]; j++)
		m->pbuf[p][k][j] = mn_model_frame_byte((uint32_t)p, k, m->w.frame_seed[p][k], j);
	return m->pbuf[p][k];
}

/* Frames k .. k+n-1 through netif_ether_input_batch; each frame's result as netif_ether_input
 * would have returned it (the published ones are a prefix of those that fit a slot). */
static void producer_batch(struct mn_ctx *m, int p, uint32_t k, uint32_t n)
{
	struct mn_frame f[MN_MODEL_MAX_FRAMES] = { { 0 } };   /* = {0}: gcc -O1 -fsanitize sees n == 0 */
	uint32_t j;
	int why = 0, published, left, err;

	for (j = 0; j < n; j++) {
		f[j].data = frame_bytes(m, p, k + j);
		f[j].len = m->w.frame_len[p][k + j];
	}
	published = netif_ether_input_batch(MN_MODEL_IFINDEX, f, n, NULL, &why);
	for (j = 0, left = published; j < n; j++) {
		if (published < 0)
			err = published;                /* -ENODEV: the whole batch */
		else if (f[j].len > m->w.slotsize)
			err = -EMSGSIZE;
		else if (left > 0)
			err = 0, left--;
		else
			err = why;
		oracle_push_result(m, p, (int)(k + j), err);
	}
	oracle_batch_done(m, p, (int)k, (int)n);
}

static void producer_body(struct rt *rt, int id, void *arg)
{
	struct mn_ctx *m = arg;
	struct mn_actor_info *a = &m->act[id];
	int p = a->producer;
	uint32_t k, n, batch = m->w.batch > 1 ? m->w.batch : 1;

	for (k = 0; k < m->w.nframes[p]; k += n) {
		n = m->w.nframes[p] - k < batch ? m->w.nframes[p] - k : batch;
		a->frame = (int)k;
		a->nframes = (int)n;
		rt_dep_pseudo(rt, MN_DEP_BATCH + (uint32_t)p, 1, 1);   /* batch_end: deliveries read it */
		m->batch_end[p] = k + n;
		a->tas_streak = 0;
		if (batch == 1)
			oracle_push_result(m, p, (int)k, netif_ether_input(MN_MODEL_IFINDEX,
									     frame_bytes(m, p, k),
									     m->w.frame_len[p][k]));
		else
			producer_batch(m, p, k, n);
	}
}

/* The C consumer: the 2012 rx_poll (docs/design.md §1), with the event-channel final check when consumer_waits. */
static void consumer_body(struct rt *rt, int id, void *arg)
{
	struct mn_ctx *m = arg;
	struct mn_cons *c = &m->cons;
	struct mn_slot s[MN_MODEL_MAX_FRAMES];
	uint32_t max = m->w.cons_batch > 1 ? m->w.cons_batch : 1;
	int r, n, i;

	(void)id;
	if (m->w.consumer == MN_CONSUMER_EXTERNAL) {
		m->ext_fn(m->ext_arg, m->ring, m->ringlen);
		return;
	}
	for (;;) {
		mn_model_consumer_poll_begin();
		n = max == 1 ? mn_cons_peek(c, s) : mn_cons_peek_n(c, s, max);
		if (n < 0) {
			rt_violation(rt, MN_VIO_CONSUMER_ERROR, "consumer: mn_cons_peek%s returned %d "
				     "(the header's indices are corrupt)", max == 1 ? "" : "_n", n);
			return;
		}
		if (n > 0) {
			for (i = 0; i < n; i++) {
				mn_copy_from_shared(cons_buf, s[i].data, s[i].len);
				oracle_deliver(m, cons_buf, s[i].len);
			}
			/* v1: lock busy after lock_retries attempts. Waiting for the holder is a
			 * block (the next store to sr_lock), not a spin the scheduler must run. */
			while ((r = max == 1 ? mn_cons_release(c)
					     : mn_cons_release_n(c, (uint32_t)n)) == -EBUSY)
				mn_spin_wait(&c->hdr->sr_lock);
			if (r < 0) {
				rt_violation(rt, MN_VIO_CONSUMER_ERROR, "consumer: mn_cons_release%s "
					     "returned %d", max == 1 ? "" : "_n", r);
				return;
			}
			oracle_released(m, (uint32_t)n);
			continue;
		}
		if (m->w.consumer_waits) {
			if (mn_cons_prepare_wait(c) && !mn_model_consumer_sleep())
				return;
		} else if (!mn_model_consumer_idle()) {
			return;
		}
	}
}

static void unplugger_body(struct rt *rt, int id, void *arg)
{
	struct mn_ctx *m = arg;

	(void)rt, (void)id;
	m->r->unplug_result = mn_unplug(MN_MODEL_IFNAME);
}

/*
 * The hostile peer (model.h): the consumer's side as an adversary. Each of its stores is one
 * decision of the search among (field, value) pairs (one rt_choose, so a store costs at most one
 * non-zero choice of the preemption bound) and one visible store the scheduler places anywhere.
 * The fields are those ring.h lets the consumer write: sr_cur and sr_wake (v2), plus sr_avail
 * and sr_lock (v1); the values are the ones index checks hinge on.
 */
static void hostile_body(struct rt *rt, int id, void *arg)
{
	struct mn_ctx *m = arg;
	struct mn_ring_hdr *h = (struct mn_ring_hdr *)m->ring;
	const struct { volatile void *addr; unsigned size; } fields[] = {
		{ &h->sr_cur, 2 }, { &h->sr_wake, 4 }, { &h->sr_avail, 2 }, { &h->sr_lock, 4 },
	};
	const uint64_t values[] = { 0, 1, m->geom.size, m->geom.size + 1u, 0x7fff, ~0ull };
	const uint32_t nv = sizeof(values) / sizeof(values[0]);
	uint32_t nf = m->w.proto == MN_PROTO_V2 ? 2 : 4, k;

	(void)id;
	for (k = 0; k < m->w.hostile; k++) {
		uint32_t c = rt_choose(rt, nf * nv);
		unsigned size = fields[c / nv].size;

		rt_store(rt, fields[c / nv].addr, size, RT_RELAXED,
			 values[c % nv] & (size == 2 ? 0xffffu : 0xffffffffu));
		rt_dep_pseudo(rt, MN_DEP_ORACLE, 1, 1);   /* the error-flag oracle reads the count */
		m->hostile_done++;
	}
}

/* One step: ends actor kill_actor where it stands. Killing a lock holder is a state of its own
 * (the holders cannot change between the kill and this fiber's resumption). */
static void killer_body(struct rt *rt, int id, void *arg)
{
	struct mn_ctx *m = arg;
	int t = m->w.kill_actor;

	(void)id;
	if (rt_kill(rt, t) && (m->holder[0] == t || m->holder[1] == t))
		COV(m, MN_COV_KILLED_HOLDER);
}

/* ---- the external consumer's calls (model.h) ------------------------------------------------- */

void mn_model_consumer_poll_begin(void)
{
	if (mn_running())
		rt_poll_begin(rt_current());
}

int mn_model_consumer_idle(void)
{
	struct mn_ctx *m = mn_running();

	return m ? rt_idle(rt_current(), m->ring, m->ringlen, 1u << MN_ACTOR_PRODUCER) : 0;
}

int mn_model_consumer_sleep(void)
{
	return rt_wait(rt_current(), 0);
}

void mn_model_consumer_deliver(const void *buf, uint32_t len, int released)
{
	struct mn_ctx *m = mn_running();

	if (!m)
		return;
	if (released)
		oracle_released(m, 1);
	else
		oracle_deliver(m, buf, len);
}

void mn_model_consumer_error(const char *msg)
{
	if (rt_current())
		rt_violation(rt_current(), MN_VIO_CONSUMER_ERROR, "%s", msg);
}

/* ---- spawning ------------------------------------------------------------------------------------ */

static const char *const kind_names[] = { "none", "producer", "consumer", "unplugger", "killer",
					  "litmus", "hostile" };

/* The next actor (ids in spawn order): rt's, and mnetif's record of it. The kill target gets
 * RT_ACTOR_NO_REDUCE (a kill does not commute with anything its target does); the external
 * consumer runs foreign code that must finish (RT_ACTOR_MUST_FINISH). */
static int spawn(struct mn_ctx *m, int kind, int producer, void (*fn)(struct rt *, int, void *))
{
	int id = m->nactors;
	unsigned flags = id == m->w.kill_actor ? RT_ACTOR_NO_REDUCE : 0;

	if (kind == MN_ACTOR_CONSUMER && m->w.consumer == MN_CONSUMER_EXTERNAL)
		flags |= RT_ACTOR_MUST_FINISH;
	if (id >= MN_MODEL_MAX_ACTORS || rt_spawn(m->rt, kind, kind_names[kind], fn, m, flags) != id)
		return -1;
	m->act[id] = (struct mn_actor_info){ kind, producer, -1, 0, 0 };
	m->r->actor_kind[id] = (uint8_t)kind;
	m->nactors++;
	return id;
}

int mn_spawn_ring_actors(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	uint32_t p, k;

	for (p = 0; p < w->nproducers; p++) {
		if (spawn(m, MN_ACTOR_PRODUCER, (int)p, producer_body) < 0)
			return -1;
		for (k = 0; k < w->nframes[p]; k++)
			m->r->push_result[p][k] = MN_MODEL_NOT_PUSHED;
	}
	if (w->consumer != MN_CONSUMER_NONE &&
	    (m->consumer_id = spawn(m, MN_ACTOR_CONSUMER, -1, consumer_body)) < 0)
		return -1;
	if (w->unplugger && (m->unplugger_id = spawn(m, MN_ACTOR_UNPLUGGER, -1, unplugger_body)) < 0)
		return -1;
	if (w->hostile && (m->hostile_id = spawn(m, MN_ACTOR_HOSTILE, -1, hostile_body)) < 0)
		return -1;
	return 0;
}

/* The litmus actors are rt actors of the litmus workload (ids 0 .. n-1, spawned by lit_setup). */
void mn_note_litmus_actors(struct mn_ctx *m, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		m->act[i] = (struct mn_actor_info){ MN_ACTOR_LITMUS, -1, -1, 0, 0 };
		m->r->actor_kind[i] = MN_ACTOR_LITMUS;
	}
	m->nactors = (int)n;
}

int mn_spawn_killer(struct mn_ctx *m)
{
	m->killer_id = spawn(m, MN_ACTOR_KILLER, -1, killer_body);
	return m->killer_id < 0 ? -1 : 0;
}
