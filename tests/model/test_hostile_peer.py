"""The hostile peer as an actor (model.h "hostile", issue 12 item 7): instead of the consumer, an
actor makes stores of values the search chooses into the fields the consumer may write, at any
step. Our producer must stay inside the ring, flag corruption in sr_error, count every frame and
never hang; the proofs here are small versions of `make report`'s "hostile peer" family."""
from __future__ import annotations

import pytest

from pyharness import model, runtime
from pyharness.workload import Case, Workload

from conftest import repro


def hostile(proto: str, mm: str, frames: int = 2, writes: int = 2, size: int = 2) -> Workload:
    return Workload(protocol=proto, memory_model=mm, size=size,
                    producers=(tuple((8, k) for k in range(frames)),), hostile=writes,
                    lock_retries=4 if proto == "v1" else 0, reduce=True)


@pytest.mark.parametrize("proto", ["v1", "v2"])
@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO"])
def test_producer_is_safe_against_a_hostile_consumer(proto, mm):
    ex = runtime.explore(hostile(proto, mm), 3)
    assert ex.stats.violations == 0, (ex.counterexample.violation if ex.counterexample else None)
    assert ex.stats.exhausted
    reached = set(ex.stats.coverage_names())
    # the search did corrupt the header and the producer saw it (-EIO, sr_error), and filled it
    assert {"drop-error", "drop-full"} <= reached, reached
    if proto == "v1":
        assert {"drop-busy", "lock-contended"} <= reached, reached   # the hostile held sr_lock


@pytest.mark.parametrize("proto", ["v1", "v2", "v3"])
def test_producer_is_safe_against_a_hostile_consumer_under_arm(proto):
    """Under ARM the producer may read a hostile store that is only promised (load buffering):
    the error-flag oracle must not call that an -EIO "before the hostile wrote anything"."""
    ex = runtime.explore(hostile(proto, "ARM"), 2)
    assert ex.stats.violations == 0, (ex.counterexample.violation if ex.counterexample else None)
    assert ex.stats.exhausted
    assert "promise" in set(ex.stats.coverage_names())


def test_the_hostile_stores_are_steps_of_the_hostile_actor():
    # choice 0 of the hostile's decision: sr_cur <- 0; with these choices it writes sr_cur early
    w = hostile("v2", "SC", frames=1, writes=1)
    ex = runtime.run(Case(w, ()))
    hs = [s for s in ex.steps if s.actor == "H"]
    assert [(s.op, s.field) for s in hs] == [("store", "sr_cur")], [s for s in hs]
    assert "H1" in w.label()


def test_an_invalid_index_is_flagged_and_counted():
    # v2, size 2: sr_cur <- 0x7fff makes prod - cons > size; the push after it is -EIO,
    # sr_error is set and the frame counted in drop_error (the end oracle checks both)
    values = 6                       # hostile_body's value list
    w = hostile("v2", "SC", frames=1, writes=1)
    choice = 0 * values + 4          # field 0 (sr_cur), value 0x7fff
    # the hostile takes its decision when it is started (before any step), then the first
    # scheduling decision switches to it: its store comes before the producer's push
    r = runtime.run(Case(w, (choice, 1)))
    assert r.violation is None, r.message
    assert r.push_results[0][0] == -5, (r.push_results[0], repro(w, [choice, 1]))
    assert r.counters["drop_error"] == 1 and r.counters["error"] != 0, r.counters


def test_the_out_of_bounds_oracle_fires_when_the_bound_is_moved_inside_the_ring():
    """Mutation: the forbidden region starts at the last slot, so the producer's own copy into it
    must be reported (the oracle is wired to every access, committed or buffered)."""
    model.hostile_mutate(1)
    try:
        ex = runtime.explore(hostile("v2", "TSO", frames=2, writes=1), 2)
    finally:
        model.hostile_mutate(0)
    assert ex.counterexample is not None
    assert ex.counterexample.violation.prop == "out-of-bounds", ex.counterexample.violation
    assert "ring offset" in ex.counterexample.violation.message
    # without the mutation the same search is clean
    assert runtime.explore(hostile("v2", "TSO", frames=2, writes=1), 2).stats.violations == 0


def test_hostile_token_round_trip():
    w = hostile("v1", "TSO", writes=3)
    c = Case(w, (0, 7, 1))
    assert Case.from_token(c.token()) == c
    # an older token (without the hostile field) still decodes, with no hostile peer
    old = Case(Workload(protocol="v2"), (1,))
    assert Case.from_token(old.token()).workload.hostile == 0


@pytest.mark.parametrize("bad", [dict(waits=True), dict(unplug=True), dict(kill="consumer"),
                                 dict(protocol="2012")])
def test_a_hostile_peer_replaces_the_consumer_only(bad):
    w = hostile("v2", "SC").with_(**bad)
    with pytest.raises(runtime.SetupError, match="hostile"):
        runtime.run(Case(w, ()))


# ---- mutants that trust a hostile value (c/model/thirdparty/mutants/*.edit, mk/mutants.mk) ----
# Each is the shipped ring.c with one scripted edit; the hostile-peer search must catch it, and the
# same search on the shipped code must not (so it is the mutation that is caught).

def test_a_producer_that_trusts_the_peer_to_release_the_lock_is_caught_hanging():
    w = hostile("v1", "SC", frames=1, writes=1).with_(variant="hostile_trust_lock")
    ex = runtime.explore(w, 2)
    cx = ex.counterexample
    assert cx is not None, "the hostile peer holding sr_lock must hang the mutant"
    assert cx.violation.prop in ("deadlock", "step-bound", "retries"), cx.violation
    # the hostile's store that did it: sr_lock <- non-zero, never cleared
    assert any(s.actor == "H" and s.op == "store" and s.field == "sr_lock" for s in cx.steps), \
        [(s.actor, s.op, s.field) for s in cx.steps]
    shipped = runtime.explore(w.with_(variant="fixed"), 2)
    assert shipped.stats.violations == 0 and shipped.stats.exhausted


@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO"])
def test_a_producer_that_trusts_sr_cur_is_caught_writing_outside_the_ring(mm):
    w = hostile("v1", mm, frames=2, writes=1).with_(variant="hostile_trust_cur")
    ex = runtime.explore(w, 3)          # TSO/PSO: the buffered store's drain is one more choice
    cx = ex.counterexample
    assert cx is not None, f"{mm}: the mutant's out-of-ring write was not found"
    assert cx.violation.prop == "out-of-bounds", cx.violation
    assert any(s.actor == "H" and s.field == "sr_cur" for s in cx.steps)
    # the producer's first stray access: rt's field-bounds oracle flags its ss_len store one past
    # the table (issue 13), or this oracle a write past the ring
    msg = cx.violation.message
    assert "ring offset" in msg or msg.startswith("out of bounds: actor 0 (producer)"), msg
    assert runtime.explore(w.with_(variant="fixed"), 3).stats.violations == 0


def test_the_trusting_mutant_is_right_for_an_honest_consumer():
    """What makes hostile_trust_cur wrong is the hostile value: with the real consumer (which
    keeps sr_cur < size) the same mutant is proven within the bound, wraps included."""
    w = Workload(protocol="v1", memory_model="TSO", size=2,
                 producers=(tuple((8, k) for k in range(3)),), lock_retries=4, reduce=True,
                 variant="hostile_trust_cur")
    ex = runtime.explore(w, 2)
    assert ex.stats.violations == 0 and ex.stats.exhausted, \
        ex.counterexample.violation if ex.counterexample else None
