"""Reachability: a search that never reaches the interesting states proves nothing. Each test runs
a Hypothesis search over the fixed protocols, collects the abstract states the runtime reports
(model.h enum mn_model_coverage) and FAILS if one it is responsible for was never reached."""
import pytest

from harness import failure_message
from pyharness import hypo
from pyharness.strategies import cases

BUDGET = 300


def reached(strategy, budget=BUDGET) -> set:
    seen: set = set()
    res = hypo.search(strategy, max_examples=budget, seed=1,
                      observe=lambda ex: seen.update(ex.coverage))
    assert res.found is None, failure_message(res.found)     # a violation here is a real bug
    return seen


@pytest.mark.parametrize("proto,wrap", [("v2", "wrap-v2"), ("v1", "wrap-v1")])
def test_reaches_full_wrap_contention(proto, wrap):
    seen = reached(cases(protocols=(proto,), memory_models=("SC", "TSO", "PSO"),
                         start_indices=(0, 65534), waits=False, unplug=False, kill="none",
                         max_producers=2, max_frames=4))
    need = {"ring-full", wrap, "drop-full", "drop-oversize"}
    if proto == "v1":
        need.add("lock-contended")
    assert need <= seen, f"{proto}: never reached {sorted(need - seen)} (reached {sorted(seen)})"


def test_reaches_weak_memory_effects():
    seen = reached(cases(protocols=("v2", "v1"), memory_models=("TSO", "PSO"), unplug=False,
                         kill="none"))
    need = {"forwarded", "reordered"}
    assert need <= seen, f"never reached {sorted(need - seen)} (reached {sorted(seen)})"


def test_reaches_sleep_notify_unplug_kill():
    seen = reached(cases(protocols=("v2", "v1"), lock_retries=3))
    need = {"consumer-slept", "notified", "unplugged", "killed", "not-plugged"}
    assert need <= seen, f"never reached {sorted(need - seen)} (reached {sorted(seen)})"


@pytest.mark.parametrize("models", [("SC", "TSO", "PSO"), ("ARM",)], ids=["SC-TSO-PSO", "ARM"])
def test_reaches_killed_lock_holder(models):
    # one search per model family: with all four in one budget, killing the consumer while it holds
    # the lock was left to the luck of the seed
    # ARM: the idle consumer now wakes only when what its poll read changes (rt_idle's read set),
    # so it polls less often while stores are in flight; stale reads need a larger budget
    seen = reached(cases(protocols=("v1",), memory_models=models, kill="consumer", unplug=False,
                         waits=False, lock_retries=3),
                   budget=BUDGET * 3 if models == ("ARM",) else BUDGET)
    need = {"killed", "killed-holder", "drop-busy", "lock-contended"}
    if models == ("ARM",):
        need |= {"promise", "stale-read"}
    assert need <= seen, f"{models}: never reached {sorted(need - seen)} (reached {sorted(seen)})"
