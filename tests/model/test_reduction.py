"""The reduced choice encoding (workload.reduce): decision points only before operations another
actor can observe. Checked against the full encoding: the same outcomes are reachable within the
same preemption bound, every zoo bug is still found, and the fixed builds are still clean."""
from __future__ import annotations

import pytest

from conftest import Case, F, Workload, model, prop, repro, runtime
from test_zoo import ZOO


def all_runs(w: Workload, bound: int, variant: str = "fixed"):
    """Python twin of the C DFS (explore.c): every schedule with <= bound non-zero choices."""
    prefix: list[int] = []
    while True:
        nopt: list[int] = []

        def chooser(decision, step, opts):
            nopt.append(len(opts))
            return prefix[decision] if decision < len(prefix) else 0

        r = runtime.run_chooser(w.with_(variant=variant), chooser, trace=False)
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


def outcome(r: runtime.Execution):
    return (r.violation, tuple(r.delivered), tuple(map(tuple, r.push_results)),
            r.still_in_ring, tuple(sorted(r.header.items())), tuple(r.actor_states))


CASES = [
    Workload(protocol='v2', memory_model='TSO', producers=F([60, 60])),
    Workload(protocol='v1', memory_model='PSO', producers=F([60, 60]), lock_retries=2),
    Workload(protocol='v2', memory_model='TSO', producers=F([60, 60]), waits=True),
    Workload(protocol='v2', memory_model='SC', producers=F([60], [61])),
    Workload(protocol='v2', memory_model='TSO', producers=F([60]), unplug=True),
    Workload(protocol='v1', memory_model='SC', producers=F([60, 60]), lock_retries=2, kill="consumer"),
    Workload(protocol='2012', memory_model='SC', producers=F([60, 60])),
    Workload(protocol='v2', memory_model='TSO', producers=F([60, 60, 60]), waits=True, batch=2, cons_batch=2),
    Workload(protocol='v1', memory_model='PSO', producers=F([60, 60]), lock_retries=2, batch=2, cons_batch=2),
]


@pytest.mark.parametrize("w", CASES, ids=lambda w: f"{w.protocol}-{w.memory_model}-{len(w.producers)}p"
                         f"{'-wait' if w.waits else ''}{'-unplug' if w.unplug else ''}"
                         f"{'-kill' if w.kill != 'none' else ''}{'-batch' if w.batch else ''}")
def test_reduced_search_reaches_the_same_outcomes(w):
    full = {outcome(r) for r in all_runs(w, 2)}
    red_runs = list(all_runs(w.with_(reduce=True), 2))
    red = {outcome(r) for r in red_runs}
    # Every behaviour of the full search at this bound is reached by the reduced one (a switch
    # before a private operation becomes a switch at the next decision point: same preemptions).
    missing = full - red
    assert not missing, f"reduction lost {len(missing)} outcome(s), e.g. {sorted(missing)[0]}"
    assert len(red_runs) < sum(1 for _ in all_runs(w, 2))


@pytest.mark.parametrize("name,variant,w,mm,expected", ZOO, ids=[z[0] for z in ZOO])
def test_zoo_found_with_reduction(name, variant, w, mm, expected):
    w = w.with_(memory_model=mm.upper(), reduce=True)
    s = runtime.explore(w.with_(variant=variant), 2).stats
    assert s.first_violation == expected, f"{name}: {s.first_violation}: {s.message}"
    r = runtime.run(Case(w.with_(variant=variant), tuple(s.counterexample)))
    assert prop(r) == expected, repro(w, s.counterexample, variant)


@pytest.mark.parametrize("proto", ["v1", "v2"])
@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_fixed_clean_with_reduction_bigger_bound(proto, mm):
    w = Workload(protocol=proto, memory_model=mm.upper(), producers=F([60, 60, 60]), waits=True,
                 lock_retries=2, reduce=True)
    s = runtime.explore(w, 3, max_executions=3000000).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"


def test_reduction_is_off_where_it_would_be_unsound():
    """Litmus programs and the killer's target keep every decision point."""
    lit = Workload(protocol="litmus", memory_model="TSO", producers=(),
                   litmus=(((model.OP_STORE, 20, model.RELAXED, 1),),
                           ((model.OP_LOAD, 24, model.RELAXED, 0),)))
    assert runtime.run(Case(lit)).decisions == runtime.run(Case(lit.with_(reduce=True))).decisions
    k = Workload(protocol="v2", producers=F([60]), consumer="none", kill="producer0")
    assert runtime.run(Case(k.with_(reduce=True))).decisions == runtime.run(Case(k)).decisions
