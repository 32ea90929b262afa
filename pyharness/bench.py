"""Harness figures (a benchmark program, not a test): `python -m pyharness bench` (or `make
bench-harness`). Prints them and writes reports/harness_bench.md.

  1. exhaustive engine executions/s: 2 actors (1 producer, consumer), 2 frames, size-2 ring, SC
     (target >= 100 000/s), and the same under TSO/PSO;
  2. Hypothesis examples/s of a harness property (draw workload + schedule, run it in the model,
     check) vs a bare Hypothesis test with the same settings and the same strategy whose body does
     nothing (target >= 0.5x);
  3. time to find + shrink each bug-zoo case, over 5 Hypothesis seeds: median and worst (target
     < 2 s for the 2012 lost update, < 10 s each); the bounded-DFS cases (engine "explore") once;
  4. ARM (issue 10): executions/s under ARM vs SC for the 1-producer proof family, and the
     executions to prove v2 1 producer x 2 frames, size 2, sleeping consumer under ARM.
"""
from __future__ import annotations

import os
import platform
import time

from hypothesis import HealthCheck, Phase, given, settings

from . import bench_dpor, campaign, hypo, runtime, zoo
from .progress import table
from .strategies import cases
from .workload import Workload

OUT = campaign.FIGURES / "harness_bench.md"
SEEDS = (0, 1, 2, 3, 4)


def exhaustive_rate(mm: str, bound: int = 5, budget: int = 2_000_000) -> tuple[int, float, bool]:
    """A complete bounded search (SC, bound 5: ~340 000 executions) timed by the runtime."""
    w = Workload(protocol="v2", memory_model=mm, size=2, producers=(((8, 0), (8, 1)),))
    ex = runtime.explore(w, bound, budget)
    return ex.stats.executions, ex.stats.executions_per_second, ex.stats.exhausted


def _examples_per_s(body, n: int) -> float:
    strat = cases(protocols=("v2", "v1"), max_producers=2, max_frames=2)
    count = [0]

    @settings(max_examples=n, deadline=None, database=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    @given(strat)
    def t(case):
        count[0] += 1
        body(case)

    t0 = time.perf_counter()
    t()
    return count[0] / (time.perf_counter() - t0)


def hypothesis_rates(n: int) -> tuple[float, float]:
    def harness(case):
        ex = runtime.run(case, trace=False)
        assert ex.violation is None, ex.violation

    bare = _examples_per_s(lambda case: None, n)
    return _examples_per_s(harness, n), bare


def main(a) -> int:
    quick = getattr(a, "quick", False)
    lines = [f"# Harness figures ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{platform.node()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at "
             f"start, Python {platform.python_version()})", "",
             "Times are wall-clock: on a loaded machine every row, the bare Hypothesis test "
             "included, slows down alike; compare rows of one run.", ""]
    rows = []
    for mm in ("SC", "TSO", "PSO"):
        bound = 4 if quick or mm != "SC" else 5      # TSO/PSO: ~6x more schedules per bound
        n, rate, exh = exhaustive_rate(mm, bound=bound)
        rows.append((f"exhaustive, v2 1 producer x 2 frames + consumer, size 2, {mm}, "
                     f"preemptions <= {bound}",
                     f"{n} executions" + ("" if exh else " (budget)"),
                     f"{rate:,.0f} executions/s", ">= 100 000/s" if mm == "SC" else "-",
                     ("ok" if rate >= 100_000 else "MISSED") if mm == "SC" else "-"))
        print(rows[-1], flush=True)
    rates = {}
    for mm in ("SC", "ARM"):
        fam = campaign.FAMILIES[0]
        r = campaign.prove("v2", mm, 2, fam, progress=False)
        rates[mm] = r.executions / r.seconds if r.seconds else 0.0
        rows.append((f"1-producer proof family (v2, 36 workloads), {mm}, preemptions <= 2",
                     f"{r.executions} executions", f"{rates[mm]:,.0f} executions/s", "-",
                     "-" if r.exhausted and not r.violations else "FAIL"))
        print(rows[-1], flush=True)
    rows.append(("ratio ARM / SC executions/s (1-producer family)", "",
                 f"{rates['ARM'] / rates['SC']:.2f}x", "-", "-"))
    for bound in ((3,) if quick else (3, 4)):
        w = Workload(protocol="v2", memory_model="ARM", size=2, producers=(((8, 0), (8, 1)),),
                     waits=True, reduce=True)
        ex = runtime.explore(w, bound)
        rows.append((f"prove v2 1 producer x 2 frames, size 2, sleeping consumer, ARM, "
                     f"preemptions <= {bound}",
                     f"{ex.stats.executions} executions ({ex.stats.pruned} pruned)",
                     f"{ex.stats.seconds:.1f} s", "-",
                     "proof" if ex.proof else "NOT a proof"))
        print(rows[-1], flush=True)
    h, bare = hypothesis_rates(200 if quick else 1000)
    rows.append(("Hypothesis: harness property (v1/v2, <= 2 producers x 2 frames)", "",
                 f"{h:,.0f} examples/s", "", ""))
    rows.append(("Hypothesis: bare test, same strategy and settings, empty body", "",
                 f"{bare:,.0f} examples/s", "", ""))
    rows.append(("ratio harness / bare", "", f"{h / bare:.2f}x", ">= 0.5x",
                 "ok" if h / bare >= 0.5 else "MISSED"))
    print(rows[-1], flush=True)
    for z in zoo.ZOO:
        if not z.expect_bug:
            continue
        if z.engine == "explore":
            for mm in z.found_under:
                zr = campaign.hunt(z, mm, progress=False)
                rows.append((f"find {z.name} [{mm}] (bounded DFS, smallest workload first)",
                             f"{zr.search.examples} executions",
                             f"{zr.search.find_s:.2f} s", "< 10 s",
                             "ok" if zr.found and zr.search.find_s < 10 else "MISSED"))
                print(rows[-1], flush=True)
            continue
        for mm in z.found_under:
            target = 2.0 if z.name.startswith("LU+2012") else 10.0
            times, found = [], 0
            for seed in SEEDS:
                sr = hypo.search(z.strategy(mm), max_examples=5000, seed=seed, accept=z.accept)
                found += sr.found is not None
                times.append(sr.total_s if sr.found is not None else float("inf"))
            times.sort()
            med, worst = times[len(times) // 2], times[-1]
            rows.append((f"find + shrink {z.name} [{mm}]", f"{found}/{len(SEEDS)} seeds found",
                         f"median {med:.2f} s, max {worst:.2f} s", f"< {target:.0f} s",
                         "ok" if worst < target else "MISSED"))
            print(rows[-1], flush=True)
    text = "\n".join(lines + [table(rows, ("figure", "work", "measured", "target", "verdict"))])
    text += bench_dpor.kept_section(OUT)   # `bench --dpor` writes that section
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n")
    print(f"written to {OUT}")
    return 0
