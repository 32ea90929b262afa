/* SPDX-License-Identifier: ISC */
/*
 * Linux platform of the mnetif registry: per-file state shared by the character device
 * (mnetif_dev.c) and the registry glue (mnetif_os.c).
 *
 * Locking, outermost first:  mk->mu  ->  rtnl_lock  ->  the registry's control lock (mnk_ctl).
 *   - mk->mu serialises the ioctls and mmap of one file and guards ring/buflen.
 *   - rtnl guards everything about being plugged (plugged, gone, dev, entry, name, the list of
 *     plugged files): plug and unplug run under it, and so does the netdevice notifier, which
 *     therefore can unplug without a lock-order inversion.
 *   - the data path (rx_handler, softirq) takes none of them: it reaches the ring only through
 *     netif_ether_input_copy(), whose entry reference the registry's unplug waits for, and
 *     netdev_rx_handler_unregister() + synchronize_net() run before the entry is marked DYING.
 */
#ifndef MNETIF_LINUX_H
#define MNETIF_LINUX_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/wait.h>

#include "mnetif/registry.h"
#include "mnetif/uapi.h"

struct mnk_file {
	struct mutex mu;
	void *ring;                  /* (mu) the last plug's ring (vmalloc_user); what mmap maps */
	u64 buflen;                  /* (mu) */

	/* (rtnl) plug state */
	bool plugged;
	bool gone;                   /* the interface was unregistered while plugged */
	u32 flags;                   /* MNETIF_PLUG_*; read by the rx_handler, set before it exists */
	char name[MN_IFNAMSIZ];      /* the registry's name of the plug (renames do not change it) */
	u64 gen;                     /* the plug's generation: what unplug names (never the name: after
	                              * a rename another plug may carry it) */
	struct net_device *dev;      /* reference held while plugged */
	struct mn_entry *entry;
	struct list_head plugged_link;
	struct mn_counters last;     /* the producer's counters at the last unplug */

	/* Event channel: producer signals since the last read() (poll reports, never clears). */
	atomic_t pending;
	wait_queue_head_t wq;

	struct mnk_tx *tx;           /* the transmit path (mnetif_tx.c); allocated at open */
};

/* mnetif_os.c */
/* rtnl held; plugs name to ring (laid out, not yet shared); info gets mn_plug()'s reply */
int mnk_plug(struct mnk_file *f, const char *name, u32 flags, void *ring, u64 buflen,
	     struct mn_plug_info *info);
int mnk_unplug(struct mnk_file *f);                              /* rtnl held */
void mnk_counters(struct mnk_file *f, struct mnetif_counters *out); /* rtnl held */
int mnk_os_init(void);
void mnk_os_exit(void);

/* mnetif_barrier.c: MNETIF_IOC_BARRIER (uapi.h), the heavy side for the light producer; 0 or -EINVAL */
long mnk_barrier(unsigned long mode);

/* mnetif_tx.c: the transmit path (uapi.h "Transmit path"); lock order: ... -> rtnl -> tx */
int mnk_tx_open(struct mnk_file *f);
void mnk_tx_release(struct mnk_file *f);
void mnk_tx_detach(struct mnk_file *f);                          /* rtnl held; every end of a plug */
long mnk_tx_ioctl(struct mnk_file *f, unsigned int cmd, unsigned long arg);
int mnk_tx_mmap(struct mnk_file *f, struct vm_area_struct *vma);
ssize_t mnk_tx_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos);

#endif /* MNETIF_LINUX_H */
