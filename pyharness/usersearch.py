"""Hypothesis-drawn schedules and PCT for a user's workload (usercheck.UserWorkload): the engines
the mnetif ring has (hypo.py, schedules.py, pct.py), run over the user's shared object. Both only
sample the schedules: finding nothing is evidence, never a proof (explore/dpor give those).

A counterexample is shrunk (Hypothesis, then hypo.polish on the schedule alone), replayed with
the step table, drawn as an SVG timeline, and named by the same mnu1 token as explore's."""
from __future__ import annotations

from typing import cast

from . import hypo, pct as pct_engine
from .schedules import schedules
from .usercheck import Outcome, UserCase, UserExecution, UserWorkload


def hypothesis(w: UserWorkload, mm: str, examples: int, seed: int | None = None,
               max_preemptions: int = 8) -> Outcome:
    """Up to `examples` schedules of w under mm drawn by Hypothesis (schedules.py: sparse
    preemptions). seed None: random draws, after w.database's saved failures of this workload
    (sources, defines, memory model), like the property suites' profiles; a seed: the same
    draws every run, without the database (Hypothesis's rule)."""
    strategy = schedules(max_preemptions).map(lambda cs: UserCase(w, mm, cs))
    res = hypo.search(strategy, max_examples=examples, seed=seed, database=w.database,
                      run=w.execute, key=f"mnu:{w._key()}:{mm}".encode(), reuse=True)
    found = cast("UserExecution | None", res.found)      # what w.execute returned
    return w.outcome(found, f"Hypothesis, {examples} examples", res.examples, sampled=True,
                     mm=mm)


def pct(w: UserWorkload, mm: str, runs: int, depth: int = 2, seed: int = 0) -> Outcome:
    """`runs` PCT executions of w under mm (pct.py); the outcome's note states the bound."""
    k = w.execute(UserCase(w, mm), trace=False).nsteps
    res = pct_engine.pct_runs(w, lambda chooser: w.execute_chooser(mm, chooser), k, mm == "PSO",
                              runs, depth, seed)
    out = w.outcome(cast("UserExecution | None", res.found), f"PCT, depth {depth}", res.runs, sampled=True, mm=mm)
    out.note = res.bound.statement()
    return out
