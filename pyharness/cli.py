"""python -m pyharness {fuzz,explore,pct,replay,zoo,report,litmus,bench,thirdparty}: the harness from the shell.

fuzz, explore, pct, zoo and report print progress on stderr while they run (replay, litmus and
bench print their results as they come); fuzz, explore, pct, zoo and report end with a summary
table. A found violation is printed as the step table + replay token (see failure.py). Exit status: 0 when every
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
from .model import MAX_FRAME_LEN, MAX_FRAMES, MAX_HOSTILE, VARIANTS
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
        if not vals:
            raise argparse.ArgumentTypeError(f"empty: name at least one of {', '.join(choices)}")
        return tuple(vals)
    return parse


# Limits of what the model runtime runs (pyharness/model.py, c/model/model.h), checked on the
# command line and in replay tokens so that a workload is run as written or refused in one line.
MAX_LOCK_RETRIES = 4096          # test-and-set attempts per v1 lock (shipped: 64)
MAX_CHOICES = 1 << 20            # schedule length of a token
PCT_MAX_DEPTH = 20               # beyond a handful the bound 1/(n*k^(d-1)) says nothing


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_workload(w: Workload, what: str = "workload") -> Workload:
    """Types and ranges of every field (a replay token is JSON anyone can edit): a UsageError
    naming the field, or the workload unchanged."""
    def need(ok: bool, msg: str):
        if not ok:
            raise UsageError(f"{what}: {msg}")

    for f in ("protocol", "variant", "memory_model", "kill"):
        need(isinstance(getattr(w, f), str), f"{f} must be a string, not {getattr(w, f)!r}")
    for f in ("waits", "unplug", "reduce"):
        need(isinstance(getattr(w, f), bool), f"{f} must be true or false, not {getattr(w, f)!r}")
    for f in ("size", "slotsize", "start_index", "lock_retries", "batch", "cons_batch", "hostile"):
        need(_is_int(getattr(w, f)), f"{f} must be an integer, not {getattr(w, f)!r}")
    need(w.variant in VARIANTS, f"unknown variant {w.variant!r}; known: {', '.join(VARIANTS)}")
    need(0 <= w.start_index <= 0xFFFF, f"start_index {w.start_index}: want 0..65535 (a u16 index)")
    need(0 <= w.lock_retries <= MAX_LOCK_RETRIES,
         f"lock_retries {w.lock_retries}: want 0 (the shipped 64) .. {MAX_LOCK_RETRIES}")
    for f in ("batch", "cons_batch"):
        need(0 <= getattr(w, f) <= MAX_FRAMES, f"{f} {getattr(w, f)}: want 0..{MAX_FRAMES}")
    for p, frames in enumerate(w.producers):
        need(1 <= len(frames) <= MAX_FRAMES,
             f"producer {p} has {len(frames)} frames: want 1..{MAX_FRAMES}")
        for n, seed in frames:
            need(0 <= n <= MAX_FRAME_LEN, f"frame length {n}: want 0..{MAX_FRAME_LEN}")
            need(0 <= seed <= 255, f"frame seed {seed}: want 0..255")
    need(0 <= w.hostile <= MAX_HOSTILE, f"hostile {w.hostile}: want 0..{MAX_HOSTILE}")
    need(not w.hostile or (w.protocol != "2012" and not w.waits and not w.unplug and
                           w.kill == "none"),
         "a hostile peer replaces the consumer of a v1/v2 ring: no waits, unplug or kill with it")
    need(not (w.kill == "producer0" and len(w.producers) > 1),
         "killing a producer while another runs is not a scenario the registry promises anything "
         "about (it may die holding the producer lock): kill the consumer, or use one producer")
    return w


def case_from_token(token: str) -> Case:
    """A replay token decoded and checked: a UsageError saying what is wrong, never a traceback."""
    try:
        case = Case.from_token(token)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        msg = str(e) if str(e).startswith(("not a replay token", "corrupt replay token")) else \
            f"corrupt replay token: a field has the wrong type ({e})" if isinstance(e, TypeError) \
            else f"corrupt replay token: {e}"
        raise UsageError(msg) from None
    check_workload(case.workload, "replay token")
    if len(case.choices) > MAX_CHOICES or any(c < 0 or c > 0xFFFFFFFF for c in case.choices):
        raise UsageError(f"replay token: schedule of {len(case.choices)} choices, each 0..2^32-1 "
                         f"and at most {MAX_CHOICES} of them")
    return case


def _workload_args(p):
    p.add_argument("--protocol", default="v2", choices=PROTOCOLS)
    p.add_argument("--mm", default="SC", choices=MEMORY_MODELS, help="memory model")
    p.add_argument("--variant", default="fixed", type=_variant,
                   help="build variant (a zoo switch or 'fixed')")
    p.add_argument("--size", type=_int(1), default=2, help="ring slots (a power of two)")
    p.add_argument("--frames", type=_int(1, MAX_FRAMES), default=2, help="frames per producer")
    p.add_argument("--producers", type=_int(1, 3), default=1)
    p.add_argument("--len", type=_int(0, MAX_FRAME_LEN), default=8, dest="length",
                   help="frame length")
    p.add_argument("--waits", action="store_true", help="consumer sleeps on the event channel")
    p.add_argument("--unplug", action="store_true", help="an unplugger actor runs concurrently")
    p.add_argument("--kill", default="none", choices=KILL_TARGETS)
    p.add_argument("--start", type=_int(0, 0xFFFF), default=0,
                   help="initial ring index (wrap coverage)")
    p.add_argument("--hostile", type=_int(0, MAX_HOSTILE), default=0,
                   help="replace the consumer by a hostile peer making this many stores")


def _workload(a) -> Workload:
    prods = tuple(tuple((a.length, 16 * p + k) for k in range(a.frames))
                  for p in range(a.producers))
    try:
        w = Workload(protocol=a.protocol, variant=a.variant, memory_model=a.mm, size=a.size,
                     producers=prods, waits=a.waits, unplug=a.unplug, kill=a.kill,
                     start_index=a.start, hostile=a.hostile)
    except ValueError as e:
        raise UsageError(f"invalid workload: {e}") from None
    return check_workload(w, "invalid workload")


def _write_svg(ex, path: Path) -> Path:
    try:
        return svg.write(ex, path)
    except OSError as e:
        raise UsageError(f"cannot write the timeline to {path}: {e.strerror or e}") from None


def _show_failure(ex, name: str) -> Path:
    print(describe(ex))
    path = _write_svg(ex, REPORTS / "tmp" / "cli" / campaign.svg_name(name))
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


def _counting(search, variant: str, label: str):
    """Runs search() (one long C call) with a progress line on stderr: executions, rate, elapsed
    (the model calls back after every execution)."""
    prog, n, t0 = Progress(label, True), [0], time.perf_counter()

    def tick(_result):
        n[0] += 1
        prog.tick(n[0], f"executions, {time.perf_counter() - t0:.0f} s elapsed")
    try:
        return runtime.each_result(search, tick, variant)
    finally:
        prog.done()


def cmd_explore(a) -> int:
    w = _workload(a)
    if a.dask:
        from . import distributed
        try:
            return distributed.cmd_explore(a, w)
        except (distributed.DaskSpecError, ValueError) as e:
            raise UsageError(str(e)) from None
    t0 = time.perf_counter()
    if a.dpor:
        # All interleavings (no preemption bound), one per equivalence class or so.
        ex = _counting(lambda: runtime.dpor(w, a.max_executions), w.variant, "explore (DPOR)")
        bound, scope, tag = "unbounded (DPOR)", "all interleavings (DPOR)", "explore-dpor-"
    else:
        ex = _counting(lambda: runtime.explore(w, a.preemptions, a.max_executions), w.variant,
                       "explore")
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
    from . import thirdparty
    if a.token.startswith(thirdparty.TOKEN_PREFIX):
        from . import tp_replay
        return tp_replay.main(a, UsageError)
    case = case_from_token(a.token)
    if a.mm:
        case = Case(case.workload.with_(memory_model=a.mm), case.choices)
    if a.variant:
        case = Case(case.workload.with_(variant=a.variant), case.choices)
    ex = runtime.run(case)
    print(describe(ex, limit=None))
    path = _write_svg(ex, Path(a.svg) if a.svg else
                      REPORTS / "tmp" / "replay" / campaign.svg_name(case.token()))
    print(f"timeline: {path}")
    if a.emit_c:
        from . import emit, emit_mn
        emit.write_reproducer(emit_mn.emit, case, a.emit_c, UsageError)
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


def cmd_report(a) -> int:
    log = lambda s: print(s, flush=True)
    path, summary, ok = campaign.main_job(
        Path(a.out), examples=a.examples, seed=a.seed, bound=a.bound,
        arm_bound=a.bound if a.full else min(a.arm_bound, a.bound),
        max_executions=a.max_executions, fuzz_examples=a.fuzz, pct_runs=a.pct_runs, log=log)
    # The output ends with the summary and the verdict; the details (tables, every zoo
    # counterexample) are in the file the last line names.
    print()
    print(summary)
    print(f"details: {path}")
    return 0 if ok else 1


def cmd_litmus(a) -> int:
    from pathlib import Path

    from . import litmus
    if a.emit_herd:
        files = litmus.emit_herd(Path(a.emit_herd))
        print(f"{len(files)} files in {a.emit_herd} (AArch64/, X86/, RISCV/, pso.cat)")
        return 0
    if a.update:
        if not a.herd:
            raise UsageError("--update needs --herd PATH (a herd7 binary)")
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            print(f"wrote {litmus.update_expected(a.herd, a.herd_lib, Path(d))}")
    tests = litmus.TESTS
    if a.names:
        unknown = [n for n in a.names if n not in litmus.BY_NAME]
        if unknown:
            raise UsageError(f"unknown test {', '.join(unknown)}; known: "
                             f"{', '.join(litmus.BY_NAME)}")
        tests = [litmus.BY_NAME[n] for n in a.names]
    exp = litmus.expected()
    bad = 0
    print(f"{'test':<18} {'model':<5} {'expected':>8} {'observed':>8} {'weak?':>6} "
          f"{'executions':>10}  verdict")
    for t in tests:
        for mm in a.mms:
            o = litmus.run(t, mm)
            e = exp[t.name][mm]
            ok = o.outcomes == e
            bad += not ok
            weak = "yes" if len(e) > len(exp[t.name]["SC"]) else "-"
            print(f"{t.name:<18} {mm:<5} {len(e):>8} {len(o.outcomes):>8} {weak:>6} "
                  f"{o.executions:>10}  {'ok' if ok else 'MISMATCH'}", flush=True)
            if not ok:
                for out in sorted(e - o.outcomes):
                    print(f"    missing (allowed, never produced): {litmus.fmt(t, out)}")
                for out in sorted(o.outcomes - e):
                    print(f"    extra (forbidden, produced): {litmus.fmt(t, out)}")
        rv = exp[t.name].get("RVWMO")
        if rv is not None and "ARM" in a.mms and not rv <= exp[t.name]["ARM"]:
            bad += 1
            print(f"    RVWMO allows what ARM does not: "
                  f"{[litmus.fmt(t, o) for o in sorted(rv - exp[t.name]['ARM'])]}")
    total = len(tests) * len(a.mms)
    print(f"{total - bad}/{total} (test, model) pairs equal the published models' outcome sets"
          + ("" if not bad else f"; {bad} MISMATCH"))
    return 1 if bad else 0


def cmd_thirdparty(a) -> int:
    from . import tp_campaign
    return tp_campaign.main(full=a.full, only=a.only, verbose=a.verbose)


def cmd_bench(a) -> int:
    if a.dpor:
        from . import bench_dpor
        return bench_dpor.main(a.budget)
    from . import bench
    return bench.main(a)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pyharness", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("fuzz", help="Hypothesis search over workloads + schedules")
    p.add_argument("--protocols", type=_csv(PROTOCOLS), default=("v1", "v2", "v3"))
    p.add_argument("--mms", type=_csv(MEMORY_MODELS), default=MEMORY_MODELS)
    p.add_argument("--variant", default="fixed", type=_variant)
    p.add_argument("--examples", type=_int(1), default=2000)
    p.add_argument("--max-producers", type=_int(1, 3), default=3)
    p.add_argument("--max-frames", type=_int(1, MAX_FRAMES), default=3)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_fuzz)

    p = sub.add_parser("explore", help="exhaustive bounded search (a proof within bounds)")
    _workload_args(p)
    p.add_argument("--preemptions", type=_int(0), default=2)
    p.add_argument("--max-executions", type=_int(0), default=0, help="0 = no limit")
    p.add_argument("--dpor", action="store_true",
                   help="dynamic partial-order reduction: all interleavings, no preemption bound "
                        "(--preemptions is ignored; runs unreduced)")
    p.add_argument("--dask", metavar="SPEC",
                   help="split the search by schedule prefix over Dask workers: local:N (a "
                        "LocalCluster) or tcp://HOST:8786 (a running dask scheduler)")
    p.add_argument("--split-depth", type=_int(1, 64), default=6,
                   help="--dask: decisions fixed per subtree (more: more, smaller tasks)")
    p.set_defaults(fn=cmd_explore)

    p = sub.add_parser("pct", help="PCT runs (random priorities + d-1 change points)")
    _workload_args(p)
    p.add_argument("--runs", type=_int(1), default=1000)
    p.add_argument("--depth", type=_int(1, PCT_MAX_DEPTH), default=2)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_pct)

    p = sub.add_parser("replay", help="replay a token: same step table, SVG timeline")
    p.add_argument("token")
    p.add_argument("--mm", choices=MEMORY_MODELS, help="replay the schedule under another model")
    p.add_argument("--variant", type=_variant, help="replay on another build variant (e.g. fixed)")
    p.add_argument("--svg", help="where to write the timeline")
    p.add_argument("--emit-c", metavar="DIR",
                   help="write a self-contained C reproducer (make builds and runs it) to DIR")
    p.set_defaults(fn=cmd_replay)

    p = sub.add_parser("zoo", help="find, shrink and replay the bug-zoo cases")
    p.add_argument("names", nargs="*", help=f"short names: {', '.join(zoo.BY_NAME)}")
    p.add_argument("--examples", type=_int(1), default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-v", "--verbose", action="store_true", help="print each counterexample")
    p.set_defaults(fn=cmd_zoo)

    p = sub.add_parser("report", help="the default campaign: zoo + proofs + fuzz + PCT")
    p.add_argument("--examples", type=_int(1), default=3000, help="zoo search budget per case")
    p.add_argument("--bound", type=_int(0), default=campaign.PROOF_BOUND, help="proof preemption bound")
    p.add_argument("--arm-bound", type=_int(0), default=campaign.ARM_PROOF_BOUND,
                   help="the ARM proofs' bound (its weak choices multiply the schedules)")
    p.add_argument("--full", action="store_true",
                   help=f"the ARM proofs at --bound too (about 10 min more on 2 cores)")
    p.add_argument("--max-executions", type=_int(0), default=0,
                   help="per-workload execution budget of the proofs (0 = none)")
    p.add_argument("--fuzz", type=_int(1), default=10000, help="fuzz budget (examples)")
    p.add_argument("--pct-runs", type=_int(1), default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(REPORTS),
                   help=f"directory of report.md and the zoo's timelines (default: {REPORTS}; "
                        f"$MNETIF_REPORT_DIR sets it)")
    p.set_defaults(fn=cmd_report)

    p = sub.add_parser("litmus", help="the litmus suite under SC/TSO/PSO/ARM vs herd7's outcomes")
    p.add_argument("names", nargs="*", help="tests (default: all)")
    p.add_argument("--mms", type=_csv(MEMORY_MODELS), default=MEMORY_MODELS)
    p.add_argument("--emit-herd", metavar="DIR", help="write the tests for herd7 and exit")
    p.add_argument("--herd", help="a herd7 binary, for --update")
    p.add_argument("--herd-lib", help="herd7's libdir (-I), if it does not find it itself")
    p.add_argument("--update", action="store_true",
                   help="rerun herd7 on every test and rewrite litmus_expected.json first")
    p.set_defaults(fn=cmd_litmus)
    p = sub.add_parser("thirdparty", help="other people's rings (ck, Xen, io_uring, virtio): "
                                          "proofs and rediscovered bugs")
    p.add_argument("--full", action="store_true", help="bigger bounds and workloads (minutes)")
    p.add_argument("--only", default="", help="rows whose build or ring contains this")
    p.add_argument("-v", "--verbose", action="store_true", help="print every counterexample")
    p.set_defaults(fn=cmd_thirdparty)

    p = sub.add_parser("bench", help="harness figures (executions/s, examples/s, zoo times)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--dpor", action="store_true",
                   help="only the DPOR figures: source sets vs FG05 + sleep sets (section of the report)")
    p.add_argument("--budget", type=int, default=1_000_000,
                   help="--dpor: executions per workload and algorithm")
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
    except OSError as e:             # a file the command writes (report, timeline): one line
        print(f"python -m pyharness {a.cmd}: error: {e}", file=sys.stderr)
        return 2


def console() -> None:
    """The `pyharness` command an installed package provides (= python -m pyharness)."""
    sys.exit(main())
