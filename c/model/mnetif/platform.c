/* SPDX-License-Identifier: ISC */
/*
 * The model's platform: the mn_os_* functions registry.h asks each platform for.
 *
 * One software interface MN_MODEL_IFNAME with index MN_MODEL_IFINDEX (home slot 0 of the registry
 * table, so the entry mn_os_attach receives is table[0]); the control lock is a no-op (only the
 * setup and the single unplugger use the control path); mn_os_released() retires the ring (rt: a
 * later access by anyone but the consumer is a use after free); mn_os_notify() does nothing (the
 * producer's mn_notify_op is the visible event-channel signal).
 */
#include "mnetif.h"

#include <errno.h>
#include <string.h>

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
	struct mn_ctx *m = mn_running();

	(void)out;
	m->entry = e;
	m->table = mn_registry_table();
	e->prod.lock_retries = m->w.lock_retries ? m->w.lock_retries : MN_LOCK_RETRIES;
	return 0;
}

void mn_os_detach(struct mn_entry *e)
{
	(void)e;
}

void mn_os_released(struct mn_entry *e)
{
	struct mn_ctx *m = mn_running();

	(void)e;
	rt_dep_global(m->rt);   /* every later ring access is a use after free */
	rt_retire(m->rt, m->ring_region, m->consumer_id);
	COV(m, MN_COV_UNPLUGGED);
}

void mn_os_notify(void *e)
{
	(void)e;
}
