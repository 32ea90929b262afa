/* SPDX-License-Identifier: ISC */
/* Small helpers shared by the benchmark programs: clocks, CPU pinning, frame stamps, sorting. */
#ifndef MNETIF_BENCH_UTIL_H
#define MNETIF_BENCH_UTIL_H

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define BENCH_DIE(...) do { fprintf(stderr, "bench: " __VA_ARGS__); fputc('\n', stderr); exit(2); } while (0)

/* The first two CPUs this process may run on: producer on cpus[0], consumer on cpus[1]. Returns 1
 * if there are two (threads get pinned, cross-core), 0 if not (threads float). */
static inline int bench_pick_cpus(int cpus[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n == 2;
}

static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		BENCH_DIE("cannot pin a thread to cpu %d", cpu);
}

/* A frame carries its sequence number in its first 8 bytes and (seq ^ FRAME_TAIL_KEY) in its last
 * 8; the bytes between are a fixed pattern. Frames are >= 16 bytes. */
#define FRAME_TAIL_KEY 0x5a5aa5a5c3c33c3cull

static inline uint8_t frame_pattern(uint32_t i)
{
	return (uint8_t)(i * 131u + 7u);
}

static inline void frame_fill(unsigned char *f, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		f[i] = frame_pattern(i);
}

static inline void frame_stamp(unsigned char *f, uint32_t len, uint64_t seq)
{
	uint64_t tail = seq ^ FRAME_TAIL_KEY;

	memcpy(f, &seq, 8);
	memcpy(f + len - 8, &tail, 8);
}

/* 1 if f is frame seq of length len: both stamps always, the middle bytes too when all != 0
 * (against ref, a frame_fill()ed buffer of the same length). */
static inline int frame_ok(const unsigned char *f, uint32_t len, uint64_t seq, const unsigned char *ref,
			   int all)
{
	uint64_t head, tail;

	memcpy(&head, f, 8);
	memcpy(&tail, f + len - 8, 8);
	if (head != seq || tail != (seq ^ FRAME_TAIL_KEY))
		return 0;
	return !all || memcmp(f + 8, ref + 8, len - 16) == 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array (q in 0..100). */
static inline uint64_t percentile(const uint64_t *sorted, size_t n, double q)
{
	size_t k = (size_t)(q / 100.0 * (double)n + 0.999999);

	if (k == 0)
		k = 1;
	if (k > n)
		k = n;
	return sorted[k - 1];
}

static inline void sort_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

#endif
