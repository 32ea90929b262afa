"""python -m pyharness {fuzz,explore,pct,replay,zoo,report,bench}: the harness from the shell.

Every command prints progress on stderr while it runs and a summary table at the end; a found
violation is printed as the step table + replay token (see failure.py). Exit status: 0 when every
expectation holds (no violation in fuzz/explore/pct, every zoo case as expected), 1 otherwise.
Bad input (an impossible workload, a corrupt token, an unknown zoo case or variant, a count out
of range) is one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import campaign, pct, report, runtime, svg, zoo
from .failure import describe
from .progress import Progress, table
from .strategies import cases
from .model import VARIANTS
from .workload import KILL_TARGETS, MEMORY_MODELS, PROTOCOLS, Case, Workload

REPORTS = campaign.REPORTS


class UsageError(Exception):
    """Bad input on the command line (a workload that cannot exist, a corrupt token, an unknown
    zoo case): one line on stderr, exit status 2, no traceback."""


def _int(lo: int, hi: int | None = None):
    """argparse type: an integer in [lo, hi]."""
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{s!r} is not an integer") from None
        if v < lo or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(
                f"{v} out of range: want {lo} <= n" + (f" <= {hi}" if hi is not None else ""))
        return v
    return parse


def _variant(s: str) -> str:
    if s not in VARIANTS:
        raise argparse.ArgumentTypeError(f"unknown variant {s!r}; known: {', '.join(VARIANTS)}")
    return s


def _csv(choices):
    def parse(s):
        vals = [v.strip() for v in s.split(",") if v.strip()]
        bad = [v for v in vals if v not in choices]
        if bad:
            raise argparse.ArgumentTypeError(f"{bad} not in {choices}")
        return tuple(vals)
    return parse


def _workload_args(p):
    p.add_argument("--protocol", default="v2", choices=PROTOCOLS)
    p.add_argument("--mm", default="SC", choices=MEMORY_MODELS, help="memory model")
    p.add_argument("--variant", default="fixed", type=_variant,
                   help="build variant (a zoo switch or 'fixed')")
    p.add_argument("--size", type=_int(1), default=2, help="ring slots (a power of two)")
    p.add_argument("--frames", type=_int(1), default=2, help="frames per producer")
    p.add_argument("--producers", type=_int(1, 3), default=1)
    p.add_argument("--len", type=_int(0), default=8, dest="length", help="frame length")
    p.add_argument("--waits", action="store_true", help="consumer sleeps on the event channel")
    p.add_argument("--unplug", action="store_true", help="an unplugger actor runs concurrently")
    p.add_argument("--kill", default="none", choices=KILL_TARGETS)
    p.add_argument("--start", type=_int(0, 0xFFFF), default=0,
                   help="initial ring index (wrap coverage)")


def _workload(a) -> Workload:
    prods = tuple(tuple((a.length, 16 * p + k) for k in range(a.frames))
                  for p in range(a.producers))
    try:
        return Workload(protocol=a.protocol, variant=a.variant, memory_model=a.mm, size=a.size,
                        producers=prods, waits=a.waits, unplug=a.unplug, kill=a.kill,
                        start_index=a.start)
    except ValueError as e:
        raise UsageError(f"invalid workload: {e}") from None


def _show_failure(ex, name: str) -> Path:
    print(describe(ex))
    path = svg.write(ex, REPORTS / "tmp" / "cli" / campaign.svg_name(name))
    print(f"timeline: {path}")
    return path


def cmd_fuzz(a) -> int:
    strat = cases(protocols=a.protocols, memory_models=a.mms, variant=a.variant,
                  max_producers=a.max_producers, max_frames=a.max_frames)
    row = campaign.fuzz(a.examples, a.seed, strategy_label(a), strat)
    print(table([(row.label, row.examples, f"{row.seconds:.1f}",
                  f"{row.examples / max(row.seconds, 1e-9):,.0f}",
                  "none" if row.found is None else row.found.violation.prop,
                  ", ".join(sorted(row.coverage)))],
                ("space", "examples", "seconds", "examples/s", "violation", "states reached")))
    if row.found is not None:
        _show_failure(row.found, "fuzz-" + row.found.case.workload.label())
        return 1
    return 0


def strategy_label(a) -> str:
    return (f"{a.variant} {'/'.join(a.protocols)}, {'/'.join(a.mms)}, <= {a.max_producers} "
            f"producers x {a.max_frames} frames")


def cmd_explore(a) -> int:
    w = _workload(a)
    t0 = time.perf_counter()
    if a.dpor:
        # All interleavings (no preemption bound), one per equivalence class or so.
        ex = runtime.dpor(w, a.max_executions)
        bound, scope, tag = "unbounded (DPOR)", "all interleavings (DPOR)", "explore-dpor-"
    else:
        ex = runtime.explore(w, a.preemptions, a.max_executions)
        bound, scope, tag = a.preemptions, f"preemptions <= {a.preemptions}", "explore-"
    w, st = ex.workload, ex.stats
    print(table([(w.label(), bound, st.executions, st.violations,
                  "yes" if st.exhausted else "NO", f"{time.perf_counter() - t0:.2f}",
                  f"{st.executions_per_second:,.0f}", ", ".join(st.coverage_names()))],
                ("workload", "preemptions <=", "executions", "violations", "exhausted",
                 "seconds", "executions/s", "states reached")))
    if ex.counterexample is not None:
        _show_failure(ex.counterexample, tag + w.label())
        return 1
    if st.exhausted:
        print(f"PROOF: {w.label()}, {scope}: {st.executions} executions, 0 violations")
        return 0
    print(f"no proof: execution budget {a.max_executions} hit before the search was exhausted")
    return 1


def cmd_pct(a) -> int:
    w = _workload(a)
    prog = Progress("pct", True)
    res = pct.run_pct(w, a.runs, a.depth, a.seed, prog)
    prog.done()
    print(table([(w.label(), res.runs, a.depth, res.n, res.k, f"{res.seconds:.2f}",
                  "none" if res.found is None else
                  f"{res.found.violation.prop} (run {res.first_run + 1})")],
                ("workload", "runs", "depth d", "entities n", "steps k", "seconds", "violation")))
    print(res.bound.statement())
    if res.found is not None:
        _show_failure(res.found, "pct-" + w.label())
        return 1
    return 0


def cmd_replay(a) -> int:
    try:
        case = Case.from_token(a.token)
        if a.mm:
            case = Case(case.workload.with_(memory_model=a.mm), case.choices)
        if a.variant:
            case = Case(case.workload.with_(variant=a.variant), case.choices)
    except ValueError as e:
        raise UsageError(str(e)) from None
    ex = runtime.run(case)
    print(describe(ex, limit=None))
    path = svg.write(ex, Path(a.svg) if a.svg else
                     REPORTS / "tmp" / "replay" / campaign.svg_name(case.token()))
    print(f"timeline: {path}")
    return 1 if ex.violation else 0


def cmd_zoo(a) -> int:
    try:
        sel = tuple(zoo.get(n) for n in a.names) if a.names else zoo.ZOO
    except KeyError as e:
        raise UsageError(e.args[0]) from None
    t0 = time.perf_counter()
    rows = campaign.run_zoo(sel, a.examples, a.seed)
    print(report.zoo_table(rows))
    print(f"{sum(r.ok for r in rows)}/{len(rows)} as expected in {time.perf_counter() - t0:.1f}s;"
          f" timelines under {REPORTS / 'zoo'}")
    for r in rows:
        if r.expect == "found" and r.found is not None and a.verbose:
            print(f"\n### {r.case.name} ({r.mm})\n{describe(r.found)}")
    return 0 if all(r.ok for r in rows) else 1


PROOF_BOUND = 3


def run_proofs(bound: int, max_executions: int, log) -> list:
    rows = []
    for fam in campaign.FAMILIES:
        for proto in ("v1", "v2"):
            for mm in MEMORY_MODELS:
                r = campaign.prove(proto, mm, bound, fam, max_executions)
                rows.append(r)
                log(f"  {proto}/{mm} {fam.name}: {r.executions} executions, {r.violations} "
                    f"violations, {'exhausted' if r.exhausted else 'NOT exhausted'}, "
                    f"{r.seconds:.1f}s")
                if r.counterexample is not None:
                    log(describe(r.counterexample))
            log("  PROOF: " + campaign.proof_statement(proto, fam, rows))
    return rows


def cmd_report(a) -> int:
    t0 = time.perf_counter()
    log = lambda s: print(s, flush=True)
    log("== bug zoo (Hypothesis: find, shrink, replay; fixed build and stronger models: exhaustive)")
    zrows = campaign.run_zoo(zoo.ZOO, a.examples, a.seed, log=log)
    log(f"== proofs (exhaustive engine, preemptions <= {a.bound})")
    prows = run_proofs(a.bound, a.max_executions, log)
    log("== proofs without a preemption bound (DPOR)")
    drows = [campaign.prove_dpor(w) for w in campaign.DPOR_PROOFS]
    for d in drows:
        log(f"  {'PROOF: ' if d.exhausted and not d.violations else ''}{d.statement} ({d.seconds:.1f}s)")
    log("== fuzz budget (Hypothesis over the fixed protocols)")
    frows = [campaign.fuzz(a.fuzz, a.seed)]
    log(f"  {frows[0].examples} examples, "
        f"{'no violation' if frows[0].found is None else frows[0].found.violation.prop}")
    log("== PCT")
    pct_lines = []
    w = Workload(protocol="v2", variant="no_prod_fence", memory_model="TSO", size=2,
                 producers=(((8, 0),),), waits=True)
    res = pct.run_pct(w, a.pct_runs, 2, a.seed, stop_at_first=False)
    pct_lines.append(f"{w.label()}: {res.runs} runs, depth 2: " +
                     (f"{res.hits} runs found {res.found.violation.prop} (first at run "
                      f"{res.first_run + 1}; observed {res.hits / res.runs:.2%} per run vs the "
                      f"bound's {res.bound.per_run:.2%})" if res.found else "not found") +
                     "; " + res.bound.statement())
    log("  " + pct_lines[-1])
    clean = True
    for d in (2, 3):
        wf = Workload(protocol="v2", memory_model="PSO", size=2, waits=True,
                      producers=(((8, 0), (8, 1)), ((8, 2), (8, 3))))
        rf = pct.run_pct(wf, a.pct_runs, d, a.seed, stop_at_first=True)
        clean &= rf.found is None
        pct_lines.append(f"{wf.label()} (fixed): {rf.runs} runs, depth {d}: " +
                         ("no violation" if rf.found is None else
                          f"VIOLATION {rf.found.violation.prop}") + "; " + rf.bound.statement())
        log("  " + pct_lines[-1])
        if rf.found is not None:
            log(describe(rf.found))
    text = report.render(zrows, prows, frows, pct_lines, time.perf_counter() - t0, drows)
    path = report.write(text, REPORTS / "report.md")
    print()
    print(text)
    print(f"\nreport written to {path}")
    ok = all(r.ok for r in zrows) and all(r.violations == 0 and r.exhausted for r in prows) \
        and all(d.violations == 0 and d.exhausted for d in drows) \
        and all(f.found is None for f in frows) and res.found is not None and clean
    return 0 if ok else 1


def cmd_bench(a) -> int:
    from . import bench
    return bench.main(a)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pyharness", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("fuzz", help="Hypothesis search over workloads + schedules")
    p.add_argument("--protocols", type=_csv(PROTOCOLS), default=("v1", "v2"))
    p.add_argument("--mms", type=_csv(MEMORY_MODELS), default=MEMORY_MODELS)
    p.add_argument("--variant", default="fixed", type=_variant)
    p.add_argument("--examples", type=_int(1), default=2000)
    p.add_argument("--max-producers", type=_int(1, 3), default=3)
    p.add_argument("--max-frames", type=_int(1), default=3)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_fuzz)

    p = sub.add_parser("explore", help="exhaustive bounded search (a proof within bounds)")
    _workload_args(p)
    p.add_argument("--preemptions", type=_int(0), default=2)
    p.add_argument("--max-executions", type=_int(0), default=0, help="0 = no limit")
    p.add_argument("--dpor", action="store_true",
                   help="dynamic partial-order reduction: all interleavings, no preemption bound "
                        "(--preemptions is ignored; runs unreduced)")
    p.set_defaults(fn=cmd_explore)

    p = sub.add_parser("pct", help="PCT runs (random priorities + d-1 change points)")
    _workload_args(p)
    p.add_argument("--runs", type=_int(1), default=1000)
    p.add_argument("--depth", type=_int(1), default=2)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_pct)

    p = sub.add_parser("replay", help="replay a token: same step table, SVG timeline")
    p.add_argument("token")
    p.add_argument("--mm", choices=MEMORY_MODELS, help="replay the schedule under another model")
    p.add_argument("--variant", type=_variant, help="replay on another build variant (e.g. fixed)")
    p.add_argument("--svg", help="where to write the timeline")
    p.set_defaults(fn=cmd_replay)

    p = sub.add_parser("zoo", help="find, shrink and replay the bug-zoo cases")
    p.add_argument("names", nargs="*", help=f"short names: {', '.join(zoo.BY_NAME)}")
    p.add_argument("--examples", type=_int(1), default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-v", "--verbose", action="store_true", help="print each counterexample")
    p.set_defaults(fn=cmd_zoo)

    p = sub.add_parser("report", help="the default campaign: zoo + proofs + fuzz + PCT")
    p.add_argument("--examples", type=_int(1), default=3000, help="zoo search budget per case")
    p.add_argument("--bound", type=_int(0), default=PROOF_BOUND, help="proof preemption bound")
    p.add_argument("--max-executions", type=_int(0), default=0,
                   help="per-workload execution budget of the proofs (0 = none)")
    p.add_argument("--fuzz", type=_int(1), default=10000, help="fuzz budget (examples)")
    p.add_argument("--pct-runs", type=_int(1), default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_report)

    p = sub.add_parser("bench", help="harness figures (executions/s, examples/s, zoo times)")
    p.add_argument("--quick", action="store_true")
    p.set_defaults(fn=cmd_bench)

    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except UsageError as e:
        print(f"python -m pyharness {a.cmd}: error: {e}", file=sys.stderr)
        return 2
    except runtime.SetupError as e:
        print(f"invalid workload: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:          # `... | head`: the reader is gone, stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
