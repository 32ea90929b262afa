/* SPDX-License-Identifier: ISC */
/* Userspace platform for the registry: software interfaces, AF_PACKET receive threads, eventfd. */
#define _GNU_SOURCE
#include "mnetif/user.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOFT_IFS 64
#define RX_BUFLEN 65536       /* per frame buffer; RX_HEADROOM of it is kept in front of the frame */
#define RX_HEADROOM 4         /* room to put back an 802.1Q/802.1ad tag the stack took out */
#define RX_BATCH 16           /* frames per recvmmsg, offered to the ring as one batch */
#define RX_ROUNDS 64          /* recvmmsg calls per wakeup before the stop request is looked at */
#define RX_RCVBUF (4 << 20)   /* requested socket receive buffer (the kernel doubles it): absorbs
                               * bursts of thousands of frames while the thread is not running;
                               * env MNETIF_RCVBUF (bytes) overrides it */
#define VLAN_TAG_LEN 4

/* A frame the buffer truncates is longer than any slot: it is counted oversize, never copied. */
_Static_assert(RX_BUFLEN - RX_HEADROOM >= MN_MAX_SLOTSZ, "receive buffer shorter than a slot");

struct soft_if {
	int used;
	struct mn_ifinfo info;
	int plugged;
};

/* The receive thread's buffers (allocated at attach, so a plug fails rather than a thread). */
struct rx_bufs {
	unsigned char buf[RX_BATCH][RX_BUFLEN];
	struct mmsghdr msg[RX_BATCH];
	struct iovec iov[RX_BATCH];
	union {                              /* PACKET_AUXDATA of each frame */
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[RX_BATCH];
	struct mn_frame f[RX_BATCH];
};

/* Per plugged entry. */
struct user_entry {
	int efd;              /* event channel */
	int sock;             /* AF_PACKET socket, -1 for software interfaces */
	int stopfd;           /* eventfd that stops the receive thread */
	pthread_t thread;
	uint32_t ifindex;
	struct rx_bufs *rx;
	/* Statistics (struct mn_user_stats), written by the receive thread only, read atomically. */
	uint64_t rx_seen;     /* frames read from the socket and offered to the ring */
	uint64_t drop_socket; /* PACKET_STATISTICS tp_drops: dropped by the kernel before we read them */
	uint32_t gone;        /* the interface was unregistered: the thread reads no more */
};

static pthread_mutex_t ctl = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t soft_mu = PTHREAD_MUTEX_INITIALIZER;
static struct soft_if soft[MAX_SOFT_IFS];
static uint32_t next_soft_index = MN_USER_IFINDEX_BASE;

const char *mn_version(void)
{
	return "mnetif 0.1";
}

void mn_os_ctl_lock(void)
{
	pthread_mutex_lock(&ctl);
}

void mn_os_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl);
}

static struct soft_if *soft_find(const char *name)
{
	int i;

	for (i = 0; i < MAX_SOFT_IFS; i++)
		if (soft[i].used && strncmp(soft[i].info.name, name, MN_IFNAMSIZ) == 0)
			return &soft[i];
	return NULL;
}

int mn_user_if_create(const char *name, const uint8_t mac[6])
{
	int i, ret = -ENOSPC;

	if (!name || !mac || !name[0] || strlen(name) >= MN_IFNAMSIZ)
		return -EINVAL;
	if (if_nametoindex(name))
		return -EEXIST;            /* a real interface has that name */
	pthread_mutex_lock(&soft_mu);
	if (soft_find(name)) {
		ret = -EEXIST;
		goto out;
	}
	for (i = 0; i < MAX_SOFT_IFS; i++) {
		if (soft[i].used)
			continue;
		memset(&soft[i], 0, sizeof(soft[i]));
		soft[i].used = 1;
		strncpy(soft[i].info.name, name, MN_IFNAMSIZ - 1);
		memcpy(soft[i].info.mac, mac, 6);
		soft[i].info.up = 1;
		soft[i].info.is_ether = 1;
		soft[i].info.index = next_soft_index++;
		ret = (int)soft[i].info.index;
		break;
	}
out:
	pthread_mutex_unlock(&soft_mu);
	return ret;
}

int mn_user_if_destroy(const char *name)
{
	struct soft_if *s;
	int ret = 0;

	if (!name)
		return -EINVAL;
	pthread_mutex_lock(&soft_mu);
	s = soft_find(name);
	if (!s)
		ret = -ENOENT;
	else if (s->plugged)
		ret = -EBUSY;
	else
		s->used = 0;
	pthread_mutex_unlock(&soft_mu);
	return ret;
}

int mn_user_inject(const char *name, const void *frame, size_t len)
{
	struct soft_if *s;
	uint32_t idx = 0;

	if (!name || (!frame && len))
		return -EINVAL;
	pthread_mutex_lock(&soft_mu);
	s = soft_find(name);
	if (s)
		idx = s->info.index;
	pthread_mutex_unlock(&soft_mu);
	if (!idx)
		return -ENODEV;
	return netif_ether_input(idx, frame, len);
}

static int real_ifinfo(const char *name, struct mn_ifinfo *out)
{
	struct ifreq ifr;
	unsigned idx = if_nametoindex(name);
	int fd, ret = 0;

	if (!idx)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	strncpy(out->name, name, MN_IFNAMSIZ - 1);
	out->index = idx;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
		out->is_ether = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
		memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
	} else {
		ret = -errno;
	}
	if (ret == 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		out->up = !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return ret;
}

int mn_os_ifinfo_by_name(const char *name, struct mn_ifinfo *out)
{
	struct soft_if *s;

	if (!name || !name[0] || strnlen(name, MN_IFNAMSIZ) >= MN_IFNAMSIZ)
		return -ENODEV;
	pthread_mutex_lock(&soft_mu);
	s = soft_find(name);
	if (s)
		*out = s->info;
	pthread_mutex_unlock(&soft_mu);
	return s ? 0 : real_ifinfo(name, out);
}

int mn_os_list_ifs(struct mn_ifinfo *out, int max)
{
	struct if_nameindex *ni, *p;
	int n = 0, i;

	pthread_mutex_lock(&soft_mu);
	for (i = 0; i < MAX_SOFT_IFS; i++) {
		if (!soft[i].used)
			continue;
		if (n < max)
			out[n] = soft[i].info;
		n++;
	}
	pthread_mutex_unlock(&soft_mu);
	ni = if_nameindex();
	if (!ni)
		return n;
	for (p = ni; p->if_index; p++) {
		struct mn_ifinfo info;

		if (real_ifinfo(p->if_name, &info) != 0 || !info.is_ether)
			continue;
		if (n < max)
			out[n] = info;
		n++;
	}
	if_freenameindex(ni);
	return n;
}

/*
 * AF_PACKET receive path: every frame the interface receives is either offered to the ring (where
 * it is published or counted in one drop counter) or counted in drop_socket, exactly:
 *
 *   frames + drop_full + drop_oversize + drop_busy + drop_error + drop_socket
 *       == frames the interface received while plugged          (once the counters are quiet)
 *
 *   - the socket is opened with protocol 0 (it receives nothing), configured, and only then bound
 *     to the interface with ETH_P_ALL, so no frame of another interface is ever queued on it;
 *   - tp_drops (frames the kernel dropped because the socket buffer was full) is read and reset
 *     with PACKET_STATISTICS after every wakeup: a drop happens only while frames are queued, so
 *     the read that follows them accounts it;
 *   - at unplug the thread re-binds the socket to protocol 0 (the kernel waits for its in-flight
 *     deliveries), reads every frame still queued into the ring (still LIVE: mn_os_detach runs
 *     before the entry turns DYING), then reads the last tp_drops. Frames after that re-bind
 *     arrived after the unplug.
 * The ring holds frames as the wire had them: a VLAN tag the stack moved out of the frame
 * (PACKET_AUXDATA says so) is put back in front of the EtherType, as tcpdump does.
 */
static void signal_event(struct user_entry *u)
{
	uint64_t one = 1;

	/* A full counter (EAGAIN) still leaves the fd readable: the wakeup is not lost. */
	if (write(u->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

static void account_socket_drops(struct user_entry *u)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* Reading resets the kernel's counts: each drop is added exactly once. */
	if (getsockopt(u->sock, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0 && st.tp_drops)
		__atomic_fetch_add(&u->drop_socket, st.tp_drops, __ATOMIC_RELAXED);
}

/* The frame recvmmsg wrote at buf + RX_HEADROOM, as the wire had it. msg_len is its full length
 * (MSG_TRUNC); a truncated frame is longer than any slot, so its bytes are never read. */
static void rx_frame(struct mmsghdr *m, unsigned char *buf, struct mn_frame *f)
{
	struct cmsghdr *c;
	size_t len = m->msg_len;

	f->data = buf + RX_HEADROOM;
	for (c = CMSG_FIRSTHDR(&m->msg_hdr); c; c = CMSG_NXTHDR(&m->msg_hdr, c)) {
		struct tpacket_auxdata aux;
		uint16_t tag[2];

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		/* VLAN_VALID with TCI 0 is a priority tag: it was on the wire too. */
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || len < 2 * ETH_ALEN)
			break;
		tag[0] = htons(aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid : ETH_P_8021Q);
		tag[1] = htons(aux.tp_vlan_tci);
		if (len <= RX_BUFLEN - RX_HEADROOM) {
			memmove(buf, buf + RX_HEADROOM, 2 * ETH_ALEN);
			memcpy(buf + 2 * ETH_ALEN, tag, VLAN_TAG_LEN);
		}
		f->data = buf;
		len += VLAN_TAG_LEN;
		break;
	}
	f->len = len;
}

/* Offers n frames to the ring as one batch (one producer-lock hold, one publication). */
static void rx_deliver(struct user_entry *u, const struct mn_frame *f, int n)
{
	/* The thread starts in mn_os_attach, just before mn_plug publishes the entry LIVE; until then
	 * input says -ENODEV. The thread is stopped before the entry turns DYING, so -ENODEV means
	 * "not yet": retry instead of losing the frames. */
	while (netif_ether_input_batch(u->ifindex, f, (uint32_t)n, NULL, NULL) == -ENODEV)
		sched_yield();
	__atomic_fetch_add(&u->rx_seen, (uint64_t)n, __ATOMIC_RELAXED);
}

/* One recvmmsg without blocking: the number of frames read and offered, 0 if none was queued,
 * or -errno (-ENETDOWN: the interface went down or away; the queued frames stay readable). */
static int rx_once(struct user_entry *u)
{
	struct rx_bufs *b = u->rx;
	int i, n;

	for (i = 0; i < RX_BATCH; i++)
		b->msg[i].msg_hdr.msg_controllen = sizeof(b->ctl[i]);
	n = recvmmsg(u->sock, b->msg, RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (i = 0; i < n; i++)
		rx_frame(&b->msg[i], b->buf[i], &b->f[i]);
	if (n > 0)
		rx_deliver(u, b->f, n);
	return n;
}

/* The socket is readable or has an error: read (a bounded number of rounds: the stop request must
 * be seen under a flood), account the socket's drops, and notice a vanished interface. */
static void rx_ready(struct user_entry *u)
{
	char name[IF_NAMESIZE];
	int n, rounds = 0, down = 0;

	do {
		n = rx_once(u);
		down |= n == -ENETDOWN;
	} while ((n == RX_BATCH || n == -ENETDOWN) && ++rounds < RX_ROUNDS);
	account_socket_drops(u);
	/* Unregistered (ip link del, moved to another namespace): the kernel unbound the socket, no
	 * frame will come. Tell a sleeping consumer; the entry stays plugged until its owner unplugs. */
	if (down && !if_indextoname(u->ifindex, name)) {
		__atomic_store_n(&u->gone, 1, __ATOMIC_RELEASE);
		signal_event(u);
	}
}

/* At unplug: stop the kernel queueing (bind to protocol 0 unhooks the socket and waits for the
 * deliveries in flight), read everything queued, account the last drops. */
static void rx_final(struct user_entry *u)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = 0,
				   .sll_ifindex = (int)u->ifindex };

	int n, errs = 0;

	if (!__atomic_load_n(&u->gone, __ATOMIC_ACQUIRE))
		(void)bind(u->sock, (struct sockaddr *)&sll, sizeof(sll));
	/* A pending socket error is reported once, before the frames still queued. */
	do
		n = rx_once(u);
	while (n > 0 || (n == -ENETDOWN && !errs++));
	account_socket_drops(u);
}

static void *rx_thread(void *arg)
{
	struct user_entry *u = arg;
	struct pollfd pf[2] = { { .fd = u->stopfd, .events = POLLIN }, { .fd = u->sock, .events = POLLIN } };

	for (;;) {
		int gone = __atomic_load_n(&u->gone, __ATOMIC_ACQUIRE);

		if (poll(pf, gone ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		if (!gone && pf[1].revents)
			rx_ready(u);
	}
	rx_final(u);
	return NULL;
}

static void rx_bufs_init(struct rx_bufs *b)
{
	int i;

	memset(b->msg, 0, sizeof(b->msg));
	for (i = 0; i < RX_BATCH; i++) {
		b->iov[i].iov_base = b->buf[i] + RX_HEADROOM;
		b->iov[i].iov_len = RX_BUFLEN - RX_HEADROOM;
		b->msg[i].msg_hdr.msg_iov = &b->iov[i];
		b->msg[i].msg_hdr.msg_iovlen = 1;
		b->msg[i].msg_hdr.msg_control = b->ctl[i].b;
	}
}

/* Protocol 0 first: the socket receives nothing until bind names the interface (a socket opened
 * with ETH_P_ALL would queue frames of EVERY interface until then). */
static int open_packet_socket(uint32_t ifindex)
{
	struct sockaddr_ll sll;
	const char *env = getenv("MNETIF_RCVBUF");
	int one = 1, rcvbuf = env && atoi(env) > 0 ? atoi(env) : RX_RCVBUF;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Receive path only: frames this host sends on the interface are not received frames. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		goto fail;
	/* Beyond net.core.rmem_max needs CAP_NET_ADMIN; without it, take what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

static void user_entry_free(struct user_entry *u)
{
	if (u->stopfd >= 0)
		close(u->stopfd);
	if (u->sock >= 0)
		close(u->sock);
	if (u->efd >= 0)
		close(u->efd);
	free(u->rx);
	free(u);
}

static void soft_set_plugged(const char *name, int plugged, struct soft_if **out)
{
	struct soft_if *s;

	pthread_mutex_lock(&soft_mu);
	s = soft_find(name);
	if (s)
		s->plugged = plugged;
	pthread_mutex_unlock(&soft_mu);
	if (out)
		*out = s;
}

int mn_os_attach(struct mn_entry *e, struct mn_plug_info *out)
{
	struct user_entry *u = calloc(1, sizeof(*u));
	struct soft_if *s;
	int err;

	if (!u)
		return -ENOMEM;
	u->sock = -1;
	u->stopfd = -1;
	u->ifindex = out->index;
	u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->efd < 0) {
		err = -errno;
		goto fail;
	}
	soft_set_plugged(e->name, 1, &s);
	if (!s) {
		err = -ENOMEM;
		u->rx = malloc(sizeof(*u->rx));
		if (!u->rx)
			goto fail;
		rx_bufs_init(u->rx);
		u->sock = open_packet_socket(out->index);
		if (u->sock < 0) {
			err = u->sock;
			goto fail;
		}
		u->stopfd = eventfd(0, EFD_CLOEXEC);
		if (u->stopfd < 0) {
			err = -errno;
			goto fail;
		}
		err = -pthread_create(&u->thread, NULL, rx_thread, u);
		if (err)
			goto fail;
	}
	e->os = u;
	out->event_fd = u->efd;
	return 0;
fail:
	user_entry_free(u);
	return err;
}

void mn_os_detach(struct mn_entry *e)
{
	struct user_entry *u = e->os;
	uint64_t one = 1;

	if (!u)
		return;
	if (u->sock >= 0) {
		if (write(u->stopfd, &one, sizeof(one)) != sizeof(one))
			abort();
		pthread_join(u->thread, NULL);
	}
	/* A last signal: a consumer sleeping on the event channel wakes and learns of the unplug. The
	 * fd is closed by mn_os_released; a waiter that may outlive mn_unplug dup()s it first. */
	signal_event(u);
}

void mn_os_released(struct mn_entry *e)
{
	struct user_entry *u = e->os;

	soft_set_plugged(e->name, 0, NULL);
	if (!u)
		return;
	user_entry_free(u);
	e->os = NULL;
}

void mn_os_notify(void *arg)
{
	struct mn_entry *e = arg;

	if (e->os)
		signal_event(e->os);
}

/* Under the control lock. */
static int entry_stats(const struct mn_entry *e, struct mn_user_stats *out)
{
	const struct user_entry *u;

	if (!e || !e->os)
		return -ENOENT;
	u = e->os;
	memset(out, 0, sizeof(*out));
	out->rx_seen = __atomic_load_n(&u->rx_seen, __ATOMIC_RELAXED);
	out->drop_socket = __atomic_load_n(&u->drop_socket, __ATOMIC_RELAXED);
	out->gone = __atomic_load_n(&u->gone, __ATOMIC_ACQUIRE);
	out->af_packet = u->sock >= 0;
	return 0;
}

int mn_user_stats(uint64_t gen, struct mn_user_stats *out)
{
	int err;

	if (!out)
		return -EINVAL;
	mn_os_ctl_lock();
	err = entry_stats(mn_registry_find_gen(gen), out);
	mn_os_ctl_unlock();
	return err;
}

int64_t mn_user_rx_seen(const char *name)
{
	struct mn_user_stats st;
	int err;

	if (!name)
		return -EINVAL;
	mn_os_ctl_lock();
	err = entry_stats(mn_registry_find(name), &st);
	mn_os_ctl_unlock();
	return err ? err : (int64_t)st.rx_seen;
}

int64_t mn_user_event_clear(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n == sizeof(v))
		return (int64_t)v;
	return errno == EAGAIN ? 0 : -errno;
}

int mn_user_event_wait(int fd, int timeout_ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	int n = poll(&pf, 1, timeout_ms);

	return n < 0 ? -errno : n > 0;
}

void *mn_user_ring_alloc(uint64_t len)
{
	void *p;

	if (len == 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void mn_user_ring_free(void *ring, uint64_t len)
{
	if (ring)
		munmap(ring, len);
}
