"""The default campaign (`python -m pyharness report`, `make report`): the bug zoo (each case found,
shrunk and replayed), bounded proofs of v1/v2/v3 under SC/TSO/PSO/ARM by the exhaustive engine, the
litmus suite, unbounded proofs by DPOR, a fuzz budget on the fixed protocols and PCT. Each part
returns rows; main_job runs them in order and report.py renders them."""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import hypo, pct, runtime, svg
from .failure import describe
from .progress import Progress
from .runtime import Execution, Exploration
from .strategies import cases
from .workload import MEMORY_MODELS, Case, Workload
from .zoo import ZOO, ZooCase

ROOT = Path(__file__).resolve().parent.parent
# Where runs write (the report, zoo timelines, CLI and test SVGs): $MNETIF_REPORT_DIR, else build/report
# in a checkout (ignored by git), else ./mnetif-report. Never over tracked files: reports/ holds the
# recorded figures and report of a run, rewritten only on purpose (`make report REPORT_DIR=reports`).
REPORTS = Path(os.environ.get("MNETIF_REPORT_DIR") or
               (ROOT / "build" / "report" if (ROOT / "Makefile").exists() else Path("mnetif-report")))
# Recorded figures (python -m pyharness bench writes harness_bench.md here).
FIGURES = ROOT / "reports"


# ---- bug zoo ---------------------------------------------------------------------------------
@dataclass
class ZooRow:
    case: ZooCase
    mm: str
    expect: str                      # "found" | "not found (safe)" | "holds"
    found: Execution | None = None
    search: hypo.SearchResult | None = None
    replayed: bool = False           # the token replays to the same violation and step table
    proof: Exploration | None = None # safe_under / fixed build: exhaustive, within bounds
    coverage: frozenset = frozenset()
    svg: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.expect == "found":
            return self.found is not None and self.replayed and \
                (self.proof is None or self.proof.proof)
        if self.expect == "holds":
            return self.found is None and (self.proof is None or self.proof.proof) and \
                not self.notes
        return self.proof is not None and self.proof.proof


def replays(ex: Execution) -> bool:
    """Decodes the token and runs it again: same violation, same step table."""
    again = runtime.run(Case.from_token(ex.case.token()))
    return again.violation == ex.violation and again.steps == ex.steps


def svg_name(label: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in label).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return safe[:60] + "-" + hashlib.sha1(label.encode()).hexdigest()[:6] + ".svg"


def hunt(z: ZooCase, mm: str, max_examples: int = 3000, seed: int = 0, outdir: Path = REPORTS,
         bound: int = 3, progress: bool = True) -> ZooRow:
    """Search for z under memory model mm; shrink; replay; then show the fixed build passes the
    counterexample's workload exhaustively within `bound` preemptions."""
    row = ZooRow(z, mm, "found")
    prog = Progress(f"{z.name.split(':')[0]} {mm}", progress)
    if z.engine == "explore":
        res = hunt_by_dfs(z, mm, bound, prog)
    else:
        res = hypo.search(z.strategy(mm), max_examples=max_examples, seed=seed, accept=z.accept,
                          progress=prog)
    prog.done()
    row.search = res
    if res.found is None:
        row.notes.append(f"NOT FOUND in {res.examples} examples")
        return row
    row.found = res.found
    row.replayed = replays(res.found)
    row.svg = svg.write(res.found, outdir / "zoo" / svg_name(z.name + "-" + mm),
                        f"{z.name} ({mm})")
    row.proof = runtime.explore(z.fixed_counterpart(res.found.case.workload).with_(reduce=True),
                                bound)
    return row


def hunt_by_dfs(z: ZooCase, mm: str, bound: int, prog) -> hypo.SearchResult:
    """engine="explore": the smallest workloads first, preemption bound 1..bound; the first
    counterexample has the fewest weak choices. Reported like a Hypothesis search (its
    'examples' are executions; nothing is left to shrink)."""
    t0 = time.perf_counter()
    runs = 0
    for b in range(1, bound + 1):
        for w in z.smallest_workloads(mm):
            ex = runtime.explore(w, b)
            runs += ex.stats.executions
            prog.tick(runs, w.label())
            if ex.counterexample is not None and z.accept(ex.counterexample):
                found = ex.counterexample
                n = len(found.steps)
                return hypo.SearchResult(found, runs, time.perf_counter() - t0, 0.0, n,
                                         len(found.case.choices),
                                         sum(1 for c in found.case.choices if c))
    return hypo.SearchResult(None, runs, time.perf_counter() - t0, 0.0)


def safe(z: ZooCase, mm: str, w: Workload, bound: int = 3) -> ZooRow:
    """The same variant and workload under a memory model where the bug cannot happen: an
    exhaustive search within `bound` preemptions finds nothing."""
    row = ZooRow(z, mm, "not found (safe)")
    # the counterexample's workload, and the same with each producer sending 1..3 frames
    family = [w] + [w.with_(producers=tuple(tuple([p[0]] * n) for p in w.producers))
                    for n in (1, 2, 3) if any(len(p) != n for p in w.producers)]
    for v in family:
        ex = runtime.explore(v.with_(memory_model=mm, reduce=True), bound)
        if row.proof is None:
            row.proof = ex
        else:   # fold into one Exploration: executions add up, exhausted only if all are
            st = row.proof.stats
            st.executions += ex.stats.executions
            st.violations += ex.stats.violations
            st.exhausted = st.exhausted and ex.stats.exhausted
            st.coverage |= ex.stats.coverage
            if row.proof.counterexample is None:
                row.proof.counterexample = ex.counterexample
    row.coverage = frozenset(row.proof.stats.coverage_names())
    row.found = row.proof.counterexample
    return row


MUST_REACH = {"KILL+v1-lock": ("killed-holder", "drop-busy")}


def holds(z: ZooCase, mm: str, max_examples: int = 500, seed: int = 0,
          progress: bool = True) -> ZooRow:
    """A must-hold case: the search finds no violation and reaches the states it is about."""
    row = ZooRow(z, mm, "holds")
    seen: set = set()
    prog = Progress(f"{z.name.split(':')[0]} {mm}", progress)
    res = hypo.search(z.strategy(mm), max_examples=max_examples, seed=seed, accept=z.accept,
                      progress=prog, observe=lambda ex: seen.update(ex.coverage))
    prog.done()
    row.search, row.found, row.coverage = res, res.found, frozenset(seen)
    for need in MUST_REACH.get(z.name.split(":")[0], ()):
        if need not in seen:
            row.notes.append(f"search never reached {need!r}")
    return row


def run_zoo(selected: tuple[ZooCase, ...] = ZOO, max_examples: int = 3000, seed: int = 0,
            outdir: Path = REPORTS, progress: bool = True, log=print) -> list[ZooRow]:
    rows: list[ZooRow] = []
    for z in selected:
        if not z.expect_bug:
            for mm in z.found_under:
                rows.append(holds(z, mm, min(max_examples, 400), seed, progress))
                log(zoo_line(rows[-1]))
            continue
        for mm in z.found_under:
            hit = hunt(z, mm, max_examples, seed, outdir, progress=progress)
            rows.append(hit)
            log(zoo_line(hit))
            if hit.found is None:
                continue
            for other in z.safe_under:
                rows.append(safe(z, other, hit.found.case.workload))
                log(zoo_line(rows[-1]))
    return rows


def zoo_line(r: ZooRow) -> str:
    s = r.search
    status = "ok  " if r.ok else "FAIL"
    if r.expect == "found" and r.found is not None and r.case.engine == "explore":
        return (f"  {status} {r.case.name} [{r.mm}]: {r.found.violation.prop} found by the "
                f"bounded DFS in {s.find_s:.2f}s ({s.examples} executions, smallest workload "
                f"first): {len(r.found.steps)} steps / "
                f"{sum(1 for c in r.found.case.choices if c)} preemptions, replay "
                f"{'ok' if r.replayed else 'DIFFERS'}; fixed build: {proof_phrase(r.proof)}")
    if r.expect == "found" and r.found is not None:
        return (f"  {status} {r.case.name} [{r.mm}]: {r.found.violation.prop} found in "
                f"{s.find_s:.2f}s ({s.first_steps} steps), shrunk in {s.shrink_s:.2f}s to "
                f"{len(r.found.steps)} steps / {sum(1 for c in r.found.case.choices if c)} "
                f"preemptions, replay {'ok' if r.replayed else 'DIFFERS'}; fixed build: "
                f"{proof_phrase(r.proof)}")
    if r.expect == "found":
        return f"  {status} {r.case.name} [{r.mm}]: " + "; ".join(r.notes)
    if r.expect == "holds":
        what = "no violation" if r.found is None else f"VIOLATED: {r.found.violation.prop}"
        return (f"  {status} {r.case.name} [{r.mm}]: {what} in {s.examples} examples; reached "
                f"{', '.join(sorted(r.coverage)) or 'nothing'}" +
                ("; " + "; ".join(r.notes) if r.notes else ""))
    return f"  {status} {r.case.name} [{r.mm}] (expected safe): {proof_phrase(r.proof)}"


def proof_phrase(p: Exploration | None) -> str:
    if p is None:
        return "not run"
    st = p.stats
    kind = "exhaustive" if st.exhausted else "NOT exhausted"
    return (f"{st.executions} executions ({kind}, preemptions <= {p.bound}), "
            f"{st.violations} violations")


# ---- proofs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """A family of workloads a proof statement covers (every combination is explored)."""
    name: str
    sizes: tuple = (1, 2, 4)
    max_frames: int = 3
    producers: int = 1
    waits: tuple = (False, True)
    unplug: bool = False
    kill: str = "none"
    v2_starts: tuple = (0,)    # v2/v3 initial indices (65534: the u16 indices wrap mid-run)
    v1_lock_retries: int = 4   # v1: test-and-set attempts per lock (shipped: 64); small keeps
                               # "retries exhausted -> drop_busy" within the preemption bound
    batch: int = 0             # producer batch size (0: per-frame netif_ether_input)
    cons_batch: int = 0        # consumer batch size (0: per-frame peek/release)
    min_frames: int = 1        # frames per producer: min_frames .. max_frames
    # frame lengths: the workload starting at lengths[i] gives its k-th frame lengths[(i+k) % n],
    # so every length is a first frame and the boundaries also follow each other
    lengths: tuple = (8,)
    slotsize: int = 64
    hostile: int = 0           # > 0: a hostile peer with this many stores replaces the consumer

    def workloads(self, protocol: str, mm: str, variant: str = "fixed"):
        starts = self.v2_starts if protocol in ("v2", "v3") else (0,)
        nl = len(self.lengths)
        for size in self.sizes:
            for n in range(self.min_frames, self.max_frames + 1):
                for w in self.waits:
                    for start in starts:
                        for i in range(nl):
                            prods = tuple(tuple((self.lengths[(i + k) % nl], 16 * p + k)
                                                for k in range(n))
                                          for p in range(self.producers))
                            yield Workload(protocol=protocol, variant=variant, memory_model=mm,
                                           size=size, slotsize=self.slotsize, producers=prods,
                                           waits=w, unplug=self.unplug, kill=self.kill,
                                           start_index=start, reduce=True,
                                           lock_retries=self.v1_lock_retries
                                           if protocol == "v1" else 0, batch=self.batch,
                                           cons_batch=self.cons_batch,
                                           hostile=self.hostile)

    def describe(self, protocol: str) -> str:
        frames = (f"frames {self.min_frames}..{self.max_frames}" if self.min_frames > 1 else
                  f"frames <= {self.max_frames}")
        parts = [f"{self.producers} producer{'s' if self.producers > 1 else ''}",
                 f"size <= {max(self.sizes)}", frames]
        if self.lengths != (8,):
            parts.append(f"frame lengths {', '.join(map(str, self.lengths))} "
                         f"(slot {self.slotsize})")
        if True in self.waits:
            parts.append("consumer sleeps" if False not in self.waits else "with/without sleep")
        if self.unplug:
            parts.append("concurrent unplug")
        if self.kill != "none":
            parts.append(f"{self.kill} killed at any step")
        if self.batch or self.cons_batch:
            parts.append(f"batches of {self.batch} (producer) / {self.cons_batch} (consumer)")
        if self.hostile:
            fields = "sr_cur/sr_wake" + ("/sr_avail/sr_lock" if protocol == "v1" else "")
            parts.append(f"a hostile consumer: {self.hostile} stores of chosen values into "
                         f"{fields} at any step (no access outside the ring, error flag, every "
                         f"frame counted, no hang)")
        if protocol == "v1":
            parts.append(f"lock retries {self.v1_lock_retries}")
        if protocol in ("v2", "v3") and len(self.v2_starts) > 1:
            parts.append("indices from " + " and ".join(map(str, self.v2_starts)))
        return ", ".join(parts)


FAMILIES = (
    Family("1 producer", v2_starts=(0, 65534)),
    Family("2 producers", sizes=(2,), max_frames=2, producers=2),
    Family("unplug", sizes=(2,), max_frames=2, waits=(False,), unplug=True),
    Family("consumer killed", sizes=(2,), max_frames=3, waits=(False,), kill="consumer"),
    Family("batched", sizes=(2, 4), max_frames=3, batch=2, cons_batch=2),
    Family("hostile peer", sizes=(2, 4), max_frames=3, waits=(False,), hostile=2),
    # the boundaries (issue 13): empty, slot - 1, slot, slot + 1 (oversize: dropped) and the
    # model's largest frame; a ring of one slot puts every copy against the ring's end
    Family("boundary lengths", sizes=(1, 2), max_frames=2, waits=(False,),
           lengths=(0, 63, 64, 65, 8192)),
    # one batch loses >= 2 frames to a full ring (size 1: 3 frames -> 2 dropped; size 2: 4 -> 2)
    Family("batched overflow", sizes=(1, 2), min_frames=3, max_frames=4, batch=4, cons_batch=2),
)


@dataclass
class ProofRow:
    protocol: str
    mm: str
    bound: int
    family: Family
    workloads: int = 0
    executions: int = 0
    violations: int = 0
    exhausted: bool = True
    seconds: float = 0.0
    coverage: set = field(default_factory=set)
    counterexample: Execution | None = None


def prove(protocol: str, mm: str, bound: int, family: Family, max_executions: int = 0,
          progress: bool = True, variant: str = "fixed") -> ProofRow:
    row = ProofRow(protocol, mm, bound, family)
    prog = Progress(f"prove {protocol}/{mm} {family.name}", progress)
    for w in family.workloads(protocol, mm, variant):
        ex = runtime.explore(w, bound, max_executions)
        row.workloads += 1
        row.executions += ex.stats.executions
        row.violations += ex.stats.violations
        row.exhausted &= ex.stats.exhausted
        row.seconds += ex.stats.seconds
        row.coverage.update(ex.stats.coverage_names())
        if ex.counterexample is not None and row.counterexample is None:
            row.counterexample = ex.counterexample
        prog.tick(row.executions, w.label())
    prog.done()
    return row


def proof_statement(protocol: str, family: Family, rows: list[ProofRow]) -> str:
    mine = [r for r in rows if r.protocol == protocol and r.family == family]
    n = sum(r.executions for r in mine)
    v = sum(r.violations for r in mine)
    ok = all(r.exhausted for r in mine)
    mms = "/".join(r.mm for r in mine)
    bounds: dict[int, list[str]] = {}
    for r in mine:
        bounds.setdefault(r.bound, []).append(r.mm)
    if len(bounds) <= 1:
        bound = f"preemptions <= {mine[0].bound if mine else 0}"
    else:
        bound = "preemptions " + ", ".join(f"<= {b} ({'/'.join(m)})" for b, m in bounds.items())
    return (f"{protocol}, {mms}, {family.describe(protocol)}, {bound} "
            f"(reduced encoding): "
            f"{n} executions, {v} violations" +
            ("" if ok else " (NOT exhausted: an execution budget was hit, this is no proof)"))


# ---- unbounded proofs (DPOR) --------------------------------------------------------------------
@dataclass
class DporRow:
    workload: Workload
    executions: int
    violations: int
    exhausted: bool
    seconds: float
    counterexample: Execution | None

    @property
    def statement(self) -> str:
        w = self.workload
        what = (f"all interleavings, no preemption bound (DPOR): {self.executions} executions, "
                f"{self.violations} violations")
        if self.counterexample is not None:
            cex = self.counterexample
            return (f"{w.label()}: VIOLATION {cex.violation.prop} after {self.executions} "
                    f"executions (DPOR); replay: python -m pyharness replay {cex.case.token()}")
        return (f"{w.label()}: {what}" if self.exhausted else
                f"{w.label()}: NOT exhausted after {self.executions} executions (no proof)")


def _one(proto: str, mm: str, frames: int, waits: bool) -> Workload:
    return Workload(protocol=proto, memory_model=mm, size=2, waits=waits,
                    producers=(tuple((8, k) for k in range(frames)),))


def _two(proto: str, mm: str, waits: bool, frames: int = 1) -> Workload:
    """Two producers (distinct bytes) on one interface: the registry's plock, its users count and
    both producers' pushes against one consumer."""
    return Workload(protocol=proto, memory_model=mm, size=2, waits=waits,
                    producers=tuple(tuple((8, 16 * p + k) for k in range(frames)) for p in range(2)))


# Workloads DPOR exhausts (docs/harness.md "DPOR" has the figures): one producer, and since the
# idle consumer waits on what its poll read, spins and ends are dependent only through what they
# touch, the registry's users count is a blind add and a delivery depends on a push's result only
# where the reference model's verdict does, two producers too: x 1 frame (SC; TSO ~126 000
# executions) and v2 SC 2 producers x 2 frames (~2.1M executions, about a minute: the longest).
# Not here: 2 frames under TSO with a sleeping consumer (1.2M executions, ~25 s) for time, under
# PSO (not within 3M), and v1 with 2 producers (not within 3M).
DPOR_PROOFS = (_one("v2", "SC", 1, False), _one("v2", "SC", 2, True), _one("v2", "TSO", 1, False),
               _one("v2", "TSO", 1, True), _one("v1", "SC", 1, False), _one("v2", "PSO", 1, True),
               _one("v3", "SC", 2, True), _two("v2", "SC", False), _two("v2", "SC", True),
               _two("v3", "SC", True), _two("v2", "TSO", False), _two("v2", "SC", False, 2))
# Not here: v3 under TSO/PSO with a sleeping consumer. DPOR did not exhaust it within 2M
# executions before the sleep sets (the HEAVY fence races with every buffered store, and the
# consumer's look before arming adds a step): v3 under TSO/PSO keeps its bounded proofs.


def prove_dpor(w: Workload, max_executions: int = 4_000_000) -> DporRow:
    t0 = time.perf_counter()
    ex = runtime.dpor(w, max_executions)
    st = ex.stats
    return DporRow(w, st.executions, st.violations, st.exhausted, time.perf_counter() - t0,
                   ex.counterexample)


# ---- litmus suite --------------------------------------------------------------------------------
@dataclass
class LitmusRow:
    test: str
    mm: str
    expected: int
    observed: int
    executions: int
    ok: bool


def run_litmus() -> list[LitmusRow]:
    """The litmus suite (pyharness/litmus.py) under every model, against herd7's outcome sets."""
    from . import litmus
    exp = litmus.expected()
    rows = []
    for t in litmus.TESTS:
        for mm in litmus.MODELS:
            o = litmus.run(t, mm)
            rows.append(LitmusRow(t.name, mm, len(exp[t.name][mm]), len(o.outcomes), o.executions,
                                  o.outcomes == exp[t.name][mm]))
    return rows


def litmus_line(rows: list[LitmusRow]) -> str:
    bad = [f"{r.test}/{r.mm}" for r in rows if not r.ok]
    tests = len({r.test for r in rows})
    return (f"{len(rows) - len(bad)}/{len(rows)} (test, model) pairs equal herd7's outcome sets "
            f"({tests} tests x {len(rows) // max(tests, 1)} models, "
            f"{sum(r.executions for r in rows)} executions)" +
            (f"; MISMATCH: {', '.join(bad)}" if bad else ""))


# ---- fuzz budget -------------------------------------------------------------------------------
@dataclass
class FuzzRow:
    label: str
    examples: int
    seconds: float
    found: Execution | None
    coverage: set


FUZZ_SPACE = ("fixed v1/v2/v3, SC/TSO/PSO, 1-3 producers x 1-3 frames, per-frame and batched, waits, "
              "unplug, kill")


def fuzz(max_examples: int, seed: int = 0, label: str = FUZZ_SPACE, strategy=None,
         progress: bool = True) -> FuzzRow:
    """Hypothesis over a space of Cases (default: the full workload space of the fixed protocols,
    all actors, all memory models). Any violation is a real bug in the shipped code."""
    seen: set = set()
    prog = Progress("fuzz", progress)
    t0 = time.perf_counter()
    res = hypo.search(strategy if strategy is not None
                      else cases(batches=(0, 0, 2, 3), cons_batches=(0, 2)), max_examples=max_examples,
                      seed=seed, progress=prog, observe=lambda ex: seen.update(ex.coverage))
    prog.done()
    return FuzzRow(label, res.examples, time.perf_counter() - t0, res.found, seen)


def failure_text(ex: Execution) -> str:
    return describe(ex)


# ---- the main job ---------------------------------------------------------------------------------
PROOF_BOUND = 3
ARM_PROOF_BOUND = 2


def run_proofs(bound: int, max_executions: int, log, arm_bound: int | None = None) -> list:
    """Every family x protocol x memory model; ARM's bound is arm_bound (default: bound)."""
    rows = []
    for fam in FAMILIES:
        for proto in ("v1", "v2", "v3"):
            for mm in MEMORY_MODELS:
                b = arm_bound if mm == "ARM" and arm_bound is not None else bound
                r = prove(proto, mm, b, fam, max_executions)
                rows.append(r)
                log(f"  {proto}/{mm} {fam.name}: {r.executions} executions, {r.violations} "
                    f"violations, {'exhausted' if r.exhausted else 'NOT exhausted'}, "
                    f"{r.seconds:.1f}s")
                if r.counterexample is not None:
                    log(describe(r.counterexample))
            log("  PROOF: " + proof_statement(proto, fam, rows))
    return rows


def log_dpor(rows: list, log) -> None:
    """One line per DPOR proof; a violation is named with its replay token and failure text, as
    the bounded engine's are."""
    for d in rows:
        log(f"  {'PROOF: ' if d.exhausted and not d.violations else ''}{d.statement} ({d.seconds:.1f}s)")
        if d.counterexample is not None:
            log(describe(d.counterexample))


def pct_section(runs: int, seed: int, log) -> tuple[list[str], bool]:
    """PCT: its probabilistic bound against a found bug (no_prod_fence, depth 2) and on the fixed
    build (depths 2 and 3). Returns the report's lines and whether both came out as expected."""
    lines = []
    w = Workload(protocol="v2", variant="no_prod_fence", memory_model="TSO", size=2,
                 producers=(((8, 0),),), waits=True)
    res = pct.run_pct(w, runs, 2, seed, stop_at_first=False)
    lines.append(f"{w.label()}: {res.runs} runs, depth 2: " +
                 (f"{res.hits} runs found {res.found.violation.prop} (first at run "
                  f"{res.first_run + 1}; observed {res.hits / res.runs:.2%} per run vs the "
                  f"bound's {res.bound.per_run:.2%})" if res.found else "not found") +
                 "; " + res.bound.statement())
    log("  " + lines[-1])
    clean = True
    for d in (2, 3):
        wf = Workload(protocol="v2", memory_model="PSO", size=2, waits=True,
                      producers=(((8, 0), (8, 1)), ((8, 2), (8, 3))))
        rf = pct.run_pct(wf, runs, d, seed, stop_at_first=True)
        clean &= rf.found is None
        lines.append(f"{wf.label()} (fixed): {rf.runs} runs, depth {d}: " +
                     ("no violation" if rf.found is None else
                      f"VIOLATION {rf.found.violation.prop}") + "; " + rf.bound.statement())
        log("  " + lines[-1])
        if rf.found is not None:
            log(describe(rf.found))
    return lines, res.found is not None and clean


def main_job(out: Path, examples: int = 3000, seed: int = 0, bound: int = PROOF_BOUND,
             arm_bound: int = ARM_PROOF_BOUND, max_executions: int = 0, fuzz_examples: int = 10000,
             pct_runs: int = 1000, log=print) -> tuple[Path, str, bool]:
    """Every part in order, progress through log; writes out/report.md (and the zoo's timelines
    under out/). Returns (the report's path, the summary with the verdict, verdict)."""
    from . import report   # report.py renders these rows (and imports this module)
    t0 = time.perf_counter()
    log("== bug zoo (Hypothesis: find, shrink, replay; fixed build and stronger models: exhaustive)")
    zrows = run_zoo(ZOO, examples, seed, outdir=out, log=log)
    log(f"== proofs (exhaustive engine, preemptions <= {bound}; ARM <= {arm_bound})")
    prows = run_proofs(bound, max_executions, log, arm_bound)
    log("== litmus suite (SC/TSO/PSO/ARM outcome sets vs herd7's, docs/memory-models.md)")
    lrows = run_litmus()
    log("  " + litmus_line(lrows))
    log("== proofs without a preemption bound (DPOR)")
    drows = [prove_dpor(w) for w in DPOR_PROOFS]
    log_dpor(drows, log)
    log("== fuzz budget (Hypothesis over the fixed protocols)")
    frows = [fuzz(fuzz_examples, seed)]
    log(f"  {frows[0].examples} examples, "
        f"{'no violation' if frows[0].found is None else frows[0].found.violation.prop}")
    log("== PCT")
    pct_lines, pct_ok = pct_section(pct_runs, seed, log)
    elapsed = time.perf_counter() - t0
    text = report.render(zrows, prows, frows, pct_lines, elapsed, drows, pct_ok, base=out,
                         litmus=lrows)
    path = report.write(text, out / "report.md")
    summary, ok = report.summary(zrows, prows, frows, drows, pct_ok, elapsed, litmus=lrows)
    return path, summary, ok
