/* SPDX-License-Identifier: ISC */
/* Prints the layout of the /dev/mnetif uapi (sizes, offsets, ioctl numbers) as JSON, so the Python
 * backend (mnetif/kmod.py) can be checked against the C header on a machine without the module. */
#include <stddef.h>
#include <stdio.h>

#include "mnetif/uapi.h"

#define FIELD(t, f) printf("  \"%s.%s\": [%zu, %zu],\n", #t, #f, offsetof(struct t, f), \
			   sizeof(((struct t *)0)->f))
#define SIZE(t) printf("  \"sizeof %s\": %zu,\n", #t, sizeof(struct t))
#define VALUE(v) printf("  \"%s\": %lu,\n", #v, (unsigned long)(v))

int main(void)
{
	printf("{\n");
	SIZE(mnetif_ifinfo);
	FIELD(mnetif_ifinfo, name); FIELD(mnetif_ifinfo, index); FIELD(mnetif_ifinfo, mac);
	FIELD(mnetif_ifinfo, up); FIELD(mnetif_ifinfo, is_ether);
	SIZE(mnetif_list);
	FIELD(mnetif_list, max); FIELD(mnetif_list, count); FIELD(mnetif_list, ifs);
	SIZE(mnetif_plug);
	FIELD(mnetif_plug, name); FIELD(mnetif_plug, proto); FIELD(mnetif_plug, nslots);
	FIELD(mnetif_plug, slotsize); FIELD(mnetif_plug, flags); FIELD(mnetif_plug, buflen);
	FIELD(mnetif_plug, mmap_len); FIELD(mnetif_plug, index); FIELD(mnetif_plug, size);
	FIELD(mnetif_plug, slot_bytes); FIELD(mnetif_plug, dataoff); FIELD(mnetif_plug, mac);
	FIELD(mnetif_plug, up); FIELD(mnetif_plug, light);
	SIZE(mnetif_counters);
	FIELD(mnetif_counters, frames); FIELD(mnetif_counters, bytes); FIELD(mnetif_counters, drop_full);
	FIELD(mnetif_counters, drop_oversize); FIELD(mnetif_counters, drop_busy);
	FIELD(mnetif_counters, drop_error); FIELD(mnetif_counters, notify); FIELD(mnetif_counters, error);
	FIELD(mnetif_counters, plugged); FIELD(mnetif_counters, gone);
	VALUE(MNETIF_IOC_LIST); VALUE(MNETIF_IOC_PLUG); VALUE(MNETIF_IOC_UNPLUG);
	VALUE(MNETIF_IOC_COUNTERS); VALUE(MNETIF_PLUG_STEAL); VALUE(MNETIF_IOC_BARRIER);
	VALUE(MNETIF_PLUG_BARRIER); VALUE(MNETIF_BARRIER_IPI); VALUE(MNETIF_BARRIER_RCU_EXP);
	VALUE(MNETIF_BARRIER_RCU); VALUE(MNETIF_MAX_BUFLEN); VALUE(MNETIF_LIST_MAX);
	printf("  \"end\": 0\n}\n");
	return 0;
}
