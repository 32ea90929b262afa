/* SPDX-License-Identifier: ISC */
#include "kring.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int kring_open(struct kring *k, const char *ifname, uint32_t proto, uint32_t nslots,
	       uint32_t slotsize, uint64_t buflen, uint32_t flags)
{
	int err;

	memset(k, 0, sizeof(*k));
	k->fd = open(MNETIF_DEVICE, O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	strncpy(k->plug.name, ifname, sizeof(k->plug.name) - 1);
	k->plug.proto = proto;
	k->plug.nslots = nslots;
	k->plug.slotsize = slotsize;
	k->plug.buflen = buflen;
	k->plug.flags = flags;
	if (ioctl(k->fd, MNETIF_IOC_PLUG, &k->plug) < 0) {
		err = -errno;
		goto fail;
	}
	k->len = k->plug.mmap_len;
	k->mem = mmap(NULL, k->len, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd, 0);
	if (k->mem == MAP_FAILED) {
		err = -errno;
		k->mem = NULL;
		goto fail;
	}
	err = mn_cons_attach(&k->c, k->mem, k->len);
	if (err)
		goto fail;
	/* The consumer's side of the opt-in (uapi.h): the producer reads sr_wake after a compiler
	 * barrier only, so our wait must fence it from here (membarrier cannot reach a softirq). */
	if (flags & MNETIF_PLUG_BARRIER)
		mn_cons_set_barrier(&k->c, kring_barrier, k);
	return 0;
fail:
	kring_close(k);
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kring_next(struct kring *k, int timeout_ms, void *buf, uint32_t cap, uint32_t *len)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct mn_slot s;
	int r;

	for (;;) {
		r = mn_cons_peek(&k->c, &s);
		if (r < 0)
			return r;
		if (r == 1) {
			*len = s.len;
			memcpy(buf, s.data, s.len < cap ? s.len : cap);
			/* v1: the producer holds the lock for one bounded push, but its vCPU may be
			 * descheduled meanwhile: retry until the deadline, then say -EBUSY (the frame
			 * stays unreleased; a dead holder is the caller's business). */
			while ((r = mn_cons_release(&k->c)) == -EBUSY &&
			       (deadline < 0 || now_ms() < deadline))
				sched_yield();
			return r ? r : 1;
		}
		if (k->hup)
			return -ENODEV;
		/* Final check: sleep only if the ring is still empty with sr_wake armed. */
		if (!mn_cons_prepare_wait(&k->c))
			continue;
		k->sleeps++;
		{
			struct pollfd pf = { .fd = k->fd, .events = POLLIN };
			int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());

			if (deadline >= 0 && wait <= 0)
				return 0;
			r = poll(&pf, 1, wait);
			if (r < 0 && errno != EINTR)
				return -errno;
			if (r > 0 && (pf.revents & (POLLHUP | POLLERR)))
				k->hup = 1;
			/* Clear BEFORE the re-check (uapi.h): the poll above left the signal pending. */
			if (r > 0 && (pf.revents & POLLIN) && kring_clear(k) < 0)
				return -errno;
		}
	}
}

/* 1 if a signal was pending (now cleared), 0 if none; -1 with errno otherwise. */
int kring_clear(struct kring *k)
{
	uint64_t n;

	if (read(k->fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		return 1;
	return errno == EAGAIN ? 0 : -1;
}

int kring_barrier(void *arg)
{
	struct kring *k = arg;

	return ioctl(k->fd, MNETIF_IOC_BARRIER, (unsigned long)k->barrier_mode) < 0 ? -errno : 0;
}

int kring_counters(struct kring *k, struct mnetif_counters *out)
{
	return ioctl(k->fd, MNETIF_IOC_COUNTERS, out) < 0 ? -errno : 0;
}

int kring_unplug(struct kring *k)
{
	return ioctl(k->fd, MNETIF_IOC_UNPLUG) < 0 ? -errno : 0;
}

void kring_close(struct kring *k)
{
	if (k->mem)
		munmap(k->mem, k->len);
	if (k->fd >= 0)
		close(k->fd);
	k->mem = NULL;
	k->fd = -1;
}
