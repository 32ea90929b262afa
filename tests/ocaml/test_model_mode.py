"""Model mode: the OCaml consumer (the port, built against the model build of its stubs) is the
consumer actor of the model runtime, so ONE schedule interleaves the C producers and the OCaml
consumer. The regression oracle: the same schedules run against the C consumer and the OCaml
consumer give identical delivered frames, final headers, counters and verdicts; exhaustive search
explores the same number of executions (same visible operations); and the 2012 data-offset bug
(C producer without the header, OCaml consumer with it) is found this way. v3 (single-writer
lines): the OCaml consumer's heavy barrier is a model step like the C consumer's, so a waiting
OCaml consumer is proven with the C consumer's executions, and the hoisted-light-side bug is found.
Reproduce: python -m pytest -q tests/ocaml/test_model_mode.py"""
import pytest
from hypothesis import find, given, settings, strategies as st

from mnetif import ocaml
from pyharness import runtime
from pyharness.failure import step_table
from pyharness.workload import Case, Workload, frames as F

# Variants whose bug switch changes only the producer side: the C and OCaml consumers run the same
# protocol there, so their results must agree too. (v1_no_lock, tas_plain and no_cons_fence change
# the C consumer's code, which the OCaml port does not share.)
SAME_CONSUMER_VARIANTS = ["fixed", "v2_relaxed_publish", "no_prod_fence", "2012_same_offset"]


@st.composite
def workloads(draw, protos=("v1", "v2", "v3")):
    proto = draw(st.sampled_from(protos))
    nslots = draw(st.sampled_from([1, 2, 4]))
    nprod = draw(st.integers(1, 2))
    frames = [draw(st.lists(st.sampled_from([60, 64, 100]), min_size=1, max_size=4)) for _ in range(nprod)]
    start = draw(st.sampled_from([0, 0xFFFE, 0xFFFF, 5]))
    # The killer may end producer 0 (actor 0) wherever it stands, even holding the v1 lock: the
    # consumer then blocks on the lock or sleeps at quiescence. (The OCaml consumer itself is never
    # killed: a killed fiber is never resumed, which an OCaml fiber cannot survive.)
    return Workload(protocol=proto, memory_model=draw(st.sampled_from(["SC", "TSO", "PSO"])),
                    size=nslots, slotsize=128, producers=F(*frames), start_index=start,
                    lock_retries=draw(st.sampled_from([0, 1, 2])), waits=draw(st.booleans()),
                    kill=draw(st.sampled_from(["none", "none", "producer0"])))


def _prop(ex) -> str:
    return ex.violation.prop if ex.violation else "none"


def _proven_with_the_c_consumers_executions(w):
    so = ocaml.model_explore(w, preemptions=2).stats
    sc = runtime.explore(w, 2).stats
    assert so.exhausted and so.violations == 0, f"OCaml consumer: {so.first_violation}: {so.message} cex {so.counterexample}"
    assert so.executions == sc.executions, (f"the OCaml consumer explored {so.executions} executions, the C "
                                            f"consumer {sc.executions}: their visible operations differ")


def _lost_wakeup_found_as_with_the_c_consumer(bug):
    so = ocaml.model_explore(bug, preemptions=2).stats
    sc = runtime.explore(bug, 2).stats
    assert so.first_violation == "lost-wakeup", f"OCaml consumer: {so.first_violation}: {so.message}"
    assert so.counterexample == sc.counterexample, (so.counterexample, sc.counterexample)
    replay = ocaml.model_run(bug, so.counterexample)
    assert _prop(replay) == "lost-wakeup", replay.message


schedules = st.lists(st.integers(0, 5), max_size=60)


@settings(max_examples=400, deadline=None)
@given(w=workloads(), choices=schedules, variant=st.sampled_from(SAME_CONSUMER_VARIANTS[:3]))
def test_same_schedule_same_result_c_vs_ocaml_consumer(w, choices, variant):
    c = ocaml.compare(w.with_(variant=variant), choices)
    assert c.same, (f"C and OCaml consumers disagree on {w} under choices {choices} ({variant}):\n  "
                    + "\n  ".join(c.differences) + "\nOCaml trace:\n" + step_table(c.ocaml))


@settings(max_examples=200, deadline=None)
@given(w=workloads(protos=("2012",)), choices=schedules, variant=st.sampled_from(["fixed", "2012_same_offset"]))
def test_same_schedule_same_verdict_on_the_2012_model(w, choices, variant):
    """The faithful 2012 consumer (Ring_2012) against the C model of it: lost updates, overwritten
    slots, the data offset — the same schedule gives the same verdict at the same step."""
    c = ocaml.compare(w.with_(variant=variant), choices)
    assert c.same, (f"C and OCaml 2012 consumers disagree on {w} under choices {choices} ({variant}):\n  "
                    + "\n  ".join(c.differences))


@settings(max_examples=60, deadline=None)
@given(w=workloads(), choices=schedules)
def test_ocaml_fiber_survives_gc_and_compaction(w, choices):
    """docs/design.md §8's conditions, checked: the OCaml consumer allocates, runs minor GCs and compacts
    the heap on its fiber at every step, between yields inside its stubs; results stay identical."""
    c = ocaml.compare(w, choices, gc_stress=True)
    assert c.same, f"with GC stress, {w} under {choices}:\n  " + "\n  ".join(c.differences)


@settings(max_examples=60, deadline=None)
@given(w=workloads(), seed=st.integers(0, 2**32 - 1))
def test_ocaml_called_from_the_scheduler_while_the_fiber_is_suspended(w, seed):
    """The LIFO case of docs/design.md §8: at every decision the chooser runs OCaml on the scheduler's
    stack (allocation, minor GC, compaction) while the OCaml consumer fiber is suspended inside a
    stub; the heap stays sound and the run equals the C consumer's under the same choices. With
    [@@noalloc] model stubs this corrupts the heap (the reason the model build has none)."""
    import random
    rnd = random.Random(seed)
    ro = ocaml.model_run_chooser(w, lambda d, s, opts: rnd.randrange(len(opts)), probe=200)
    rc = runtime.run(Case(w, ro.case.choices))
    for name in ("violation", "delivered", "header", "counters", "push_results", "nsteps"):
        assert getattr(rc, name) == getattr(ro, name), (name, w, ro.case.choices)


@pytest.mark.parametrize("proto", ["v1", "v2", "v3"])
@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO"])
def test_exhaustive_ocaml_consumer_is_a_proof_with_the_c_consumers_executions(proto, mm):
    _proven_with_the_c_consumers_executions(
        Workload(protocol=proto, memory_model=mm, size=2, producers=F([60, 60], [60])))


def test_2012_data_offset_bug_found_with_the_ocaml_consumer():
    """2012 model: the C producer writes slot data at 2*size + i*slotsize, the OCaml consumer reads
    it at 64 + 2*size + i*slotsize. Hypothesis searches workloads and schedules for a violation with
    the OCaml consumer as the actor and shrinks it; it must be the corrupt-frame oracle, and the same
    example with the offset fixed (variant 2012_same_offset) must deliver that frame intact."""
    def violates(ex):
        w, choices = ex
        return _prop(ocaml.model_run(w, choices)) == "frame-corrupt"

    w, choices = find(st.tuples(workloads(protos=("2012",)), schedules), violates,
                      settings=settings(max_examples=500, deadline=None, database=None))
    bad = ocaml.model_run(w, choices)
    assert _prop(bad) == "frame-corrupt", bad.message
    step = bad.steps[bad.violation.step]
    assert step.actor == "C" and step.op == "deliver", (
        f"the violation should be the OCaml consumer's delivery of a misplaced frame: {step}")
    same = ocaml.compare(w, choices)
    assert same.same, "the C consumer must see the same: " + "; ".join(same.differences)
    fixed = ocaml.model_run(w.with_(variant="2012_same_offset"), choices)
    assert _prop(fixed) != "frame-corrupt", (f"with the data offset fixed the frame is still corrupt: "
                                             f"{fixed.message}\n{step_table(fixed)}")
    print(f"\nfound and shrunk: {w} choices={choices}\n  {bad.message}")


def test_zoo_bug_found_through_the_ocaml_consumer():
    """v2 producer publishing with a relaxed store: under PSO the OCaml consumer can read the index
    before the frame bytes, a stale frame; the exhaustive search with the OCaml consumer finds it,
    and so does the C consumer's."""
    w = Workload(protocol="v2", memory_model="PSO", size=2, producers=F([60, 60]),
                 variant="v2_relaxed_publish")
    so = ocaml.model_explore(w, preemptions=2).stats
    sc = runtime.explore(w, 2).stats
    assert so.violations > 0, "v2_relaxed_publish under PSO: no violation found with the OCaml consumer"
    assert so.first_violation == sc.first_violation, (so.first_violation, sc.first_violation)


@pytest.mark.parametrize("proto", ["v1", "v2"])
def test_lost_wakeup_found_through_the_ocaml_consumer(proto):
    """The producer's wakeup fence removed (no_prod_fence): under TSO the OCaml consumer, sleeping
    on the event channel after its final check, misses the wakeup; exhaustive search with the OCaml
    consumer finds it, with the same counterexample as with the C consumer. The fixed build: none."""
    w = Workload(protocol=proto, memory_model="TSO", size=2, producers=F([60, 60], [60]), waits=True)
    fixed = ocaml.model_explore(w, preemptions=2).stats
    assert fixed.exhausted and fixed.violations == 0, f"{fixed.first_violation}: {fixed.message}"
    _lost_wakeup_found_as_with_the_c_consumer(w.with_(variant="no_prod_fence"))


@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO"])
def test_v3_waiting_ocaml_consumer_is_proven_with_the_c_consumers_executions(mm):
    """v3's event channel with the OCaml consumer sleeping: its prepare_wait (one look, arm sr_wake
    @128, the HEAVY barrier, re-check) against the light producer (a compiler barrier only). No
    lost wakeup, and exactly the C consumer's executions: the same visible operations, the heavy
    fence step included."""
    _proven_with_the_c_consumers_executions(
        Workload(protocol="v3", memory_model=mm, size=2, producers=F([60, 60], [60]), waits=True))


def test_v3_lost_wakeup_found_through_the_ocaml_consumer():
    """v3's producer reading sr_wake before its publishing store (light_hoisted: what a compiler
    may do without the compiler barrier): the heavy barrier of the OCaml consumer lands between
    the two and its re-check misses the frame, a lost wakeup even under SC; found with the OCaml
    consumer, with the C consumer's counterexample, and replayed."""
    w = Workload(protocol="v3", memory_model="SC", size=2, producers=F([60, 60], [60]), waits=True)
    _lost_wakeup_found_as_with_the_c_consumer(w.with_(variant="light_hoisted"))
