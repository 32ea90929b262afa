/* SPDX-License-Identifier: ISC */
/*
 * mnetif Linux module: the user/kernel interface of /dev/mnetif (ioctls, mmap, poll, read).
 *
 * One open file = one ring. The module allocates the ring (vmalloc_user), lays it out with
 * mn_ring_init() and produces into it from an rx_handler on the plugged interface; the consumer
 * maps it (mmap offset 0, MNETIF_PLUG's mmap_len bytes) and reads it with the ordinary mn_cons_*
 * functions of c/src/ring.c. The wire format is c/include/mnetif/ring.h.
 *
 *   fd = open("/dev/mnetif", O_RDWR);
 *   ioctl(fd, MNETIF_IOC_PLUG, &plug);             name + geometry + protocol -> index, MAC, up
 *   ring = mmap(NULL, plug.mmap_len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
 *   mn_cons_attach(&c, ring, plug.mmap_len);
 *   (v3 + MNETIF_PLUG_BARRIER: mn_cons_set_barrier(&c, fn, ...), fn = ioctl(fd, MNETIF_IOC_BARRIER, 0))
 *   loop: mn_cons_peek / mn_cons_release; when empty: if (mn_cons_prepare_wait(&c)) poll(fd, POLLIN),
 *         then read(fd, &n, 8) to clear the signal BEFORE peeking again
 *   close(fd)                                       unplugs (so does MNETIF_IOC_UNPLUG)
 *
 * Event channel, level-triggered like an eventfd: poll()/select()/epoll report POLLIN while a
 * signal is pending and never clear it (so epoll's extra polls at EPOLL_CTL_ADD/MOD lose nothing).
 * read(fd, buf, >= 8) clears it: it returns 8 and stores the u64 count of signals since the last
 * read, or fails with EAGAIN when none is pending (never blocks, like EFD_NONBLOCK; EINVAL for a
 * buffer under 8 bytes). After waking the consumer reads (clears) first, then re-checks the ring:
 * the clear is fully ordered, so a frame published before a cleared signal is seen by the re-check
 * and a signal after the clear stays pending. Spurious wakeups are possible, lost ones are not,
 * provided the consumer arms sr_wake with mn_cons_prepare_wait() before it waits.
 * POLLHUP|POLLERR once the plugged interface was unregistered (the module unplugged it).
 *
 * Steal vs copy: by default the frame is COPIED into the ring and passed on to the host stack
 * (RX_HANDLER_PASS). MNETIF_PLUG_STEAL consumes it (RX_HANDLER_CONSUMED): the host stack never sees
 * frames of a stolen interface, whether the ring took them or dropped them.
 *
 * Ring lifetime: every successful MNETIF_PLUG gives the file a FRESH ring, laid out by the kernel
 * before anyone can map it, so no consumer can change the geometry the producer attaches with;
 * map it after the plug. A mapping of an earlier ring stays valid (its memory lives until munmap)
 * but is no longer produced into. mmap maps the file's latest ring, which stays readable after an
 * unplug; it is freed at release (after the last munmap).
 *
 * Errors are -errno as in mnetif/registry.h, plus: -EBUSY the file is already plugged (or the
 * interface has another rx_handler: bridge, bond, macvlan), -ENXIO mmap before the first plug,
 * -EINVAL bad geometry/flags, -ENOSPC the geometry does not fit the buffer length.
 */
#ifndef MNETIF_UAPI_H
#define MNETIF_UAPI_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/ioctl.h>
#elif defined(__FreeBSD__)
/* The FreeBSD glue (c/platform/freebsd, not compiled here) and its userspace share this header. */
#include <sys/types.h>
#include <sys/ioccom.h>
typedef uint8_t __u8;
typedef uint32_t __u32;
typedef uint64_t __u64;
#else
#include <linux/types.h>
#include <sys/ioctl.h>
#endif

#define MNETIF_DEVICE       "/dev/mnetif"
#define MNETIF_IFNAMSIZ     16
#define MNETIF_MAX_BUFLEN   (64u << 20)    /* largest ring a file may ask for */
#define MNETIF_LIST_MAX     4096u          /* most entries one MNETIF_IOC_LIST fills (above: EINVAL) */

/* One interface (mirror of struct mn_ifinfo). */
struct mnetif_ifinfo {
	char name[MNETIF_IFNAMSIZ];
	__u32 index;
	__u8 mac[6];
	__u8 up;
	__u8 is_ether;
};

/* MNETIF_IOC_LIST: the Ethernet interfaces of the initial network namespace. */
struct mnetif_list {
	__u32 max;               /* in: entries at ifs (<= MNETIF_LIST_MAX) */
	__u32 count;             /* out: how many exist (may exceed max) */
	__u64 ifs;               /* in: user pointer to max struct mnetif_ifinfo */
};

#define MNETIF_PLUG_STEAL   0x1u           /* consume the frames (the host stack never sees them) */
#define MNETIF_PLUG_BARRIER 0x2u           /* v3 only: the consumer issues MNETIF_IOC_BARRIER before
					    * every sleep, so the producer may use the light barrier
					    * (see "Asymmetric barrier" below) */
#define MNETIF_PLUG_FLAGS   (MNETIF_PLUG_STEAL | MNETIF_PLUG_BARRIER)

/* MNETIF_IOC_PLUG. */
struct mnetif_plug {
	char name[MNETIF_IFNAMSIZ];  /* in: interface name, NUL-terminated */
	__u32 proto;             /* in: MN_PROTO_V1, _V2 or _V3 */
	__u32 nslots;            /* in: power of two, 0 = as many as fit */
	__u32 slotsize;          /* in: multiple of 64, >= 64 */
	__u32 flags;             /* in: MNETIF_PLUG_* */
	__u64 buflen;            /* in: ring bytes, rounded up to pages; 0 = 33 pages */
	__u64 mmap_len;          /* out: bytes to map */
	__u32 index;             /* out: interface index */
	__u32 size;              /* out: slots (the producer's validated private geometry) */
	__u32 slot_bytes;        /* out: bytes per slot */
	__u32 dataoff;           /* out: offset of slot 0 */
	__u8 mac[6];             /* out */
	__u8 up;                 /* out */
	__u8 light;              /* out: 1 = the producer reads sr_wake after a compiler barrier only
				  * (v3 + MNETIF_PLUG_BARRIER), 0 = after a full fence */
	__u32 pad2[2];             /* 80 bytes, no implicit padding */
};

/* MNETIF_IOC_COUNTERS: the producer's PRIVATE counters (the ring header holds copies a consumer
 * can overwrite; these it cannot). After an unplug: the values at unplug time. */
struct mnetif_counters {
	__u64 frames, bytes;
	__u32 drop_full, drop_oversize, drop_busy, drop_error, notify, error;
	__u32 plugged;           /* 1 while plugged */
	__u32 gone;              /* 1 once the interface was unregistered while plugged */
};

#define MNETIF_IOC_MAGIC    0xb7
#define MNETIF_IOC_LIST     _IOWR(MNETIF_IOC_MAGIC, 1, struct mnetif_list)
#define MNETIF_IOC_PLUG     _IOWR(MNETIF_IOC_MAGIC, 2, struct mnetif_plug)
#define MNETIF_IOC_UNPLUG   _IO(MNETIF_IOC_MAGIC, 3)
#define MNETIF_IOC_COUNTERS _IOR(MNETIF_IOC_MAGIC, 4, struct mnetif_counters)

/*
 * Asymmetric barrier (ring.h v3, atomic.h): ioctl(fd, MNETIF_IOC_BARRIER, mode) is the HEAVY side for
 * a kernel producer: when it returns 0, every CPU has executed a full barrier at whatever point of
 * its program it had reached after the call began (so has the caller). A consumer that plugged with
 * MNETIF_PLUG_BARRIER calls it in mn_cons_prepare_wait between arming sr_wake and re-checking the
 * ring (mn_cons_set_barrier); in exchange the rx_handler's producer drops its full fence between
 * publishing and reading sr_wake. A consumer that did not opt in keeps the full-fence producer and
 * need never call it. Works on any open file (plugged or not); the device is root-only. modes:
 *   MNETIF_BARRIER_IPI       smp_mb() on every online CPU by IPI (on_each_cpu): the cheapest (the
 *                            default; figures in c/platform/linux/RESULTS.md)
 *   MNETIF_BARRIER_RCU_EXP   synchronize_rcu_expedited()   (the producer runs under rcu_read_lock)
 *   MNETIF_BARRIER_RCU       synchronize_rcu()             (milliseconds: for comparison only)
 * -EINVAL another mode. Why each is correct: c/platform/linux/mnetif_barrier.c.
 */
#define MNETIF_BARRIER_IPI      0u
#define MNETIF_BARRIER_RCU_EXP  1u
#define MNETIF_BARRIER_RCU      2u
#define MNETIF_BARRIER_MODES    3u
#define MNETIF_IOC_BARRIER  _IO(MNETIF_IOC_MAGIC, 7)

/*
 * Transmit path (c/platform/linux/mnetif_tx.c; the ring roles and the drain loop: mnetif/tx.h).
 * The application produces, the module consumes and calls dev_queue_xmit on the plugged device:
 *
 *   ioctl(fd, MNETIF_IOC_TX_ATTACH, &tx);          after a plug: a fresh v2 ring, laid out by the
 *                                                   kernel, consumed from the plugged device
 *   ring = mmap(NULL, tx.mmap_len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, MNETIF_TX_MMAP_OFF);
 *   mn_prod_attach(&p, ring, tx.mmap_len, kick, fd)   kick = write(fd, &one, 8)
 *   mn_prod_push(&p, frame, len)                    kicks when the module asked for it (sr_wake)
 *
 * write(fd, buf, n >= 1) is the kick: it drains the transmit ring in the caller's context (frames
 * in order, each copied into an skb and handed to dev_queue_xmit) until the ring is empty with
 * sr_wake armed, and returns n; the bytes written are ignored. -ENXIO: no transmit ring attached;
 * -ENODEV: the plug ended (unplug, interface gone), the ring is no longer consumed; -EIO: the
 * producer index is corrupt (counted); -EINTR: a fatal signal stopped a drain the producer kept
 * feeding. Frames shorter than 14 bytes, longer than the device's current MTU + 14 + 4, or refused
 * by the device (down, queue full) are released and counted, never retried. The module validates
 * everything it reads from the shared header (mn_tx_drain): a scribbling producer can only make
 * its own frames drop. MNETIF_IOC_TX_COUNTERS: the consumer's private counters.
 * The transmit ring ends with the plug (unplug, close, interface gone) and is re-attached after a
 * new plug; mmap maps the file's latest one.
 */
#define MNETIF_TX_MMAP_OFF  ((__u64)MNETIF_MAX_BUFLEN)   /* mmap offset of the transmit ring */

struct mnetif_tx {
	__u32 nslots;            /* in: power of two, 0 = as many as fit */
	__u32 slotsize;          /* in: multiple of 64, >= 64 (>= MTU + 18 to send full-size frames) */
	__u64 buflen;            /* in: ring bytes, rounded up to pages; 0 = 33 pages */
	__u64 mmap_len;          /* out: bytes to map at MNETIF_TX_MMAP_OFF */
	__u32 size;              /* out: slots (the consumer's validated private geometry) */
	__u32 slot_bytes;        /* out */
	__u32 dataoff;           /* out */
	__u32 mtu;               /* out: the device's MTU now (each frame is checked against the current one) */
};

struct mnetif_tx_counters {
	__u64 frames, bytes;     /* handed to dev_queue_xmit and accepted */
	__u32 drop_runt, drop_oversize, drop_xmit, corrupt, drains, sleeps;
	__u32 attached;          /* 1 while the ring is consumed */
	__u32 pad;
};

#define MNETIF_IOC_TX_ATTACH   _IOWR(MNETIF_IOC_MAGIC, 5, struct mnetif_tx)
#define MNETIF_IOC_TX_COUNTERS _IOR(MNETIF_IOC_MAGIC, 6, struct mnetif_tx_counters)

#if (defined(__KERNEL__) || defined(_KERNEL)) && defined(MNETIF_REGISTRY_H)
/* Kernel glue (Linux and FreeBSD): replies are built from the producer's PRIVATE state, never from
 * a re-read of the shared header. Include mnetif/registry.h first. */
static inline void mnetif_counters_fill(struct mnetif_counters *out, const struct mn_counters *c,
					int plugged, int gone)
{
	memset(out, 0, sizeof(*out));
	out->frames = c->frames;
	out->bytes = c->bytes;
	out->drop_full = c->drop_full;
	out->drop_oversize = c->drop_oversize;
	out->drop_busy = c->drop_busy;
	out->drop_error = c->drop_error;
	out->notify = c->notify;
	out->error = c->error;
	out->plugged = plugged;
	out->gone = gone;
}

static inline void mnetif_plug_fill(struct mnetif_plug *req, const struct mn_geom *g, uint64_t buflen,
				    const struct mn_plug_info *info)
{
	req->mmap_len = buflen;
	req->size = g->size;
	req->slot_bytes = g->slotsize;
	req->dataoff = g->dataoff;
	req->index = info->index;
	memcpy(req->mac, info->mac, sizeof(req->mac));
	req->up = info->up;
}
#endif

#endif /* MNETIF_UAPI_H */
