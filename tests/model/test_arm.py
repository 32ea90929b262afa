"""The ARM memory model (c/model/arm.c, docs/memory-models.md): the litmus suite against herd7's
outcome sets (the published models), the check failing when the model is broken, and the ring
under it: the ARM-only zoo variants found, the fixed protocols proven, counterexamples replayed."""
from __future__ import annotations

import pytest

from conftest import model
from pyharness import litmus, runtime
from pyharness.workload import Case, Workload

EXPECTED = litmus.expected()


@pytest.mark.parametrize("test", litmus.TESTS, ids=lambda t: t.name)
def test_litmus_outcomes_equal_the_published_models(test):
    for mm in litmus.MODELS:
        got = litmus.run(test, mm).outcomes
        want = EXPECTED[test.name][mm]
        assert got == want, (
            f"{test.name} under {mm}: missing {[litmus.fmt(test, o) for o in sorted(want - got)]}, "
            f"extra {[litmus.fmt(test, o) for o in sorted(got - want)]} "
            f"(`python3 -m pyharness litmus {test.name}`)")


def test_the_suite_covers_the_issue_list_and_weak_outcomes():
    need = {"MP", "MP+rel+acq", "MP+fences", "SB", "SB+fences", "LB", "LB+rel+acq", "S", "R",
            "2+2W", "WRC", "WRC+rel+acq", "IRIW", "IRIW+acqs", "ISA2", "CoRR", "CoWR", "CoRW1",
            "CoRW2", "CoWW"}
    assert need <= set(litmus.BY_NAME)
    # every model is weaker than SC somewhere, ARM strictly weaker than PSO somewhere (LB)
    for mm in ("TSO", "PSO", "ARM"):
        assert any(EXPECTED[t][mm] - EXPECTED[t]["SC"] for t in EXPECTED), mm
    assert EXPECTED["LB"]["ARM"] - EXPECTED["LB"]["PSO"]
    assert EXPECTED["MP+rel+acq"]["ARM"] == EXPECTED["MP+rel+acq"]["SC"]


def test_rvwmo_as_compiled_is_covered_by_the_arm_model():
    """GCC 12's RISC-V code of each test (herd7's riscv.cat) allows no outcome the ARM model
    does not: a proof under ARM holds for that code too."""
    for name, per in EXPECTED.items():
        assert per["RVWMO"] <= per["ARM"], name


@pytest.mark.parametrize("mutation", sorted(model.ARM_MUTATIONS))
def test_a_broken_model_fails_the_suite(mutation):
    model.arm_mutate(mutation)
    try:
        wrong = [t.name for t in litmus.TESTS if litmus.run(t, "ARM").outcomes !=
                 EXPECTED[t.name]["ARM"]]
    finally:
        model.arm_mutate(None)
    assert wrong, f"mutation {mutation!r} went unnoticed by every litmus test"


def test_load_buffering_comes_from_a_fulfilled_promise():
    w = litmus.workload(litmus.BY_NAME["LB"], "ARM")
    seen = []
    runtime.each_result(lambda: runtime.explore(w, 64, stop=False),
                        lambda r: seen.append((bool(r.pruned), tuple(r.litmus_regs[a][0]
                                                                     for a in range(2)),
                                               bool(r.coverage >> model.COVERAGE.index("promise") & 1))))
    lb = [s for s in seen if s[1] == (1, 1)]
    assert lb and all(not pruned and promised for pruned, _, promised in lb)


# ---- the ring under ARM ---------------------------------------------------------------------------
ARM_ONLY = ("v2_relaxed_consume", "cons_wmb_release", "prod_relaxed_cons", "fadd_acqrel")


def _wl(variant: str, mm: str) -> Workload:
    if variant == "fadd_acqrel":
        return Workload(protocol="v2", memory_model=mm, size=2, producers=(((8, 1),),),
                        unplug=True, variant=variant, reduce=True)
    return Workload(protocol="v2", memory_model=mm, size=2, variant=variant, reduce=True,
                    producers=(((60, 1), (60, 2), (60, 3)),))


@pytest.mark.parametrize("variant", ARM_ONLY)
def test_arm_only_bugs_are_found_under_arm_and_not_elsewhere(variant):
    for mm in ("SC", "TSO", "PSO"):
        e = runtime.explore(_wl(variant, mm), 3)
        assert e.proof, f"{variant} under {mm}: {e.stats.message}"
    e = runtime.explore(_wl(variant, "ARM"), 3)
    assert e.counterexample is not None, f"{variant} not found under ARM"
    again = runtime.run(Case.from_token(e.counterexample.case.token()))
    assert again.violation == e.counterexample.violation and again.steps == e.counterexample.steps


def test_the_consumer_store_fence_bug_is_the_c7945fe_mechanism():
    """The counterexample reads the consumer's index store before it is executed (a promise)."""
    e = runtime.explore(_wl("cons_wmb_release", "ARM"), 3)
    steps = e.counterexample.steps
    promise = [s for s in steps if s.op == "promise"]
    assert promise and promise[0].actor == "C" and promise[0].field == "sr_cur"
    assert any(s.op == "copy_out" and s.actor == "C" and s.index > promise[0].index
               for s in steps)


def test_fixed_v2_is_proven_under_arm_with_promises_used():
    e = runtime.explore(_wl("fixed", "ARM"), 3)
    assert e.proof and e.stats.pruned > 0
    assert "promise" in e.stats.coverage_names() and "stale-read" in e.stats.coverage_names()


def test_promise_table_is_learnt_deterministically_and_names_both_sides():
    w = Workload(protocol="v2", memory_model="ARM", size=2, producers=(((60, 1), (60, 2)),))
    a = runtime.learn_promises(w)
    b = runtime.learn_promises(w)
    assert a == b
    actors = {c[0] for c in a}
    assert actors == {0, 1}            # the producer's index/slots and the consumer's index
    # frames go into the token by reference, and come back byte for byte
    enc = runtime.encode_promises(w, a)
    assert any(isinstance(c[4], tuple) and c[4][0] == "f" for c in enc)
    assert runtime.promise_table(w.with_(promises=enc)) == a


# The asymmetric barrier (rt.h "Fences": HEAVY; mm_arm.c heavy_fence) on one side of a test and
# nothing on the other: membarrier(2) forbids the weak outcome under every model; a full fence on
# one side alone (the control) does not. LB needs the promise part: the light side's store, read
# before the barrier through a promise, would have to execute after its interrupt's fence.
_HW, _HR, _HF = litmus.W, litmus.R, litmus.F
ASYM = {
    "SB": ([[_HW("x", 1), _HF("heavy"), _HR("y")], [_HW("y", 1), _HR("x")]],
           [[_HW("x", 1), _HF(), _HR("y")], [_HW("y", 1), _HR("x")]], (0, 0), ("TSO", "PSO", "ARM")),
    "LB": ([[_HR("x"), _HF("heavy"), _HW("y", 1)], [_HR("y"), _HW("x", 1)]],
           [[_HR("x"), _HF(), _HW("y", 1)], [_HR("y"), _HW("x", 1)]], (1, 1), ("ARM",)),
    "MP": ([[_HW("x", 1), _HW("y", 1)], [_HR("y"), _HF("heavy"), _HR("x")]],
           [[_HW("x", 1), _HW("y", 1)], [_HR("y"), _HF(), _HR("x")]], (1, 0), ("PSO", "ARM")),
}


@pytest.mark.parametrize("shape", sorted(ASYM))
@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO", "ARM"])
def test_a_heavy_fence_on_one_side_orders_both(shape, mm):
    heavy, full, weak, weak_under = ASYM[shape]
    got = litmus.run(litmus._t(shape + "+heavy", heavy), mm).outcomes
    control = litmus.run(litmus._t(shape + "+full-one-side", full), mm).outcomes
    assert weak not in got, f"{shape}+heavy/none under {mm}: {sorted(got)} (membarrier forbids {weak})"
    assert len(got) >= 3, f"{shape}+heavy/none under {mm}: the usual outcomes missing: {sorted(got)}"
    assert (weak in control) == (mm in weak_under), \
        f"{shape} with a full fence on one side only under {mm}: {sorted(control)}"
