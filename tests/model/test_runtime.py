"""The runtime's actors and oracles on the real ring code: the killer holding the v1 lock,
reachability of abstract states, workload validation, the step bound, the external consumer hook."""
from __future__ import annotations

import ctypes as C

import pytest

from conftest import Case, F, Workload, model, prop, repro, runtime, step_table


@pytest.mark.parametrize("mm", ["sc", "tso", "pso"])
def test_consumer_killed_holding_the_v1_lock_producer_keeps_running(mm):
    w = Workload(protocol='v1', memory_model=mm.upper(), producers=F([60, 60, 60, 60]), lock_retries=2, kill="consumer")
    case, st = runtime.find(w, ["killed-holder", "drop-busy"], 2)
    assert case is not None, f"killer never caught the consumer holding sr_lock ({st.executions} runs)"
    r = runtime.run(case)
    assert r.ok, f"{r.message}; {repro(w, case.choices)}"
    assert r.actor_kinds == ["producer", "consumer", "killer"]
    assert r.actor_states[0] == "done", "the producer must finish (never hang on a dead holder)"
    assert r.actor_states[1] == "killed" and r.header["lock"] == 1
    busy = [x for x in r.push_results[0] if x == -16]
    assert busy and r.counters["drop_busy"] == len(busy), r.push_results
    # Each push ended in exactly one way; nothing was left pending.
    assert all(x in (0, -16, -105) for x in r.push_results[0]), r.push_results


def test_killer_exhaustive_no_hang_no_violation():
    w = Workload(protocol='v1', memory_model='TSO', producers=F([60, 60, 60]), lock_retries=2, kill="consumer")
    s = runtime.explore(w, 2).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    assert {"killed", "killed-holder", "drop-busy"} <= set(s.coverage_names())


def test_killed_producer_holding_plock_blocks_a_second_producer_forever():
    """Killing a producer inside netif_ether_input leaves plock held: the other producer waits
    forever. The model reports it as a deadlock (no spin: a finite execution)."""
    w = Workload(protocol='v2', memory_model='SC', producers=F([60], [61]), kill="producer0")
    case, st = runtime.find(w, ["killed-holder"], 2)
    assert case is not None
    s = runtime.explore(w, 2).stats
    assert s.first_violation == "deadlock", s.message
    assert "spins forever on entry[].plock" in s.message


@pytest.mark.parametrize("states,w", [
    (["ring-full", "drop-full"], Workload(protocol='v2', producers=F([60, 60, 60]), consumer="none")),
    (["wrap-v2"], Workload(protocol='v2', producers=F([60, 60, 60]), start_index=65534)),
    (["wrap-v1"], Workload(protocol='v1', producers=F([60, 60, 60]), lock_retries=2)),
    (["lock-contended", "drop-busy"], Workload(protocol='v1', producers=F([60, 60, 60]), lock_retries=2)),
    (["lock-contended", "spin-blocked"], Workload(protocol='v2', producers=F([60], [61]))),
    (["consumer-slept", "notified"], Workload(protocol='v2', producers=F([60, 60]), waits=True)),
    (["unplugged", "not-plugged"], Workload(protocol='v2', producers=F([60, 60]), unplug=True)),
    (["reordered"], Workload(protocol='v2', memory_model='PSO', producers=F([60, 60]))),
    (["forwarded"], Workload(protocol='v1', memory_model='TSO', producers=F([60, 60]), lock_retries=2)),
    (["drop-oversize"], Workload(protocol='v2', producers=F([60, 65]), slotsize=64)),
])
def test_reachability(states, w):
    case, st = runtime.find(w, states, 2)
    assert case is not None, f"{states} not reached in {st.executions} executions " \
                           f"(exhausted={st.exhausted}); reached {st.coverage_names()}"
    r = runtime.run(case)
    assert all(s in r.coverage for s in states), f"replay lost coverage {states}: {sorted(r.coverage)}"


def test_wrap_v2_keeps_frames_intact():
    w = Workload(protocol='v2', memory_model='TSO', producers=F([60, 61, 62, 63]), start_index=65533)
    s = runtime.explore(w, 2).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    assert "wrap-v2" in s.coverage_names()


@pytest.mark.parametrize("field,value,why", [
    ("nslots", 3, "mn_ring_init"),
    ("slotsize", 100, "mn_ring_init"),
    ("proto", 7, "proto"),
    ("mm", 5, "mm"),
    ("kill_actor", 9, "kill_actor"),
    ("consumer", 2, "external consumer"),
])
def test_invalid_c_workloads_are_setup_errors(field, value, why):
    """The C runtime checks what it is given (a workload built in C, not through
    workload.Workload): a setup violation naming the field, never a crash."""
    cw = model.to_c(Workload(producers=F([60, 60])))
    setattr(cw, field, value)
    res = model.CResult()
    model.lib().mn_model_run(C.byref(cw), None, 0, C.byref(res), None, 0)
    assert model.VIOLATIONS[res.violation] == "setup" and why in res.message.decode(), res.message


@pytest.mark.parametrize("bad,why", [
    (dict(size=3), "power of two"),
    (dict(slotsize=100), "multiple of 64"),
    (dict(protocol="v7"), "protocol"),
    (dict(memory_model="RVWMO"), "memory model"),
    (dict(consumer="python"), "consumer"),
])
def test_invalid_workloads_are_refused_before_the_runtime(bad, why):
    with pytest.raises(ValueError, match=why):
        Workload(**bad)


def test_a_frame_too_long_for_the_runtime_is_a_setup_error():
    with pytest.raises(runtime.SetupError, match="MN_MODEL_MAX_FRAME_LEN"):
        runtime.run(Case(Workload(producers=F([9000]))))


def test_step_bound_is_a_violation_not_a_hang():
    w = Workload(protocol='v2', producers=F([60] * 8), max_steps=50)
    r = runtime.run(Case(w))
    assert prop(r) == "step-bound" and r.nsteps == 50


def test_multi_producer_frames_in_order_per_producer():
    w = Workload(protocol='v2', memory_model='TSO', size=8, producers=F([60, 61], [62, 63], [64]))
    s = runtime.explore(w, 1).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(w, s.counterexample)}"
    r = runtime.run(Case(w))
    assert sorted(d[:2] for d in r.delivered) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]


# ---- the external consumer hook (for the OCaml consumer): a Python consumer as the test double ----

CONSUMER_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_void_p, C.c_uint64)


def _typed_model_lib():
    so = model.lib()
    so.mn_model_access.argtypes = [C.c_int, C.c_void_p, C.c_uint, C.c_int, C.c_uint64]
    so.mn_model_access.restype = C.c_uint64
    so.mn_model_copy.argtypes = [C.c_int, C.c_void_p, C.c_void_p, C.c_size_t]
    so.mn_model_fence.argtypes = []
    so.mn_model_consumer_deliver.argtypes = [C.c_void_p, C.c_uint32, C.c_int]
    so.mn_model_consumer_idle.restype = C.c_int
    so.mn_model_consumer_sleep.restype = C.c_int
    so.mn_model_set_external_consumer.argtypes = [CONSUMER_FN, C.c_void_p]
    return so


def _python_consumer(so, waits: bool, fence: bool, calls: list):
    """A v2 consumer written against the hook (OCaml does the same from yielding stubs):
    load-acquire prod, read len + bytes, store-release cons; when empty, idle, or (waits) the
    event-channel final check: write sr_wake, fence, re-check, sleep."""
    def consumer(_arg, ring, _len):
        calls.append("enter")
        cons, seen = 0, 0
        buf = (C.c_uint8 * 2048)()
        while True:
            prod = so.mn_model_access(model.OP_LOAD, ring + 2, 2, model.ACQUIRE, 0)
            if (prod - cons) & 0xFFFF == 0:
                if not waits:
                    if not so.mn_model_consumer_idle():
                        break
                    continue
                so.mn_model_access(model.OP_STORE, ring + 20, 4, model.RELAXED, seen + 1)
                if fence:
                    so.mn_model_fence()
                prod = so.mn_model_access(model.OP_LOAD, ring + 2, 2, model.ACQUIRE, 0)
                if (prod - cons) & 0xFFFF == 0 and not so.mn_model_consumer_sleep():
                    break
                continue
            i = cons & 1
            n = so.mn_model_access(model.OP_LOAD, ring + 64 + 2 * i, 2, model.RELAXED, 0)
            so.mn_model_copy(model.OP_COPY_OUT, buf, ring + 128 + 64 * i, n)
            so.mn_model_consumer_deliver(buf, n, 0)
            cons, seen = (cons + 1) & 0xFFFF, seen + 1
            so.mn_model_access(model.OP_STORE, ring, 2, model.RELEASE, cons)
            so.mn_model_consumer_deliver(None, 0, 1)
        calls.append("return")
    return CONSUMER_FN(consumer)


def test_external_consumer_hook_runs_as_an_actor():
    """Its ordering-layer calls are visible operations and the oracles judge it."""
    so = _typed_model_lib()
    calls: list = []
    fn = _python_consumer(so, waits=False, fence=True, calls=calls)
    so.mn_model_set_external_consumer(fn, None)
    try:
        w = Workload(protocol='v2', memory_model='PSO', producers=F([60, 61, 62]), consumer="external")
        for cs in ([], [1, 0, 1, 2], [0, 0, 3, 1, 1, 2, 0, 4]):
            r = runtime.run(Case(w, tuple(cs)))
            assert r.ok, f"{r.message}\n{step_table(r)}"
            assert [d[:2] for d in r.delivered] == [(0, 0), (0, 1), (0, 2)][:len(r.delivered)]
            published = sum(1 for x in r.push_results[0] if x == 0)
            assert published >= 2 and r.still_in_ring + sum(d[3] for d in r.delivered) == published
            assert any(s.actor == "C" and s.op == "copy_out" for s in r.steps)
        assert calls == ["enter", "return"] * 3
    finally:
        so.mn_model_set_external_consumer(CONSUMER_FN(0), None)


@pytest.mark.parametrize("fence,found", [(True, False), (False, True)])
def test_external_consumer_wakeup_protocol_and_it_always_returns(fence, found):
    """The oracles judge the external consumer's wakeup protocol too (no fence: lost wakeup
    under TSO), and its fiber has returned after every run, violating or not (LIFO)."""
    so = _typed_model_lib()
    calls: list = []
    fn = _python_consumer(so, waits=True, fence=fence, calls=calls)
    so.mn_model_set_external_consumer(fn, None)
    try:
        w = Workload(protocol='v2', memory_model='TSO', producers=F([60]), consumer="external", waits=True)
        s = runtime.explore(w, 2, stop=False).stats
        assert s.exhausted
        assert (s.violations > 0) == found, f"fence={fence}: {s.first_violation} {s.message}"
        if found:
            assert s.first_violation == "lost-wakeup"
        # every execution, and the counterexample's replay (runtime.explore reruns it)
        assert calls == ["enter", "return"] * (s.executions + found)
    finally:
        so.mn_model_set_external_consumer(CONSUMER_FN(0), None)


@pytest.mark.parametrize("proto", ["v1", "v2"])
def test_two_spinners_do_not_wake_each_other_forever(proto):
    """Regression: a failed test-and-set rewrites the same value; it must not wake the other
    spinner (P0 and P1 would ping-pong on plock while the holder P2 never runs)."""
    w = Workload(protocol=proto, memory_model='SC', producers=F([8], [8], [8]))
    r = runtime.run(Case(w, tuple([2, 0, 0, 0, 0, 0, 1])))
    assert r.ok, f"{r.message}; {repro(w, [2, 0, 0, 0, 0, 0, 1])}"
    wr = w.with_(reduce=True)
    s = runtime.explore(wr, 2).stats
    assert s.exhausted and s.violations == 0, f"{s.message}; {repro(wr, s.counterexample)}"
