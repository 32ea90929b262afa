/* SPDX-License-Identifier: ISC */
/* A consumer of /dev/mnetif: plug, mmap, and the ordinary mn_cons_* loop with poll() as the event
 * channel. Used by the VM test and the VM benchmark (static binaries, no Python in the VM). */
#ifndef MNETIF_KRING_H
#define MNETIF_KRING_H

#include <stdint.h>
#include "mnetif/ring.h"
#include "mnetif/uapi.h"

struct kring {
	int fd;
	void *mem;
	uint64_t len;
	struct mn_cons c;
	struct mnetif_plug plug;
	int hup;                 /* poll reported POLLHUP: the interface was unregistered */
};

/* Opens /dev/mnetif, plugs ifname and maps the ring. buflen 0 = the default 33 pages.
 * Returns 0 or -errno (k->fd is -1 on failure). */
int kring_open(struct kring *k, const char *ifname, uint32_t proto, uint32_t nslots,
	       uint32_t slotsize, uint64_t buflen, uint32_t flags);
/* Next frame copied to buf (at most cap bytes): 1, 0 on timeout, -ENODEV after POLLHUP with the
 * ring empty, -EIO corrupt header, -EBUSY frame copied but the v1 lock stayed busy until the
 * deadline (not released), other -errno. timeout_ms < 0 waits forever. */
int kring_next(struct kring *k, int timeout_ms, void *buf, uint32_t cap, uint32_t *len);
int kring_clear(struct kring *k);     /* read(): clears the event channel; 1 was pending, 0 none */
int kring_counters(struct kring *k, struct mnetif_counters *out);
int kring_unplug(struct kring *k);
void kring_close(struct kring *k);

#endif
