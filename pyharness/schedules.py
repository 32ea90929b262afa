"""Schedules as Hypothesis draws, for any workload on rt (the mnetif ring's strategies.py and a
user's workload, usersearch.py): a schedule is the runtime's choice list (rt.h "Scheduling")."""
from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

# Schedules are drawn SPARSE: a list of (gap, alternative) pairs, "run `gap` decisions without
# preemption, then take alternative k+1", expanded to the runtime's dense choice list. A bug that
# needs p preemptions at the right places is then p draws away instead of a whole lucky prefix
# (measured: the 2012 lost update is found ~10x sooner than with one random choice per decision),
# and shrinking means what it should: fewer pairs = fewer preemptions, smaller gaps = earlier,
# smaller k = the nearest other option.
MAX_GAP, MAX_ALT = 16, 3


def expand(pairs) -> tuple[int, ...]:
    out: list[int] = []
    for gap, alt in pairs:
        out += [0] * gap
        out.append(alt + 1)
    return tuple(out)


@lru_cache(maxsize=None)
def schedules(max_preemptions: int = 8) -> st.SearchStrategy:
    return st.lists(st.tuples(st.integers(0, MAX_GAP), st.integers(0, MAX_ALT)),
                    max_size=max_preemptions).map(expand)
