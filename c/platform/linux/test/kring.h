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
	uint32_t barrier_mode;   /* MNETIF_PLUG_BARRIER: the MNETIF_IOC_BARRIER mode of prepare_wait */
	uint64_t sleeps;         /* kring_next's poll() calls: prepare_wait said the ring stayed empty */
};

/* Opens /dev/mnetif, plugs ifname and maps the ring. buflen 0 = the default 33 pages. flags
 * MNETIF_PLUG_BARRIER (v3): the consumer's prepare_wait issues MNETIF_IOC_BARRIER (k->barrier_mode,
 * 0 = the IPI) through mn_cons_set_barrier, and the kernel producer may use the light barrier.
 * Returns 0 or -errno (k->fd is -1 on failure). k must not move while open (the hook points at it). */
int kring_open(struct kring *k, const char *ifname, uint32_t proto, uint32_t nslots,
	       uint32_t slotsize, uint64_t buflen, uint32_t flags);
/* Next frame copied to buf (at most cap bytes): 1, 0 on timeout, -ENODEV after POLLHUP with the
 * ring empty, -EIO corrupt header, -EBUSY frame copied but the v1 lock stayed busy until the
 * deadline (not released), other -errno. timeout_ms < 0 waits forever. */
int kring_next(struct kring *k, int timeout_ms, void *buf, uint32_t cap, uint32_t *len);
int kring_clear(struct kring *k);
int kring_barrier(void *k);           /* the heavy barrier: ioctl MNETIF_IOC_BARRIER; 0 or -errno */     /* read(): clears the event channel; 1 was pending, 0 none */
int kring_counters(struct kring *k, struct mnetif_counters *out);
int kring_unplug(struct kring *k);
void kring_close(struct kring *k);

#endif
