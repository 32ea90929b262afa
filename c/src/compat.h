/* SPDX-License-Identifier: ISC */
/* Small shims that let the OS-neutral core build in userspace, Linux and FreeBSD kernels. */
#ifndef MNETIF_COMPAT_H
#define MNETIF_COMPAT_H

#if defined(__KERNEL__) && defined(__linux__)
#include <linux/errno.h>
#include <linux/kernel.h>
#elif defined(_KERNEL) && defined(__FreeBSD__)
#include <sys/errno.h>
#else
#include <errno.h>
#include <stdbool.h>
#endif

#define MN_IS_POW2(x) ((x) != 0 && ((x) & ((x) - 1)) == 0)
#define MN_ALIGN_UP(x, a) (((x) + (a) - 1) & ~(uint64_t)((a) - 1))

#if defined(__GNUC__)
#define mn_likely(x)   __builtin_expect(!!(x), 1)
#define mn_unlikely(x) __builtin_expect(!!(x), 0)
/* The per-frame path's helpers: inlined into each entry point, so a push of one frame compiles to
 * straight-line code for n = 1 (the same source as the batch; docs/performance.md). */
#define MN_HOT static inline __attribute__((__always_inline__))
#define MN_COLD static __attribute__((__noinline__, __cold__))
#else
#define mn_likely(x)   (x)
#define mn_unlikely(x) (x)
#define MN_HOT static inline
#define MN_COLD static
#endif

/* A hint that a published slot will be read soon: its line starts moving from the producer's cache
 * while the consumer works on the frames before it. Not an access (no ordering, no fault); nothing
 * in the model, where it would only add noise to the operation stream. */
#if defined(__GNUC__) && !defined(MNETIF_MODEL)
#define mn_prefetch(p) __builtin_prefetch((p), 0, 3)
#else
#define mn_prefetch(p) ((void)(p))
#endif

#endif
