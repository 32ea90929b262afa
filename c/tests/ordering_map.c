/* SPDX-License-Identifier: ISC */
/*
 * One function per ordering-layer operation (mnetif/atomic.h), compiled for each target by
 * tests/test_ordering_map.py: its disassembly must show the instructions docs/memory-models.md's
 * mapping table promises (ldar/stlr/dmb on ARMv8, fence/amo on RISC-V, mfence/xchg on x86-64).
 * Not linked into anything.
 */
#include "mnetif/atomic.h"

#define NOINLINE __attribute__((noinline, used))

NOINLINE uint32_t map_read_once(mn_u32 *p) { return mn_read_once(p); }
NOINLINE void map_write_once(mn_u32 *p, uint32_t v) { mn_write_once(p, v); }
NOINLINE uint32_t map_load_acquire(mn_u32 *p) { return mn_load_acquire(p); }
NOINLINE void map_store_release(mn_u32 *p, uint32_t v) { mn_store_release(p, v); }
NOINLINE void map_smp_mb(void) { mn_smp_mb(); }
NOINLINE void map_smp_wmb(void) { mn_smp_wmb(); }
NOINLINE void map_smp_rmb(void) { mn_smp_rmb(); }
NOINLINE void map_fence_acquire(void) { mn_fence_acquire(); }
NOINLINE void map_fence_release(void) { mn_fence_release(); }
NOINLINE uint32_t map_test_and_set(mn_u32 *p) { return mn_test_and_set(p); }
NOINLINE void map_clear_release(mn_u32 *p) { mn_clear_release(p); }
NOINLINE uint32_t map_fetch_add(mn_u32 *p, uint32_t v) { return mn_fetch_add(p, v); }
