"""The batched data path under the model: netif_ether_input_batch producers (one plock hold, one
mn_prod_push_batch) and a peek_n/release_n consumer, explored on the shipped sources.

- wake_eq (MN_ZOO_WAKE_EQ) re-creates the bug the range rule fixes: the producer signals only if
  sr_wake == frames published; a batch that jumps over sr_wake signals nobody -> lost wakeup. It is
  FOUND with batches and is NOT a bug for per-frame producers (there the two rules coincide).
- the fixed build is proven clean (exhausted, no violation) within the same bounds for
  v1/v2 x SC/TSO/PSO, and on harder batched workloads (drops inside a batch, the u16 wrap, two
  batched producers)."""
from __future__ import annotations

import errno

import pytest

from conftest import Case, F, Workload, prop, repro, runtime, step_table

BOUND = 2
PROOF_BOUND = 3       # harder workloads: <= 210 k executions each (PSO, two producers), < 1 s
PROTOS = ("v1", "v2")
MMS = ("SC", "TSO", "PSO")
# A batch producer of 2 frames, a waiting consumer that takes up to 2 at a time.
BATCHED = Workload(size=2, producers=F([60, 60]), waits=True, batch=2, cons_batch=2, lock_retries=2)


def _grid(w: Workload):
    return [pytest.param(w.with_(protocol=p, memory_model=m), id=f"{p}-{m}")
            for p in PROTOS for m in MMS]


@pytest.mark.parametrize("w", _grid(BATCHED))
def test_wake_eq_lost_wakeup_is_found_with_batches_and_replays(w):
    s = runtime.explore(w.with_(variant='wake_eq'), BOUND).stats
    assert s.violations > 0, f"wake_eq not found within {BOUND} preemptions ({s.executions} executions)"
    assert s.first_violation == "lost-wakeup", f"{s.first_violation}: {s.message}"
    r = runtime.run(Case(w.with_(variant='wake_eq'), tuple(s.counterexample)))
    assert prop(r) == "lost-wakeup" and r.violation.step == -1, \
        f"counterexample does not replay: {r.message}; {repro(w, s.counterexample, 'wake_eq')}"
    assert r.actor_states[1] == "sleeping" and r.still_in_ring == 2, (r.actor_states, step_table(r))
    assert r.counters["notify"] == 0 and r.counters["frames"] == 2, r.counters
    # The reduced encoding (decisions only before observable operations) finds it too.
    s = runtime.explore(w.with_(reduce=True, variant='wake_eq'), BOUND).stats
    assert s.first_violation == "lost-wakeup", f"reduce=True: {s.first_violation}: {s.message}"


@pytest.mark.parametrize("w", _grid(BATCHED))
def test_fixed_build_batched_is_clean_within_the_same_bounds(w):
    s = runtime.explore(w, BOUND).stats
    assert s.violations == 0, f"{s.first_violation}: {s.message}; {repro(w, s.counterexample)}"
    assert s.exhausted, f"bound not exhausted after {s.executions} executions"
    # The search did go through the batch wakeup: some execution slept and was signalled.
    assert {"consumer-slept", "notified"} <= set(s.coverage_names()), s.coverage_names()


@pytest.mark.parametrize("proto", PROTOS)
def test_wake_eq_is_harmless_for_per_frame_producers(proto):
    """With k = 1 the equality test IS the range rule: the variant needs a batch to show its bug."""
    w = BATCHED.with_(protocol=proto, memory_model='TSO', batch=0, cons_batch=0)
    s = runtime.explore(w.with_(variant='wake_eq'), BOUND).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample, 'wake_eq')}"


HARDER = [
    # a batch of 3 into 2 slots with an oversize frame inside: drop_full + drop_oversize in one batch
    ("drops-inside-a-batch", Workload(size=2, producers=F([60, 100, 60, 60]), batch=3, cons_batch=2, waits=True, lock_retries=2), ("drop-full", "drop-oversize")),
    # v2 indices start at 65535: a batch publishes across the u16 wrap
    ("wrap", Workload(size=2, producers=F([60, 60, 60]), batch=2, cons_batch=2, start_index=65535, waits=True, lock_retries=2), ()),
    # two batched producers on one ring: plock excludes them, one publication per batch
    ("two-producers", Workload(size=2, producers=F([60, 60], [60]), batch=2, cons_batch=2, lock_retries=2), ()),
    # per-frame consumer against a batch producer (mixing the two APIs across sides)
    ("batch-vs-per-frame-consumer", Workload(size=2, producers=F([60, 60, 60]), batch=3, waits=True, lock_retries=2), ()),
]


@pytest.mark.parametrize("name,w,cov", HARDER, ids=[h[0] for h in HARDER])
@pytest.mark.parametrize("proto", PROTOS)
@pytest.mark.parametrize("mm", MMS)
def test_fixed_build_batched_harder_workloads_are_clean(name, w, cov, proto, mm):
    w = w.with_(protocol=proto, memory_model=mm)
    s = runtime.explore(w, PROOF_BOUND, max_executions=2000000).stats
    assert s.violations == 0, f"{name}: {s.first_violation}: {s.message}; {repro(w, s.counterexample)}"
    assert s.exhausted, f"{name}: bound not exhausted after {s.executions} executions"
    assert set(cov) <= set(s.coverage_names()), (name, s.coverage_names())
    if name == "wrap" and proto == "v2":
        assert "wrap-v2" in s.coverage_names()


def test_batch_push_results_are_per_frame():
    """One execution, no preemption: each frame's result is what netif_ether_input would say."""
    w = Workload(protocol='v2', size=2, producers=F([60, 100, 60, 60, 60]), batch=4, consumer="none")
    r = runtime.run(Case(w))
    assert r.ok, r.message
    # batch 0..3: ok, oversize, ok (ring now full), full; batch 4: full (no consumer)
    assert r.push_results == [[0, -errno.EMSGSIZE, 0, -errno.ENOBUFS, -errno.ENOBUFS]], r.push_results
    assert r.counters["drop_oversize"] == 1 and r.counters["drop_full"] == 2, r.counters


def test_a_publish_bug_is_found_through_the_batch_path():
    """The oracles see through batches: v2 publishing with a relaxed store, batch of 2, PSO."""
    w = Workload(protocol='v2', memory_model='PSO', size=2, producers=F([60, 60]), batch=2, cons_batch=2)
    s = runtime.explore(w.with_(variant='v2_relaxed_publish'), BOUND).stats
    assert s.violations > 0 and s.first_violation == "frame-corrupt", (s.executions, s.message)


def test_bad_batch_sizes_are_setup_errors():
    with pytest.raises(runtime.SetupError, match="batch"):
        runtime.run(Case(Workload(batch=17, producers=F([60, 60]))))
