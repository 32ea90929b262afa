/* SPDX-License-Identifier: ISC */
/*
 * libmnetif.so: the userspace platform's transmit path (c/platform/user/user_tx.c). Contract of the
 * ring and of the drain loop: mnetif/tx.h.
 *
 * mn_user_tx_open(name, ring, len, &info) makes the platform the consumer of a transmit ring the
 * caller laid out (mn_ring_init, v2) and keeps producing into (mn_prod_attach with notify = a write
 * of 1 to info.kick_fd, see mn_user_tx_kick). One transmit thread per open port sleeps in poll() on
 * the kick eventfd, clears it, drains the ring with mn_tx_drain and sleeps again once sr_wake is
 * armed on an empty ring. Frames go to:
 *   - a real interface (veth, tap, eth0): an AF_PACKET socket bound to it, one sendmmsg() per batch
 *     (needs CAP_NET_RAW). A frame the socket refuses (ENOBUFS, ENETDOWN, ...) is counted drop_xmit.
 *   - a software interface (mn_user_if_create): the interface linked to it with mn_user_if_link,
 *     through the same netif_ether_input path as any received frame (a wire between two software
 *     interfaces, for tests without root); unlinked, every frame is counted drop_xmit.
 * Frame limits: min_len = 14 (an Ethernet header), max_len = MTU + 14 + 4 (one VLAN tag); the MTU
 * is read at open (software interfaces: 1500).
 * One producer per ring: the caller serialises its pushes (ring.h: single writer).
 * Errors are 0 / -errno: -ENODEV unknown interface, -EINVAL bad ring (geometry) or arguments,
 * -EPROTONOSUPPORT not a v2 ring, -EBUSY the ring is already open, -ENOSPC too many ports,
 * -EBADF unknown handle.
 */
#ifndef MNETIF_USER_TX_H
#define MNETIF_USER_TX_H

#include "tx.h"
#include "user.h"

#define MN_USER_TX_MAX 64        /* open transmit ports per process */

struct mn_user_tx_info {
	int kick_fd;             /* eventfd: the producer's notify writes 1 to it (non-blocking) */
	uint32_t ifindex;
	uint32_t mtu;            /* bytes after the Ethernet header */
	uint8_t mac[6];
};

/* A handle >= 0, or -errno. */
int mn_user_tx_open(const char *name, void *ring, uint64_t len, struct mn_user_tx_info *out);
/* Stops the thread after a last drain (frames pushed before the call are sent), closes the socket
 * and the kick eventfd; the ring goes back to its owner. last (may be NULL) gets the final
 * counters. 0 or -EBADF. */
int mn_user_tx_close(int handle, struct mn_tx_counters *last);
/* A consistent copy of the consumer's counters (as of the last completed drain). */
int mn_user_tx_counters(int handle, struct mn_tx_counters *out);
/* The producer's notify callback for mn_prod_attach: arg is (intptr_t) kick_fd. */
void mn_user_tx_kick(void *arg);
/* Software interfaces a and b are wired to each other (each one's frames arrive at the other);
 * a and b may be the same interface (loopback). 0, -ENODEV (not a software interface), -ENOSPC. */
int mn_user_if_link(const char *a, const char *b);

#endif /* MNETIF_USER_TX_H */
