"""Model mode figure: exhaustive executions/s with the OCaml consumer as the actor vs the C
consumer, same workloads (preemption bound 2), same executions explored.
Run: python3 ocaml_shim/bench/model_rate.py  (or make bench-ocaml)"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pyharness import model, ocaml  # noqa: E402

print("| proto | memory model | executions | C consumer exec/s | OCaml consumer exec/s | OCaml/C |")
print("|---|---|---|---|---|---|")
for proto in ("v2", "v1"):
    for mm in ("sc", "tso", "pso"):
        w = model.Workload(proto=proto, mm=mm, nslots=2, frames=[[60, 60], [60]])
        so = ocaml.model_explore(w, preemptions=2)
        sc = model.explore(w, preemptions=2)
        assert so.executions == sc.executions and so.exhausted and so.violations == 0, (so, sc)
        print(f"| {proto} | {mm.upper()} | {so.executions} | {sc.executions_per_second:,.0f} | "
              f"{so.executions_per_second:,.0f} | {so.executions_per_second / sc.executions_per_second:.2f} |")
