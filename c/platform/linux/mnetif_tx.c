// SPDX-License-Identifier: ISC
/*
 * /dev/mnetif transmit path: the file's transmit ring, consumed by the OS-neutral drain loop
 * (c/src/tx.c, mn_tx_drain) in the context of the process that kicks it with write(), frames handed
 * to dev_queue_xmit on the plugged device. The user/kernel contract is in mnetif/uapi.h ("Transmit
 * path"), the ring roles in mnetif/tx.h.
 *
 * Locking: f->mu -> rtnl -> (registry control lock) -> tx->mu. tx->mu serialises drains, attach and
 * detach; a drain holds nothing else (dev_queue_xmit takes no lock of ours; a frame it delivers to a
 * plugged peer enters that peer's rx_handler, which takes none either). The device reference taken
 * at attach is dropped by mnk_tx_detach, which every end of the plug calls (mn_os_released, under
 * rtnl): unregistration never waits for us.
 *
 * Nothing read from the shared ring is trusted: mn_tx_drain validates the producer index and every
 * length, and this file checks each length against the device's current MTU before it allocates.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mnetif_linux.h"
#include "mnetif/tx.h"

/* Frames per mn_tx_drain call between two reschedule points. */
#define MNK_TX_BUDGET 256u

struct mnk_tx {
	struct mutex mu;
	void *ring;                  /* (mu) the latest transmit ring (vmalloc_user): what mmap maps */
	u64 buflen;                  /* (mu) */
	struct net_device *dev;      /* (mu) held while attached; NULL once detached */
	bool detaching;              /* set by a detach waiting for mu: a drain stops at its next budget */
	struct mn_tx tx;             /* (mu) the consumer: private geometry, index, counters */
};

int mnk_tx_open(struct mnk_file *f)
{
	f->tx = kzalloc(sizeof(*f->tx), GFP_KERNEL);
	if (!f->tx)
		return -ENOMEM;
	mutex_init(&f->tx->mu);
	return 0;
}

/* The plug ended (any path: ioctl, close, the interface went away). rtnl held: a drain that a
 * producer keeps feeding must not hold it up, so the drain is told to stop at its next budget. */
void mnk_tx_detach(struct mnk_file *f)
{
	struct mnk_tx *t = f->tx;

	WRITE_ONCE(t->detaching, true);
	mutex_lock(&t->mu);
	if (t->dev) {
		dev_put(t->dev);
		t->dev = NULL;
	}
	WRITE_ONCE(t->detaching, false);
	mutex_unlock(&t->mu);
}

/* After the last munmap and the unplug: the ring can go. */
void mnk_tx_release(struct mnk_file *f)
{
	if (!f->tx)
		return;
	mnk_tx_detach(f);
	vfree(f->tx->ring);
	kfree(f->tx);
}

static long tx_attach(struct mnk_file *f, void __user *arg)
{
	struct mnk_tx *t = f->tx;
	struct mnetif_tx req;
	struct net_device *dev;
	void *ring = NULL;
	u64 buflen;
	u32 mtu;
	long err;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	buflen = req.buflen ? PAGE_ALIGN(req.buflen) : MN_DEFAULT_BUFLEN;
	mutex_lock(&f->mu);
	rtnl_lock();
	if (!f->plugged) {
		err = -ENXIO;
		goto out;
	}
	if (buflen > MNETIF_MAX_BUFLEN) {
		err = -EINVAL;
		goto out;
	}
	/* (I) A fresh ring, laid out before anyone can map it (mmap maps t->ring, which becomes this
	 * ring under t->mu only after the consumer attached): the geometry the consumer validates is
	 * the one written here. */
	ring = vmalloc_user(buflen);
	if (!ring) {
		err = -ENOMEM;
		goto out;
	}
	err = mn_ring_init(ring, buflen, MN_PROTO_V2, req.nslots, req.slotsize);
	if (err)
		goto out;
	dev = f->dev;
	mtu = READ_ONCE(dev->mtu);
	mutex_lock(&t->mu);
	if (t->dev) {
		dev_put(t->dev);
		t->dev = NULL;       /* no drain of the previous ring from here on */
	}
	err = mn_tx_attach(&t->tx, ring, buflen, MN_ETH_HLEN, mtu + MN_ETH_HLEN + MN_VLAN_HLEN);
	if (!err) {
		dev_hold(dev);
		t->dev = dev;
		/* The previous ring: a producer may still map it (its pages live until munmap). */
		vfree(t->ring);
		t->ring = ring;
		ring = NULL;
		t->buflen = buflen;
		req.mmap_len = buflen;
		req.size = t->tx.c.g.size;
		req.slot_bytes = t->tx.c.g.slotsize;
		req.dataoff = t->tx.c.g.dataoff;
		req.mtu = mtu;
	}
	mutex_unlock(&t->mu);
out:
	rtnl_unlock();
	mutex_unlock(&f->mu);
	vfree(ring);             /* NULL once attached */
	if (err)
		return err;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long tx_counters(struct mnk_file *f, void __user *arg)
{
	struct mnk_tx *t = f->tx;
	struct mnetif_tx_counters c;

	memset(&c, 0, sizeof(c));
	mutex_lock(&t->mu);
	c.frames = t->tx.ctr.frames;
	c.bytes = t->tx.ctr.bytes;
	c.drop_runt = t->tx.ctr.drop_runt;
	c.drop_oversize = t->tx.ctr.drop_oversize;
	c.drop_xmit = t->tx.ctr.drop_xmit;
	c.corrupt = t->tx.ctr.corrupt;
	c.drains = t->tx.ctr.drains;
	c.sleeps = t->tx.ctr.sleeps;
	c.attached = t->dev != NULL;
	mutex_unlock(&t->mu);
	return copy_to_user(arg, &c, sizeof(c)) ? -EFAULT : 0;
}

long mnk_tx_ioctl(struct mnk_file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MNETIF_IOC_TX_ATTACH:
		return tx_attach(f, (void __user *)arg);
	case MNETIF_IOC_TX_COUNTERS:
		return tx_counters(f, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

int mnk_tx_mmap(struct mnk_file *f, struct vm_area_struct *vma)
{
	struct mnk_tx *t = f->tx;
	int err;

	mutex_lock(&t->mu);
	if (!t->ring)
		err = -ENXIO;
	else if (vma->vm_end - vma->vm_start > t->buflen)
		err = -EINVAL;
	else
		err = remap_vmalloc_range(vma, t->ring, 0);
	mutex_unlock(&t->mu);
	return err;
}

/* mn_xmit_fn: each frame into its own skb (a private copy: the producer may rewrite the slot
 * meanwhile, which can only garble its own frame), then dev_queue_xmit. Under t->mu. */
static uint32_t mnk_xmit(void *arg, const struct mn_slot *f, uint32_t n)
{
	struct net_device *dev = arg;
	uint32_t i, sent = 0;

	for (i = 0; i < n; i++) {
		struct sk_buff *skb;
		int rc;

		if (!(READ_ONCE(dev->flags) & IFF_UP))
			continue;
		skb = alloc_skb(LL_RESERVED_SPACE(dev) + f[i].len + dev->needed_tailroom, GFP_KERNEL);
		if (!skb)
			continue;
		skb_reserve(skb, LL_RESERVED_SPACE(dev));
		skb_reset_mac_header(skb);
		skb_put_data(skb, f[i].data, f[i].len);
		skb->dev = dev;
		skb->protocol = eth_hdr(skb)->h_proto;
		skb_set_network_header(skb, ETH_HLEN);
		rc = dev_queue_xmit(skb);
		/* As AF_PACKET: congestion notification (NET_XMIT_CN) still means sent. */
		if (rc == NET_XMIT_SUCCESS || rc == NET_XMIT_CN)
			sent++;
	}
	return sent;
}

/* The kick. Drains until the ring is empty with sr_wake armed: returning earlier would strand the
 * frames left (the producer kicks only when it crosses sr_wake), so a producer that keeps feeding
 * keeps its own kicking thread here, rescheduling between budgets, until a fatal signal or the end
 * of the plug. */
ssize_t mnk_tx_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	struct mnk_file *f = file->private_data;
	struct mnk_tx *t = f->tx;
	ssize_t ret = len;
	int r;

	if (!len)
		return 0;
	if (mutex_lock_killable(&t->mu))
		return -EINTR;
	if (!t->ring) {
		ret = -ENXIO;
		goto out;
	}
	if (!t->dev) {
		ret = -ENODEV;
		goto out;
	}
	/* The device's current MTU (it may have changed since the attach). */
	t->tx.max_len = READ_ONCE(t->dev->mtu) + MN_ETH_HLEN + MN_VLAN_HLEN;
	for (;;) {
		r = mn_tx_drain(&t->tx, mnk_xmit, t->dev, MNK_TX_BUDGET);
		if (r < 0) {
			ret = r;
			break;
		}
		if (t->tx.armed)
			break;
		if (READ_ONCE(t->detaching)) {
			ret = -ENODEV;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
out:
	mutex_unlock(&t->mu);
	return ret;
}
