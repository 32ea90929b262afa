"""PCT: the bound arithmetic, and the engine on the runtime (finds a depth-2 lost wakeup under TSO
within its run budget; finds nothing on the fixed build; its choices replay exactly)."""
import math
import random

from pyharness import pct, runtime
from pyharness.workload import Case, Workload


def test_bound_arithmetic():
    b = pct.Bound(n=3, k=50, d=2, runs=1000)
    assert math.isclose(b.per_run, 1 / 150)
    assert math.isclose(b.miss, (1 - 1 / 150) ** 1000)
    assert b.runs_for(0.99) == math.ceil(math.log(0.01) / math.log(1 - 1 / 150))
    assert "1/(n*k^(d-1))" in b.statement()


def test_scheduler_change_points_lower_priority():
    s = pct.PCTScheduler(random.Random(4), k=10, d=3)
    assert len(s.change) == 2 and all(1 <= c <= 10 for c in s.change)
    picks = []
    for step in range(12):
        s.step = step
        picks.append(s.pick(["a", "b", "c"]))
    # after both change points the two entities that were running lost their priority
    assert len(set(picks)) >= 2


W = Workload(protocol="v2", variant="no_cons_fence", memory_model="TSO", size=2,
             producers=(((8, 0),),), waits=True)


def test_pct_finds_lost_wakeup_and_replays():
    res = pct.run_pct(W, runs=2000, depth=2, seed=0)
    assert res.found is not None, res.bound.statement()
    assert res.found.violation.prop == "lost-wakeup"
    again = runtime.run(Case.from_token(res.found.case.token()))
    assert again.violation == res.found.violation and again.steps == res.found.steps


def test_pct_fixed_build_clean():
    res = pct.run_pct(W.with_(variant="fixed"), runs=300, depth=2, seed=0)
    assert res.found is None, res.found and res.found.violation
