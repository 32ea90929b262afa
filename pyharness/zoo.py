"""The bug zoo: each known defect of the 2012 code (docs/design.md §2) and each way to break the fixed
protocols (a removed lock, fence or release), as a named scenario on a compile-time variant of the
same sources (c/src/ring.c and registry.c document the MN_ZOO_* switches).

Scenario names follow litmus-test style: the pattern (LU lost update, MP message passing, SB store
buffering, ME mutual exclusion, UAF use after free) then what each side does. `found_under` lists
the memory models where the search must find the bug; `safe_under` the models where the same
variant is correct within the proof bounds (an expected-to-pass check that shows the bug is really
a memory-model bug). A case with expect_bug=False is a must-hold property (it must NOT be found).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .strategies import schedules, workloads
from .workload import Case, Workload


@dataclass(frozen=True)
class ZooCase:
    name: str                      # litmus-style name
    title: str                     # one line: the defect
    doc: str                       # what the bug is and why the harness finds it
    variant: str                   # build variant (zoo switch, see runtime.VARIANTS)
    protocol: str
    found_under: tuple[str, ...]   # memory models where the search must find it
    safe_under: tuple[str, ...] = ()
    props: tuple[str, ...] = ()    # substrings of the property names that count as "this bug"
    expect_bug: bool = True
    # the workload family searched: small, so find + shrink stays within seconds
    wl: dict = field(default_factory=dict)
    max_preemptions: int = 8
    # a concrete seed case (a workload + schedule known to show the bug), tried first (@example)
    seed: Case | None = None
    # "hypothesis": random search + shrinking; "explore": the bounded DFS over the smallest
    # workloads first, preemption bound 1, 2, ... (its first counterexample has the fewest weak
    # choices: the DFS is the shrinker). For bugs a random schedule almost never hits: a promise
    # read at one precise load.
    engine: str = "hypothesis"

    def smallest_workloads(self, memory_model: str):
        """The family's workloads for engine="explore", smallest first (v2 single producer)."""
        kw: dict[str, Any] = dict(max_frames=3, sizes=(2,))
        kw.update(self.wl)
        for n in range(1, kw["max_frames"] + 1):
            for size in kw["sizes"]:
                yield Workload(protocol=self.protocol, variant=self.variant,
                               memory_model=memory_model, size=size, reduce=True,
                               producers=(tuple((60, k) for k in range(n)),),
                               unplug=kw.get("unplug", False), waits=kw.get("waits", False))

    def fixed_counterpart(self, w: Workload) -> Workload:
        """The same workload on the shipped code: no zoo switch; the 2012 protocol becomes v1
        (the 2012 field meanings with the lock)."""
        return w.with_(variant="fixed", protocol="v1" if w.protocol == "2012" else w.protocol)

    def strategy(self, memory_model: str) -> st.SearchStrategy:
        kw = dict(protocols=(self.protocol,), memory_models=(memory_model,),
                  variant=self.variant, waits=False, unplug=False, kill="none", max_producers=1,
                  max_frames=3, sizes=(2,))
        kw.update(self.wl)
        return st.builds(Case, workloads(**kw), schedules(self.max_preemptions))

    def accept(self, ex) -> bool:
        if ex.violation is None:
            return False
        return not self.props or ex.violation.prop in self.props


ZOO: tuple[ZooCase, ...] = (
    ZooCase("LU+2012: lost update on sr_avail", "2012: sr_avail read-modify-written by both sides",
            "Producer does avail++ and the consumer avail-- with plain loads and stores. A "
            "preemption between the load and the store of one side loses the other side's update: "
            "frames are lost or delivered twice (reference model).",
            "2012_same_offset", "2012", ("SC",),
            props=("frame-lost", "frame-corrupt", "accounting"), wl=dict(max_frames=2)),
    ZooCase("OVF+2012: overwrite when full", "2012: no full check",
            "The producer writes slot (cur+avail)&mask even when avail == size: it overwrites the "
            "frame the consumer has not read and avail exceeds size (header invariant).",
            "2012_same_offset", "2012", ("SC",), props=("invariant",),
            wl=dict(max_frames=4)),
    ZooCase("OFF+2012: data offset mismatch", "2012: producer and consumer disagree on slot data",
            "The C producer puts slot data at 2*size + i*slotsize (forgetting the 64-byte header), "
            "the OCaml consumer reads at 64 + 2*size + i*slotsize: every frame is read 64 bytes off "
            "(reference model: bytes differ) and slot 0 overwrites the length table.",
            "fixed", "2012", ("SC",),
            props=("frame-corrupt", "invariant", "consumer-error", "out-of-bounds")),
    ZooCase("LU+v1-nolock: v1 with the lock removed", "v1: lock acquire/release are no-ops",
            "Without the test-and-set lock the producer's avail+1 and the consumer's avail-1 race "
            "like in 2012: a lost update on sr_avail.",
            "v1_no_lock", "v1", ("SC",),
            props=("frame-lost", "frame-corrupt", "accounting"), wl=dict(max_frames=2)),
    ZooCase("ME+tas-plain: test-and-set as load then store", "v1: TAS split into load + store",
            "Two actors both read sr_lock == 0 before either stores 1: two lock holders "
            "(mutual exclusion oracle).",
            "tas_plain", "v1", ("SC",), props=("two-holders",)),
    ZooCase("MP+relaxed+acquire: v2 relaxed publish", "v2: producer publishes prod with a relaxed store",
            "Under PSO the store of sr_avail can leave its store buffer before the frame bytes and "
            "ss_len: the consumer's acquire load sees the new index and reads a stale frame. Under SC "
            "(and TSO: FIFO buffers keep stores in order) the same code is correct.",
            "v2_relaxed_publish", "v2", ("PSO", "ARM"), safe_under=("SC", "TSO"),
            props=("frame-corrupt",)),
    ZooCase("SB+nofence+mb: producer wakeup fence removed", "v2: no full fence after publish",
            "The producer's store of its index sits in its TSO store buffer while it reads sr_wake "
            "(stale, so no signal); the consumer armed sr_wake and re-checked the index (still old): "
            "it sleeps with a frame in the ring. Lost wakeup at quiescence. Correct under SC.",
            "no_prod_fence", "v2", ("TSO",), safe_under=("SC",), props=("lost-wakeup",),
            wl=dict(waits=True, max_frames=2)),
    ZooCase("SB+mb+nofence: consumer wakeup fence removed", "v2: no full fence after arming sr_wake",
            "The consumer's store of sr_wake sits in its TSO store buffer while it re-checks the "
            "index (old); the producer publishes, fences, reads the old sr_wake and does not signal. "
            "Lost wakeup at quiescence. Correct under SC.",
            "no_cons_fence", "v2", ("TSO",), safe_under=("SC",), props=("lost-wakeup",),
            wl=dict(waits=True, max_frames=2)),
    ZooCase("SB+heavy-removed: v3 heavy barrier removed", "v3: consumer's heavy barrier -> smp_mb",
            "v3's producer has only a compiler barrier between publishing and reading sr_wake; the "
            "consumer's heavy barrier (membarrier) is what orders it. Replaced by an ordinary full "
            "fence, it orders only the consumer: the producer's index sits in its TSO store buffer "
            "while it reads the old sr_wake, the consumer re-checks the old index and sleeps. Lost "
            "wakeup at quiescence. Correct under SC.",
            "no_heavy", "v3", ("TSO",), safe_under=("SC",), props=("lost-wakeup",),
            wl=dict(waits=True, max_frames=2)),
    ZooCase("SB+light-hoisted: v3 producer reads sr_wake early", "v3: no compiler barrier",
            "Without the compiler barrier the compiler may read sr_wake before the store that "
            "publishes the frame (modelled by reading it there): the heavy barrier can land between "
            "the read and the store, so the producer misses the armed sr_wake and the consumer's "
            "re-check misses the frame. Lost wakeup even under SC: the heavy barrier needs program "
            "order on the light side.",
            "light_hoisted", "v3", ("SC", "TSO"), props=("lost-wakeup",),
            wl=dict(waits=True, max_frames=2)),
    ZooCase("UAF+unplug-nowait: unplug without waiting", "registry: unplug frees without waiting",
            "Unplug hands the ring back to its owner while an input that already took its reference "
            "is still copying into it: use of a freed registry entry / ring (lifecycle oracle).",
            "unplug_no_wait", "v2", ("SC",), props=("use-after-free",),
            wl=dict(unplug=True)),
    ZooCase("SB+batch+eq: wakeup test by equality", "v1/v2: producer signals iff sr_wake == frames",
            "A batch moves sr_frames from f to f+k at once; the consumer armed sr_wake = f+1 and "
            "sleeps. The equality test sees sr_wake != f+k and signals nobody: lost wakeup. The range "
            "rule f < sr_wake <= f+k fixes it. Not a memory-model bug: found under SC.",
            "wake_eq", "v2", ("SC", "TSO", "PSO"), props=("lost-wakeup",),
            wl=dict(waits=True, max_frames=2, batches=(2,))),
    ZooCase("MP+acquire+relaxed: v2 consumer loads prod relaxed", "v2: no acquire on sr_avail",
            "The consumer reads the producer's index with a relaxed load: under ARM its later loads "
            "of ss_len and of the frame may be satisfied from older messages than the index it "
            "saw (load -> load reordering): a stale length or frame. Loads are never reordered "
            "under SC, TSO or PSO: found under ARM only.",
            "v2_relaxed_consume", "v2", ("ARM",), safe_under=("SC", "TSO", "PSO"),
            props=("frame-corrupt", "frame-lost", "consumer-error")),
    ZooCase("LB+cons-wmb: consumer releases its slots with a store fence",
            "v2: store fence + relaxed store of sr_cur (Concurrency Kit c7945fe)",
            "The consumer orders its copy of the frame before its index store with a store fence: "
            "it orders stores only. Under ARM the index store may become visible before the slot "
            "read is done (load -> store): the producer sees the slot free, refills it, and the "
            "consumer copies the new frame. The harness runs it as a promise: the consumer's index "
            "store is read before it is executed. Found under ARM only.",
            "cons_wmb_release", "v2", ("ARM",), safe_under=("SC", "TSO", "PSO"),
            props=("frame-corrupt", "frame-lost"), engine="explore"),
    ZooCase("LB+prod-relaxed-cons: producer trusts a control dependency",
            "v2: relaxed load of sr_cur before the slot writes (the perf ring's data_tail shape)",
            "The producer reads the consumer's index relaxed and writes the slot if it is free: "
            "only a control dependency orders the two, which the ordering layer does not promise "
            "(a compiler may break it). Under ARM the slot write may be visible before the "
            "consumer's read of the old frame (load -> store). Found under ARM only.",
            "prod_relaxed_cons", "v2", ("ARM",), safe_under=("SC", "TSO", "PSO"),
            props=("frame-corrupt", "frame-lost"), engine="explore"),
    ZooCase("SB+fadd-acqrel: fetch_add that is not a full fence",
            "registry: in-flight count by C11's seq_cst fetch_add (the old userspace mapping)",
            "An input increments users, then re-checks that the entry is live; unplug marks it "
            "dying, fences, then waits for users == 0 (store buffering). C11's seq_cst RMW is only "
            "acquire + release on ARMv8 (LDADDAL, LDAXR/STLXR) and the re-check an RCpc acquire "
            "(LDAPR): the re-check may read 'live' while unplug reads users == 0, and the input "
            "writes into the freed ring. x86's locked instruction is a full fence: found under "
            "ARM only. The shipped mapping adds the fence (atomic.h).",
            "fadd_acqrel", "v2", ("ARM",), safe_under=("SC", "TSO", "PSO"),
            props=("use-after-free",), wl=dict(unplug=True, max_frames=1)),
    ZooCase("KILL+v1-lock: consumer killed holding the lock", "must hold: a dead lock holder",
            "The killer ends the consumer while it holds the v1 lock. The producer must keep "
            "running: every later frame is dropped and counted in drop_busy after a bounded number "
            "of retries, and the execution terminates (no hang). Must NOT be found.",
            "fixed", "v1", ("SC", "TSO", "PSO"), expect_bug=False,
            wl=dict(kill="consumer", max_frames=3, lock_retries=3)),
)

BY_NAME = {z.name.split(":")[0]: z for z in ZOO}


def get(key: str) -> ZooCase:
    """A zoo case by its short name (the part before ':'), e.g. 'LU+2012'."""
    try:
        return BY_NAME[key]
    except KeyError:
        raise KeyError(f"no zoo case {key!r}; known: {', '.join(BY_NAME)}") from None
