// SPDX-License-Identifier: ISC
/*
 * The heavy side of v3's asymmetric barrier for the rx_handler's producer (MNETIF_IOC_BARRIER,
 * uapi.h; the protocol: ring.h v3, atomic.h).
 *
 * What must hold. The consumer stores sr_wake, calls this, then re-reads sr_avail. The producer
 * (mnk_rx -> netif_ether_input_copy -> prod_published with p->light) stores sr_avail, then, after
 * only a compiler barrier, loads sr_wake. That is the store-buffering shape: without help both
 * loads may return the old values (the consumer sleeps, the producer does not signal: a lost
 * wakeup, zoo case MN_ZOO_NO_HEAVY). Every mode below forbids it.
 *
 * IPI (on_each_cpu(smp_mb)). The IPI interrupts each CPU at some instruction boundary of whatever it
 * runs, including a producer between its store and its load (an interrupt is precise: the CPU
 * executes the handler after everything before that boundary and before everything after it in
 * program order). Our smp_mb() comes first, so our sr_wake store is ordered before the IPIs are
 * sent; the handler's smp_mb() and on_each_cpu's wait (the target's completion store, our load of
 * it) order the target's earlier accesses before our return. So on a CPU running the producer:
 * either the interrupt came after its store of sr_avail -- that store is then visible to our
 * re-check after we return -- or before it, and then before its load of sr_wake in program order,
 * which therefore comes after the handler's smp_mb() and reads our armed sr_wake (or later). The
 * same argument as membarrier(2)'s, which targets the same IPIs. A producer on OUR CPU (an rx
 * softirq taken during this call) is ordered with us by program order alone. A CPU brought online
 * during the call runs no producer that started before it (CPU hotplug's own barriers order it).
 *
 * RCU (synchronize_rcu, synchronize_rcu_expedited). The producer's store and load both lie inside
 * one RCU read-side critical section: __netif_receive_skb_core() calls rx_handlers under
 * rcu_read_lock(), and the softirq itself is a BH-disabled region (also a reader since the RCU
 * flavours were consolidated). RCU's fundamental guarantee: for a reader R and a grace period G,
 * either R ends before G ends -- then all of R's accesses (its sr_avail store) happen before
 * everything after synchronize_rcu() returns (our re-check sees it) -- or R starts after G starts,
 * and then R sees everything before synchronize_rcu() was called (our sr_wake store). That is
 * exactly the store-buffering pattern above (LKMM: a grace period is stronger than a full fence
 * against a reader). The expedited form gives the same guarantee by IPIs and a busy wait; the
 * normal one waits for a real grace period (milliseconds).
 *
 * All three are correct; the IPI is the cheapest (it does no RCU bookkeeping and waits for nothing
 * but the handlers), hence the default. Figures (qemu TCG): c/platform/linux/RESULTS.md.
 */
#include <linux/rcupdate.h>
#include <linux/smp.h>

#include "mnetif_linux.h"

static void mnk_ipi_mb(void *unused)
{
	smp_mb();
}

long mnk_barrier(unsigned long mode)
{
	if (mode >= MNETIF_BARRIER_MODES)
		return -EINVAL;
#ifdef MNK_ZOO_NO_BARRIER
	/* bug switch: the heavy barrier does nothing (negative control, never in build/kmod) */
	return 0;
#endif
	/* The caller's own full fence: its sr_wake store is ordered before the barrier (for RCU
	 * synchronize_rcu() implies it; kept for every mode so the argument above stays local). */
	smp_mb();
	switch (mode) {
	case MNETIF_BARRIER_IPI:
		on_each_cpu(mnk_ipi_mb, NULL, 1);
		break;
	case MNETIF_BARRIER_RCU_EXP:
		synchronize_rcu_expedited();
		break;
	case MNETIF_BARRIER_RCU:
		synchronize_rcu();
		break;
	}
	/* ... and its re-check of sr_avail after everything the barrier made visible. */
	smp_mb();
	return 0;
}
