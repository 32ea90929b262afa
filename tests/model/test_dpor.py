"""DPOR (c/model/dpor.c): soundness evidence for the unbounded engine.

(a) outcome equivalence: on workloads where the UNBOUNDED plain DFS terminates, the set of final
    outcomes of every DPOR execution equals the set of every DFS execution (DPOR loses none and,
    running the same runtime, cannot invent one);
(b) every bug-zoo variant is found by DPOR on the zoo workload and its choice list replays;
(c) the check can fail: DPOR with every pair of steps treated as independent, or without its
    backtrack rule (test-only switches in dpor.c), fails (a) and (b); with sleepers that are never
    woken (a broken sleep set), with source sets whose race reversals keep the events that happen
    after the race (notdep dropped), or with an actor's loads independent of other actors' drains
    (a dependency wrongly declared independent), or with a blind add independent of loads, it
    fails (a);
(d) on the sleeping-consumer workloads (the unbounded DFS does not finish them) the default
    algorithm (source sets, a wakeup dependent only through what it wakes) reaches exactly the
    outcomes of the older one (Flanagan-Godefroid + sleep sets, a wakeup dependent with
    everything).
(a) holds for every algorithm (model.DPOR_MODES: source sets + sleep sets, the default;
Flanagan-Godefroid + sleep sets; plain Flanagan-Godefroid), (b) for the default.
"""
from __future__ import annotations

import pytest

from conftest import Case, Workload, model, prop, repro, runtime
from pyharness import campaign
from pyharness.workload import frames
from test_zoo import ZOO

L, S, F, A = model.OP_LOAD, model.OP_STORE, model.OP_FENCE, model.OP_FETCH_ADD
X, Y, Z = model.OFF["wake"], model.OFF["error"], model.OFF["drop_full"]
RLX, REL, ACQ = model.RELAXED, model.RELEASE, model.ACQUIRE
BLIND = model.SEQ_CST | model.BLIND   # mn_atomic_add: a fetch_add whose old value is unused

LITMUS = {
    "SB": [[(S, X, RLX, 1), (L, Y, RLX, 0)], [(S, Y, RLX, 1), (L, X, RLX, 0)]],
    "SB+mb": [[(S, X, RLX, 1), (F, 0, model.SEQ_CST, 0), (L, Y, RLX, 0)],
              [(S, Y, RLX, 1), (F, 0, model.SEQ_CST, 0), (L, X, RLX, 0)]],
    "MP": [[(S, X, RLX, 1), (S, Y, RLX, 1)], [(L, Y, ACQ, 0), (L, X, RLX, 0)]],
    "MP+rel": [[(S, X, RLX, 1), (S, Y, REL, 1)], [(L, Y, ACQ, 0), (L, X, RLX, 0)]],
    "LB": [[(L, X, RLX, 0), (S, Y, RLX, 1)], [(L, Y, RLX, 0), (S, X, RLX, 1)]],
    # the asymmetric barrier: a HEAVY fence step drains every actor's buffer (DPOR: global), at
    # whatever point the other actor has reached (before or after its second store)
    "SB+heavy": [[(S, X, RLX, 1), (F, 0, model.FENCE_HEAVY, 0), (L, Y, RLX, 0)],
                 [(S, Y, RLX, 1), (L, X, RLX, 0), (S, Y, RLX, 2)]],
    # a third actor whose buffered store the fence may or may not catch, read by the light side
    "SB+heavy+3": [[(S, X, RLX, 1), (F, 0, model.FENCE_HEAVY, 0), (L, Y, RLX, 0)],
                   [(S, Y, RLX, 1), (L, X, RLX, 0), (L, Z, RLX, 0)],
                   [(S, Z, RLX, 1), (S, Y, RLX, 2)]],
    "2+2W": [[(S, X, RLX, 1), (S, Y, RLX, 2)], [(S, Y, RLX, 1), (S, X, RLX, 2)],
             [(L, X, RLX, 0), (L, Y, RLX, 0)]],
    # blind adds (RT_BLIND: two of them commute, DPOR tries one order) against loads, a store
    # and each other's fences
    "ADD+ADD+R": [[(A, X, BLIND, 1)], [(A, X, BLIND, 2)], [(L, X, RLX, 0), (L, X, RLX, 0)]],
    "ADD+S+R": [[(A, X, BLIND, 1), (A, X, BLIND, 4)], [(S, X, RLX, 2)],
                [(L, X, RLX, 0), (L, X, RLX, 0)]],
    "SB+ADD": [[(S, X, RLX, 1), (A, Z, BLIND, 1), (L, Y, RLX, 0)],
               [(S, Y, RLX, 1), (A, Z, BLIND, 1), (L, X, RLX, 0)]],
}

# (id, variant, workload): the unbounded DFS of each is exhausted within seconds
EQUIV = [(f"litmus-{name}-{mm}", "fixed", Workload(protocol='litmus', memory_model=mm.upper(), producers=(),
                                                   litmus=prog))
         for name, prog in LITMUS.items() for mm in ("sc", "tso", "pso")] + [
    ("v2-sc-1x1-consumer", "fixed", Workload(protocol='v2', memory_model='SC', producers=frames([60]))),
    ("v2-tso-1x1-noconsumer", "fixed", Workload(protocol='v2', memory_model='TSO', producers=frames([60]), consumer="none")),
    ("v2-pso-1x1-noconsumer", "fixed", Workload(protocol='v2', memory_model='PSO', producers=frames([60]), consumer="none")),
    ("v2-sc-unplug", "fixed", Workload(protocol='v2', memory_model='SC', producers=frames([60]), consumer="none", unplug=True)),
    ("v2-sc-unplug-kill", "fixed",
     Workload(protocol='v2', memory_model='SC', producers=frames([60]), consumer="none", unplug=True, kill="producer0")),
    ("unplug-no-wait-sc", "unplug_no_wait",
     Workload(protocol='v2', memory_model='SC', producers=frames([60]), consumer="none", unplug=True)),
    ("v3-sc-1x1-consumer", "fixed", Workload(protocol='v3', memory_model='SC', producers=frames([60]))),
]


def fingerprint(r) -> tuple:
    """A final outcome (raw CResult): the violation (kind and message: the run stops there), or
    deliveries, push results, counters, final header, notifications, fill, unplug result, actor
    states and litmus registers."""
    if r.violation:
        return ("violation", r.violation, r.message)
    c = r.counters
    return ("ok",
            tuple((r.delivered[i].producer, r.delivered[i].frame, r.delivered[i].len,
                   r.delivered[i].released) for i in range(r.ndelivered)),
            tuple(tuple(r.push_result[p][:model.MAX_FRAMES]) for p in range(3)),
            tuple(getattr(c, f) for f, _ in c._fields_),
            r.final_cur, r.final_avail, r.final_lock, r.notify_pending, r.still_in_ring,
            r.unplug_result, tuple(r.actor_state[:r.nactors]),
            tuple(tuple(r.litmus_regs[a]) for a in range(r.nactors)))


_FULL: dict[str, tuple] = {}


def full_dfs(name, w, variant):
    """The unbounded plain DFS's stats and outcome set (once per workload and test session)."""
    if name not in _FULL:
        full: set = set()
        fs = runtime.each_result(lambda: runtime.explore(w.with_(variant=variant), 10**6,
                                                         max_executions=2_000_000, stop=False).stats,
                                 lambda r: full.add(fingerprint(r)), variant)
        _FULL[name] = (fs, frozenset(full))
    return _FULL[name]


def dpor_outcomes(w, variant, mode=model.DPOR_DEFAULT):
    """DPOR's stats and outcome set with algorithm `mode` (model.DPOR_MODES)."""
    red: set = set()
    model.dpor_mode(mode, variant)
    try:
        ds = runtime.each_result(lambda: runtime.dpor(w.with_(variant=variant),
                                                      max_executions=2_000_000, stop=False).stats,
                                 lambda r: red.add(fingerprint(r)), variant)
    finally:
        model.dpor_mode(model.DPOR_DEFAULT, variant)
    return ds, red


def outcome_sets(name, w, variant, mode=model.DPOR_DEFAULT):
    fs, full = full_dfs(name, w, variant)
    ds, red = dpor_outcomes(w, variant, mode)
    return fs, ds, full, red


@pytest.mark.parametrize("mode", list(model.DPOR_MODES))
@pytest.mark.parametrize("name,variant,w", EQUIV, ids=[e[0] for e in EQUIV])
def test_dpor_reaches_exactly_the_outcomes_of_the_unbounded_dfs(name, variant, w, mode):
    fs, ds, full, red = outcome_sets(name, w, variant, mode)
    print(f"{name}: full DFS {fs.executions} executions, DPOR {ds.executions} executions "
          f"({mode}), {len(full)} outcomes")
    assert fs.exhausted, f"{name}: the unbounded DFS did not finish ({fs.executions} executions)"
    assert ds.exhausted, f"{name}: DPOR did not finish ({ds.executions} executions)"
    assert ds.executions <= fs.executions
    assert red == full, (f"{name} ({variant}): DPOR lost {sorted(full - red)} / invented "
                         f"{sorted(red - full)}; the workload: {repro(w, (), variant)}")


# DPOR explores deepest-first: on the zoo's v1/TSO unplug workload WITH the consumer it does not
# reach the use after free within 5M executions (the unplugger must run early; the consumer's
# idle polls make the deep subtrees huge), so that case runs without the consumer (same variant,
# protocol and memory model; found in ~100 executions). Every other case is the zoo's workload.
NO_CONSUMER = {"unplug-no-wait-v1"}


@pytest.mark.parametrize("name,variant,w,mm,expected", ZOO, ids=[z[0] for z in ZOO])
def test_dpor_finds_every_zoo_bug_and_the_token_replays(name, variant, w, mm, expected):
    w = w.with_(memory_model=mm.upper())
    if name in NO_CONSUMER:
        w = w.with_(consumer="none")
    kinds: set[str] = set()
    s = runtime.each_result(
        lambda: runtime.dpor(w.with_(variant=variant), max_executions=300_000, stop=False).stats,
        lambda r: kinds.add(model.VIOLATIONS[r.violation]), variant)
    assert expected in kinds, f"{name}: DPOR did not reach {expected} ({s.executions} executions, " \
                              f"found {sorted(kinds)})"
    assert s.violations > 0
    r = runtime.run(Case(w.with_(variant=variant), tuple(s.counterexample)))
    assert prop(r) == s.first_violation and r.message == s.message, \
        f"{name}: the DPOR counterexample does not replay: {r.message}; " \
        f"{repro(w, s.counterexample, variant)}"


def test_runtime_dpor_counterexample_is_a_replay_token():
    wl = Workload(protocol="v1", variant="v1_no_lock", producers=(((8, 0), (8, 1)),))
    ex = runtime.dpor(wl)
    assert ex.counterexample is not None and not ex.proof
    back = runtime.run(Case.from_token(ex.counterexample.case.token()))
    assert back.violation == ex.counterexample.violation, back.violation
    proof = runtime.dpor(Workload(protocol="v2", memory_model="SC", size=2, waits=True,
                                  producers=(((8, 0),),)))
    assert proof.proof and proof.stats.executions > 1


def test_cli_explore_dpor_prints_the_unbounded_proof(capsys):
    from pyharness import cli
    rc = cli.main(["explore", "--protocol", "v2", "--mm", "SC", "--frames", "1", "--waits",
                   "--dpor"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "all interleavings (DPOR):" in out and "0 violations" in out, out


# the sleeping consumer: wakeups (rt_wait/rt_signal), which the default algorithm's dependency
# treats finer than the older one; DPOR_PROOFS' workloads with waits=True
WAITS = [w for w in campaign.DPOR_PROOFS if w.waits]


@pytest.mark.parametrize("w", WAITS, ids=[w.label() for w in WAITS])
def test_default_dpor_reaches_the_outcomes_of_the_older_algorithm_on_sleeping_consumers(w):
    ds, red = dpor_outcomes(w, "fixed")
    os_, old = dpor_outcomes(w, "fixed", "sleep")
    print(f"{w.label()}: source sets {ds.executions} executions, FG05 + sleep sets "
          f"{os_.executions}, {len(old)} outcomes")
    assert ds.exhausted and os_.exhausted, (ds.executions, os_.executions)
    assert red == old, (f"{w.label()}: source sets lost {sorted(old - red)} / found "
                        f"{sorted(red - old)} beyond FG05 + sleep sets; the workload: "
                        f"{repro(w, ())}")


@pytest.mark.parametrize("mutation", [1, 2, 4, 5, 6, 7],
                         ids=["all-independent", "no-backtrack", "sleepers-never-wake",
                              "source-notdep-dropped", "load-drain-independent",
                              "blind-add-load-independent"])
def test_mutated_dpor_fails_the_soundness_checks(mutation):
    """The checks above can fail: a DPOR that treats every pair of steps as independent, or
    never backtracks, loses outcomes (a) and misses zoo bugs (b); one whose sleep sets never
    wake a sleeper, whose source sets reverse a race by a sequence that keeps the events after
    the race, or whose dependency lets a load commute with another actor's drain to it, loses
    outcomes (a)."""
    lost, missed = [], []
    variants = {"fixed"} | {z[1] for z in ZOO}
    try:
        for v in variants:
            model.dpor_mutate(mutation, v)
        for name, variant, w in EQUIV:
            if "litmus" in name and not name.startswith(("litmus-SB-", "litmus-MP-",
                                                         "litmus-ADD")):
                continue          # a few litmus tests suffice to show it; the ring cases all run
            fs, ds, full, red = outcome_sets(name, w, variant)
            if red != full:
                lost.append(name)
        for name, variant, w, mm, expected in ZOO:
            s = runtime.dpor(w.with_(memory_model=mm.upper(), variant=variant),
                             max_executions=300_000).stats
            if s.violations == 0:
                missed.append(name)
    finally:
        for v in variants:
            model.dpor_mutate(0, v)
    print(f"mutation {mutation}: outcomes lost on {lost}; zoo bugs missed: {missed}")
    assert lost, f"mutation {mutation} lost no outcome: the equivalence test cannot fail"
    if mutation in (1, 2):
        assert missed, f"mutation {mutation} missed no zoo bug: the zoo test cannot fail"
