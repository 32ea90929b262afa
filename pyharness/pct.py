"""PCT: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).

Each schedulable entity (an actor, and under TSO/PSO each actor's store buffer, whose drains are
events of their own) gets a random distinct priority >= d; d-1 change points are drawn uniformly
among the first k steps; at every step the highest-priority enabled entity runs, and when the run
reaches change point i the running entity's priority drops to d-1-i (below every initial priority).

Guarantee: for a bug of depth d (d ordering constraints must hold for it to show), one PCT run
finds it with probability >= 1/(n * k^(d-1)), n = entities, k = steps. After R independent runs the
probability of missing it is <= (1 - p)^R.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runtime import Execution
from . import model


@dataclass(frozen=True)
class Bound:
    n: int
    k: int
    d: int
    runs: int

    @property
    def per_run(self) -> float:
        return 1.0 / (self.n * self.k ** (self.d - 1))

    @property
    def miss(self) -> float:
        """Upper bound on the probability that `runs` runs all miss a depth-d bug."""
        return math.exp(self.runs * math.log1p(-self.per_run)) if self.per_run < 1 else 0.0

    def runs_for(self, confidence: float) -> int:
        """Runs needed to find a depth-d bug with probability >= confidence."""
        p = self.per_run
        return 1 if p >= 1 else math.ceil(math.log(1 - confidence) / math.log1p(-p))

    def statement(self) -> str:
        return (f"PCT bound: n={self.n} entities, k={self.k} steps, depth d={self.d}: each run finds "
                f"a depth-{self.d} bug with p >= 1/(n*k^(d-1)) = {self.per_run:.3g}; {self.runs} runs "
                f"miss it with probability <= {self.miss:.3g} "
                f"(99% needs {self.runs_for(0.99)} runs)")


class PCTScheduler:
    """One PCT run's priorities. pick() is called at every decision point with the enabled
    entities (hashable names) and returns the one to run."""

    def __init__(self, rng: random.Random, k: int, d: int):
        self.rng, self.k, self.d = rng, max(k, 1), d
        self.prio: dict = {}
        self.step = 0
        self.change = sorted(rng.sample(range(1, self.k + 1), min(d - 1, self.k)))
        self.changed = 0
        self.running = None

    def _priority(self, e) -> float:
        if e not in self.prio:
            # initial priorities >= d, distinct, random order among entities: draw a fresh real
            self.prio[e] = self.d + self.rng.random() * 1e6
        return self.prio[e]

    def pick(self, enabled: list):
        """enabled: the entities that may run now (PCT's enabled set). self.step is the number
        of steps executed so far (the caller updates it; change points are step numbers)."""
        if self.changed < len(self.change) and self.step >= self.change[self.changed] \
                and self.running in self.prio:
            self.prio[self.running] = self.d - 1 - self.changed
            self.changed += 1
        best = max(enabled, key=self._priority)
        self.running = best
        return best


# ---- running PCT on the model runtime ----------------------------------------------------------
@dataclass
class PCTResult:
    workload: object
    runs: int
    depth: int
    k: int
    n: int
    seconds: float
    found: "Execution | None"     # the first failing Execution (its Case replays it)
    first_run: int = -1
    hits: int = 0                 # runs that failed (all runs when stop_at_first is False)

    @property
    def bound(self) -> Bound:
        return Bound(self.n, self.k, self.depth, self.runs)


def _entity(o, pso: bool):
    """What an option schedules: an actor (kind 0/1) or a store buffer of an actor (kind 2): one
    per actor under TSO (FIFO), one per actor and address under PSO, so that the drain order
    between addresses gets its own random priority too."""
    if o.kind == 2:
        return ("drain", o.actor, o.field, o.index, o.off) if pso else ("drain", o.actor)
    return ("actor", o.actor)


def run_pct(workload, runs: int, depth: int = 2, seed: int = 0, progress=None,
            stop_at_first: bool = True) -> PCTResult:
    """runs PCT executions of workload (pyharness.workload.Workload) with bug depth `depth`."""
    from . import runtime
    # k: steps of one default (no preemption) execution; change points are drawn among them
    k = len(runtime.run(_case(workload)).steps)
    return pct_runs(workload, lambda chooser: runtime.run_chooser(workload, chooser), k,
                    workload.memory_model == "PSO", runs, depth, seed, progress, stop_at_first)


def pct_runs(workload, run_chooser, k: int, pso: bool, runs: int, depth: int = 2, seed: int = 0,
             progress=None, stop_at_first: bool = True) -> PCTResult:
    """PCT on any rt workload: run_chooser(chooser) runs one execution in which
    chooser(decision, step, options) picks each option (options with the fields of rt's struct
    rt_option, `field` its tag) and returns it (`violation` None or not, `nsteps`); k: the steps
    of the default schedule's execution; pso: the memory model drains per address."""
    import time
    t0 = time.perf_counter()
    k = max(k, 1)
    n_seen = 1
    k_seen = k
    found, first, hits = None, -1, 0
    rng = random.Random(seed)
    done = 0
    for i in range(runs):
        sched = PCTScheduler(random.Random(rng.getrandbits(64)), k, depth)

        rc = random.Random(rng.getrandbits(64))

        def chooser(decision, step, opts):
            nonlocal n_seen
            if any(o.kind >= model.OPT_READ for o in opts):
                # ARM: which message a load reads / whether an actor promises first. Data, not
                # scheduling: outside PCT's bound; half the time the newest (option 0), else any.
                return 0 if rc.random() < 0.5 else rc.randrange(len(opts))
            ents = [_entity(o, pso) for o in opts]
            n_seen = max(n_seen, len(set(ents)))
            sched.step = step     # change points count executed steps, not decisions
            pick = sched.pick(ents)
            return ents.index(pick)

        ex = run_chooser(chooser)
        k_seen = max(k_seen, ex.nsteps)   # the bound needs k >= the steps of every run
        done += 1
        if progress is not None:
            progress.tick(done)
        if ex.violation is not None:
            hits += 1
            if found is None:
                found, first = ex, i
            if stop_at_first:
                break
    return PCTResult(workload, done, depth, k_seen, n_seen, time.perf_counter() - t0, found, first,
                     hits)


def _case(w):
    from .workload import Case
    return Case(w, ())
