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
        self.step += 1
        if self.changed < len(self.change) and self.step == self.change[self.changed] \
                and self.running in self.prio:
            self.prio[self.running] = self.d - 1 - self.changed
            self.changed += 1
        best = max(enabled, key=self._priority)
        self.running = best
        return best
