/* SPDX-License-Identifier: ISC */
/*
 * FreeBSD platform of the mnetif registry: the mirror of c/platform/linux/ (read that first; this
 * file follows it function for function). NOT COMPILED here -- see README.md.
 *
 *   Linux                                FreeBSD
 *   misc device /dev/mnetif              make_dev_s + cdevsw, per-open state via devfs_set_cdevpriv
 *   vmalloc_user + remap_vmalloc_range   contigmalloc + d_mmap_single returning an OBJT_SG object
 *   poll() + wait queue, read() clears   d_poll + selrecord/selwakeup, d_read (uiomove)
 *   netdev_rx_handler_register           one link-layer pfil hook (PFIL_TYPE_ETHERNET, inbound);
 *                                        unplugged interfaces cost a registry lookup (-ENODEV)
 *   skb_copy_bits                        m_copydata (the link pfil head sees the Ethernet header)
 *   netdevice notifier (UNREGISTER)      ifnet_departure_event handler
 *   rtnl_lock / mutex                    one sx lock for the control path (mnk_sx)
 *
 * Steal vs copy: the default passes frames on to the stack, as on Linux; stealing is the sysctl
 * net.mnetif.steal (module-wide, see mnk_pfil) and MNETIF_PLUG_STEAL is refused (EOPNOTSUPP).
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/eventhandler.h>
#include <sys/kernel.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/module.h>
#include <sys/poll.h>
#include <sys/selinfo.h>
#include <sys/sglist.h>
#include <sys/sx.h>
#include <sys/sysctl.h>
#include <sys/uio.h>
#include <vm/vm.h>
#include <vm/vm_object.h>
#include <vm/vm_pager.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_dl.h>
#include <net/if_types.h>
#include <net/if_var.h>
#include <net/pfil.h>
#include <net/vnet.h>

#include "mnetif/registry.h"
#include "mnetif/uapi.h"

static MALLOC_DEFINE(M_MNETIF, "mnetif", "mnetif rings and per-open state");
static struct sx mnk_sx;                 /* control path: plug state of every open file */
static struct sx mnk_ctl;                /* the registry's control lock (inside mnk_sx) */
static pfil_hook_t mnk_hook;
static eventhandler_tag mnk_departure;
static struct cdev *mnk_cdev;
static int mnk_steal;

SYSCTL_NODE(_net, OID_AUTO, mnetif, CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "mnetif");
SYSCTL_INT(_net_mnetif, OID_AUTO, steal, CTLFLAG_RW, &mnk_steal, 0,
    "consume frames of plugged interfaces instead of passing them to the stack");

struct mnk_file {
	void *ring;                          /* contigmalloc, freed by the cdevpriv destructor */
	uint64_t buflen;
	int plugged, gone;                   /* (mnk_sx) */
	uint32_t flags;
	char name[MN_IFNAMSIZ];
	struct ifnet *ifp;
	struct mn_entry *entry;
	struct mn_counters last;
	volatile u_int pending;              /* producer signals since the last read() */
	struct selinfo sel;
	LIST_ENTRY(mnk_file) link;           /* (mnk_sx) plugged files */
};
static LIST_HEAD(, mnk_file) mnk_plugged = LIST_HEAD_INITIALIZER(mnk_plugged);
static struct mnk_file *mnk_plugging;    /* (mnk_sx) the file inside mn_plug() */

static void fill_ifinfo(struct ifnet *ifp, struct mn_ifinfo *out)
{
	memset(out, 0, sizeof(*out));
	strlcpy(out->name, if_name(ifp), sizeof(out->name));
	out->index = if_getindex(ifp);
	if (if_gettype(ifp) == IFT_ETHER && if_getlladdr(ifp) != NULL)
		memcpy(out->mac, if_getlladdr(ifp), ETHER_ADDR_LEN);
	out->up = (if_getflags(ifp) & IFF_UP) != 0;
	out->is_ether = if_gettype(ifp) == IFT_ETHER;
}

int mn_os_ifinfo_by_name(const char *name, struct mn_ifinfo *out)
{
	struct ifnet *ifp = ifunit_ref(name);

	if (ifp == NULL)
		return -ENODEV;
	fill_ifinfo(ifp, out);
	if_rele(ifp);
	return 0;
}

int mn_os_list_ifs(struct mn_ifinfo *out, int max)
{
	struct epoch_tracker et;
	struct ifnet *ifp;
	int n = 0;

	NET_EPOCH_ENTER(et);
	CK_STAILQ_FOREACH(ifp, &V_ifnet, if_link) {
		if (if_gettype(ifp) != IFT_ETHER)
			continue;
		if (n < max)
			fill_ifinfo(ifp, &out[n]);
		n++;
	}
	NET_EPOCH_EXIT(et);
	return n;
}

void mn_os_ctl_lock(void)
{
	sx_xlock(&mnk_ctl);
}

void mn_os_ctl_unlock(void)
{
	sx_xunlock(&mnk_ctl);
}

/* mn_copy_fn: len is the mbuf chain's length, so m_copydata stays inside it. */
static void mnk_copy(void *slot, const void *src, uint32_t len)
{
	m_copydata(__DECONST(struct mbuf *, src), 0, len, slot);
}

/* Link-layer pfil hook, inbound, inside the net epoch: never sleeps. On FreeBSD steal is module-wide
 * (sysctl net.mnetif.steal): the hook is global and the registry does not expose the entry's flags
 * to the data path. */
static pfil_return_t mnk_pfil(struct mbuf **mp, struct ifnet *ifp, int flags, void *ruleset,
			      struct inpcb *inp)
{
	struct mbuf *m = *mp;
	int err = netif_ether_input_copy(if_getindex(ifp), m, m_length(m, NULL), mnk_copy);

	/* -ENODEV: not plugged. Otherwise the frame was ours (published or counted as dropped). */
	if (err != -ENODEV && mnk_steal) {
		m_freem(m);
		*mp = NULL;
		return (PFIL_CONSUMED);
	}
	return (PFIL_PASS);
}

int mn_os_attach(struct mn_entry *e, struct mn_plug_info *out)
{
	struct mnk_file *f = mnk_plugging;
	struct ifnet *ifp = ifunit_ref(e->name);

	sx_assert(&mnk_sx, SA_XLOCKED);
	if (ifp == NULL || if_getindex(ifp) != out->index) {
		if (ifp != NULL)
			if_rele(ifp);
		return -ENODEV;
	}
	f->ifp = ifp;                        /* reference held while plugged */
	f->entry = e;
	e->os = f;
	LIST_INSERT_HEAD(&mnk_plugged, f, link);
	return 0;
}

/* Before DYING. The hook is global, so there is nothing to unhook: the registry's DYING state and
 * in-flight count keep hooks that already found the entry from outliving mn_unplug(). */
void mn_os_detach(struct mn_entry *e)
{
	struct mnk_file *f = e->os;

	LIST_REMOVE(f, link);
}

void mn_os_released(struct mn_entry *e)
{
	struct mnk_file *f = e->os;

	f->last = e->prod.c;
	if_rele(f->ifp);
	f->ifp = NULL;
	f->entry = NULL;
	f->plugged = 0;
	e->os = NULL;
}

void mn_os_notify(void *arg)
{
	struct mnk_file *f = ((struct mn_entry *)arg)->os;

	atomic_add_rel_int(&f->pending, 1);
	selwakeup(&f->sel);
}

/* ---- the character device ------------------------------------------------------------------ */

static void mnk_dtor(void *arg)
{
	struct mnk_file *f = arg;

	sx_xlock(&mnk_sx);
	if (f->plugged)
		mn_unplug(f->name);
	sx_xunlock(&mnk_sx);
	seldrain(&f->sel);
	if (f->ring != NULL)
		contigfree(f->ring, f->buflen, M_MNETIF);
	free(f, M_MNETIF);
}

static int mnk_open(struct cdev *dev, int oflags, int devtype, struct thread *td)
{
	struct mnk_file *f = malloc(sizeof(*f), M_MNETIF, M_WAITOK | M_ZERO);
	int err = devfs_set_cdevpriv(f, mnk_dtor);

	if (err != 0)
		free(f, M_MNETIF);
	return (err);
}

static int ioc_plug(struct mnk_file *f, struct mnetif_plug *req)
{
	struct mn_plug_info info;
	uint64_t buflen;
	int err;

	if (strnlen(req->name, sizeof(req->name)) == sizeof(req->name) ||
	    (req->proto != MN_PROTO_V1 && req->proto != MN_PROTO_V2 &&
	     req->proto != MN_PROTO_V3))
		return (EINVAL);
	if (req->flags & MNETIF_PLUG_STEAL)
		return (EOPNOTSUPP);
	buflen = req->buflen ? round_page(req->buflen) : MN_DEFAULT_BUFLEN;
	if (buflen > MNETIF_MAX_BUFLEN)
		return (EINVAL);
	sx_xlock(&mnk_sx);
	if (f->plugged) {
		err = -EBUSY;
		goto out;
	}
	/* One plug per open file: the ring is laid out before anyone can map it (so nobody changes
	 * the geometry under the attach), and an OBJT_SG mapping holds no page references, so the
	 * ring cannot be replaced while the file lives (Linux can: its mappings hold the pages). */
	if (f->ring != NULL) {
		err = -EBUSY;
		goto out;
	}
	f->ring = contigmalloc(buflen, M_MNETIF, M_WAITOK | M_ZERO, 0, ~(vm_paddr_t)0, PAGE_SIZE, 0);
	if (f->ring == NULL) {
		err = -ENOMEM;
		goto out;
	}
	f->buflen = buflen;
	err = mn_ring_init(f->ring, f->buflen, req->proto, req->nslots, req->slotsize);
	if (err != 0)
		goto out;
	f->gone = 0;
	mnk_plugging = f;
	err = mn_plug(req->name, f->ring, f->buflen, &info);
	mnk_plugging = NULL;
	if (err != 0)
		goto out;
	f->plugged = 1;
	strlcpy(f->name, f->entry->name, sizeof(f->name));
	mnetif_plug_fill(req, &f->entry->prod.g, f->buflen, &info);
out:
	sx_xunlock(&mnk_sx);
	return (-err);
}

/* Counters under the entry's producer lock. The pfil hook runs in a preemptible epoch, so unlike
 * Linux's softirq it cannot spin forever on a lock this thread holds; critical_enter keeps the
 * window short anyway. */
static void ioc_counters(struct mnk_file *f, struct mnetif_counters *out)
{
	struct mn_counters c;

	sx_xlock(&mnk_sx);
	if (f->plugged) {
		critical_enter();
		while (mn_test_and_set(&f->entry->plock))
			cpu_spinwait();
		c = f->entry->prod.c;
		mn_clear_release(&f->entry->plock);
		critical_exit();
	} else {
		c = f->last;
	}
	mnetif_counters_fill(out, &c, f->plugged, f->gone);
	sx_xunlock(&mnk_sx);
}

/* The ioctl layer copied the fixed-size request in (and copies it out); the array it points to is
 * copied out here, as Linux's ioc_list does. */
static int ioc_list(struct mnetif_list *req)
{
	struct mn_ifinfo *all;
	struct mnetif_ifinfo *out;
	u_int max = req->max, i;
	int n, err = 0;

	if (max > MNETIF_LIST_MAX)
		return (EINVAL);
	all = malloc(sizeof(*all) * (max ? max : 1), M_MNETIF, M_WAITOK | M_ZERO);
	out = malloc(sizeof(*out) * (max ? max : 1), M_MNETIF, M_WAITOK | M_ZERO);
	n = mn_get_vifs(all, (int)max);
	if (n < 0) {
		err = -n;
		goto done;
	}
	for (i = 0; i < (u_int)n && i < max; i++) {
		memcpy(out[i].name, all[i].name, sizeof(out[i].name));
		out[i].index = all[i].index;
		memcpy(out[i].mac, all[i].mac, sizeof(out[i].mac));
		out[i].up = all[i].up;
		out[i].is_ether = all[i].is_ether;
	}
	req->count = (uint32_t)n;
	if (i > 0)
		err = copyout(out, (void *)(uintptr_t)req->ifs, sizeof(*out) * i);
done:
	free(all, M_MNETIF);
	free(out, M_MNETIF);
	return (err);
}

static int mnk_ioctl(struct cdev *dev, u_long cmd, caddr_t data, int fflag, struct thread *td)
{
	struct mnk_file *f;
	int err = devfs_get_cdevpriv((void **)&f);

	if (err != 0)
		return (err);
	switch (cmd) {
	case MNETIF_IOC_PLUG:
		return (ioc_plug(f, (struct mnetif_plug *)data));
	case MNETIF_IOC_UNPLUG:
		sx_xlock(&mnk_sx);
		err = f->plugged ? -mn_unplug(f->name) : ENOENT;
		sx_xunlock(&mnk_sx);
		return (err);
	case MNETIF_IOC_COUNTERS:
		ioc_counters(f, (struct mnetif_counters *)data);
		return (0);
	case MNETIF_IOC_LIST:
		return (ioc_list((struct mnetif_list *)data));
	default:
		return (ENOTTY);
	}
}

/* The ring as an OBJT_SG object over its (physically contiguous) pages. */
static int mnk_mmap_single(struct cdev *dev, vm_ooffset_t *offset, vm_size_t size,
    struct vm_object **object, int nprot)
{
	struct mnk_file *f;
	struct sglist *sg;
	int err = devfs_get_cdevpriv((void **)&f);

	if (err != 0)
		return (err);
	if (f->ring == NULL)
		return (ENXIO);
	if (*offset != 0 || size > f->buflen)
		return (EINVAL);
	sg = sglist_alloc(1, M_WAITOK);
	sglist_append(sg, f->ring, f->buflen);
	*object = vm_pager_allocate(OBJT_SG, sg, f->buflen, nprot, 0, curthread->td_ucred);
	sglist_free(sg);
	return (*object == NULL ? EINVAL : 0);
}

static int mnk_poll(struct cdev *dev, int events, struct thread *td)
{
	struct mnk_file *f;
	int revents = 0;

	if (devfs_get_cdevpriv((void **)&f) != 0)
		return (POLLNVAL);
	/* Level-triggered (uapi.h): report while a signal is pending, never clear (read() does).
	 * Record first: a signal after the load finds us recorded (selwakeup). */
	selrecord(td, &f->sel);
	if (atomic_load_acq_int(&f->pending) != 0)
		revents |= events & (POLLIN | POLLRDNORM);
	if (f->gone)
		revents |= POLLHUP | POLLERR;
	return (revents);
}

/* read(fd, buf, >= 8): the u64 count of signals since the last read, clearing it; EAGAIN when
 * none is pending (never blocks); EINVAL under 8 bytes. The swap is fully ordered (uapi.h). */
static int mnk_read(struct cdev *dev, struct uio *uio, int ioflag)
{
	struct mnk_file *f;
	uint64_t n;
	int err = devfs_get_cdevpriv((void **)&f);

	if (err != 0)
		return (err);
	if (uio->uio_resid < (ssize_t)sizeof(n))
		return (EINVAL);
	n = atomic_swap_int(&f->pending, 0);
	atomic_thread_fence_seq_cst();
	if (n == 0)
		return (EAGAIN);
	return (uiomove(&n, sizeof(n), uio));
}

static struct cdevsw mnk_cdevsw = {
	.d_version = D_VERSION,
	.d_name = "mnetif",
	.d_open = mnk_open,
	.d_ioctl = mnk_ioctl,
	.d_read = mnk_read,
	.d_mmap_single = mnk_mmap_single,
	.d_poll = mnk_poll,
};

/* ---- interface departure, module load ------------------------------------------------------- */

static void mnk_ifnet_departure(void *arg, struct ifnet *ifp)
{
	struct mnk_file *f, *next;

	sx_xlock(&mnk_sx);
	LIST_FOREACH_SAFE(f, &mnk_plugged, link, next) {
		if (f->ifp != ifp)
			continue;
		f->gone = 1;
		mn_unplug(f->name);          /* drops our ifnet reference */
		selwakeup(&f->sel);
	}
	sx_xunlock(&mnk_sx);
}

static int mnk_load(void)
{
	struct pfil_hook_args ha = {
		.pa_version = PFIL_VERSION, .pa_flags = PFIL_IN, .pa_type = PFIL_TYPE_ETHERNET,
		.pa_mbuf_chk = mnk_pfil, .pa_modname = "mnetif", .pa_rulname = "rx",
	};
	struct pfil_link_args la = {
		.pa_version = PFIL_VERSION, .pa_flags = PFIL_IN | PFIL_HEADPTR | PFIL_HOOKPTR,
	};
	struct make_dev_args mda;
	int err;

	sx_init(&mnk_sx, "mnetif plug");
	sx_init(&mnk_ctl, "mnetif registry");
	mnk_hook = pfil_add_hook(&ha);
	la.pa_head = V_link_pfil_head;
	la.pa_hook = mnk_hook;
	err = pfil_link(&la);
	if (err != 0)
		goto fail;
	mnk_departure = EVENTHANDLER_REGISTER(ifnet_departure_event, mnk_ifnet_departure, NULL,
	    EVENTHANDLER_PRI_ANY);
	make_dev_args_init(&mda);
	mda.mda_devsw = &mnk_cdevsw;
	mda.mda_uid = UID_ROOT;
	mda.mda_gid = GID_WHEEL;
	mda.mda_mode = 0600;
	err = make_dev_s(&mda, &mnk_cdev, "mnetif");
	if (err == 0)
		return (0);
	EVENTHANDLER_DEREGISTER(ifnet_departure_event, mnk_departure);
fail:
	pfil_remove_hook(mnk_hook);
	sx_destroy(&mnk_ctl);
	sx_destroy(&mnk_sx);
	return (err);
}

static int mnk_modevent(module_t mod, int type, void *data)
{
	switch (type) {
	case MOD_LOAD:
		return (mnk_load());
	case MOD_UNLOAD:
		/* destroy_dev waits for open files to close (their dtor unplugs). */
		destroy_dev(mnk_cdev);
		EVENTHANDLER_DEREGISTER(ifnet_departure_event, mnk_departure);
		pfil_remove_hook(mnk_hook);
		sx_destroy(&mnk_ctl);
		sx_destroy(&mnk_sx);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

DEV_MODULE(mnetif, mnk_modevent, NULL);
MODULE_VERSION(mnetif, 1);
