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
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOFT_IFS 64
#define RX_BUFLEN 65536
#define RX_BATCH 16           /* frames per receive poll (recvmmsg) */

struct soft_if {
	int used;
	struct mn_ifinfo info;
	int plugged;
};

/* Per plugged entry. */
struct user_entry {
	int efd;              /* event channel */
	int sock;             /* AF_PACKET socket, -1 for software interfaces */
	int stopfd;           /* eventfd that stops the receive thread */
	pthread_t thread;
	uint32_t ifindex;
	int64_t rx_seen;      /* frames received by the thread (atomic) */
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

/* One receive poll: up to RX_BATCH frames with one recvmmsg and one netif_ether_input_batch
 * (one producer-lock hold, one publication, at most one signal). */
static void *rx_thread(void *arg)
{
	struct user_entry *u = arg;
	unsigned char *buf = malloc((size_t)RX_BATCH * RX_BUFLEN);
	struct pollfd pf[2] = { { .fd = u->sock, .events = POLLIN }, { .fd = u->stopfd, .events = POLLIN } };
	struct mmsghdr msg[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct mn_frame f[RX_BATCH];
	int i;

	if (!buf)
		return NULL;
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < RX_BATCH; i++) {
		iov[i].iov_base = buf + (size_t)i * RX_BUFLEN;
		iov[i].iov_len = RX_BUFLEN;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		f[i].data = iov[i].iov_base;
	}
	for (;;) {
		int n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		/* MSG_TRUNC: msg_len is the frame's real length, so an oversize frame is counted, not
		 * cut. */
		n = recvmmsg(u->sock, msg, RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			continue;
		__atomic_fetch_add(&u->rx_seen, n, __ATOMIC_RELAXED);
		for (i = 0; i < n; i++)
			/* Longer than the buffer: still larger than any slot, dropped as oversize. */
			f[i].len = msg[i].msg_len > RX_BUFLEN ? 0xffffffffu : msg[i].msg_len;
		netif_ether_input_batch(u->ifindex, f, (uint32_t)n, NULL, NULL);
	}
	free(buf);
	return NULL;
}

static int open_packet_socket(uint32_t ifindex)
{
	struct sockaddr_ll sll;
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	/* Receive path only: frames this host sends on the interface are not received frames. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
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
	pthread_mutex_lock(&soft_mu);
	s = soft_find(e->name);
	if (s)
		s->plugged = 1;
	pthread_mutex_unlock(&soft_mu);
	if (!s) {
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
	if (u->stopfd >= 0)
		close(u->stopfd);
	if (u->sock >= 0)
		close(u->sock);
	if (u->efd >= 0)
		close(u->efd);
	free(u);
	return err;
}

void mn_os_detach(struct mn_entry *e)
{
	struct user_entry *u = e->os;
	uint64_t one = 1;

	if (u && u->sock >= 0) {
		if (write(u->stopfd, &one, sizeof(one)) != sizeof(one))
			abort();
		pthread_join(u->thread, NULL);
	}
}

void mn_os_released(struct mn_entry *e)
{
	struct user_entry *u = e->os;
	struct soft_if *s;

	pthread_mutex_lock(&soft_mu);
	s = soft_find(e->name);
	if (s)
		s->plugged = 0;
	pthread_mutex_unlock(&soft_mu);
	if (!u)
		return;
	if (u->sock >= 0) {
		close(u->sock);
		close(u->stopfd);
	}
	close(u->efd);
	free(u);
	e->os = NULL;
}

void mn_os_notify(void *arg)
{
	struct mn_entry *e = arg;
	struct user_entry *u = e->os;
	uint64_t one = 1;

	/* A full counter (EAGAIN) still leaves the fd readable: the wakeup is not lost. */
	if (u && write(u->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

int64_t mn_user_rx_seen(const char *name)
{
	struct mn_entry *e;
	int64_t n = -ENOENT;

	mn_os_ctl_lock();
	e = mn_registry_find(name);
	if (e && e->os)
		n = __atomic_load_n(&((struct user_entry *)e->os)->rx_seen, __ATOMIC_RELAXED);
	mn_os_ctl_unlock();
	return n;
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
