"""The idle consumer's wait (rt_idle, c/model/rt/ops.c): it blocks until a location its empty poll
read changes (its read set), or the last producer ends. Before, it waited on the whole ring and
every end of an actor woke it. Re-running a poll that reads the same values finds the same nothing,
so the narrower wait must lose no behaviour: on workloads whose unbounded DFS terminates in both
runtimes, the SET of final outcomes is the same (the new one runs fewer executions). (A failed poll
has no side effect, so even a consumer that re-polls only after the producers end reaches the same
outcomes by polling late; what the set catches is a wakeup that never comes.) The check can fail: an
idle consumer that is never woken changes the outcome set."""
from __future__ import annotations

import pytest

from conftest import model, runtime
from pyharness.workload import Workload
from test_dpor import fingerprint

# (id, variant, workload): a polling consumer (waits=False); the unbounded DFS of each finishes in
# seconds with the old wait too
CASES = [
    ("v2-sc-1x1", "fixed", Workload(protocol="v2", memory_model="SC", size=2,
                                    producers=(((8, 0),),))),
    ("v3-sc-1x1", "fixed", Workload(protocol="v3", memory_model="SC", size=2,
                                    producers=(((8, 0),),))),
    ("v2-sc-1x1-batch", "fixed", Workload(protocol="v2", memory_model="SC", size=2, cons_batch=2,
                                          producers=(((8, 0),),))),
]


def outcomes(w, variant, mode, budget=3_000_000):
    seen: set = set()
    model.idle_mode(mode, variant)
    try:
        st = runtime.each_result(lambda: runtime.explore(w.with_(variant=variant), 10**6,
                                                         max_executions=budget, stop=False).stats,
                                 lambda r: seen.add(fingerprint(r)), variant)
    finally:
        model.idle_mode(0, variant)
    return st, frozenset(seen)


@pytest.mark.parametrize("name,variant,w", CASES, ids=[c[0] for c in CASES])
def test_waiting_on_the_read_set_loses_no_outcome(name, variant, w):
    new_st, new = outcomes(w, variant, 0)
    old_st, old = outcomes(w, variant, 1)
    print(f"{name}: read set {new_st.executions} executions, whole ring {old_st.executions}, "
          f"{len(old)} outcomes")
    assert new_st.exhausted and old_st.exhausted, (new_st.executions, old_st.executions)
    assert new_st.executions <= old_st.executions
    assert new == old, (f"{name}: the read-set wait lost {sorted(old - new)} / found "
                        f"{sorted(new - old)} beyond waiting on the whole ring")


def test_a_lost_wakeup_changes_the_outcomes():
    """The check above can fail: an idle consumer that is never woken (not by a store, not by
    the producers' end) leaves frames undelivered."""
    lost = []
    for name, variant, w in CASES:
        _, broken = outcomes(w, variant, 2)
        _, old = outcomes(w, variant, 1)
        if broken != old:
            lost.append(name)
    assert lost == [c[0] for c in CASES], f"a lost wakeup went unnoticed: only {lost} changed"
