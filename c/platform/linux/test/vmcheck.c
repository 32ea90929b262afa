/* SPDX-License-Identifier: ISC */
#define _GNU_SOURCE
#include "vmcheck.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int failures;
uint8_t txmac[6], rxmac[6];
uint8_t fbuf[FR_MAX], gbuf[FR_MAX];
static int txs = -1;

int check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("CHECK %s: %s", name, ok ? "PASS" : "FAIL");
	if (fmt && *fmt) {
		printf(" (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")");
	}
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
	return ok;
}

int check_plug(int r, const char *name)
{
	char n[80];

	snprintf(n, sizeof(n), "%s-plug", name);
	return check(r == 0, n, "%s", r ? strerror(-r) : "plugged, mapped, attached");
}

int setup_links(void)
{
	if (txs >= 0)
		close(txs);
	txs = tx_open(TXIF);
	if (txs < 0 || if_mac(TXIF, txmac) || if_mac(RXIF, rxmac))
		return -1;
	return 0;
}

int send_seq(uint32_t seq, uint32_t len)
{
	fr_make(fbuf, seq, len, rxmac, txmac);
	return tx_send(txs, fbuf, len);
}

int send_raw(const void *frame, uint32_t len)
{
	return tx_send(txs, frame, len);
}

/* Receives the next frame and requires it to be exactly frame (seq, len). */
int expect_frame(struct kring *k, uint32_t seq, uint32_t len, char *why, size_t wn)
{
	uint32_t got = 0;
	int r = kring_next(k, 2000, gbuf, sizeof(gbuf), &got);

	if (r != 1) {
		snprintf(why, wn, "seq %u len %u: kring_next=%d", seq, len, r);
		return 0;
	}
	fr_make(fbuf, seq, len, rxmac, txmac);
	if (got != len || memcmp(gbuf, fbuf, len)) {
		snprintf(why, wn, "seq %u: sent %u bytes, got %u (%s)", seq, len, got,
			 got == len ? "content differs" : "length differs");
		return 0;
	}
	return 1;
}

int counters_eq(struct kring *k, struct mnetif_counters *c, const char *name, uint64_t frames,
		       uint32_t full, uint32_t over, uint32_t busy)
{
	struct mn_ring_hdr *h = k->mem;
	int r = kring_counters(k, c);

	return check(!r && c->frames == frames && c->drop_full == full && c->drop_oversize == over &&
		     c->drop_busy == busy && c->drop_error == 0 && c->error == 0 &&
		     mn_read_once(&h->sr_frames) == frames && mn_read_once(&h->sr_drop_full) == full &&
		     mn_read_once(&h->sr_drop_oversize) == over, name,
		     "want frames=%llu full=%u oversize=%u busy=%u; kernel frames=%llu full=%u "
		     "oversize=%u busy=%u error=%u drop_error=%u", (unsigned long long)frames, full, over,
		     busy, (unsigned long long)c->frames, c->drop_full, c->drop_oversize, c->drop_busy,
		     c->error, c->drop_error);
}

/* Frames of every interesting size, sent in batches that fit the ring, consumed byte-exact. */
pid_t spawn_sender_on(int cpu, uint32_t base, uint32_t count, uint32_t pause_every, uint32_t maxlen)
{
	pid_t pid = fork();
	uint64_t rnd = 12345 + base;
	uint32_t i;

	if (pid != 0)
		return pid;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (i = 0; count == 0 || i < count; i++) {
		if (send_seq(base + i, 20 + xrand(&rnd) % (maxlen - 20)) == -ENXIO)
			usleep(1000);   /* the interface is gone: keep going until killed */
		if (pause_every && i % pause_every == pause_every - 1)
			usleep(1000);
	}
	_exit(0);
}

pid_t spawn_sender(uint32_t count, uint32_t pause_every, uint32_t maxlen)
{
	return spawn_sender_on(-1, 0, count, pause_every, maxlen);
}

void reap(pid_t pid, int kill_it)
{
	if (kill_it)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The consumer sleeps in poll and is woken: every frame accounted for exactly once. */
