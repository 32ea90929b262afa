/* SPDX-License-Identifier: ISC */
/*
 * Userspace platform, transmit path: one thread per open port consumes a transmit ring with
 * mn_tx_drain and puts the frames on an AF_PACKET socket (real interfaces) or on the software
 * wire of mn_user_if_link (software interfaces). Contract: mnetif/user_tx.h; ring roles: tx.h.
 */
#define _GNU_SOURCE
#include "mnetif/user_tx.h"
#include "mnetif/user.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOFT_MTU 1500u
#define MAX_LINKS 64
/* Frames per drain call before the thread re-checks its stop signal (and publishes counters). */
#define TX_BUDGET 1024u

enum { PORT_FREE = 0, PORT_OPEN, PORT_CLOSING };

struct tx_port {
	int state;               /* (ports_mu) PORT_*; a closing port still owns its ring */
	pthread_t thread;
	struct mn_tx tx;         /* (thread) the consumer; only the transmit thread touches it */
	void *ring;
	uint64_t len;
	int kick, stopfd, sock;  /* sock: AF_PACKET, -1 for a software interface */
	uint32_t ifindex;
	pthread_mutex_t mu;      /* guards snap */
	struct mn_tx_counters snap;
	struct mmsghdr msg[MN_TX_BATCH];
	struct iovec iov[MN_TX_BATCH];
	struct mn_frame wire[MN_TX_BATCH];
};

static pthread_mutex_t ports_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tx_port ports[MN_USER_TX_MAX];

/* Software wires: unordered pairs of ifindexes (a == b: loopback). */
static pthread_mutex_t links_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { uint32_t a, b; } links[MAX_LINKS];
static int nlinks;

static int is_soft(uint32_t ifindex)
{
	return ifindex >= MN_USER_IFINDEX_BASE;
}

static int soft_index(const char *name, uint32_t *out)
{
	struct mn_ifinfo info;

	if (!name || mn_os_ifinfo_by_name(name, &info) || !is_soft(info.index))
		return -ENODEV;
	*out = info.index;
	return 0;
}

int mn_user_if_link(const char *a, const char *b)
{
	uint32_t ia, ib;
	int err = soft_index(a, &ia) ? -ENODEV : soft_index(b, &ib);

	if (err)
		return err;
	pthread_mutex_lock(&links_mu);
	if (nlinks == MAX_LINKS) {
		err = -ENOSPC;
	} else {
		links[nlinks].a = ia;
		links[nlinks].b = ib;
		nlinks++;
	}
	pthread_mutex_unlock(&links_mu);
	return err;
}

/* The other end of the software wire of ifindex, 0 if none (the first link made counts). */
static uint32_t soft_peer(uint32_t ifindex)
{
	uint32_t peer = 0;
	int i;

	pthread_mutex_lock(&links_mu);
	for (i = 0; i < nlinks && !peer; i++)
		peer = links[i].a == ifindex ? links[i].b : links[i].b == ifindex ? links[i].a : 0;
	pthread_mutex_unlock(&links_mu);
	return peer;
}

/* mn_xmit_fn of a software interface: onto the wire, i.e. into the peer's receive path. */
static uint32_t xmit_soft(void *arg, const struct mn_slot *f, uint32_t n)
{
	struct tx_port *p = arg;
	uint32_t peer = soft_peer(p->ifindex), i;

	if (!peer)
		return 0;                /* no carrier */
	for (i = 0; i < n; i++) {
		p->wire[i].data = f[i].data;
		p->wire[i].len = f[i].len;
	}
	/* The wire took them; the peer's ring counts its own drops (or nobody listens: -ENODEV). */
	(void)netif_ether_input_batch(peer, p->wire, n, NULL, NULL);
	return n;
}

/* mn_xmit_fn of a real interface: one sendmmsg per batch; a frame the socket refuses is skipped
 * (and counted by the caller), the rest of the batch still goes out. */
static uint32_t xmit_packet(void *arg, const struct mn_slot *f, uint32_t n)
{
	struct tx_port *p = arg;
	uint32_t i, sent = 0;

	for (i = 0; i < n; i++) {
		p->iov[i].iov_base = (void *)f[i].data;
		p->iov[i].iov_len = f[i].len;
		memset(&p->msg[i], 0, sizeof(p->msg[i]));
		p->msg[i].msg_hdr.msg_iov = &p->iov[i];
		p->msg[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < n;) {
		int r = sendmmsg(p->sock, &p->msg[i], n - i, 0);

		if (r > 0) {
			i += (uint32_t)r;
			sent += (uint32_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			i++;             /* refused (ENOBUFS, ENETDOWN, EMSGSIZE, ...): dropped */
		}
	}
	return sent;
}

static void publish(struct tx_port *p)
{
	pthread_mutex_lock(&p->mu);
	p->snap = p->tx.ctr;
	pthread_mutex_unlock(&p->mu);
}

static void clear_kick(int fd)
{
	uint64_t v;

	/* Non-blocking eventfd: EAGAIN = no kick pending. */
	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

/* Roles of ring.h's event channel swapped: this thread is the consumer. It clears the kick BEFORE
 * each drain (a kick after the clear stays pending) and sleeps only after a drain ended armed. */
static void *tx_thread(void *arg)
{
	struct tx_port *p = arg;
	struct pollfd pf[2] = { { .fd = p->kick, .events = POLLIN }, { .fd = p->stopfd, .events = POLLIN } };
	mn_xmit_fn xmit = p->sock >= 0 ? xmit_packet : xmit_soft;

	for (;;) {
		int r;

		clear_kick(p->kick);
		r = mn_tx_drain(&p->tx, xmit, p, TX_BUDGET);
		publish(p);
		if (r >= 0 && !p->tx.armed) {
			/* Budget spent with frames left: go on unless asked to stop. */
			if (poll(&pf[1], 1, 0) > 0)
				break;
			continue;
		}
		/* Armed on an empty ring, or a corrupt index (re-checked at the next kick). */
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
	}
	/* Close: what the producer pushed before mn_user_tx_close still goes out. */
	(void)mn_tx_drain(&p->tx, xmit, p, p->tx.c.g.size);
	publish(p);
	return NULL;
}

static int open_tx_socket(uint32_t ifindex)
{
	struct sockaddr_ll sll;
	/* Protocol 0: the socket receives nothing; it only sends. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int if_mtu(const char *name, uint32_t *mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		err = -errno;
	else
		*mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return err;
}

static void port_close_fds(struct tx_port *p)
{
	if (p->sock >= 0)
		close(p->sock);
	if (p->stopfd >= 0)
		close(p->stopfd);
	if (p->kick >= 0)
		close(p->kick);
	p->sock = p->stopfd = p->kick = -1;
}

/* Under ports_mu: a free slot, or -EBUSY when ring overlaps an open port's ring, -ENOSPC. */
static int port_slot(const void *ring, uint64_t len)
{
	const unsigned char *r = ring;
	int i, free_slot = -ENOSPC;

	for (i = 0; i < MN_USER_TX_MAX; i++) {
		const unsigned char *o = ports[i].ring;

		if (ports[i].state == PORT_FREE) {
			if (free_slot < 0)
				free_slot = i;
		} else if (o < r + len && r < o + ports[i].len) {
			return -EBUSY;
		}
	}
	return free_slot;
}

int mn_user_tx_open(const char *name, void *ring, uint64_t len, struct mn_user_tx_info *out)
{
	struct mn_ifinfo info;
	struct tx_port *p;
	uint32_t mtu = SOFT_MTU;
	int h, err;

	if (!name || !ring || !out)
		return -EINVAL;
	err = mn_os_ifinfo_by_name(name, &info);
	if (err)
		return err;
	if (!info.is_ether)
		return -ENODEV;
	if (!is_soft(info.index) && (err = if_mtu(name, &mtu)))
		return err;
	pthread_mutex_lock(&ports_mu);
	h = port_slot(ring, len);
	if (h < 0) {
		err = h;
		goto out;
	}
	p = &ports[h];
	memset(p, 0, sizeof(*p));
	p->sock = p->stopfd = p->kick = -1;
	err = mn_tx_attach(&p->tx, ring, len, MN_ETH_HLEN, mtu + MN_ETH_HLEN + MN_VLAN_HLEN);
	if (err)
		goto out;
	p->ring = ring;
	p->len = len;
	p->ifindex = info.index;
	p->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->stopfd = eventfd(0, EFD_CLOEXEC);
	if (p->kick < 0 || p->stopfd < 0) {
		err = -errno;
		goto fail;
	}
	if (!is_soft(info.index) && (p->sock = open_tx_socket(info.index)) < 0) {
		err = p->sock;
		goto fail;
	}
	pthread_mutex_init(&p->mu, NULL);
	err = -pthread_create(&p->thread, NULL, tx_thread, p);
	if (err) {
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	p->state = PORT_OPEN;
	out->kick_fd = p->kick;
	out->ifindex = info.index;
	out->mtu = mtu;
	memcpy(out->mac, info.mac, 6);
	err = h;
	goto out;
fail:
	port_close_fds(p);
out:
	pthread_mutex_unlock(&ports_mu);
	return err;
}

static struct tx_port *port_get(int h)
{
	return h >= 0 && h < MN_USER_TX_MAX && ports[h].state == PORT_OPEN ? &ports[h] : NULL;
}

int mn_user_tx_close(int h, struct mn_tx_counters *last)
{
	struct tx_port *p;
	uint64_t one = 1;

	pthread_mutex_lock(&ports_mu);
	p = port_get(h);
	if (!p) {
		pthread_mutex_unlock(&ports_mu);
		return -EBADF;
	}
	p->state = PORT_CLOSING; /* no second close, no counters from now on */
	pthread_mutex_unlock(&ports_mu);
	while (write(p->stopfd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(p->thread, NULL);
	if (last)
		*last = p->snap;
	pthread_mutex_destroy(&p->mu);
	port_close_fds(p);
	pthread_mutex_lock(&ports_mu);
	p->state = PORT_FREE;    /* the slot and the ring are free only now */
	pthread_mutex_unlock(&ports_mu);
	return 0;
}

int mn_user_tx_counters(int h, struct mn_tx_counters *out)
{
	struct tx_port *p;
	int err = 0;

	pthread_mutex_lock(&ports_mu);
	p = port_get(h);
	if (!p) {
		err = -EBADF;
	} else {
		pthread_mutex_lock(&p->mu);
		*out = p->snap;
		pthread_mutex_unlock(&p->mu);
	}
	pthread_mutex_unlock(&ports_mu);
	return err;
}

void mn_user_tx_kick(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint64_t one = 1;

	/* EAGAIN (counter full) still leaves the eventfd readable: the kick is not lost. */
	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}
