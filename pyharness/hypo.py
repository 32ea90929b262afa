"""The Hypothesis engine outside pytest: search a strategy of Cases for a property violation, let
Hypothesis shrink it, and hand back the minimal failing Execution with find/shrink timings.

Inside pytest the same strategies are used directly with @given (property_tests/); this wrapper is
for the CLI, the bug-zoo campaign, the benchmark and users' workloads (usersearch.py: any runtime
whose cases are frozen dataclasses with a `choices` field, given as `run`).
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from . import runtime
from .runtime import Execution
from .workload import Case


class PropertyFailed(AssertionError):
    """Raised inside a Hypothesis example to mark it failing; carries the Execution."""

    def __init__(self, ex: Execution):
        super().__init__(ex.violation.prop if ex.violation else "?")
        self.execution = ex


@dataclass
class SearchResult:
    found: Execution | None      # the shrunk counterexample, or None
    examples: int                # examples run (generation + shrinking)
    find_s: float                # seconds until the first violation (or the whole search)
    shrink_s: float              # seconds spent shrinking after that
    first_steps: int = 0         # length of the first (unshrunk) counterexample
    first_choices: int = 0
    first_preemptions: int = 0

    @property
    def total_s(self) -> float:
        return self.find_s + self.shrink_s


def search(strategy: st.SearchStrategy, max_examples: int = 2000, seed: int | None = 0,
           accept=None, database=None, timeout_s: float | None = None,
           progress=None, polish_schedule: bool = True, observe=None, run=None,
           key: bytes = b"", reuse: bool = False) -> SearchResult:
    """Runs up to max_examples Cases from strategy; a Case fails if its execution violates a
    property (and accept(execution) is true, when given: e.g. "the violation is the one this zoo
    case is about"). observe(execution), when given, sees every execution (coverage). Deterministic
    for a given seed. run(case, trace=...) executes a case (default: the mnetif runtime's);
    key separates this search's entries in the example database from other searches'; reuse:
    replay the database's saved failures first (off for the campaigns: their figures must not
    depend on what an earlier run saved). A seed turns the database off (Hypothesis's rule)."""
    run = run or runtime.run
    t0 = time.perf_counter()
    state: dict[str, Any] = {"n": 0, "first_t": None, "first": None, "last_fail": None}

    def check(case: Case):
        state["n"] += 1
        if progress is not None:
            progress.tick(state["n"], "shrinking" if state["first_t"] else "searching")
        if timeout_s is not None and state["first_t"] is None and \
                time.perf_counter() - t0 > timeout_s:
            return
        ex = run(case, trace=False)
        if observe is not None:
            observe(ex)
        if ex.violation is not None and (accept is None or accept(ex)):
            if state["first_t"] is None:
                state["first_t"] = time.perf_counter()
                state["first"] = ex
            state["last_fail"] = ex
            raise PropertyFailed(ex)

    check._hypothesis_internal_add_digest = key   # type: ignore[attr-defined]
    test = settings(max_examples=max_examples, deadline=None, database=database,
                    derandomize=False, report_multiple_bugs=False, verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck),
                    phases=(Phase.explicit,) + ((Phase.reuse,) if reuse else ()) +
                    (Phase.generate, Phase.shrink))(given(strategy)(check))
    if seed is not None:
        test = _seeded(test, seed)
    try:
        test()
    except PropertyFailed as e:
        first = state["first"]
        case = polish(e.execution.case, accept, run=run) if polish_schedule else e.execution.case
        t1 = time.perf_counter()
        shrunk = run(case)                          # again, with the step table
        return SearchResult(shrunk, state["n"], state["first_t"] - t0, t1 - state["first_t"],
                            first.nsteps, len(first.case.choices),
                            sum(1 for c in first.case.choices if c))
    except Flaky as e:  # a counterexample that does not replay would be a runtime bug: say so
        raise RuntimeError(f"counterexample did not reproduce (non-deterministic runtime?): {e}")
    return SearchResult(None, state["n"], time.perf_counter() - t0, 0.0)


def _key(choices) -> tuple:
    return (sum(1 for c in choices if c), len(choices), sum(choices))


def polish(case: Case, accept=None, budget: int = 3000, run=None) -> Case:
    """After Hypothesis: greedy minimisation of the schedule alone, on the schedule's own terms.
    Hypothesis shrinks the bytes it drew, but zeroing one preemption shifts what every later
    choice means, so its result can keep preemptions it no longer needs. Here each candidate
    (a preemption removed, a choice deleted, a value lowered) is kept when the execution still
    fails with an accepted violation and (preemptions, length, sum) decreases. Deterministic."""
    def fails(choices) -> bool:
        nonlocal budget
        budget -= 1
        ex = (run or runtime.run)(dataclasses.replace(case, choices=tuple(choices)), trace=False)
        return ex.violation is not None and (accept is None or accept(ex))

    best = list(case.choices)
    while best and best[-1] == 0:
        best.pop()
    improved = True
    while improved and budget > 0:
        improved = False
        for i in reversed(range(len(best))):
            if i >= len(best) or budget <= 0:
                continue
            cands = []
            if best[i]:
                cands.append(best[:i] + [0] + best[i + 1:])
            cands.append(best[:i] + best[i + 1:])
            cands += [best[:i] + [v] + best[i + 1:] for v in range(1, best[i])]
            for c in cands:
                while c and c[-1] == 0:
                    c.pop()
                if _key(c) < _key(best) and fails(c):
                    best, improved = c, True
                    break
    return dataclasses.replace(case, choices=tuple(best))


def _seeded(test, seed: int):
    from hypothesis import seed as hseed
    return hseed(seed)(test)
