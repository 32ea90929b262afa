#!/usr/bin/env python3
"""Continuous-fuzzing entry point: libFuzzer (atheris) drives the harness's Hypothesis strategy of
Cases (workload + schedule, pyharness/strategies.py) through `fuzz_one_input`; every input is one
execution of the real ring code on the model build, checked by the runtime's oracles.

    python3 fuzz/fuzz_schedules.py -runs=20000                      # fixed v1/v2, SC/TSO/PSO
    python3 fuzz/fuzz_schedules.py --variant=2012_same_offset --protocols=2012 --mms=SC -runs=20000
    python3 fuzz/fuzz_schedules.py crash-<sha1>                     # libFuzzer: run one input again
    python3 fuzz/fuzz_schedules.py --to-token crash-<sha1>          # -> mn1.… for `pyharness replay`

Selection (what is fuzzed): `--variant`, `--protocols`, `--mms` (double-dash options: libFuzzer
ignores them), or the environment MNETIF_FUZZ_VARIANT / MNETIF_FUZZ_PROTOCOLS / MNETIF_FUZZ_MMS
(what a CI runner that passes no arguments uses). Default: the shipped build ("fixed"), v1 and v2,
SC/TSO/PSO, the campaign's fuzz space (1-3 producers, batches, waits, unplug, kill). Every other
argument goes to libFuzzer (-runs=N, -seed=S, -max_total_time=T, -artifact_prefix=DIR/, corpus
dirs, crash files).

A violation prints the usual failure text (property, step table, replay token) and raises
ScheduleViolation, so the crash log alone says how to replay; libFuzzer writes the input as
crash-<sha1>. An input's meaning depends on the selection and on the Hypothesis version (its
bytes are Hypothesis choices), so `--to-token` must be given the same selection: it prints the
self-contained mn1 token, which does not depend on either.

Feedback: the model runs in C, which libFuzzer does not see. So each execution reports what it
reached to libFuzzer as coverage: one counter per abstract state (ring full, wrap, contention,
sleep, ...), per violation, per (steps/8, preemptions) bucket. An input reaching a new state or
a longer interleaving is kept in the corpus and mutated further.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

if getattr(sys, "frozen", False):       # a PyInstaller bundle (ClusterFuzzLite's build.sh)
    BUNDLE = Path(sys._MEIPASS)          # pylint: disable=protected-access
    os.environ.setdefault("MNETIF_BUILD", str(BUNDLE / "build"))
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pyharness import runtime, zoo  # noqa: E402
from pyharness.failure import describe  # noqa: E402
from pyharness.model import VARIANTS  # noqa: E402
from mnetif.native import BuildMissing  # noqa: E402
from pyharness.strategies import cases  # noqa: E402
from pyharness.workload import MEMORY_MODELS, PROTOCOLS, Case, Workload  # noqa: E402

ENV = {"variant": "MNETIF_FUZZ_VARIANT", "protocols": "MNETIF_FUZZ_PROTOCOLS",
       "mms": "MNETIF_FUZZ_MMS", "zoo": "MNETIF_FUZZ_ZOO"}


# A Case consumes at most ~80 bytes (random 1 KiB inputs: median 39, max 77), so inputs up to
# 128 bytes from the start: libFuzzer's default grows the length limit slowly from a few bytes,
# too short for any Case (measured: coverage 6 vs 76 after 1500 runs on the fixed build; the
# 2012 lost update found after 500-1400 inputs instead of 3400-5200).
LIBFUZZER_DEFAULTS = ("-max_len=128", "-len_control=0")


class SelectionError(ValueError):
    """A selection that names no variant / protocol / memory model / zoo case of the harness."""


@dataclass(frozen=True)
class Selection:
    """What is fuzzed: a strategy of Cases, and which violations count as a crash."""
    label: str
    variant: str
    strategy: st.SearchStrategy
    accept: Callable[[runtime.Execution], bool]

    def check_build(self) -> None:
        """One execution before fuzzing: a missing model build is a setup error (one line),
        not the first 'crash' libFuzzer would report."""
        try:
            runtime.run(Case(Workload(variant=self.variant)), trace=False)
        except BuildMissing as e:
            raise SelectionError(f"{e} (the model builds: make fuzz-libs)") from None


def _listed(name: str, value: str, known) -> tuple[str, ...]:
    vals = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in vals if v not in known]
    if not vals or bad:
        raise SelectionError(f"{name} {value!r} ({ENV[name]} or --{name}): want a "
                             f"comma-separated subset of {', '.join(known)}")
    return vals


def selection(args) -> Selection:
    """The strategy from --options, else the environment, else the defaults. --zoo NAME fuzzes a
    bug-zoo case's workload family on its variant; only that case's violations are crashes."""
    raw = {k: getattr(args, k) or os.environ.get(env, "") for k, env in ENV.items()}
    if raw["zoo"]:
        if raw["variant"] or raw["protocols"]:
            raise SelectionError("--zoo names its own variant and protocol: drop "
                                 "--variant/--protocols (and their MNETIF_FUZZ_* variables)")
        try:
            case = zoo.get(raw["zoo"])
        except KeyError as e:
            raise SelectionError(f"{e.args[0]} ({ENV['zoo']} or --zoo)") from None
        mms = _listed("mms", raw["mms"], MEMORY_MODELS) if raw["mms"] else case.found_under
        return Selection(f"zoo {raw['zoo']} ({case.variant}, {case.protocol}, {'/'.join(mms)})",
                         case.variant, st.one_of([case.strategy(m) for m in mms]), case.accept)
    variant = raw["variant"] or "fixed"
    if variant not in VARIANTS:
        raise SelectionError(f"variant {variant!r} ({ENV['variant']} or --variant): "
                             f"want one of {', '.join(VARIANTS)}")
    protocols = _listed("protocols", raw["protocols"] or "v1,v2", PROTOCOLS)
    mms = _listed("mms", raw["mms"] or ",".join(MEMORY_MODELS), MEMORY_MODELS)
    # the campaign's fuzz space (campaign.fuzz), narrowed by the selection
    strategy = cases(protocols=protocols, memory_models=mms, variant=variant,
                     batches=(0, 0, 2, 3), cons_batches=(0, 2))
    return Selection(f"{variant} {'/'.join(protocols)} {'/'.join(mms)}", variant, strategy,
                     lambda ex: ex.violation is not None)


class ScheduleViolation(AssertionError):
    """An input whose execution violated a property (message: the property and the replay
    command; the full failure text is printed to stderr before it is raised)."""

    def __init__(self, ex: runtime.Execution):
        super().__init__(f"{ex.violation.prop}: python -m pyharness replay {ex.case.token()}")
        self.execution = ex


class Feedback:
    """Coverage counters for what the C model reached (libFuzzer sees only Python edges)."""

    def __init__(self):
        self._ids: dict = {}

    def hit(self, key) -> None:
        idx = self._ids.get(key)
        if idx is None:
            idx = self._ids[key] = atheris._reserve_counter()  # pylint: disable=protected-access
        atheris._trace_branch(idx)                             # pylint: disable=protected-access

    def execution(self, ex: runtime.Execution) -> None:
        for state in ex.coverage:
            self.hit(("state", state))
        if ex.violation is not None:
            self.hit(("violation", ex.violation.prop))
        preemptions = sum(1 for c in ex.case.choices if c)
        self.hit(("shape", min(ex.nsteps // 8, 64), min(preemptions, 8)))


def target(sel: Selection, feedback: Feedback | None = None, seen: list | None = None):
    """The Hypothesis test libFuzzer drives (one execution per input). seen, when given, gets
    each Case run (the --to-token converter)."""
    counts = {"inputs": 0, "executions": 0}

    @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(sel.strategy)
    def run_one(case):
        counts["executions"] += 1
        if seen is not None:
            seen.append(case)
        ex = runtime.run(case, trace=False)
        if feedback is not None:
            feedback.execution(ex)
        if ex.violation is not None and sel.accept(ex):
            ex = runtime.run(case)                          # again, with the step table
            # printed and flushed here: libFuzzer ends the process right after the exception
            print(f"fuzz_schedules: input #{counts['inputs']} (execution #{counts['executions']}) "
                  f"violates {ex.violation.prop}\n{describe(ex)}", file=sys.stderr, flush=True)
            raise ScheduleViolation(ex)

    fuzz_one_input = run_one.hypothesis.fuzz_one_input

    def one_input(data: bytes):
        # inputs Hypothesis rejects (too short for a Case) run nothing: counted apart
        counts["inputs"] += 1
        return fuzz_one_input(data)

    return one_input


def to_token(sel: Selection, path: str) -> int:
    """Prints the mn1 token of the Case a fuzz input decodes to (stdout) and whether it fails
    (stderr). Exit 0 when it decodes; 2 when these bytes are no input of this selection."""
    seen: list = []
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        print(f"fuzz_schedules: error: --to-token {path}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        target(sel, seen=seen)(data)
        verdict = "passes (no violation)"
    except ScheduleViolation as e:
        verdict = f"violates {e.execution.violation.prop}"
    if not seen:
        print(f"{path}: not an input of this selection ({sel.label})", file=sys.stderr)
        return 2
    print(seen[-1].token())
    print(f"{path}: {seen[-1].workload.label()}: {verdict}", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, allow_abbrev=False,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", help=f"build variant ({ENV['variant']}; default fixed)")
    ap.add_argument("--protocols", help=f"comma-separated ({ENV['protocols']}; default v1,v2)")
    ap.add_argument("--mms", help=f"memory models ({ENV['mms']}; default SC,TSO,PSO)")
    ap.add_argument("--zoo", help=f"a bug-zoo case, e.g. LU+2012 ({ENV['zoo']})")
    ap.add_argument("--to-token", metavar="FILE", help="print the replay token of a fuzz input")
    args, libfuzzer_args = ap.parse_known_args(argv[1:])
    try:
        sel = selection(args)
        sel.check_build()
    except SelectionError as e:
        print(f"fuzz_schedules: error: {e}", file=sys.stderr)
        return 2
    if args.to_token:
        return to_token(sel, args.to_token)
    print(f"fuzz_schedules: {sel.label}", file=sys.stderr)
    # given flags come after the defaults: libFuzzer keeps the last value of a flag
    atheris.Setup([argv[0], *LIBFUZZER_DEFAULTS, *libfuzzer_args], target(sel, Feedback()))
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
