"""Distributed exploration on Dask distributed (`python -m pyharness explore ... --dask SPEC`).

The search is split by schedule prefix: a choice list is a self-contained replay token, so "every
list that starts with P" is a unit of work any worker can run from the workload alone. The client
enumerates the prefixes (the bounded DFS varying only the first `depth` decisions,
mn_model_explore_sub), Dask runs one task per group of prefixes, and the results merge into one
report: executions, violations (each counterexample is a full choice list, so its token replays
anywhere), states reached, exhausted.

- Bounded DFS: the subtree searches run exactly the executions of the single-process DFS (the same
  lists, partitioned by their first `depth` choices); the enumeration's own executions are
  reported apart (`split_executions`).
- DPOR: DPOR from each prefix of a complete enumeration (no bound) covers every trace; there is
  no reduction across prefixes, so it runs more executions than one DPOR (reported).

SPEC: `local:N` starts a LocalCluster of N single-threaded worker processes on this machine;
`tcp://HOST:8786` uses a running scheduler (`dask scheduler`, then `dask worker tcp://HOST:8786
--nthreads 1` on each machine, each with this repository on its PYTHONPATH and the model built:
see docs/harness.md). dask-jobqueue and dask-kubernetes clusters give a scheduler address too.
The model is one execution at a time per process: workers must run one thread each.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import model, runtime
from .workload import Case, Workload

LISTS_CAP = 1 << 22


class DaskSpecError(ValueError):
    """A --dask value that is neither local:N nor tcp://HOST:PORT."""


def parse_spec(spec: str) -> tuple[str, object]:
    if spec.startswith("local:"):
        n = spec[len("local:"):]
        if not n.isdigit() or not 1 <= int(n) <= 64:
            raise DaskSpecError(f"--dask {spec!r}: local:N wants N workers, 1..64 (e.g. local:2)")
        return "local", int(n)
    if spec.startswith("tcp://") and ":" in spec[len("tcp://"):]:
        return "tcp", spec
    raise DaskSpecError(f"--dask {spec!r}: use local:N (a LocalCluster of N workers) or "
                        f"tcp://HOST:PORT (a running `dask scheduler`)")


def _import_dask():
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit('--dask needs Dask distributed: pip install "dask[distributed]" '
                         '(listed in requirements.txt)') from None
    return Client, LocalCluster


class Cluster:
    """A Dask client on a LocalCluster it starts (closed with it) or on a running scheduler."""

    def __init__(self, spec: str):
        kind, arg = parse_spec(spec)
        Client, LocalCluster = _import_dask()
        self.cluster = None
        if kind == "local":
            self.cluster = LocalCluster(n_workers=arg, threads_per_worker=1, processes=True,
                                        dashboard_address=":0")
            self.client = Client(self.cluster)
        else:
            self.client = Client(arg, timeout="20s")
        self.workers = len(self.client.scheduler_info()["workers"])

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Result:
    """The merged report of a split search."""
    workload: Workload
    engine: str                      # "dfs" or "dpor"
    bound: int
    tasks: int = 0
    prefixes: int = 0
    split_executions: int = 0        # the client's enumeration of the prefixes
    executions: int = 0              # the tasks' (bounded DFS: those of the single-process DFS)
    violations: int = 0
    exhausted: bool = True
    coverage: int = 0
    seconds: float = 0.0
    workers: int = 0
    tokens: list = field(default_factory=list)      # one replay token per violating subtree
    outcomes: set = field(default_factory=set)      # with outcomes=True: every final outcome

    @property
    def proof(self) -> bool:
        return self.exhausted and self.violations == 0

    def coverage_names(self) -> list[str]:
        return model.coverage_names(self.coverage)


def _outcome(r) -> tuple:
    """A final outcome (raw CResult): the verdict, or deliveries, counters and final header."""
    if r.violation:
        return ("violation", r.violation, r.message.decode(errors="replace"))
    c = r.counters
    return ("ok", tuple((r.delivered[i].producer, r.delivered[i].frame, r.delivered[i].len,
                         r.delivered[i].released) for i in range(r.ndelivered)),
            tuple(getattr(c, f) for f, _ in c._fields_), r.final_cur, r.final_avail,
            r.final_lock, r.notify_pending, r.still_in_ring, r.unplug_result,
            tuple(r.actor_state[:r.nactors]))


def run_subtrees(token_workload: str, engine: str, bound: int, prefixes: list,
                 max_executions: int, outcomes: bool) -> dict:
    """One task (runs on a worker): the subtree of each prefix. The workload travels as a replay
    token (a string), so a task is self-contained."""
    w = Case.from_token(token_workload).workload
    seen: set = set()
    tokens: list[str] = []
    out: dict[str, Any] = dict(executions=0, violations=0, exhausted=True, coverage=0,
                               tokens=tokens, outcomes=seen)

    def one(p):
        if engine == "dpor":
            return runtime.dpor_sub(w, p, max_executions, stop=False)
        return runtime.explore_sub(w, bound, prefix=p, max_executions=max_executions,
                                   stop=False)[0]

    for p in prefixes:
        st = (runtime.each_result(lambda: one(p), lambda r: seen.add(_outcome(r)), w.variant)
              if outcomes else one(p))
        out["executions"] += st.executions
        out["violations"] += st.violations
        out["exhausted"] &= st.exhausted
        out["coverage"] |= st.coverage
        if st.violations and st.counterexample:
            tokens.append(Case(w, tuple(st.counterexample)).token())
    return out


def explore(w: Workload, bound: int, cluster: Cluster, depth: int = 6, dpor: bool = False,
            max_executions: int = 0, tasks_per_worker: int = 4,
            outcomes: bool = False) -> Result:
    """The bounded DFS (or DPOR) of w split by prefix over the cluster's workers, merged."""
    if w.memory_model == "ARM":
        raise ValueError("--dask: ARM searches learn their promise table over the whole search "
                         "and are not split; run them without --dask")
    t0 = time.perf_counter()
    if dpor:
        w = w.with_(reduce=False)
    # DPOR's prefixes: every list of the first `depth` decisions (no bound); DFS's: within it
    split_bound = 10**6 if dpor else bound
    st, prefixes = runtime.explore_sub(w, split_bound, depth=depth, lists_cap=LISTS_CAP,
                                       stop=False)
    res = Result(w, "dpor" if dpor else "dfs", -1 if dpor else bound, workers=cluster.workers,
                 prefixes=len(prefixes), split_executions=st.executions)
    ntasks = max(1, min(len(prefixes), cluster.workers * tasks_per_worker))
    # round-robin: neighbouring subtrees (similar sizes) go to different tasks
    groups = [prefixes[i::ntasks] for i in range(ntasks)]
    tok = Case(w).token()
    futs = [cluster.client.submit(run_subtrees, tok, res.engine, bound, g, max_executions,
                                  outcomes, pure=False) for g in groups]
    for part in cluster.client.gather(futs):
        res.executions += part["executions"]
        res.violations += part["violations"]
        res.exhausted &= part["exhausted"]
        res.coverage |= part["coverage"]
        res.tokens += part["tokens"]
        res.outcomes |= part["outcomes"]
    res.tasks = len(groups)
    res.seconds = time.perf_counter() - t0
    return res


def cmd_explore(a, w: Workload) -> int:
    """`explore ... --dask SPEC`: the split search, its merged table; a violation's token is
    replayed here, locally, and shown like any other failure (exit 1)."""
    from .failure import describe
    from .progress import table
    try:
        with Cluster(a.dask) as cl:
            res = explore(w, a.preemptions, cl, depth=a.split_depth, dpor=a.dpor,
                          max_executions=a.max_executions)
    except (OSError, TimeoutError) as e:
        raise DaskSpecError(f"--dask {a.dask}: cannot reach the scheduler ({e})") from None
    scope = "all interleavings (DPOR)" if a.dpor else f"preemptions <= {a.preemptions}"
    print(table([(res.workload.label(), "unbounded" if a.dpor else a.preemptions, res.workers,
                  res.tasks, res.prefixes, res.executions, res.split_executions, res.violations,
                  "yes" if res.exhausted else "NO", f"{res.seconds:.2f}",
                  ", ".join(res.coverage_names()))],
                ("workload", "preemptions <=", "workers", "tasks", "prefixes", "executions",
                 "split executions", "violations", "exhausted", "seconds", "states reached")))
    if res.tokens:
        ex = runtime.run(Case.from_token(res.tokens[0]))
        print(describe(ex))
        print(f"replay: python -m pyharness replay {res.tokens[0]}")
        return 1
    if res.exhausted:
        print(f"PROOF: {res.workload.label()}, {scope}: {res.executions} executions "
              f"(+{res.split_executions} to split it, {res.workers} Dask workers), 0 violations")
        return 0
    print(f"no proof: execution budget {a.max_executions} per subtree hit")
    return 1
