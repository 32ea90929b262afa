"""`python -m pyharness thirdparty`: the third-party rings' expectations, checked (docs/thirdparty.md).

Each row names a ring, the property, the build (the installed header, or a build-time copy with one
scripted edit), the memory model and what must come out: a PROOF (the bounded DFS exhausted with
no violation: every schedule with at most `bound` non-zero choices) or FOUND (the violation named,
by iterative deepening on the bound: the counterexample with the fewest preemptions, and the time
and executions it took: the time to find). Exit status 0 when every row holds.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from . import native
from . import thirdparty as tp
from .progress import table

CK = "ck_ring (libck-dev)"
XEN = "Xen ring.h (libxen-dev)"
URING = "io_uring SQPOLL (liburing #541 shape)"
VIRTIO = "virtio used_event (kvmtool/DPDK vhost shape)"
XSA = "Xen PV backend (XSA-155 shape)"


@dataclass(frozen=True)
class Expect:
    ring: str
    prop: str
    build: str
    scenario: str
    mm: str
    expect: str                         # "proof" or "found"
    bound: int                          # preemption bound (found: the deepest tried)
    params: tuple = ()
    violation: str = ""                 # found: the violation that must come out
    bug: str = ""                       # found: the real bug it is (a rediscovered fix)
    full: tuple = ()                    # --full: (bound, params) instead
    max_executions: int = 20_000_000

    def case(self, full: bool) -> tp.Case:
        params = self.full[1] if full and self.full else self.params
        return tp.Case(self.build, self.scenario, self.mm, tuple(params))

    def bound_for(self, full: bool) -> int:
        return self.full[0] if full and self.full else self.bound


def _p(**kw) -> tuple:
    return tuple(kw.items())


SPSC = _p(items=3, size=2)
MPMC = _p(producers=2, items=1, consumers=1, size=4)
XENP = _p(requests=2, slots=2)

EXPECTATIONS: tuple[Expect, ...] = (
    # ck_ring as Debian 12 ships it
    *(Expect(CK, "SPSC: every item once, in order, slot never overwritten", "ck", "spsc", mm,
             "proof", 3, SPSC, full=(4, _p(items=4, size=2))) for mm in ("SC", "TSO", "PSO")),
    *(Expect(CK, "MPMC: every accepted item once, no spurious full", "ck", "mpmc", mm, "proof", 3,
             MPMC, full=(3, _p(producers=2, items=2, consumers=2, size=4)))
      for mm in ("SC", "TSO", "PSO")),
    Expect(CK, "MPMC: no spurious full (ck PR #102 undone)", "ck_pr102", "mpmc", "SC", "found", 3,
           MPMC, "spurious-full", "ck PR #102 (2017): stale p_head vs fresh c_head said full"),
    # ck's contract under ARM: fence_load orders loads only, fence_store stores only (ck_pr.h)
    Expect(CK, "SPSC consumer as shipped in 0.7.1 (fence_store before c_head)", "ck", "spsc",
           "ARM", "found", 3, SPSC, "corrupt-item",
           "ck c7945fe: _ck_ring_dequeue_sc's slot loads not ordered before the c_head store"),
    Expect(CK, "SPSC consumer with upstream's ck_pr_fence_load_store", "ck_scfence", "spsc", "ARM",
           "proof", 3, SPSC),
    # Xen's ring macros
    *(Expect(XEN, "front/back: every request answered in order, no lost notification", "xen",
             "front-back", mm, "proof", 3, XENP, full=(4, _p(requests=3, slots=4)))
      for mm in ("SC", "TSO", "PSO")),
    Expect(XEN, "PUSH_REQUESTS_AND_CHECK_NOTIFY with xen_wmb for xen_mb", "xen_pushwmb",
           "front-back", "TSO", "found", 3, XENP, "lost-notification",
           "weakened barrier (injected): notify check before req_prod is visible"),
    Expect(XEN, "PUSH_REQUESTS_AND_CHECK_NOTIFY with xen_wmb for xen_mb", "xen_pushwmb",
           "front-back", "SC", "proof", 3, XENP),
    Expect(XEN, "FINAL_CHECK_FOR_REQUESTS with xen_wmb for xen_mb", "xen_finalwmb", "front-back",
           "TSO", "found", 3, XENP, "lost-notification",
           "weakened barrier (injected): req_event store after the last req_prod look"),
    # notification protocols written from public descriptions
    *(Expect(URING, "no lost SQ-thread wakeup (with io_uring_smp_mb)", "notify", "sqpoll", mm,
             "proof", 3, _p(entries=2), full=(4, _p(entries=3))) for mm in ("SC", "TSO", "PSO")),
    Expect(URING, "no lost SQ-thread wakeup, fence removed", "notify_nofence", "sqpoll", "TSO",
           "found", 3, _p(entries=2), "lost-notification",
           "liburing #541 (2022): SQ tail store, then flags load, no smp_mb"),
    Expect(URING, "no lost SQ-thread wakeup, fence removed", "notify_nofence", "sqpoll", "SC",
           "proof", 3, _p(entries=2)),
    *(Expect(VIRTIO, "no lost interrupt (device mb before reading used_event)", "notify",
             "used_event", mm, "proof", 3, _p(buffers=2), full=(4, _p(buffers=3)))
      for mm in ("SC", "TSO", "PSO")),
    Expect(VIRTIO, "no lost interrupt, device fence removed", "notify_nofence", "used_event", "TSO",
           "found", 3, _p(buffers=2), "lost-notification",
           "kvmtool virtio_queue__should_signal / DPDK vhost_vring_call: no mb"),
    Expect(VIRTIO, "no lost interrupt, device fence removed", "notify_nofence", "used_event", "SC",
           "proof", 3, _p(buffers=2)),
    # a hostile peer against a backend
    Expect(XSA, "hostile frontend: backend reads the request in place", "xsa155",
           "hostile-frontend", "SC", "found", 5, _p(writes=1), "out-of-bounds",
           "XSA-155 (2015): nr_segments validated, then fetched again"),
    Expect(XSA, "hostile frontend: RING_COPY_REQUEST, no access outside, no hang", "xsa155_copy",
           "hostile-frontend", "SC", "proof", 5, _p(writes=1), full=(5, _p(writes=2))),
    Expect(XSA, "hostile frontend: RING_COPY_REQUEST, no access outside, no hang", "xsa155_copy",
           "hostile-frontend", "TSO", "proof", 4, _p(writes=1), full=(5, _p(writes=1))),
)


@dataclass
class Row:
    exp: Expect
    ok: bool
    verdict: str
    executions: int = 0
    seconds: float = 0.0
    counterexample: tp.Case | None = None
    message: str = ""


def check(e: Expect, full: bool = False) -> Row:
    """Runs one expectation."""
    case, bound = e.case(full), e.bound_for(full)
    if tp.build(e.build).mm_id(e.mm) < 0:
        return Row(e, False, f"the checker has no {e.mm} model (c/model/rt: rt_mm_name)")
    if e.expect == "proof":
        s = tp.explore(case, bound, e.max_executions)
        if s.proof:
            return Row(e, True, f"PROOF (<= {bound} preemptions)", s.executions, s.seconds)
        if s.violations:
            return Row(e, False, f"VIOLATION {s.first}", s.executions, s.seconds, s.counterexample,
                       s.message)
        return Row(e, False, f"NOT exhausted in {s.executions} executions (no proof)",
                   s.executions, s.seconds)
    s = tp.hunt(case, bound, e.max_executions)
    if s.violations and s.first == e.violation:
        return Row(e, True, f"FOUND {s.first} ({s.bound} preemptions)", s.executions, s.seconds,
                   s.counterexample, s.message)
    if s.violations:
        return Row(e, False, f"found {s.first}, expected {e.violation}", s.executions, s.seconds,
                   s.counterexample, s.message)
    return Row(e, False, f"NOT found within {bound} preemptions", s.executions, s.seconds)


def render(rows: list[Row]) -> str:
    out = []
    for r in rows:
        e = r.exp
        ps = " ".join(f"{k}={v}" for k, v in r.exp.case(False).params)
        found = f"{r.seconds:.3f} s, {r.executions} executions" \
            if e.expect == "found" and r.counterexample is not None else ""
        out.append((e.ring, e.prop, f"{e.build}/{e.scenario} {ps}".strip(), e.mm, r.verdict,
                    r.executions, f"{r.seconds:.2f}", found, e.bug))
    return table(out, ("ring", "property", "build/scenario", "model", "verdict", "executions",
                       "seconds", "time to find", "bug"))


def main(full: bool = False, only: str = "", verbose: bool = False, out=sys.stdout) -> int:
    t0 = time.perf_counter()
    sel = [e for e in EXPECTATIONS if not only or only in e.build or only in e.ring.lower()]
    if not sel:
        print(f"python -m pyharness thirdparty: error: no expectation matches {only!r}",
              file=sys.stderr)
        return 2
    try:
        rows = [check(e, full) for e in sel]
    except native.BuildMissing as e:
        print(f"python -m pyharness thirdparty: error: {e}", file=sys.stderr)
        return 2
    print(render(rows), file=out)
    bad = [r for r in rows if not r.ok]
    rings = sorted({r.exp.ring for r in rows})
    found = [r for r in rows if r.ok and r.exp.expect == "found"]
    for r in rows:
        if r.counterexample is not None and (verbose or not r.ok):
            print(f"\n### {r.exp.ring}: {r.exp.prop} ({r.exp.mm})\n{tp.describe(r.counterexample)}"
                  f"replay: python -m pyharness replay {r.counterexample.token()}", file=out)
    print(f"\n{len(rows) - len(bad)}/{len(rows)} expectations hold, "
          f"{len(bad)} failed; {len(rings)} rings, "
          f"{len(found)} bugs found; {time.perf_counter() - t0:.1f} s"
          f"{' (--full)' if full else ''}", file=out)
    return 1 if bad else 0
