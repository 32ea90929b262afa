/* SPDX-License-Identifier: ISC */
/* Shared pieces of the VM test: the check reporter, the veth pair, sending and expecting frames. */
#ifndef MNETIF_VMCHECK_H
#define MNETIF_VMCHECK_H

#include <stddef.h>
#include <sys/types.h>

#include "frames.h"
#include "kring.h"

#define TXIF "mna"     /* the AF_PACKET sender's end of the veth pair */
#define RXIF "mnb"     /* the plugged end */

extern int failures;
extern uint8_t txmac[6], rxmac[6];
extern uint8_t fbuf[FR_MAX], gbuf[FR_MAX];

/* Prints "CHECK name: PASS|FAIL (details)"; counts failures; returns ok. */
int check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "CHECK <name>-plug": kring_open's result r. */
int check_plug(int r, const char *name);
int setup_links(void);                                  /* 0 or -1: MACs and the send socket */
int send_seq(uint32_t seq, uint32_t len);               /* frame (seq, len) on TXIF */
int send_raw(const void *frame, uint32_t len);          /* any frame on TXIF: 0 or -errno */
/* Receives the next frame and requires it to be exactly frame (seq, len); else fills why. */
int expect_frame(struct kring *k, uint32_t seq, uint32_t len, char *why, size_t wn);
/* The kernel's private counters AND the header's copies equal the expected values. */
int counters_eq(struct kring *k, struct mnetif_counters *c, const char *name, uint64_t frames,
		uint32_t full, uint32_t over, uint32_t busy);
/* A child sending frames of random sizes 20..maxlen: count of them (0 = until killed), sleeping
 * 1 ms every pause_every frames (0 = never). */
pid_t spawn_sender(uint32_t count, uint32_t pause_every, uint32_t maxlen);
/* The same, pinned to cpu (-1: anywhere), sequence numbers from base. */
pid_t spawn_sender_on(int cpu, uint32_t base, uint32_t count, uint32_t pause_every, uint32_t maxlen);
void reap(pid_t pid, int kill_it);

/* vmtest_abuse.c */
void t_unplug_flow(void);
void t_ifdel(void);
void t_killlock(void);
void t_scribble(uint32_t proto, uint32_t rounds);
void t_replug_scribble(uint32_t proto, uint32_t rounds);

/* vmtest_light.c: v3's light kernel producer */
void t_light_plug(void);
void t_wakeup_stress(uint32_t flags, uint32_t mode, uint32_t n, uint32_t pause_us, const char *name);

#endif
