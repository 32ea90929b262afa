/* SPDX-License-Identifier: ISC */
/* Frames of known content, an AF_PACKET sender and small interface helpers for the VM test. */
#ifndef MNETIF_FRAMES_H
#define MNETIF_FRAMES_H

#include <stdint.h>

#define FR_ETHERTYPE 0x88b5u     /* IEEE local experimental: the host stack ignores it */
#define FR_MAX 9100u

/* Frame seq of len bytes (>= 14): dst, src, FR_ETHERTYPE, then (len >= 20) seq and len, then bytes
 * of a pattern derived from seq. Every byte is a function of (seq, len, macs). */
void fr_make(uint8_t *buf, uint32_t seq, uint32_t len, const uint8_t dst[6], const uint8_t src[6]);
/* 1 if buf/len is exactly fr_make(seq, len) for the seq and len it carries (len >= 20). */
int fr_valid(const uint8_t *buf, uint32_t len, const uint8_t dst[6], const uint8_t src[6]);
uint32_t fr_seq(const uint8_t *buf, uint32_t len);

/* AF_PACKET raw socket bound to ifname for sending (receives nothing). -errno on failure. */
int tx_open(const char *ifname);
int tx_send(int s, const void *frame, uint32_t len);     /* 0 or -errno */

int if_index(const char *ifname);
int if_mac(const char *ifname, uint8_t mac[6]);
/* A /sys/class/net/<if>/statistics counter, -1 if unreadable. */
long long if_stat(const char *ifname, const char *counter);
/* Frames the backlog dropped (sum of /proc/net/softnet_stat column 2). */
long long softnet_drops(void);

uint64_t xrand(uint64_t *s);     /* xorshift64* */
double now_s(void);

#endif
