"""Distributed exploration on Dask (pyharness/distributed.py) against a real LocalCluster of 2
worker processes: the split bounded DFS runs exactly the executions of the single-process DFS and
reaches exactly its outcomes; split DPOR reaches the same outcomes as one DPOR (its executions are
reported); a violation found on a worker replays locally from its token; the CLI prints the proof.
"""
from __future__ import annotations

import pytest

from pyharness import cli, distributed, runtime
from pyharness.workload import Case, Workload

try:
    import dask.distributed  # noqa: F401
except ImportError:
    pytest.fail('Dask distributed is missing: pip install "dask[distributed]" (requirements.txt)',
                pytrace=False)


@pytest.fixture(scope="module")
def cluster():
    with distributed.Cluster("local:2") as cl:
        assert cl.workers == 2
        yield cl


def single(w: Workload, bound: int, dpor: bool = False):
    """The single-process search's stats and outcome set (the reference)."""
    seen: set = set()
    search = (lambda: runtime.dpor(w, stop=False)) if dpor else \
        (lambda: runtime.explore(w, bound, stop=False))
    ex = runtime.each_result(search, lambda r: seen.add(distributed._outcome(r)), w.variant)
    return ex.stats, seen


DFS_CASES = [
    ("v2-tso-1x2-wait", Workload(protocol="v2", memory_model="TSO", size=2, waits=True,
                                 producers=(((8, 0), (8, 1)),)), 3),
    ("v1-pso-2prod-reduced", Workload(protocol="v1", memory_model="PSO", size=2, reduce=True,
                                      lock_retries=4, producers=(((8, 0),), ((8, 16),))), 2),
]


@pytest.mark.parametrize("name,w,bound", DFS_CASES, ids=[c[0] for c in DFS_CASES])
def test_split_dfs_equals_the_single_process_dfs(cluster, name, w, bound):
    ref, ref_out = single(w, bound)
    res = distributed.explore(w, bound, cluster, depth=5, outcomes=True)
    print(f"{name}: {res.prefixes} prefixes in {res.tasks} tasks, {res.executions} executions "
          f"(single {ref.executions}), {len(res.outcomes)} outcomes")
    assert ref.exhausted and res.exhausted
    assert res.prefixes > 1 and res.tasks > 1, "the search was not split"
    assert res.executions == ref.executions
    assert res.outcomes == ref_out, (f"{name}: lost {sorted(ref_out - res.outcomes)[:3]}, "
                                     f"invented {sorted(res.outcomes - ref_out)[:3]}")
    assert res.coverage == ref.coverage and res.violations == ref.violations == 0


def test_split_dpor_reaches_the_outcomes_of_one_dpor(cluster):
    w = Workload(protocol="v2", memory_model="SC", size=2, waits=True, producers=(((8, 0), (8, 1)),))
    ref, ref_out = single(w, 0, dpor=True)
    res = distributed.explore(w, 0, cluster, depth=4, dpor=True, outcomes=True)
    print(f"split DPOR: {res.prefixes} prefixes, {res.executions} executions (one DPOR: "
          f"{ref.executions})")
    assert ref.exhausted and res.exhausted and res.prefixes > 1
    assert res.outcomes == ref_out


def test_a_violation_on_a_worker_replays_locally(cluster):
    w = Workload(protocol="v1", variant="v1_no_lock", memory_model="SC", size=2,
                 producers=(((8, 0), (8, 1)),))
    res = distributed.explore(w, 3, cluster, depth=4)
    assert res.violations > 0 and res.tokens, "the split search missed v1_no_lock's lost update"
    for tok in res.tokens[:3]:
        ex = runtime.run(Case.from_token(tok))
        assert ex.violation is not None, f"token from a worker does not replay: {tok}"
        assert runtime.run(Case.from_token(tok)).steps == ex.steps


def test_cli_explore_with_dask(capsys):
    rc = cli.main(["explore", "--protocol", "v2", "--mm", "SC", "--frames", "2",
                   "--preemptions", "2", "--dask", "local:2"])
    out = capsys.readouterr().out
    assert rc == 0 and "PROOF:" in out and "2 Dask workers" in out, out
    rc = cli.main(["explore", "--protocol", "v2", "--frames", "1", "--dask", "local:0"])
    err = capsys.readouterr().err
    assert rc == 2 and "local:N" in err, err
