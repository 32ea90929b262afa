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
#else
#define mn_likely(x)   (x)
#define mn_unlikely(x) (x)
#endif

#endif
