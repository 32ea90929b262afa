"""The bug zoo: each variant's defect is FOUND by the exhaustive engine within small bounds, and the
fixed build, on the same workload and bounds, is proven clean (the search is exhausted with no
violation). The 2012 protocol has no fixed build: its fixed counterparts are v1 and v2. v3's two
cases are the asymmetric barrier's: the heavy side replaced by an ordinary fence (TSO) and the light
side's read hoisted above its store (SC)."""
from __future__ import annotations

import pytest

from conftest import Case, F, Workload, model, prop, repro, runtime, step_table

BOUND = 2

# (id, variant, workload, memory model, expected violation)
ZOO = [
    ("2012-lost-update", "2012_same_offset", Workload(protocol='2012', producers=F([60, 60])), "sc", "frame-corrupt"),
    ("2012-overwrite-when-full", "2012_same_offset", Workload(protocol='2012', producers=F([60, 60, 60]), consumer="none"), "sc", "invariant"),
    ("2012-data-offset", "fixed", Workload(protocol='2012', size=64, producers=F([60])), "sc", "out-of-bounds"),
    ("v1-no-lock-lost-update", "v1_no_lock", Workload(protocol='v1', producers=F([60, 60]), lock_retries=2), "sc", "frame-corrupt"),
    ("tas-plain-two-holders", "tas_plain", Workload(protocol='v1', producers=F([60, 60]), lock_retries=2), "sc", "two-holders"),
    ("v2-relaxed-publish", "v2_relaxed_publish", Workload(protocol='v2', producers=F([60])), "pso", "frame-corrupt"),
    ("no-prod-fence", "no_prod_fence", Workload(protocol='v2', producers=F([60]), waits=True), "tso", "lost-wakeup"),
    ("no-cons-fence", "no_cons_fence", Workload(protocol='v2', producers=F([60]), waits=True), "tso", "lost-wakeup"),
    ("unplug-no-wait", "unplug_no_wait", Workload(protocol='v2', producers=F([60]), unplug=True), "sc", "use-after-free"),
    ("unplug-no-wait-v1", "unplug_no_wait", Workload(protocol='v1', producers=F([60]), unplug=True, lock_retries=2), "tso", "use-after-free"),
    ("wake-eq-batch", "wake_eq", Workload(protocol='v2', producers=F([60, 60]), waits=True, batch=2, cons_batch=2), "sc", "lost-wakeup"),
    ("v3-no-heavy", "no_heavy", Workload(protocol='v3', producers=F([60]), waits=True), "tso", "lost-wakeup"),
    ("v3-light-hoisted", "light_hoisted", Workload(protocol='v3', producers=F([60]), waits=True), "sc", "lost-wakeup"),
]


@pytest.mark.parametrize("name,variant,w,mm,expected", ZOO, ids=[z[0] for z in ZOO])
def test_zoo_bug_is_found_and_replays(name, variant, w, mm, expected):
    w = w.with_(memory_model=mm.upper())
    s = runtime.explore(w.with_(variant=variant), BOUND).stats
    assert s.violations > 0, f"{name}: not found within {BOUND} preemptions ({s.executions} executions)"
    assert s.first_violation == expected, f"{name}: {s.first_violation}: {s.message}"
    r = runtime.run(Case(w.with_(variant=variant), tuple(s.counterexample)))
    assert prop(r) == expected and r.message == s.message, \
        f"{name}: the counterexample does not replay: {r.message}; {repro(w, s.counterexample, variant)}"
    assert -1 <= r.violation.step < r.nsteps
    # The step index names where it happened; quiescence verdicts are -1.
    at_end = expected in ("lost-wakeup", "accounting", "deadlock")
    assert (r.violation.step == -1) == at_end, (r.violation.step, r.message)
    if expected == "two-holders":
        s = r.steps[r.violation.step]
        assert (s.op, s.field, s.value) == ("store", "sr_lock", 1), s
    if expected == "use-after-free":
        assert r.steps[r.violation.step].actor == "P0", r.steps[r.violation.step]
    if expected == "frame-corrupt":
        assert r.steps[r.violation.step].op == "deliver", r.steps[r.violation.step]
    if expected == "invariant":
        assert r.steps[r.violation.step].op in ("store", "drain", "copy_in"), step_table(r)


def _fixed_counterparts():
    seen = set()
    for name, _variant, w, mm, _ in ZOO:
        protos = ["v1", "v2"] if w.protocol == "2012" else [w.protocol]
        for proto in protos:
            for m in ("sc", "tso", "pso"):
                fw = w.with_(protocol=proto, memory_model=m.upper(), lock_retries=2)
                key = repr(fw)
                if key not in seen:
                    seen.add(key)
                    yield pytest.param(fw, id=f"{name}-as-{proto}-{m}")


@pytest.mark.parametrize("w", list(_fixed_counterparts()))
def test_fixed_build_is_clean_within_the_same_bounds(w):
    s = runtime.explore(w, BOUND, stop=True).stats
    assert s.violations == 0, f"{s.first_violation}: {s.message}; {repro(w, s.counterexample)}"
    assert s.exhausted, f"bound not exhausted after {s.executions} executions"


@pytest.mark.parametrize("variant,w,mm", [
    ("v2_relaxed_publish", Workload(protocol='v2', producers=F([60])), "sc"),
    ("v2_relaxed_publish", Workload(protocol='v2', producers=F([60])), "tso"),
    ("no_prod_fence", Workload(protocol='v2', producers=F([60]), waits=True), "sc"),
    ("no_cons_fence", Workload(protocol='v2', producers=F([60]), waits=True), "sc"),
    ("no_heavy", Workload(protocol='v3', producers=F([60]), waits=True), "sc"),
])
def test_memory_model_bugs_need_their_memory_model(variant, w, mm):
    """The ordering bugs are invisible under a stronger model: proof within the bounds."""
    w = w.with_(memory_model=mm.upper())
    s = runtime.explore(w.with_(variant=variant), 3).stats
    assert s.exhausted and s.violations == 0, f"{variant} under {mm}: {s.message}"


def test_every_variant_is_built_and_names_itself():
    for v in model.VARIANTS:
        assert model.lib(v).mn_model_variant().decode() == v


def test_proof_v2_three_models_bigger_bound():
    """A proof statement: v2, size 2, 1 producer x 3 frames + consumer, preemptions <= 3."""
    for mm in ("sc", "tso", "pso"):
        w = Workload(protocol='v2', memory_model=mm.upper(), producers=F([60, 60, 60]))
        s = runtime.explore(w, 3, max_executions=2000000).stats
        assert s.exhausted and s.violations == 0, f"{mm}: {s.message}"
        assert s.executions > 1000
