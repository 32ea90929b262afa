// SPDX-License-Identifier: ISC
/*
 * /dev/mnetif: one ring per open file; ioctls mirroring the registry, mmap of the ring, poll() as
 * the event channel. The user/kernel contract is c/include/mnetif/uapi.h; locking in mnetif_linux.h.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mnetif_linux.h"

static int mnk_open(struct inode *inode, struct file *file)
{
	struct mnk_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->mu);
	INIT_LIST_HEAD(&f->plugged_link);
	init_waitqueue_head(&f->wq);
	atomic_set(&f->pending, 0);
	if (mnk_tx_open(f)) {
		kfree(f);
		return -ENOMEM;
	}
	file->private_data = f;
	return 0;
}

/* Runs after the last munmap (a mapping holds the file), so the ring can go. */
static int mnk_release(struct inode *inode, struct file *file)
{
	struct mnk_file *f = file->private_data;

	rtnl_lock();
	if (f->plugged)
		mnk_unplug(f);
	rtnl_unlock();
	mnk_tx_release(f);
	vfree(f->ring);
	kfree(f);
	return 0;
}

static long ioc_list(void __user *arg)
{
	struct mnetif_list req;
	struct mn_ifinfo *all;
	struct mnetif_ifinfo *out;
	int n, i, max;
	long err = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.max > MNETIF_LIST_MAX)
		return -EINVAL;
	max = req.max;
	all = kvcalloc(max ? max : 1, sizeof(*all), GFP_KERNEL);
	out = kvcalloc(max ? max : 1, sizeof(*out), GFP_KERNEL);
	if (!all || !out) {
		err = -ENOMEM;
		goto done;
	}
	n = mn_get_vifs(all, max);
	if (n < 0) {
		err = n;
		goto done;
	}
	for (i = 0; i < n && i < max; i++) {
		memcpy(out[i].name, all[i].name, sizeof(out[i].name));
		out[i].index = all[i].index;
		memcpy(out[i].mac, all[i].mac, sizeof(out[i].mac));
		out[i].up = all[i].up;
		out[i].is_ether = all[i].is_ether;
	}
	req.count = n;
	if (copy_to_user(u64_to_user_ptr(req.ifs), out, sizeof(*out) * min(n, max)) ||
	    copy_to_user(arg, &req, sizeof(req)))
		err = -EFAULT;
done:
	kvfree(all);
	kvfree(out);
	return err;
}

static long ioc_plug(struct mnk_file *f, void __user *arg)
{
	struct mnetif_plug req;
	struct mn_plug_info info;
	void *ring;
	u64 buflen;
	long err;

	/* Plugging is sniffing: the device is 0600 root, and the caller must be able to open a raw
	 * packet socket in the initial namespace (the only one the module serves). */
	if (!capable(CAP_NET_RAW))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (strnlen(req.name, sizeof(req.name)) == sizeof(req.name) || (req.flags & ~MNETIF_PLUG_FLAGS))
		return -EINVAL;
	if (req.proto != MN_PROTO_V1 && req.proto != MN_PROTO_V2 && req.proto != MN_PROTO_V3)
		return -EINVAL;
	/* The light producer exists only in v3 (v1/v2 keep their fences whatever the consumer does). */
	if ((req.flags & MNETIF_PLUG_BARRIER) && req.proto != MN_PROTO_V3)
		return -EINVAL;
	buflen = req.buflen ? PAGE_ALIGN(req.buflen) : MN_DEFAULT_BUFLEN;
	if (buflen > MNETIF_MAX_BUFLEN)
		return -EINVAL;

	/* (I) A fresh ring for every plug, laid out before anyone can map it (mmap takes f->mu, held
	 * until the producer has attached): no consumer can change the geometry under the attach, so
	 * the producer attaches with exactly the layout written here. */
	ring = vmalloc_user(buflen);
	if (!ring)
		return -ENOMEM;
	err = mn_ring_init(ring, buflen, req.proto, req.nslots, req.slotsize);
	if (err) {
		vfree(ring);
		return err;
	}
	mutex_lock(&f->mu);
	rtnl_lock();
	err = mnk_plug(f, req.name, req.flags, ring, buflen, &info);
	if (err) {
		vfree(ring);
		goto out;
	}
	/* The previous ring: a consumer may still map it. vfree drops only the vmalloc reference;
	 * pages mapped into user space stay alive until munmap. */
	vfree(f->ring);
	f->ring = ring;
	f->buflen = buflen;
	mnetif_plug_fill(&req, &f->entry->prod.g, buflen, &info);
	req.light = f->entry->prod.light;
out:
	rtnl_unlock();
	mutex_unlock(&f->mu);
	if (!err && copy_to_user(arg, &req, sizeof(req)))
		err = -EFAULT;
	return err;
}

static long mnk_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mnk_file *f = file->private_data;
	struct mnetif_counters c;
	long err;

	switch (cmd) {
	case MNETIF_IOC_LIST:
		return ioc_list((void __user *)arg);
	case MNETIF_IOC_PLUG:
		return ioc_plug(f, (void __user *)arg);
	case MNETIF_IOC_UNPLUG:
		rtnl_lock();
		err = mnk_unplug(f);
		rtnl_unlock();
		return err;
	case MNETIF_IOC_COUNTERS:
		rtnl_lock();
		mnk_counters(f, &c);
		rtnl_unlock();
		return copy_to_user((void __user *)arg, &c, sizeof(c)) ? -EFAULT : 0;
	case MNETIF_IOC_BARRIER:
		return mnk_barrier(arg);
	default:
		return mnk_tx_ioctl(f, cmd, arg);
	}
}

static int mnk_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mnk_file *f = file->private_data;
	int err;

	if (vma->vm_pgoff == MNETIF_TX_MMAP_OFF >> PAGE_SHIFT)
		return mnk_tx_mmap(f, vma);
	mutex_lock(&f->mu);
	if (!f->ring)
		err = -ENXIO;
	else if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start > f->buflen)
		err = -EINVAL;
	else
		err = remap_vmalloc_range(vma, f->ring, 0);
	mutex_unlock(&f->mu);
	return err;
}

/* Level-triggered, like an eventfd: POLLIN while a signal is pending; only read() clears it, so
 * epoll's extra ->poll calls (EPOLL_CTL_ADD/MOD, the harvest re-poll) cannot lose one (uapi.h). */
static __poll_t mnk_poll(struct file *file, poll_table *wait)
{
	struct mnk_file *f = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &f->wq, wait);
	/* Fully ordered after poll_wait's queueing: pairs with mn_os_notify's increment + wake. */
	smp_mb();
	if (atomic_read(&f->pending))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(f->gone))
		mask |= EPOLLHUP | EPOLLERR;
	return mask;
}

/* Clears the event channel: the 8-byte count of signals since the last read; never blocks. The
 * exchange is fully ordered, so the consumer's ring re-check after it sees every frame published
 * before a signal it cleared; a signal after the exchange stays pending. */
static ssize_t mnk_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct mnk_file *f = file->private_data;
	u64 n;

	if (len < sizeof(n))
		return -EINVAL;
	n = (u32)atomic_xchg(&f->pending, 0);
	if (!n)
		return -EAGAIN;
	if (copy_to_user(buf, &n, sizeof(n))) {
		/* Lost to a bad buffer: put the signals back rather than drop a wakeup. */
		atomic_add((int)n, &f->pending);
		return -EFAULT;
	}
	return sizeof(n);
}

static const struct file_operations mnk_fops = {
	.owner = THIS_MODULE,
	.open = mnk_open,
	.release = mnk_release,
	.unlocked_ioctl = mnk_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mnk_mmap,
	.poll = mnk_poll,
	.read = mnk_read,
	.write = mnk_tx_write,
	.llseek = noop_llseek,
};

static struct miscdevice mnk_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mnetif",
	.fops = &mnk_fops,
	.mode = 0600,
};

static int __init mnk_init(void)
{
	int err = mnk_os_init();

	if (err)
		return err;
	err = misc_register(&mnk_misc);
	if (err)
		mnk_os_exit();
	return err;
}

static void __exit mnk_exit(void)
{
	misc_deregister(&mnk_misc);
	mnk_os_exit();
}

module_init(mnk_init);
module_exit(mnk_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("mnetif: shared receive and transmit rings for plugged Ethernet interfaces");
