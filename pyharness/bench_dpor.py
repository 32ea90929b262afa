"""DPOR figures (a benchmark program): source sets + sleep sets with the refined dependency (the
default, c/model/rt/dpor.c) vs Flanagan-Godefroid + sleep sets (rt_dpor_mode(rt, RT_DPOR_SLEEP),
the default before), on the workloads of `campaign.DPOR_PROOFS` (make report's unbounded proofs),
2 producers x 2 frames and 2 frames under TSO/PSO with a sleeping consumer. `python -m pyharness
bench --dpor [--budget N]`: prints the table and writes it as the section "DPOR" of
reports/harness_bench.md (the rest is kept)."""
from __future__ import annotations

import time

from . import campaign, model, runtime
from .progress import table
from .workload import Workload

HEADER = "## DPOR: source sets vs Flanagan-Godefroid + sleep sets"
OLD, NEW = "sleep", model.DPOR_DEFAULT      # model.DPOR_MODES

# beyond make report's proofs: the ones issue 13 names (2 producers; 2 frames under TSO/PSO with
# a sleeping consumer)
EXTRA = (Workload(protocol="v2", memory_model="SC", size=2,
                  producers=(((8, 0), (8, 1)), ((8, 16), (8, 17)))),
         Workload(protocol="v2", memory_model="TSO", size=2, waits=True,
                  producers=(((8, 0), (8, 1)),)),
         Workload(protocol="v2", memory_model="PSO", size=2, waits=True,
                  producers=(((8, 0), (8, 1)),)))


def measure(w: Workload, mode: str, budget: int) -> tuple[int, float, bool, int]:
    model.dpor_mode(mode, w.variant)
    try:
        t0 = time.perf_counter()
        ex = runtime.dpor(w, budget)
        return ex.stats.executions, time.perf_counter() - t0, ex.stats.exhausted, \
            ex.stats.violations
    finally:
        model.dpor_mode(model.DPOR_DEFAULT, w.variant)


def cell(n: int, s: float, exhausted: bool, violations: int) -> str:
    what = "proof" if exhausted and not violations else \
        f"{violations} VIOLATIONS" if violations else "NOT exhausted"
    return f"{n} ({s:.2f} s) {what}"


def rows(budget: int, log=print) -> list[tuple]:
    out = []
    for w in tuple(campaign.DPOR_PROOFS) + tuple(w for w in EXTRA
                                                 if w not in campaign.DPOR_PROOFS):
        old = measure(w, OLD, budget)
        new = measure(w, NEW, budget)
        # a budget hit makes the ratio a lower bound (the old one not done) or unknown
        ratio = ("-" if not new[2] or not new[0] else
                 f"{old[0] / new[0]:.1f}x" if old[2] else f">= {old[0] / new[0]:.1f}x")
        out.append((w.label(), cell(*old), cell(*new), ratio))
        log(out[-1])
    return out


def section(budget: int, log=print) -> str:
    r = rows(budget, log)
    return "\n".join([
        HEADER, "",
        f"Executions (seconds) to exhaust each workload, fixed build, 8-byte frames; budget "
        f"{budget} executions (\"NOT exhausted\": no proof). Command: `python -m pyharness bench "
        f"--dpor --budget {budget}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; 2 "
        f"cores shared with other jobs, so seconds vary by +-30 %; execution counts are exact).",
        "", table(r, ("workload", "FG05 + sleep sets (before)", "source sets (default)",
                     "executions saved")), ""])


def kept_section(path) -> str:
    """The DPOR section of an existing harness_bench.md ('' if none), for bench.main to keep."""
    try:
        text = path.read_text()
    except OSError:
        return ""
    i = text.find(HEADER)
    return "" if i < 0 else "\n" + text[i:].rstrip() + "\n"


def main(budget: int) -> int:
    out = campaign.FIGURES / "harness_bench.md"
    sec = section(budget)
    print(sec)
    old = out.read_text() if out.exists() else ""
    i = old.find(HEADER)
    base = (old[:i] if i >= 0 else old).rstrip()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text((base + "\n\n" if base else "") + sec)
    print(f"written to {out}")
    return 0
