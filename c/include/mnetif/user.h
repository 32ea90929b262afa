/* SPDX-License-Identifier: ISC */
/*
 * libmnetif.so: the userspace platform of the registry.
 *
 * Interfaces come in two kinds, both feeding the SAME netif_ether_input() path:
 *   - software interfaces (mn_user_if_create): a name, a MAC and an index the library assigns
 *     (>= MN_USER_IFINDEX_BASE, so they never collide with the kernel's); frames are injected with
 *     mn_user_inject(). Deterministic: for tests and the model.
 *   - real Linux interfaces (veth, tap, eth0): plugging one opens an AF_PACKET socket bound to it and
 *     starts a receive thread that calls netif_ether_input() for every frame (needs CAP_NET_RAW).
 * Event channel: an eventfd per plugged ring (mn_plug_info.event_fd, non-blocking, usable with
 * select/poll/epoll, Python selectors, Lwt_unix). The producer writes 1 to it when the consumer
 * armed sr_wake; the consumer reads it (mn_user_event_clear) before re-checking the ring.
 * mn_unplug() signals the eventfd once more (a consumer sleeping on it wakes), then closes it: a
 * thread that may still wait on it after the unplug must wait on its own dup() of the fd.
 */
#ifndef MNETIF_USER_H
#define MNETIF_USER_H

#include "registry.h"

#define MN_USER_IFINDEX_BASE 0x40000000u

int mn_user_if_create(const char *name, const uint8_t mac[6]);   /* ifindex or -errno */
int mn_user_if_destroy(const char *name);                          /* 0, -ENOENT, -EBUSY (plugged) */
int mn_user_inject(const char *name, const void *frame, size_t len);
/* Page-aligned, zeroed ring memory (mmap); free with mn_user_ring_free. NULL on failure. */
void *mn_user_ring_alloc(uint64_t len);
void mn_user_ring_free(void *ring, uint64_t len);
/*
 * What the platform saw of one plug (a generation, mn_plug_info.gen). For a real interface:
 *   frames + drop_full + drop_oversize + drop_busy + drop_error  (mn_plug_counters_gen)
 *     == rx_seen                              every frame read was published or counted, and
 *   rx_seen + drop_socket == frames the interface received while plugged
 * exactly, once the counters are quiet (the receive thread reads tp_drops after every wakeup and
 * at unplug). Software interfaces: af_packet = 0, rx_seen = drop_socket = 0 (the injector sees each
 * frame's fate in mn_user_inject's return value).
 */
struct mn_user_stats {
	uint64_t rx_seen;        /* frames read from the AF_PACKET socket and offered to the ring */
	uint64_t drop_socket;    /* frames the kernel dropped before the platform could read them
	                          * (socket receive buffer full: PACKET_STATISTICS tp_drops) */
	uint32_t gone;           /* 1: the interface was unregistered while plugged; nothing more comes */
	uint32_t af_packet;      /* 1: a real interface (AF_PACKET), 0: a software interface */
};
int mn_user_stats(uint64_t gen, struct mn_user_stats *out);          /* 0, -ENOENT (not plugged) */
/* rx_seen of the plug a name resolves to (the newest), or -ENOENT. */
int64_t mn_user_rx_seen(const char *name);
/* Drain the eventfd: returns the number of signals since the last call, 0 if none, -errno. */
int64_t mn_user_event_clear(int fd);
/* Block until fd is readable or timeout_ms passes (-1 = forever): 1 readable, 0 timeout, -errno. */
int mn_user_event_wait(int fd, int timeout_ms);
/* The library's version string. */
const char *mn_version(void);

#endif
