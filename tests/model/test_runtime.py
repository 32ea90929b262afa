"""The runtime's actors and oracles on the real ring code: the killer holding the v1 lock,
reachability of abstract states, workload validation, the step bound, the external consumer hook."""
from __future__ import annotations

import ctypes as C

import pytest

from conftest import model, repro

W = model.Workload


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_consumer_killed_holding_the_v1_lock_producer_keeps_running(mm):
    w = W(proto="v1", mm=mm, frames=[[60, 60, 60, 60]], lock_retries=2, kill_actor=1)
    cs, st = model.find(w, ["killed-holder", "drop-busy"], preemptions=2)
    assert cs is not None, f"killer never caught the consumer holding sr_lock ({st.executions} runs)"
    r = model.run(w, cs)
    assert r.ok, f"{r.message}; {repro(w, cs)}"
    assert r.actor_kinds == ["producer", "consumer", "killer"]
    assert r.actor_states[0] == "done", "the producer must finish (never hang on a dead holder)"
    assert r.actor_states[1] == "killed" and r.final["lock"] == 1
    busy = [x for x in r.push_results[0] if x == -16]
    assert busy and r.counters["drop_busy"] == len(busy), r.push_results
    # Each push ended in exactly one way; nothing was left pending.
    assert all(x in (0, -16, -105) for x in r.push_results[0]), r.push_results


def test_killer_exhaustive_no_hang_no_violation():
    w = W(proto="v1", mm="tso", frames=[[60, 60, 60]], lock_retries=2, kill_actor=1)
    s = model.explore(w, preemptions=2)
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    assert {"killed", "killed-holder", "drop-busy"} <= set(s.coverage_names())


def test_killed_producer_holding_plock_blocks_a_second_producer_forever():
    """Killing a producer inside netif_ether_input leaves plock held: the other producer waits
    forever. The model reports it as a deadlock (no spin: a finite execution)."""
    w = W(proto="v2", mm="sc", frames=[[60], [61]], kill_actor=0)
    cs, st = model.find(w, ["killed-holder"], preemptions=2)
    assert cs is not None
    s = model.explore(w, preemptions=2)
    assert s.first_violation == "deadlock", s.message
    assert "spins forever on entry[].plock" in s.message


@pytest.mark.parametrize("states,w", [
    (["ring-full", "drop-full"], W(proto="v2", frames=[[60, 60, 60]], consumer=0)),
    (["wrap-v2"], W(proto="v2", frames=[[60, 60, 60]], start_index=65534)),
    (["wrap-v1"], W(proto="v1", frames=[[60, 60, 60]], lock_retries=2)),
    (["lock-contended", "drop-busy"], W(proto="v1", frames=[[60, 60, 60]], lock_retries=2)),
    (["lock-contended", "spin-blocked"], W(proto="v2", frames=[[60], [61]])),
    (["consumer-slept", "notified"], W(proto="v2", frames=[[60, 60]], consumer_waits=True)),
    (["unplugged", "not-plugged"], W(proto="v2", frames=[[60, 60]], unplugger=True)),
    (["reordered"], W(proto="v2", mm="pso", frames=[[60, 60]])),
    (["forwarded"], W(proto="v1", mm="tso", frames=[[60, 60]], lock_retries=2)),
    (["drop-oversize"], W(proto="v2", frames=[[60, 65]], slotsize=64)),
])
def test_reachability(states, w):
    cs, st = model.find(w, states, preemptions=2)
    assert cs is not None, f"{states} not reached in {st.executions} executions " \
                           f"(exhausted={st.exhausted}); reached {st.coverage_names()}"
    r = model.run(w, cs)
    assert all(r.covered(s) for s in states), f"replay lost coverage {states}: {r.coverage_names()}"


def test_wrap_v2_keeps_frames_intact():
    w = W(proto="v2", mm="tso", frames=[[60, 61, 62, 63]], start_index=65533)
    s = model.explore(w, preemptions=2)
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    assert "wrap-v2" in s.coverage_names()


@pytest.mark.parametrize("bad,why", [
    (W(nslots=3), "mn_ring_init"),
    (W(slotsize=100), "mn_ring_init"),
    (W(proto=7), "proto"),
    (W(mm=5), "mm"),
    (W(kill_actor=9), "kill_actor"),
    (W(frames=[[9000]]), "MN_MODEL_MAX_FRAME_LEN"),
    (W(consumer=2), "external consumer"),
])
def test_invalid_workloads_are_setup_errors(bad, why):
    r = model.run(bad)
    assert r.violation == "setup" and why in r.message, r.message


def test_step_bound_is_a_violation_not_a_hang():
    w = W(proto="v2", frames=[[60] * 8], max_steps=50)
    r = model.run(w)
    assert r.violation == "step-bound" and r.nsteps == 50


def test_multi_producer_frames_in_order_per_producer():
    w = W(proto="v2", mm="tso", nslots=8, frames=[[60, 61], [62, 63], [64]])
    s = model.explore(w, preemptions=1)
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    r = model.run(w, [])
    assert sorted(d[:2] for d in r.delivered) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]


# ---- the external consumer hook (for the OCaml consumer): a Python consumer as the test double ----

CONSUMER_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_void_p, C.c_uint64)


def test_external_consumer_hook_runs_as_an_actor():
    """A consumer written against the hook (here in Python through ctypes; OCaml does the same from
    yielding stubs): its ordering-layer calls are visible operations and the oracles judge it."""
    so = model.lib()
    so.mn_model_access.argtypes = [C.c_int, C.c_void_p, C.c_uint, C.c_int, C.c_uint64]
    so.mn_model_access.restype = C.c_uint64
    so.mn_model_copy.argtypes = [C.c_int, C.c_void_p, C.c_void_p, C.c_size_t]
    so.mn_model_consumer_deliver.argtypes = [C.c_void_p, C.c_uint32, C.c_int]
    so.mn_model_consumer_idle.restype = C.c_int
    so.mn_model_set_external_consumer.argtypes = [CONSUMER_FN, C.c_void_p]

    def consumer(_arg, ring, _len):
        # v2 consumer: load-acquire prod, read len + bytes, store-release cons.
        cons = 0
        buf = (C.c_uint8 * 2048)()
        while True:
            prod = so.mn_model_access(model.OP_LOAD, ring + 2, 2, model.ACQUIRE, 0)
            if (prod - cons) & 0xFFFF == 0:
                if not so.mn_model_consumer_idle():
                    return
                continue
            i = cons & 1
            n = so.mn_model_access(model.OP_LOAD, ring + 64 + 2 * i, 2, model.RELAXED, 0)
            so.mn_model_copy(model.OP_COPY_OUT, buf, ring + 128 + 64 * i, n)
            so.mn_model_consumer_deliver(buf, n, 0)
            cons = (cons + 1) & 0xFFFF
            so.mn_model_access(model.OP_STORE, ring, 2, model.RELEASE, cons)
            so.mn_model_consumer_deliver(None, 0, 1)

    fn = CONSUMER_FN(consumer)
    so.mn_model_set_external_consumer(fn, None)
    try:
        w = W(proto="v2", mm="pso", frames=[[60, 61, 62]], consumer=model.CONSUMER_EXTERNAL)
        for cs in ([], [1, 0, 1, 2], [0, 0, 3, 1, 1, 2, 0, 4]):
            r = model.run(w, cs)
            assert r.ok, f"{r.message}\n{r.table()}"
            assert [d[:2] for d in r.delivered] == [(0, 0), (0, 1), (0, 2)][:len(r.delivered)]
            published = sum(1 for x in r.push_results[0] if x == 0)
            assert published >= 2 and r.still_in_ring + sum(d[3] for d in r.delivered) == published
            assert any(s.actor == 1 and s.op == "copy_out" for s in r.steps)
    finally:
        so.mn_model_set_external_consumer(CONSUMER_FN(0), None)
