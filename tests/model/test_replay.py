"""Determinism of the choice encoding: a list replays exactly, every list is valid (out-of-range
values reduce modulo the option count, a short list finishes deterministically), a chooser's
decisions replay through run(), and runs do not leak state into each other."""
from __future__ import annotations

import random

import pytest

from conftest import Case, F, Workload, model, repro, runtime


def trace_key(r: runtime.Execution):
    return ([(s.actor, s.op, s.field, s.order, s.value, s.buffered, s.header)
             for s in r.steps], r.violation, r.delivered, r.coverage, r.push_results)


WORKLOADS = [
    Workload(protocol='v2', memory_model='TSO', producers=F([60, 61, 62]), waits=True),
    Workload(protocol='v1', memory_model='PSO', producers=F([60, 61], [70]), lock_retries=2),
    Workload(protocol='v2', memory_model='SC', producers=F([60], [61]), unplug=True, kill="producer0"),
    Workload(protocol='2012', memory_model='TSO', producers=F([60, 61, 62])),
]


@pytest.mark.parametrize("w", WORKLOADS, ids=lambda w: f"{w.protocol}-{w.memory_model}")
def test_same_choices_same_trace_twice(w):
    rng = random.Random(7)
    for _ in range(50):
        cs = [rng.randrange(6) for _ in range(rng.randrange(40))]
        a = runtime.run(Case(w, tuple(cs)))
        runtime.run(Case(Workload(protocol='v1', memory_model='PSO', producers=F([64, 64, 64]), lock_retries=1), tuple([rng.randrange(3) for _ in range(30)])))  # unrelated run in between
        b = runtime.run(Case(w, tuple(cs)))
        assert trace_key(a) == trace_key(b), f"replay differs; {repro(w, cs)}"
        assert a.nsteps == len(a.steps) and a.nsteps > 0


@pytest.mark.parametrize("w", WORKLOADS, ids=lambda w: f"{w.protocol}-{w.memory_model}")
def test_chooser_decisions_replay_with_run(w):
    rng = random.Random(11)

    def chooser(decision, step, opts):
        assert len(opts) >= 2
        return rng.randrange(len(opts))

    for _ in range(20):
        a = runtime.run_chooser(w, chooser)
        b = runtime.run(Case(w, tuple(a.case.choices)))
        assert trace_key(a) == trace_key(b), f"chooser run does not replay; {repro(w, a.case.choices)}"
        assert a.decisions == len(a.case.choices)


def test_out_of_range_choices_reduce_modulo():
    w = Workload(protocol='v2', memory_model='TSO', producers=F([60, 60]))
    rng = random.Random(3)

    def chooser(decision, step, opts):
        return rng.randrange(len(opts))

    a = runtime.run_chooser(w, chooser)
    # Re-encode each choice with a multiple of its option count added: same execution.
    counts = []

    def record(decision, step, opts):
        counts.append(len(opts))
        return a.case.choices[decision]

    runtime.run_chooser(w, record)
    big = [c + 7 * n for c, n in zip(a.case.choices, counts)]
    assert trace_key(runtime.run(Case(w, tuple(big)))) == trace_key(a)


def test_empty_list_is_the_no_preemption_schedule():
    w = Workload(protocol='v2', memory_model='TSO', producers=F([60, 60]))
    r = runtime.run(Case(w))
    assert r.ok and r.choices_used == 0
    # Producer (actor 0) runs to completion before the consumer's first step.
    first_consumer = next(s.index for s in r.steps if s.actor == "C")
    assert all(s.actor == "P0" or s.op == "drain" for s in r.steps[:first_consumer])
    assert r.push_results == [[0, 0]] and [d[:2] for d in r.delivered] == [(0, 0), (0, 1)]
    assert trace_key(runtime.run(Case(w, tuple([0] * 100)))) == trace_key(r)


def test_same_list_replays_under_every_memory_model():
    cs = [0, 2, 1, 0, 3, 1, 1, 0, 2]
    for mm in ("SC", "TSO", "PSO"):
        w = Workload(protocol='v2', memory_model=mm, producers=F([60, 60]), waits=True)
        a, b = runtime.run(Case(w, tuple(cs))), runtime.run(Case(w, tuple(cs)))
        assert a.ok, f"{a.message}; {repro(w, cs)}"
        assert trace_key(a) == trace_key(b)
    # Only the buffered models buffer stores.
    w = Workload(protocol="v2", producers=F([60, 60]))
    assert not any(s.buffered for s in runtime.run(Case(w, tuple(cs))).steps)
    assert any(s.buffered for s in runtime.run(Case(w.with_(memory_model="TSO"), tuple(cs))).steps)


def test_frame_contents_are_the_reference_bytes():
    b = model.frame_bytes(1, 2, 9, 5)
    assert len(b) == 5 and b[0] == 0x80 | (1 << 4) | 2 and b[1:] == bytes([10, 11, 12, 13])
    assert model.frame_bytes(0, 0, 0, 1) != b"\x00"   # a zeroed (stale) slot never matches
