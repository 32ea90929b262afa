"""Model mode figure: exhaustive executions/s with the OCaml consumer as the actor vs the C
consumer, same workloads (preemption bound 2), same executions explored; each search is repeated
REPS times, alternating the consumers, and the median rate is reported.
Run: python3 ocaml_shim/bench/model_rate.py  (or make bench-ocaml)"""
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from mnetif import ocaml  # noqa: E402
from pyharness import runtime  # noqa: E402
from pyharness.workload import Workload, frames  # noqa: E402

REPS = 7
print("| proto | memory model | executions | C consumer exec/s | OCaml consumer exec/s | OCaml/C |")
print("|---|---|---|---|---|---|")
for proto in ("v3", "v2", "v1"):
    for mm in ("SC", "TSO", "PSO"):
        w = Workload(protocol=proto, memory_model=mm, size=2, producers=frames([60, 60], [60]))
        rc, ro = [], []
        for _ in range(REPS):
            so = ocaml.model_explore(w, preemptions=2).stats
            sc = runtime.explore(w, 2).stats
            assert so.executions == sc.executions and so.exhausted and so.violations == 0, (so, sc)
            ro.append(so.executions_per_second)
            rc.append(sc.executions_per_second)
        c, o = statistics.median(rc), statistics.median(ro)
        print(f"| {proto} | {mm} | {so.executions} | {c:,.0f} | {o:,.0f} | {o / c:.2f} |")
