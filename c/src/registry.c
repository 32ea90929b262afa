/* SPDX-License-Identifier: ISC */
/*
 * mnetif plug registry: OS-neutral; shared words go through mnetif/atomic.h (the model build sees
 * the data path's synchronisation as visible operations), platform services through mn_os_*().
 *
 * Bug-zoo switch: MN_ZOO_UNPLUG_NO_WAIT  unplug hands the ring back without waiting for in-flight
 * producers (the 2012 use-after-free, bug 8).
 */
#include "mnetif/registry.h"
#include "compat.h"

static struct mn_entry table[MN_MAX_PLUGS];
static const char *plug_why;
static uint64_t last_gen;        /* (ctl) generations handed out so far */

_Static_assert(MN_IS_POW2(MN_MAX_PLUGS), "MN_MAX_PLUGS is a power of two");

static int name_eq(const char *a, const char *b)
{
	int i;

	for (i = 0; i < MN_IFNAMSIZ; i++) {
		if (a[i] != b[i])
			return 0;
		if (!a[i])
			return 1;
	}
	return 1;
}

static void name_copy(char *dst, const char *src)
{
	int i;

	for (i = 0; i < MN_IFNAMSIZ - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* At most one LIVE entry carries a name: mn_plug takes it from an older plug of the same name. */
struct mn_entry *mn_registry_find(const char *name)
{
	int i;

	for (i = 0; i < MN_MAX_PLUGS; i++)
		if (mn_read_once(&table[i].state) == MN_ENTRY_LIVE && name_eq(table[i].name, name))
			return &table[i];
	return NULL;
}

struct mn_entry *mn_registry_find_gen(uint64_t gen)
{
	int i;

	for (i = 0; gen && i < MN_MAX_PLUGS; i++)
		if (mn_read_once(&table[i].state) == MN_ENTRY_LIVE && table[i].gen == gen)
			return &table[i];
	return NULL;
}

static int ring_overlaps(const struct mn_entry *e, const void *ring, uint64_t len)
{
	const unsigned char *a = e->ring, *b = ring;

	return a < b + len && b < a + e->ringlen;
}

struct mn_entry *mn_registry_table(void)
{
	return table;
}

const char *mn_plug_why(void)
{
	return plug_why;
}

int mn_plug(const char *name, void *ring, uint64_t ringlen, struct mn_plug_info *out)
{
	struct mn_ifinfo info;
	struct mn_entry *e = NULL, *older = NULL;
	uint32_t home;
	int i, err;

	plug_why = NULL;
	if (!name || !ring || !out)
		return -EINVAL;
	err = mn_os_ifinfo_by_name(name, &info);
	if (err)
		return err;
	if (!info.is_ether)
		return -ENODEV;
	mn_os_ctl_lock();
	home = info.index & (MN_MAX_PLUGS - 1);
	for (i = 0; i < MN_MAX_PLUGS; i++) {
		struct mn_entry *t = &table[(home + i) & (MN_MAX_PLUGS - 1)];

		if (mn_read_once(&t->state) == MN_ENTRY_FREE) {
			if (!e)
				e = t;
			continue;
		}
		if (mn_read_once(&t->ifindex) == info.index) {
			err = -EEXIST;
			goto out;
		}
		if (ring_overlaps(t, ring, ringlen)) {
			err = -EBUSY;
			goto out;
		}
		/* Same name, another index: its interface vanished while plugged (userspace keeps
		 * the entry until its owner unplugs it) and this is the new one. */
		if (name_eq(t->name, info.name))
			older = t;
	}
	if (!e) {
		err = -ENOSPC;
		goto out;
	}
	err = mn_prod_attach(&e->prod, ring, ringlen, mn_os_notify, e);
	if (err) {
		struct mn_geom g;

		mn_ring_geometry(ring, ringlen, &g, &plug_why);
		goto out;
	}
	name_copy(e->name, info.name);
	e->ring = ring;
	e->ringlen = ringlen;
	e->gen = ++last_gen;
	out->up = info.up;
	out->index = info.index;
	for (i = 0; i < 6; i++)
		out->mac[i] = info.mac[i];
	out->event_fd = -1;
	out->gen = e->gen;
	err = mn_os_attach(e, out);
	if (err)
		goto out;
	mn_write_once(&e->ifindex, info.index);
	/* Release: an input that reads LIVE (acquire) sees ifindex and the attached producer. */
	mn_store_release(&e->state, (uint32_t)MN_ENTRY_LIVE);
	/* The name now means this plug; the older one is reached by its generation only. */
	if (older)
		older->name[0] = 0;
out:
	mn_os_ctl_unlock();
	return err;
}

/* Under the control lock: e is LIVE. */
static void unplug_entry(struct mn_entry *e)
{
	mn_os_detach(e);
	mn_write_once(&e->state, (uint32_t)MN_ENTRY_DYING);
	/* Pairs with the fetch_add in input_get: either that input re-reads DYING and backs off, or
	 * we read its increment of users below and wait for it (store-load: needs the full fence). */
	mn_smp_mb();
#ifndef MN_ZOO_UNPLUG_NO_WAIT
	/* Acquire pairs with input_put's fully ordered decrement: its ring accesses are done. */
	while (mn_load_acquire(&e->users) != 0)
		mn_spin_wait(&e->users);
#endif
	mn_os_released(e);
	e->ring = NULL;
	e->ringlen = 0;
	e->gen = 0;
	mn_store_release(&e->state, (uint32_t)MN_ENTRY_FREE);
}

int mn_unplug(const char *name)
{
	struct mn_entry *e;

	if (!name)
		return -EINVAL;
	mn_os_ctl_lock();
	e = mn_registry_find(name);
	if (e)
		unplug_entry(e);
	mn_os_ctl_unlock();
	return e ? 0 : -ENOENT;
}

int mn_unplug_gen(uint64_t gen)
{
	struct mn_entry *e;

	mn_os_ctl_lock();
	e = mn_registry_find_gen(gen);
	if (e)
		unplug_entry(e);
	mn_os_ctl_unlock();
	return e ? 0 : -ENOENT;
}

int64_t mn_plug_gen(const char *name)
{
	struct mn_entry *e;
	int64_t gen;

	if (!name)
		return -EINVAL;
	mn_os_ctl_lock();
	e = mn_registry_find(name);
	gen = e ? (int64_t)e->gen : -ENOENT;
	mn_os_ctl_unlock();
	return gen;
}

/* The platform filters (it walks its interface list once, under its own lock): no copy here, no
 * limit on how many interfaces exist, nothing on the (kernel) stack. */
int mn_get_vifs(struct mn_ifinfo *out, int max)
{
	if (max < 0 || (max > 0 && !out))
		return -EINVAL;
	return mn_os_list_ifs(out, max);
}

/* Under the control lock; e LIVE or NULL. */
static int entry_counters(struct mn_entry *e, struct mn_counters *out)
{
	if (!e)
		return -ENOENT;
	/* Under the producer lock: a consistent snapshot of the private counters. */
	while (mn_test_and_set(&e->plock))
		mn_spin_wait(&e->plock);
	*out = e->prod.c;
	mn_clear_release(&e->plock);
	return 0;
}

int mn_plug_counters(const char *name, struct mn_counters *out)
{
	int err;

	mn_os_ctl_lock();
	err = entry_counters(mn_registry_find(name), out);
	mn_os_ctl_unlock();
	return err;
}

int mn_plug_counters_gen(uint64_t gen, struct mn_counters *out)
{
	int err;

	mn_os_ctl_lock();
	err = entry_counters(mn_registry_find_gen(gen), out);
	mn_os_ctl_unlock();
	return err;
}

/* Data path: take a reference on the entry plugged to ifindex, or NULL. */
static struct mn_entry *input_get(uint32_t ifindex)
{
	uint32_t home = ifindex & (MN_MAX_PLUGS - 1);
	int i;

	for (i = 0; i < MN_MAX_PLUGS; i++) {
		struct mn_entry *e = &table[(home + i) & (MN_MAX_PLUGS - 1)];

		/* Acquire pairs with mn_plug's release of LIVE. */
		if (mn_load_acquire(&e->state) != MN_ENTRY_LIVE || mn_read_once(&e->ifindex) != ifindex)
			continue;
		/* Fully ordered: pairs with mn_unplug's fence (see there). */
		mn_atomic_add(&e->users, 1u);
		/* Acquire again: between the two loads the entry may have been unplugged and plugged
		 * anew (users was 0 when unplug looked); this load is then what orders the new plug's
		 * ring initialisation and attach before our accesses. */
		if (mn_load_acquire(&e->state) == MN_ENTRY_LIVE && mn_read_once(&e->ifindex) == ifindex)
			return e;
		mn_atomic_add(&e->users, (uint32_t)-1);
	}
	return NULL;
}

static void input_put(struct mn_entry *e)
{
	/* Fully ordered: our ring accesses happen before unplug sees users == 0. */
	mn_atomic_add(&e->users, (uint32_t)-1);
}

int netif_ether_input_copy(uint32_t ifindex, const void *src, size_t len, mn_copy_fn copy)
{
	struct mn_entry *e = input_get(ifindex);
	int err;

	if (!e)
		return -ENODEV;
	/* One producer per ring: acquire pairs with the previous holder's release. */
	while (mn_test_and_set(&e->plock))
		mn_spin_wait(&e->plock);
	err = mn_prod_push_copy(&e->prod, src, len, copy);
	mn_clear_release(&e->plock);
	input_put(e);
	return err;
}

int netif_ether_input_batch(uint32_t ifindex, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
			    int *drop_why)
{
	struct mn_entry *e;
	int k;

	if (n > MN_BATCH_MAX || (n && !f))
		return -EINVAL;
	e = input_get(ifindex);
	if (!e)
		return -ENODEV;
	/* One plock hold and one publication for the whole batch (see netif_ether_input_copy). */
	while (mn_test_and_set(&e->plock))
		mn_spin_wait(&e->plock);
	k = mn_prod_push_batch(&e->prod, f, n, copy);
	if (drop_why)
		*drop_why = e->prod.batch_err;
	mn_clear_release(&e->plock);
	input_put(e);
	return k;
}

int netif_ether_input(uint32_t ifindex, const void *frame, size_t len)
{
	return netif_ether_input_copy(ifindex, frame, len, NULL);
}
