"""Litmus tests on the model's memory models (SC/TSO/PSO), first as tiny programs of ordering-layer
operations on ring header words, then on the real ring code paths (the same shapes occur in the
v2 publish (MP) and in the event-channel final check (SB))."""
from __future__ import annotations

import itertools

import pytest

from conftest import Case, Workload, model, prop, repro, runtime, step_table
from pyharness.workload import frames

L, S, F = model.OP_LOAD, model.OP_STORE, model.OP_FENCE
X, Y = model.OFF["wake"], model.OFF["error"]       # two 4-byte words of the header


def outcomes(prog, mm: str, regs, depth: int = 6) -> set[tuple[int, ...]]:
    """Every outcome of `regs` over all choice lists of length <= depth with values < 4
    (more than enough options for two 2-3 operation threads)."""
    w = Workload(protocol='litmus', memory_model=mm.upper(), producers=(), litmus=prog)
    seen = set()
    for n in range(depth + 1):
        for cs in itertools.product(range(4), repeat=n):
            r = runtime.run(Case(w, tuple(cs)), trace=False)
            assert r.ok, f"{r.message}; {repro(w, cs)}"
            seen.add(tuple(r.litmus_regs[a][i] for a, i in regs))
    return seen


SB = [[(S, X, model.RELAXED, 1), (L, Y, model.RELAXED, 0)],
      [(S, Y, model.RELAXED, 1), (L, X, model.RELAXED, 0)]]
SB_MB = [[(S, X, model.RELAXED, 1), (F, 0, model.SEQ_CST, 0), (L, Y, model.RELAXED, 0)],
         [(S, Y, model.RELAXED, 1), (F, 0, model.SEQ_CST, 0), (L, X, model.RELAXED, 0)]]
MP = [[(S, X, model.RELAXED, 1), (S, Y, model.RELAXED, 1)],
      [(L, Y, model.ACQUIRE, 0), (L, X, model.RELAXED, 0)]]
MP_REL_ACQ = [[(S, X, model.RELAXED, 1), (S, Y, model.RELEASE, 1)],
              [(L, Y, model.ACQUIRE, 0), (L, X, model.RELAXED, 0)]]


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_SB_relaxed_outcome_only_under_store_buffers(mm):
    got = outcomes(SB, mm, [(0, 1), (1, 1)])
    assert {(0, 1), (1, 0), (1, 1)} <= got
    # SB: both loads reading 0 is forbidden under SC, allowed (and reached) under TSO and PSO.
    assert ((0, 0) in got) == (mm != "sc"), f"SB outcome (0,0) under {mm}: {sorted(got)}"


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_SB_mb_mb_forbidden_everywhere(mm):
    got = outcomes(SB_MB, mm, [(0, 2), (1, 2)])
    assert (0, 0) not in got, f"SB+mb+mb must forbid (0,0) under {mm}: {sorted(got)}"
    assert {(0, 1), (1, 0), (1, 1)} <= got


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_MP_relaxed_publish_breaks_only_under_PSO(mm):
    got = outcomes(MP, mm, [(1, 0), (1, 1)])
    # MP: flag seen (1) but data stale (0): allowed only when stores to different addresses reorder.
    assert ((1, 0) in got) == (mm == "pso"), f"MP outcome (1,0) under {mm}: {sorted(got)}"


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_MP_release_acquire_forbidden_everywhere(mm):
    got = outcomes(MP_REL_ACQ, mm, [(1, 0), (1, 1)])
    assert (1, 0) not in got, f"MP+release+acquire must forbid (1,0) under {mm}: {sorted(got)}"
    assert {(0, 0), (1, 1)} <= got


# ---- fence kinds (rt.h "Fences"): a litmus FENCE's order is its kind -----------------------------

def _mp_fenced(kind):
    return [[(S, X, model.RELAXED, 1), (F, 0, kind, 0), (S, Y, model.RELAXED, 1)],
            [(L, Y, model.ACQUIRE, 0), (L, X, model.RELAXED, 0)]]


@pytest.mark.parametrize("kind,stale", [(model.FENCE_WMB, False), (model.FENCE_RELEASE, False),
                                        (model.FENCE_FULL, False), (model.FENCE_ACQUIRE, True),
                                        (model.FENCE_RMB, True)])
def test_MP_store_store_fences_order_the_PSO_store_buffer(kind, stale):
    got = outcomes(_mp_fenced(kind), "pso", [(1, 0), (1, 1)])
    assert {(0, 0), (1, 1)} <= got
    assert ((1, 0) in got) == stale, (f"MP+{model.ORDER_NAMES[kind]} under PSO: flag seen, data "
                                      f"stale must be {'allowed' if stale else 'forbidden'}: "
                                      f"{sorted(got)}")


@pytest.mark.parametrize("kind,relaxed", [(model.FENCE_WMB, True), (model.FENCE_RMB, True),
                                          (model.FENCE_ACQUIRE, True), (model.FENCE_RELEASE, True),
                                          (model.FENCE_FULL, False), (model.RELAXED, False)])
def test_SB_only_a_full_fence_orders_a_store_before_a_load_under_TSO(kind, relaxed):
    prog = [[(S, X, model.RELAXED, 1), (F, 0, kind, 0), (L, Y, model.RELAXED, 0)],
            [(S, Y, model.RELAXED, 1), (F, 0, kind, 0), (L, X, model.RELAXED, 0)]]
    got = outcomes(prog, "tso", [(0, 2), (1, 2)])
    # a fence given a plain/relaxed order is a full fence (as before fence kinds existed)
    assert ((0, 0) in got) == relaxed, f"SB+{kind} under TSO: {sorted(got)}"


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_SB_a_heavy_fence_on_one_side_orders_both(mm):
    """The asymmetric barrier: HEAVY on one side, nothing on the other, forbids (0, 0) everywhere;
    a FULL fence on one side alone does not under TSO/PSO (the control)."""
    def prog(kind):
        return [[(S, X, model.RELAXED, 1), (F, 0, kind, 0), (L, Y, model.RELAXED, 0)],
                [(S, Y, model.RELAXED, 1), (L, X, model.RELAXED, 0)]]
    got = outcomes(prog(model.FENCE_HEAVY), mm, [(0, 2), (1, 1)])
    assert (0, 0) not in got and {(0, 1), (1, 0)} <= got, f"SB+heavy/none under {mm}: {sorted(got)}"
    control = outcomes(prog(model.FENCE_FULL), mm, [(0, 2), (1, 1)])
    assert ((0, 0) in control) == (mm != "sc"), f"SB+full/none under {mm}: {sorted(control)}"


def test_a_fence_step_shows_its_kind():
    w = Workload(protocol='litmus', memory_model='PSO', producers=(), litmus=_mp_fenced(model.FENCE_WMB))
    r = runtime.run(Case(w))
    fences = [s for s in r.steps if s.op == "fence"]
    assert [s.order for s in fences] == ["wmb"], step_table(r)


# ---- the same shapes on the real ring code ----------------------------------------------------

def _mp_ring(mm):
    return Workload(protocol='v2', memory_model=mm.upper(), size=2, producers=frames([60]))


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_MP_ring_v2_publish_release_acquire_holds(mm):
    w = _mp_ring(mm)
    s = runtime.explore(w, 3).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"


@pytest.mark.parametrize("mm,found", [("sc", False), ("tso", False), ("pso", True)])
def test_MP_ring_v2_relaxed_publish_stale_frame_only_under_PSO(mm, found):
    w = _mp_ring(mm)
    s = runtime.explore(w.with_(variant='v2_relaxed_publish'), 3).stats
    assert s.exhausted or found
    assert (s.violations > 0) == found, f"{mm}: {s.first_violation} {s.message}"
    if found:
        assert s.first_violation == "frame-corrupt"
        r = runtime.run(Case(w.with_(variant='v2_relaxed_publish'), tuple(s.counterexample)))
        assert prop(r) == "frame-corrupt" and "reordered" in r.coverage, step_table(r)


@pytest.mark.parametrize("variant", ["no_prod_fence", "no_cons_fence"])
@pytest.mark.parametrize("mm,found", [("sc", False), ("tso", True), ("pso", True)])
def test_SB_ring_wakeup_without_a_fence_loses_a_wakeup_under_store_buffers(variant, mm, found):
    w = Workload(protocol='v2', memory_model=mm.upper(), size=2, producers=frames([60]), waits=True)
    s = runtime.explore(w.with_(variant=variant), 3).stats
    assert (s.violations > 0) == found, f"{variant} {mm}: {s.first_violation} {s.message}"
    if found:
        assert s.first_violation == "lost-wakeup", s.message
    else:
        assert s.exhausted


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_SB_ring_wakeup_with_both_fences_never_loses_a_wakeup(mm):
    w = Workload(protocol='v2', memory_model=mm.upper(), size=2, producers=frames([60, 60]), waits=True)
    s = runtime.explore(w, 3).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    assert "consumer-slept" in s.coverage_names() and "notified" in s.coverage_names()
