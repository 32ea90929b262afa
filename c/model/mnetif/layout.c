/* SPDX-License-Identifier: ISC */
/*
 * What mnetif's shared memory is, for rt: the ring (header fields, the length table, the slots)
 * and the registry table (entries), as named regions for the step table (enum mn_model_field
 * tags); which words every step shows (sr_cur, sr_avail, sr_lock); what the header invariant
 * oracle reads (for DPOR); and the reduction rule (model.h "Reduction"): which locations no other
 * actor can access in this workload.
 */
#include "mnetif.h"

#include <stddef.h>
#include <string.h>

static const struct rt_field hdr_fields[16] = {
	{ "sr_cur", MN_FLD_CUR, MN_OFF_CUR, 2, 1, 0 },
	{ "sr_avail", MN_FLD_AVAIL, MN_OFF_AVAIL, 2, 1, 0 },
	{ "sr_size", MN_FLD_SIZE, MN_OFF_SIZE, 2, 1, 0 },
	{ "sr_slotsize", MN_FLD_SLOTSIZE, MN_OFF_SLOTSIZE, 2, 1, 0 },
	{ "sr_magic", MN_FLD_MAGIC, MN_OFF_MAGIC, 4, 1, 0 },
	{ "sr_dataoff", MN_FLD_DATAOFF, MN_OFF_DATAOFF, 4, 1, 0 },
	{ "sr_lock", MN_FLD_LOCK, MN_OFF_LOCK, 4, 1, 0 },
	{ "sr_wake", MN_FLD_WAKE, MN_OFF_WAKE, 4, 1, 0 },
	{ "sr_error", MN_FLD_ERROR, MN_OFF_ERROR, 4, 1, 0 },
	{ "sr_drop_full", MN_FLD_DROP_FULL, MN_OFF_DROP_FULL, 4, 1, 0 },
	{ "sr_drop_oversize", MN_FLD_DROP_OVERSIZE, MN_OFF_DROP_OVERSIZE, 4, 1, 0 },
	{ "sr_drop_busy", MN_FLD_DROP_BUSY, MN_OFF_DROP_BUSY, 4, 1, 0 },
	{ "sr_frames", MN_FLD_FRAMES, MN_OFF_FRAMES, 8, 1, 0 },
	{ "sr_bytes", MN_FLD_BYTES, MN_OFF_BYTES, 8, 1, 0 },
	{ "sr_drop_error", MN_FLD_DROP_ERROR, MN_OFF_DROP_ERROR, 4, 1, 0 },
	{ "sr_notify", MN_FLD_NOTIFY, MN_OFF_NOTIFY, 4, 1, 0 },
};

static const struct rt_field entry_fields[4] = {
	{ "entry[].state", MN_FLD_E_STATE, offsetof(struct mn_entry, state), 4, MN_MAX_PLUGS,
	  sizeof(struct mn_entry) },
	{ "entry[].ifindex", MN_FLD_E_IFINDEX, offsetof(struct mn_entry, ifindex), 4, MN_MAX_PLUGS,
	  sizeof(struct mn_entry) },
	{ "entry[].users", MN_FLD_E_USERS, offsetof(struct mn_entry, users), 4, MN_MAX_PLUGS,
	  sizeof(struct mn_entry) },
	{ "entry[].plock", MN_FLD_E_PLOCK, offsetof(struct mn_entry, plock), 4, MN_MAX_PLUGS,
	  sizeof(struct mn_entry) },
};

/* The ring's header fields alone (litmus programs on the header). */
const struct rt_field *mn_header_fields(void)
{
	return hdr_fields;
}

/* After the plug: the ring (as the consumer lays it out) and the registry table. The field list
 * depends on the geometry only: rebuilt when it changes. */
void mn_layout_ring(struct mn_ctx *m)
{
	struct rt *rt = m->rt;
	const struct mn_geom *g = &m->geom;
	struct rt_field *f = m->ring_fields;

	if (f[16].count != g->size || f[17].off != g->dataoff || f[17].size != g->slotsize ||
	    !f[0].name) {
		memcpy(f, hdr_fields, sizeof(hdr_fields));
		f[16] = (struct rt_field){ "ss_len[]", MN_FLD_LEN, MN_HDR_SIZE, 2, g->size, 2 };
		f[17] = (struct rt_field){ "slot[]", MN_FLD_SLOT, (uint32_t)g->dataoff, g->slotsize,
					   g->size, g->slotsize };
	}
	m->ring_rg = (struct rt_region){ "ring", m->ring, m->ringlen, f, MN_NFIELDS_RING,
					 MN_FLD_RING_OTHER, "ring(other)" };
	m->ring_region = rt_add_region(rt, &m->ring_rg);
	m->table_rg = (struct rt_region){ "registry", m->table,
					  sizeof(struct mn_entry) * MN_MAX_PLUGS, entry_fields, 4,
					  MN_FLD_OTHER, "(unknown)" };
	rt_add_region(rt, &m->table_rg);
	rt_watch(rt, m->ring + MN_OFF_CUR, 2);
	rt_watch(rt, m->ring + MN_OFF_AVAIL, 2);
	rt_watch(rt, m->ring + MN_OFF_LOCK, 4);
	/* what mn_ring_check reads: sr_cur .. sr_dataoff, sr_lock, sr_error, ss_len[] (not sr_wake
	 * nor the counters) */
	rt_oracle_reads(rt, m->ring, MN_OFF_WAKE);
	rt_oracle_reads(rt, m->ring + MN_OFF_ERROR, 4);
	rt_oracle_reads(rt, m->ring + MN_HDR_SIZE, 2ull * g->size);
}

/* Against a hostile peer: the model's ring memory past the ring (MN_MODEL_RING_BYTES in all) is a
 * region nobody may access (retired, no keeper): oracles.c reports any access as out of bounds.
 * Test-only mutation 1 starts it at the last slot, where the producer writes. */
void mn_layout_beyond(struct mn_ctx *m)
{
	uint64_t lo = m->ringlen;

	if (m->hostile_mutate == 1)
		lo = m->geom.dataoff + (uint64_t)(m->geom.size - 1) * m->geom.slotsize;
	m->beyond_rg = (struct rt_region){ "beyond the ring", m->ring + lo, MN_MODEL_RING_BYTES - lo,
					   NULL, 0, MN_FLD_OTHER, "(beyond the ring)" };
	m->beyond_region = rt_add_region(m->rt, &m->beyond_rg);
	if (m->beyond_region >= 0)
		rt_retire(m->rt, m->beyond_region, -1);
}

/* ---- reduction: private locations (model.h "Reduction") ------------------------------------ */

enum mn_red_loc {
	RED_RING_ALL = 1, RED_COUNTERS = 2, RED_WAKE = 4, RED_STATE = 8, RED_USERS = 16,
	RED_PLOCK = 32
};

void mn_reduction_setup(struct mn_ctx *m)
{
	const struct mn_model_workload *w = &m->w;
	int multi = w->nproducers > 1, unplug = w->unplugger != 0;
	int cons = w->consumer != 0 || w->hostile != 0;     /* the hostile peer writes consumer fields */
	uint32_t p = 0;

	if (!cons && !multi && !unplug)
		p |= RED_RING_ALL;
	if (!multi && !unplug)
		p |= RED_COUNTERS;
	if (!(cons && w->consumer_waits) && !unplug && !w->hostile)
		p |= RED_WAKE;
	if (!unplug)
		p |= RED_STATE;
	if (!unplug && !multi)
		p |= RED_USERS;
	if (!multi)
		p |= RED_PLOCK;
	m->red_private = p;
}

static int within(uint64_t off, uint32_t size, uint64_t lo, uint64_t hi)
{
	return off >= lo && off + size <= hi;
}

int mn_is_private(void *ctx, const void *vaddr, uint32_t size)
{
	const struct mn_ctx *m = ctx;
	const unsigned char *addr = vaddr;
	uint32_t p = m->red_private;

	if (addr >= m->ring && addr < m->ring + m->ringlen) {
		uint64_t off = (uint64_t)(addr - m->ring);

		if (p & RED_RING_ALL)
			return 1;
		if ((p & RED_COUNTERS) && within(off, size, MN_OFF_ERROR, MN_HDR_SIZE))
			return 1;
		return (p & RED_WAKE) && within(off, size, MN_OFF_WAKE, MN_OFF_WAKE + 4);
	}
	if (m->entry && addr >= (const unsigned char *)m->entry &&
	    addr < (const unsigned char *)(m->entry + 1)) {
		uint64_t off = (uint64_t)(addr - (const unsigned char *)m->entry);

		if (within(off, size, offsetof(struct mn_entry, ifindex), offsetof(struct mn_entry, ifindex) + 4))
			return 1;     /* written by mn_plug before the run only */
		if (within(off, size, offsetof(struct mn_entry, state), offsetof(struct mn_entry, state) + 4))
			return (p & RED_STATE) != 0;
		if (within(off, size, offsetof(struct mn_entry, users), offsetof(struct mn_entry, users) + 4))
			return (p & RED_USERS) != 0;
		if (within(off, size, offsetof(struct mn_entry, plock), offsetof(struct mn_entry, plock) + 4))
			return (p & RED_PLOCK) != 0;
		return 0;
	}
	/* The other registry entries are only read during a run (the unplugger's lookup). */
	return m->table && addr > (const unsigned char *)m->entry &&
	       addr < (const unsigned char *)(m->table + MN_MAX_PLUGS);
}
