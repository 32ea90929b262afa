// SPDX-License-Identifier: ISC
/*
 * Linux platform of the mnetif registry: the mn_os_* services of mnetif/registry.h, the rx_handler
 * that feeds netif_ether_input_copy(), and the netdevice notifier that unplugs a vanishing
 * interface. Locking is described in mnetif_linux.h.
 *
 * Nothing here reads the shared ring: geometry and counters come from the producer's private
 * struct mn_prod (validated once by mn_prod_attach), so a consumer scribbling over the mapped
 * header can only make the core drop frames and set sr_error.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "mnetif_linux.h"

static DEFINE_MUTEX(mnk_ctl);
static LIST_HEAD(mnk_plugged);          /* (rtnl) files currently plugged */
static struct mnk_file *mnk_plugging;   /* (rtnl) the file inside mn_plug(), for mn_os_attach */

static void fill_ifinfo(const struct net_device *dev, struct mn_ifinfo *out)
{
	memset(out, 0, sizeof(*out));
	strscpy(out->name, dev->name, sizeof(out->name));
	out->index = dev->ifindex;
	if (dev->addr_len == ETH_ALEN)
		memcpy(out->mac, dev->dev_addr, ETH_ALEN);
	out->up = !!(dev->flags & IFF_UP);
	out->is_ether = dev->type == ARPHRD_ETHER && dev->addr_len == ETH_ALEN;
}

int mn_os_ifinfo_by_name(const char *name, struct mn_ifinfo *out)
{
	struct net_device *dev = dev_get_by_name(&init_net, name);

	if (!dev)
		return -ENODEV;
	fill_ifinfo(dev, out);
	dev_put(dev);
	return 0;
}

int mn_os_list_ifs(struct mn_ifinfo *out, int max)
{
	struct net_device *dev;
	int n = 0;

	rcu_read_lock();
	for_each_netdev_rcu(&init_net, dev) {
		struct mn_ifinfo info;

		fill_ifinfo(dev, &info);
		if (!info.is_ether)
			continue;
		if (n < max)
			out[n] = info;
		n++;
	}
	rcu_read_unlock();
	return n;
}

void mn_os_ctl_lock(void)
{
	mutex_lock(&mnk_ctl);
}

void mn_os_ctl_unlock(void)
{
	mutex_unlock(&mnk_ctl);
}

/* What the copy callback needs: the skb, where the Ethernet header starts relative to data, and
 * the VLAN tag the stack took out of the frame (tagged = 0: none). */
struct mnk_src {
	const struct sk_buff *skb;
	int offset;
	bool tagged;
	__be16 tag[2];           /* TPID, TCI: the 4 bytes that followed the MAC addresses */
};

/* mn_copy_fn: len was computed from this skb (+ the tag), so skb_copy_bits cannot run past it. */
static void mnk_copy(void *slot, const void *src, u32 len)
{
	const struct mnk_src *s = src;
	u8 *out = slot;
	int err;

	if (!s->tagged) {
		err = skb_copy_bits(s->skb, s->offset, out, len);
	} else {
		/* The wire's order: addresses, the tag, then the rest from the inner EtherType on. */
		err = skb_copy_bits(s->skb, s->offset, out, 2 * ETH_ALEN);
		memcpy(out + 2 * ETH_ALEN, s->tag, VLAN_HLEN);
		if (!err)
			err = skb_copy_bits(s->skb, s->offset + 2 * ETH_ALEN, out + 2 * ETH_ALEN + VLAN_HLEN,
					    len - 2 * ETH_ALEN - VLAN_HLEN);
	}
	if (unlikely(err))
		memset(slot, 0, len);
}

/*
 * Called in softirq context under rcu_read_lock for every frame the interface receives. At this
 * point eth_type_trans has pulled the Ethernet header: skb->data is the network header and
 * skb_mac_offset() (negative) finds the frame's first byte, so the ring gets the frame exactly as
 * it was on the wire (without FCS). A VLAN tag is already out of the frame (hardware offload, or
 * skb_vlan_untag() before the rx_handlers run) and held in skb->vlan_tci: it is put back, so a
 * tagged frame is delivered as the wire had it and a frame over the slot size only because of its
 * tag is counted oversize, as tcpdump's captures are. (A frame the stack hands to a VLAN device
 * configured on top of the plugged one never reaches this handler.)
 */
static rx_handler_result_t mnk_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct mnk_file *f = rcu_dereference(skb->dev->rx_handler_data);
	struct mnk_src s;
	u32 len;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK) || !skb_mac_header_was_set(skb))
		return RX_HANDLER_PASS;
	s.skb = skb;
#ifdef MNK_ZOO_NO_MAC_HEADER
	s.offset = 0;   /* bug switch: the VM test's negative control (make kmod-test-selfcheck) */
#else
	s.offset = skb_mac_offset(skb);
#endif
	len = skb->len - s.offset;
	s.tagged = skb_vlan_tag_present(skb) && len >= 2 * ETH_ALEN;
	if (s.tagged) {
		s.tag[0] = skb->vlan_proto;
		s.tag[1] = htons(skb_vlan_tag_get(skb));
		len += VLAN_HLEN;
	}
	netif_ether_input_copy(skb->dev->ifindex, &s, len, mnk_copy);
	if (READ_ONCE(f->flags) & MNETIF_PLUG_STEAL) {
		consume_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	return RX_HANDLER_PASS;
}

/* Under the control lock, inside mn_plug(), rtnl held by mnk_plug(). */
int mn_os_attach(struct mn_entry *e, struct mn_plug_info *out)
{
	struct mnk_file *f = mnk_plugging;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	if (WARN_ON_ONCE(!f))
		return -EINVAL;
	dev = dev_get_by_name(&init_net, e->name);
	if (!dev)
		return -ENODEV;
	/* rtnl has been held since mn_os_ifinfo_by_name: the name still means the same device. */
	if (dev->ifindex != out->index) {
		dev_put(dev);
		return -ENODEV;
	}
	f->dev = dev;
	f->entry = e;
	e->os = f;
	/* v3's light producer (ring.h, atomic.h): only for a consumer that declared it issues
	 * MNETIF_IOC_BARRIER (mnetif_barrier.c) before every sleep. mn_prod_attach left light = 0
	 * (no heavy barrier reaches a softirq by itself: mn_heavy_barrier_register() is 0 here), so a
	 * consumer that did not opt in keeps the full fence. Set before the rx_handler exists and
	 * before the entry is published LIVE: every producer sees one value for the whole plug. */
	e->prod.light = e->prod.g.proto == MN_PROTO_V3 && (f->flags & MNETIF_PLUG_BARRIER);
	err = netdev_rx_handler_register(dev, mnk_rx, f);
	if (err) {
		f->dev = NULL;
		f->entry = NULL;
		e->os = NULL;
		dev_put(dev);
		return err;
	}
	list_add(&f->plugged_link, &mnk_plugged);
	return 0;
}

/* Under the control lock and rtnl, before the entry turns DYING. After netdev_rx_handler_unregister
 * (it ends with synchronize_net) no rx_handler of this device is running, so no new producer can
 * take a reference and the registry's wait for in-flight inputs ends at once. */
void mn_os_detach(struct mn_entry *e)
{
	struct mnk_file *f = e->os;

	ASSERT_RTNL();
	netdev_rx_handler_unregister(f->dev);
	list_del_init(&f->plugged_link);
}

/* Under the control lock after the last producer left: the private counters are stable. */
void mn_os_released(struct mn_entry *e)
{
	struct mnk_file *f = e->os;

	f->last = e->prod.c;
	mnk_tx_detach(f);     /* the transmit ring stops with the plug (drops its device reference) */
	dev_put(f->dev);
	f->dev = NULL;
	f->entry = NULL;
	f->plugged = false;
	e->os = NULL;
}

/* Producer context (softirq): e->os was set before the entry was published LIVE. */
void mn_os_notify(void *arg)
{
	struct mn_entry *e = arg;
	struct mnk_file *f = e->os;

	atomic_inc(&f->pending);
	/* Always takes the wait-queue lock (no waitqueue_active shortcut), which orders the increment
	 * against a poller that registered and then found pending == 0. */
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
}

int mnk_plug(struct mnk_file *f, const char *name, u32 flags, void *ring, u64 buflen,
	     struct mn_plug_info *info)
{
	int err;

	ASSERT_RTNL();
	if (f->plugged)
		return -EBUSY;
	f->flags = flags;
	f->gone = false;
	mnk_plugging = f;
	err = mn_plug(name, ring, buflen, info);
	mnk_plugging = NULL;
	if (err)
		return err;
	strscpy(f->name, f->entry->name, sizeof(f->name));
	f->gen = info->gen;
	f->plugged = true;
	return 0;
}

int mnk_unplug(struct mnk_file *f)
{
	ASSERT_RTNL();
	if (!f->plugged)
		return -ENOENT;
	return mn_unplug_gen(f->gen);
}

/*
 * The producer's private counters. The registry's mn_plug_counters() takes the entry's producer
 * lock from process context with bottom halves enabled; an rx_handler interrupting it on the same
 * CPU would spin on that lock forever. So take it here with BH disabled (rtnl keeps the entry).
 */
void mnk_counters(struct mnk_file *f, struct mnetif_counters *out)
{
	struct mn_counters c;

	ASSERT_RTNL();
	if (f->plugged) {
		local_bh_disable();
		while (mn_test_and_set(&f->entry->plock))
			cpu_relax();
		c = f->entry->prod.c;
		mn_clear_release(&f->entry->plock);
		local_bh_enable();
	} else {
		c = f->last;
	}
	mnetif_counters_fill(out, &c, f->plugged, f->gone);
}

static int mnk_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mnk_file *f, *next;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	/* rtnl is held: the same lock every plug and unplug holds. */
	list_for_each_entry_safe(f, next, &mnk_plugged, plugged_link) {
		if (f->dev != dev)
			continue;
		f->gone = true;
		mn_unplug_gen(f->gen);   /* drops our reference: unregister can finish */
		wake_up_interruptible_poll(&f->wq, EPOLLHUP | EPOLLERR);
	}
	return NOTIFY_DONE;
}

static struct notifier_block mnk_notifier = {
	.notifier_call = mnk_netdev_event,
};

int mnk_os_init(void)
{
	return register_netdevice_notifier(&mnk_notifier);
}

void mnk_os_exit(void)
{
	unregister_netdevice_notifier(&mnk_notifier);
}
