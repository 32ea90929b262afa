/* SPDX-License-Identifier: ISC */
/*
 * mnetif ordering layer: the ONLY way the core touches memory shared with another actor.
 *
 * One vocabulary, the Linux kernel's (cf. liburing barrier.h):
 *
 *   mn_read_once(p)            relaxed load        READ_ONCE
 *   mn_write_once(p, v)        relaxed store       WRITE_ONCE
 *   mn_load_acquire(p)         acquire load        smp_load_acquire
 *   mn_store_release(p, v)     release store       smp_store_release
 *   mn_plain_load(p)           NON-atomic load     (2012 zoo model only: a data race by design)
 *   mn_plain_store(p, v)       NON-atomic store    (2012 zoo model only)
 *   mn_smp_mb()                full fence          smp_mb
 *   mn_smp_wmb()               store-store fence   smp_wmb   (earlier stores before later stores)
 *   mn_smp_rmb()               load-load fence     smp_rmb   (earlier loads before later loads
 *                                                             and stores, as dmb ishld)
 *   mn_fence_acquire()         C11 acquire fence   (earlier loads before later loads and stores)
 *   mn_fence_release()         C11 release fence   (earlier loads and stores before later stores)
 *   mn_test_and_set(p)         xchg(p, 1), acquire; returns the old value
 *   mn_clear_release(p)        store-release of 0 (unlock)
 *   mn_fetch_add(p, v)         fully ordered fetch-and-add; returns the old value
 *   mn_atomic_add(p, v)        the same, old value not used (Linux atomic_add): the model knows
 *                              two of them commute (its DPOR need not try both orders)
 *   mn_copy_to_shared(d,s,n)   frame bytes into a slot (a region store)
 *   mn_copy_from_shared(d,s,n) frame bytes out of a slot (a region load)
 *   mn_cpu_relax()             pause inside a BOUNDED retry loop (not an operation in the model)
 *   mn_spin_wait(p)            pause inside an UNBOUNDED wait for *p to change (the model blocks the
 *                              actor until another actor stores to p, so waits stay finite)
 *   mn_notify_op(tag)          the producer signals the event channel (a visible op in the model)
 *   mn_observe(p)              an observer's read (invariant checker / oracles); not an operation
 *
 * The asymmetric barrier (v3's event channel, ring.h): one side pays for both.
 *   mn_light_barrier()         the light side: a compiler barrier only. The CPU may still let a
 *                              later load pass an earlier store; the heavy side covers that.
 *   mn_heavy_barrier()         the heavy side: every CPU that may run a peer of this ring executes
 *                              a full fence at the point it has reached (an interrupt is precise:
 *                              whatever it executed before is visible after), then so do we.
 *                              1 done; 0 the platform has none (see below).
 *   mn_heavy_barrier_register() makes this process a target of the heavy barriers of others, and
 *                              says whether the platform has one (1) or not (0: then BOTH sides
 *                              use mn_smp_mb() instead, the v2 protocol). Idempotent.
 *     userspace (Linux)   membarrier(2): MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED once per process
 *                         (a producer registers at attach), MEMBARRIER_CMD_GLOBAL_EXPEDITED as the
 *                         barrier (IPIs the CPUs running a thread of a registered process; ~1 us
 *                         here). GLOBAL rather than PRIVATE: the producer may live in another
 *                         process (a ring in shared memory). MNETIF_NO_MEMBARRIER=1 in the
 *                         environment forces the fallback (set it for both sides' processes).
 *                         It cannot be relied on to reach a kernel producer (a softirq runs in
 *                         whatever task the CPU was in), hence:
 *     __KERNEL__ (Linux), FreeBSD kernel: none by default (register() == 0): a kernel producer of a
 *                         v3 ring keeps v2's full fence before reading sr_wake, and a userspace
 *                         consumer's heavy barrier (membarrier includes the caller's full fence)
 *                         pairs with it as v2's fences do. v3's line layout and cached indices
 *                         still apply. The Linux module lets a consumer opt in per port
 *                         (uapi.h MNETIF_PLUG_BARRIER): it then sets that producer's light flag
 *                         after attach, and the consumer's heavy barrier is the module's ioctl
 *                         MNETIF_IOC_BARRIER (mn_cons_set_barrier), an IPI that runs smp_mb() on
 *                         every CPU (synchronize_rcu[_expedited]() would do too: the rx_handler
 *                         runs under rcu_read_lock; why, and the figures: c/platform/linux/
 *                         mnetif_barrier.c, RESULTS.md). A consumer that did not opt in keeps
 *                         the full-fence producer. The FreeBSD glue has no such ioctl yet.
 *     MNETIF_MODEL        a HEAVY fence step (c/model/rt/rt.h "Fences"); the light side is no
 *                         operation at all (the model keeps program order).
 *
 * Shared fields are declared with the wrapper types mn_u16 / mn_u32 / mn_u64. They are structs, so
 * `hdr->sr_cur + 1`, `hdr->sr_cur = 0` or `if (hdr->sr_avail)` do not compile: a raw access to a
 * shared field outside this layer is a compile error (tests/compile_fail checks it). The member name
 * mn_shared_ is used only in this file (a lint in the test suite checks that too).
 *
 * Builds (the library code never changes between them):
 *   default userspace   GCC/Clang __atomic builtins (C11 memory model)
 *   __KERNEL__ (Linux)  READ_ONCE / WRITE_ONCE / smp_* / xchg
 *   MNETIF_MODEL        every operation is reported to the model runtime (c/model/) as a visible
 *                       operation (actor, op, address, order, value) and the scheduler decides who
 *                       runs next. Userspace only.
 */
#ifndef MNETIF_ATOMIC_H
#define MNETIF_ATOMIC_H

#if defined(__KERNEL__) && defined(__linux__)
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <asm/processor.h>
#include <linux/atomic.h>
#elif defined(_KERNEL) && defined(__FreeBSD__)
#include <sys/types.h>
#include <sys/systm.h>
#include <machine/atomic.h>
#include <machine/cpu.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#endif

typedef struct { uint16_t mn_shared_; } mn_u16;
typedef struct { uint32_t mn_shared_; } mn_u32;
typedef struct { uint64_t mn_shared_; } mn_u64;

/* Orders, also the values the model runtime receives. */
enum mn_order { MN_PLAIN = 0, MN_RELAXED = 1, MN_ACQUIRE = 2, MN_RELEASE = 3, MN_SEQ_CST = 4,
		MN_ACQ_REL = 5 /* model only: the zoo's fetch_add that is not a full fence */ };
/* Or'ed into a fetch_add's order by mn_atomic_add (model only): the old value is not used. */
#define MN_BLIND 0x100
/* Fence kinds (the model runtime's values: a fence step's order). */
enum mn_fence { MN_FENCE_ACQUIRE = 2, MN_FENCE_RELEASE = 3, MN_FENCE_FULL = 4, MN_FENCE_WMB = 5,
		MN_FENCE_RMB = 6 };

/* Operations as the model runtime sees them. */
enum mn_op {
	MN_OP_LOAD = 1, MN_OP_STORE, MN_OP_FENCE, MN_OP_TAS, MN_OP_FETCH_ADD,
	MN_OP_COPY_IN,   /* region store: frame bytes into a slot */
	MN_OP_COPY_OUT,  /* region load: frame bytes out of a slot */
	MN_OP_SPIN,      /* spinning on an address: the model blocks the actor until it changes */
	MN_OP_NOTIFY,    /* event-channel signal */
	MN_OP__COUNT
};

#define MN_FIELD_(p) (&(p)->mn_shared_)

#if defined(MNETIF_MODEL)
/*
 * Model build: c/model/ implements these. Each call is one visible operation; it may switch to
 * another actor before it returns. `size` is 2, 4 or 8.
 */
uint64_t mn_model_access(int op, volatile void *addr, unsigned size, int order, uint64_t val);
void mn_model_copy(int op, void *dst, const void *src, size_t n);
void mn_model_fence(void);
void mn_model_fence_kind(int kind);   /* enum mn_fence */
void mn_model_spin(volatile void *addr, unsigned size);
void mn_model_notify(void *tag);
void mn_model_heavy_barrier(void);     /* RT_FENCE_HEAVY (ordering.c) */

#define MN_ACCESS_(op, p, ord, v) \
	mn_model_access((op), MN_FIELD_(p), sizeof(*MN_FIELD_(p)), (ord), (uint64_t)(v))
#define MN_TYPED_(p, x) ((__typeof__(*MN_FIELD_(p)))(x))

#define mn_read_once(p)         MN_TYPED_(p, MN_ACCESS_(MN_OP_LOAD, p, MN_RELAXED, 0))
#define mn_load_acquire(p)      MN_TYPED_(p, MN_ACCESS_(MN_OP_LOAD, p, MN_ACQUIRE, 0))
#define mn_plain_load(p)        MN_TYPED_(p, MN_ACCESS_(MN_OP_LOAD, p, MN_PLAIN, 0))
#define mn_write_once(p, v)     ((void)MN_ACCESS_(MN_OP_STORE, p, MN_RELAXED, v))
#define mn_store_release(p, v)  ((void)MN_ACCESS_(MN_OP_STORE, p, MN_RELEASE, v))
#define mn_plain_store(p, v)    ((void)MN_ACCESS_(MN_OP_STORE, p, MN_PLAIN, v))
#define mn_test_and_set(p)      ((uint32_t)MN_ACCESS_(MN_OP_TAS, p, MN_ACQUIRE, 1))
#define mn_clear_release(p)     mn_store_release(p, 0)
#ifdef MN_ZOO_FADD_ACQREL
/* the zoo: C11's seq_cst RMW on ARMv8 (acquire + release, no fence), the mapping before 2026-11 */
#define MN_FADD_ORDER_ MN_ACQ_REL
#else
#define MN_FADD_ORDER_ MN_SEQ_CST
#endif
#define mn_fetch_add(p, v)      MN_TYPED_(p, MN_ACCESS_(MN_OP_FETCH_ADD, p, MN_FADD_ORDER_, v))
#define mn_atomic_add(p, v)     ((void)MN_ACCESS_(MN_OP_FETCH_ADD, p, MN_FADD_ORDER_ | MN_BLIND, v))
#define mn_smp_mb()             mn_model_fence()
#define mn_fence_acquire()      mn_model_fence_kind(MN_FENCE_ACQUIRE)
#define mn_fence_release()      mn_model_fence_kind(MN_FENCE_RELEASE)
#define mn_smp_wmb()            mn_model_fence_kind(MN_FENCE_WMB)
#define mn_smp_rmb()            mn_model_fence_kind(MN_FENCE_RMB)
#define mn_copy_to_shared(d, s, n)   mn_model_copy(MN_OP_COPY_IN, (d), (s), (n))
#define mn_copy_from_shared(d, s, n) mn_model_copy(MN_OP_COPY_OUT, (d), (s), (n))
#define mn_spin_wait(p)         mn_model_spin(MN_FIELD_(p), sizeof(*MN_FIELD_(p)))
#define mn_cpu_relax()          ((void)0)
#define mn_notify_op(tag)       mn_model_notify(tag)
/* The model keeps buffered stores out of memory, so an observer reads committed memory only. */
#define mn_observe(p)           (*(const volatile __typeof__(*MN_FIELD_(p)) *)MN_FIELD_(p))
/* asymmetric barrier: always available in the model */
#define mn_light_barrier()      ((void)0)
#define mn_heavy_barrier()      (mn_model_heavy_barrier(), 1)
#define mn_heavy_barrier_register() 1

#elif defined(__KERNEL__) && defined(__linux__)

#define mn_read_once(p)         READ_ONCE(*MN_FIELD_(p))
#define mn_write_once(p, v)     WRITE_ONCE(*MN_FIELD_(p), (v))
#define mn_load_acquire(p)      smp_load_acquire(MN_FIELD_(p))
#define mn_store_release(p, v)  smp_store_release(MN_FIELD_(p), (v))
#define mn_plain_load(p)        (*MN_FIELD_(p))
#define mn_plain_store(p, v)    ((void)(*MN_FIELD_(p) = (v)))
#define mn_test_and_set(p)      ((uint32_t)xchg(MN_FIELD_(p), 1))  /* xchg is fully ordered */
#define mn_clear_release(p)     smp_store_release(MN_FIELD_(p), 0)
#define mn_fetch_add(p, v)      ({ smp_mb(); __typeof__(*MN_FIELD_(p)) o_ = \
				  __atomic_fetch_add(MN_FIELD_(p), (v), __ATOMIC_RELAXED); smp_mb(); o_; })
#define mn_smp_mb()             smp_mb()
#define mn_smp_wmb()            smp_wmb()
#define mn_smp_rmb()            smp_rmb()
#define mn_fence_acquire()      smp_mb()   /* Linux has no acquire/release fence: the full one */
#define mn_fence_release()      smp_mb()
#define mn_copy_to_shared(d, s, n)   memcpy((d), (s), (n))
#define mn_copy_from_shared(d, s, n) memcpy((d), (s), (n))
#define mn_spin_wait(p)         cpu_relax()
#define mn_cpu_relax()          cpu_relax()
#define mn_notify_op(tag)       ((void)(tag))
#define mn_observe(p)           READ_ONCE(*MN_FIELD_(p))
/* asymmetric barrier: none yet (see the top of this file): both sides keep full fences */
#define mn_light_barrier()      barrier()
#define mn_heavy_barrier()      0
#define mn_heavy_barrier_register() 0

#elif defined(_KERNEL) && defined(__FreeBSD__)
/* FreeBSD atomic(9). Not compiled on the Linux CI machines: see c/platform/freebsd/README. */
#define MN_FBSD_(op, p) _Generic(*MN_FIELD_(p), \
	uint16_t: atomic_##op##_16, uint32_t: atomic_##op##_32, uint64_t: atomic_##op##_64)
#define mn_read_once(p)         (*(volatile __typeof__(*MN_FIELD_(p)) *)MN_FIELD_(p))
#define mn_write_once(p, v)     ((void)(*(volatile __typeof__(*MN_FIELD_(p)) *)MN_FIELD_(p) = (v)))
#define mn_load_acquire(p)      MN_FBSD_(load_acq, p)(MN_FIELD_(p))
#define mn_store_release(p, v)  MN_FBSD_(store_rel, p)(MN_FIELD_(p), (v))
#define mn_plain_load(p)        (*MN_FIELD_(p))
#define mn_plain_store(p, v)    ((void)(*MN_FIELD_(p) = (v)))
#define mn_test_and_set(p)      atomic_swap_32(MN_FIELD_(p), 1)
#define mn_clear_release(p)     atomic_store_rel_32(MN_FIELD_(p), 0)
#define mn_fetch_add(p, v)      ({ atomic_thread_fence_seq_cst(); __typeof__(*MN_FIELD_(p)) o_ = \
				  atomic_fetchadd_32(MN_FIELD_(p), (v)); atomic_thread_fence_seq_cst(); o_; })
#define mn_smp_mb()             atomic_thread_fence_seq_cst()
#define mn_smp_wmb()            atomic_thread_fence_rel()
#define mn_smp_rmb()            atomic_thread_fence_acq()
#define mn_fence_acquire()      atomic_thread_fence_acq()
#define mn_fence_release()      atomic_thread_fence_rel()
#define mn_copy_to_shared(d, s, n)   memcpy((d), (s), (n))
#define mn_copy_from_shared(d, s, n) memcpy((d), (s), (n))
#define mn_spin_wait(p)         cpu_spinwait()
#define mn_cpu_relax()          cpu_spinwait()
#define mn_notify_op(tag)       ((void)(tag))
#define mn_observe(p)           mn_read_once(p)
/* asymmetric barrier */
#define mn_light_barrier()      __compiler_membar()
#define mn_heavy_barrier()      0
#define mn_heavy_barrier_register() 0

#else /* userspace production build: C11 memory model through the __atomic builtins */

#define mn_read_once(p)         __atomic_load_n(MN_FIELD_(p), __ATOMIC_RELAXED)
#define mn_write_once(p, v)     __atomic_store_n(MN_FIELD_(p), (v), __ATOMIC_RELAXED)
#define mn_load_acquire(p)      __atomic_load_n(MN_FIELD_(p), __ATOMIC_ACQUIRE)
#define mn_store_release(p, v)  __atomic_store_n(MN_FIELD_(p), (v), __ATOMIC_RELEASE)
#define mn_plain_load(p)        (*MN_FIELD_(p))
#define mn_plain_store(p, v)    ((void)(*MN_FIELD_(p) = (v)))
#define mn_test_and_set(p)      ((uint32_t)__atomic_exchange_n(MN_FIELD_(p), 1u, __ATOMIC_ACQUIRE))
#define mn_clear_release(p)     __atomic_store_n(MN_FIELD_(p), 0u, __ATOMIC_RELEASE)
/* Fully ordered, as the kernel's atomic_add_return: a full fence on both sides. x86's locked
 * instruction is one. Elsewhere C11's seq_cst RMW is only acquire + release (ARMv8 LDADDAL or
 * LDAXR/STLXR, RISC-V amoadd.aq): a later load may pass its store (litmus SB+fadd+fence), which
 * the registry's in-flight handshake (registry.c input_get) cannot afford; the trailing fence
 * closes that, as arm64 Linux does after its LL/SC atomics. */
#if defined(__x86_64__) || defined(__i386__)
#define mn_fetch_add(p, v)      __atomic_fetch_add(MN_FIELD_(p), (v), __ATOMIC_SEQ_CST)
#else
#define mn_fetch_add(p, v)      ({ __typeof__(*MN_FIELD_(p)) o_ = \
				  __atomic_fetch_add(MN_FIELD_(p), (v), __ATOMIC_SEQ_CST); \
				  __atomic_thread_fence(__ATOMIC_SEQ_CST); o_; })
#endif
#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer does not model standalone fences: a seq_cst RMW is a full fence it understands. */
static unsigned long mn_tsan_fence_word __attribute__((unused));
#define mn_smp_mb()             ((void)__atomic_fetch_add(&mn_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#define mn_fence_acquire()      ((void)__atomic_fetch_add(&mn_tsan_fence_word, 0, __ATOMIC_ACQUIRE))
#define mn_fence_release()      ((void)__atomic_fetch_add(&mn_tsan_fence_word, 0, __ATOMIC_RELEASE))
#else
#define mn_smp_mb()             __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define mn_fence_acquire()      __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mn_fence_release()      __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
/* C11 has no store-store or load-load fence: the barrier instructions where the CPU has them,
 * else the C11 fence that implies them (release orders stores, acquire orders loads). */
#if defined(__aarch64__)
#define mn_smp_wmb()            __asm__ __volatile__("dmb ishst" ::: "memory")
#define mn_smp_rmb()            __asm__ __volatile__("dmb ishld" ::: "memory")
#elif defined(__riscv)
#define mn_smp_wmb()            __asm__ __volatile__("fence w,w" ::: "memory")
#define mn_smp_rmb()            __asm__ __volatile__("fence r,rw" ::: "memory")
#elif defined(__x86_64__) || defined(__i386__)
#define mn_smp_wmb()            __asm__ __volatile__("" ::: "memory")   /* TSO: stores in order */
#define mn_smp_rmb()            __asm__ __volatile__("" ::: "memory")   /* TSO: loads in order */
#else
#define mn_smp_wmb()            mn_fence_release()
#define mn_smp_rmb()            mn_fence_acquire()
#endif
#define mn_copy_to_shared(d, s, n)   memcpy((d), (s), (n))
#define mn_copy_from_shared(d, s, n) memcpy((d), (s), (n))
#if defined(__x86_64__) || defined(__i386__)
#define mn_cpu_relax()          __builtin_ia32_pause()
#else
#define mn_cpu_relax()          ((void)0)
#endif
#define mn_spin_wait(p)         mn_cpu_relax()
#define mn_notify_op(tag)       ((void)(tag))
#define mn_observe(p)           __atomic_load_n(MN_FIELD_(p), __ATOMIC_RELAXED)

/* asymmetric barrier: membarrier(2) (see the top of this file) */
#define mn_light_barrier()      __asm__ __volatile__("" ::: "memory")
#if defined(__linux__)
#include <linux/membarrier.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
/* 0 not asked yet, 1 registered, -1 unavailable; per translation unit (registration is idempotent
 * and every unit gets the same answer from the same kernel and environment). */
static int mn_membarrier_state_ __attribute__((unused));

static inline int mn_heavy_barrier_register(void)
{
	int s = __atomic_load_n(&mn_membarrier_state_, __ATOMIC_RELAXED);

	if (!s) {
		const char *off = getenv("MNETIF_NO_MEMBARRIER");

		s = (!off || !*off || !strcmp(off, "0")) &&
		    syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0 ? 1 : -1;
		__atomic_store_n(&mn_membarrier_state_, s, __ATOMIC_RELAXED);
	}
	return s > 0;
}

static inline int mn_heavy_barrier(void)
{
	return mn_heavy_barrier_register() &&
	       syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;
}
#else
#define mn_heavy_barrier_register() 0
#define mn_heavy_barrier()      0
#endif

#endif

#ifndef mn_atomic_add
#define mn_atomic_add(p, v)     ((void)mn_fetch_add(p, v))
#endif

#endif /* MNETIF_ATOMIC_H */
