"""The reduced choice encoding (workload.reduce): decision points only before operations another
actor can observe. Checked against the full encoding: the same outcomes are reachable within the
same preemption bound, every zoo bug is still found, and the fixed builds are still clean."""
from __future__ import annotations

import dataclasses

import pytest

from conftest import model, repro
from test_zoo import ZOO

W = model.Workload


def all_runs(w: model.Workload, bound: int, variant: str = "fixed"):
    """Python twin of the C DFS (explore.c): every schedule with <= bound non-zero choices."""
    prefix: list[int] = []
    while True:
        nopt: list[int] = []

        def chooser(decision, step, opts):
            nopt.append(len(opts))
            return prefix[decision] if decision < len(prefix) else 0

        r = model.run_chooser(w, chooser, variant=variant, trace_cap=0)
        yield r
        c = prefix + [0] * (len(nopt) - len(prefix))
        used = sum(1 for x in c if x)
        for i in range(len(c) - 1, -1, -1):
            used -= c[i] != 0
            if c[i] + 1 < nopt[i] and used + 1 <= bound:
                break
        else:
            return
        prefix = c[:i] + [c[i] + 1]


def outcome(r: model.Result):
    return (r.violation, tuple(r.delivered), tuple(map(tuple, r.push_results)),
            r.still_in_ring, tuple(sorted(r.final.items())), tuple(r.actor_states))


CASES = [
    W(proto="v2", mm="tso", frames=[[60, 60]]),
    W(proto="v1", mm="pso", frames=[[60, 60]], lock_retries=2),
    W(proto="v2", mm="tso", frames=[[60, 60]], consumer_waits=True),
    W(proto="v2", mm="sc", frames=[[60], [61]]),
    W(proto="v2", mm="tso", frames=[[60]], unplugger=True),
    W(proto="v1", mm="sc", frames=[[60, 60]], lock_retries=2, kill_actor=1),
    W(proto="2012", mm="sc", frames=[[60, 60]]),
    W(proto="v2", mm="tso", frames=[[60, 60, 60]], consumer_waits=True, batch=2, cons_batch=2),
    W(proto="v1", mm="pso", frames=[[60, 60]], lock_retries=2, batch=2, cons_batch=2),
]


@pytest.mark.parametrize("w", CASES, ids=lambda w: f"{w.proto}-{w.mm}-{len(w.frames)}p"
                         f"{'-wait' if w.consumer_waits else ''}{'-unplug' if w.unplugger else ''}"
                         f"{'-kill' if w.kill_actor >= 0 else ''}{'-batch' if w.batch else ''}")
def test_reduced_search_reaches_the_same_outcomes(w):
    full = {outcome(r) for r in all_runs(w, 2)}
    red_runs = list(all_runs(dataclasses.replace(w, reduce=True), 2))
    red = {outcome(r) for r in red_runs}
    # Every behaviour of the full search at this bound is reached by the reduced one (a switch
    # before a private operation becomes a switch at the next decision point: same preemptions).
    missing = full - red
    assert not missing, f"reduction lost {len(missing)} outcome(s), e.g. {sorted(missing)[0]}"
    assert len(red_runs) < sum(1 for _ in all_runs(w, 2))


@pytest.mark.parametrize("name,variant,w,mm,expected", ZOO, ids=[z[0] for z in ZOO])
def test_zoo_found_with_reduction(name, variant, w, mm, expected):
    w = dataclasses.replace(w, mm=mm, reduce=True)
    s = model.explore(w, preemptions=2, variant=variant)
    assert s.first_violation == expected, f"{name}: {s.first_violation}: {s.message}"
    r = model.run(w, s.counterexample, variant=variant)
    assert r.violation == expected, repro(w, s.counterexample, variant)


@pytest.mark.parametrize("proto", ["v1", "v2"])
@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_fixed_clean_with_reduction_bigger_bound(proto, mm):
    w = W(proto=proto, mm=mm, frames=[[60, 60, 60]], consumer_waits=True, lock_retries=2,
          reduce=True)
    s = model.explore(w, preemptions=3, max_executions=3_000_000)
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"


def test_reduction_is_off_where_it_would_be_unsound():
    """Litmus programs and the killer's target keep every decision point."""
    lit = W(proto="litmus", mm="tso", litmus=[[(model.OP_STORE, 20, model.RELAXED, 1)],
                                              [(model.OP_LOAD, 24, model.RELAXED, 0)]])
    assert model.run(lit, []).ndecisions == model.run(dataclasses.replace(lit, reduce=True), []).ndecisions
    k = W(proto="v2", frames=[[60]], consumer=0, kill_actor=0)
    assert model.run(dataclasses.replace(k, reduce=True), []).ndecisions == model.run(k, []).ndecisions
