"""Hypothesis strategies: a workload and its schedule drawn in ONE example, so that shrinking
minimises both together (fewer producers, fewer and shorter frames, fewer preemptions, fewer steps).

Order of draws matters for shrinking: Hypothesis shrinks earlier draws first and towards the first
element of sampled_from, so the simplest choice comes first in every list below (fixed variant, SC,
one producer, no waits, no unplug, no kill).
"""
from __future__ import annotations

from hypothesis import strategies as st

from .workload import KILL_TARGETS, MEMORY_MODELS, Case, Workload

# A choice above the number of alternatives at a decision point wraps around (the runtime takes it
# modulo), so a small alphabet is enough and keeps 0 ("no preemption") frequent.
MAX_CHOICE = 4


def frames(slotsize: int, max_frames: int) -> st.SearchStrategy:
    """One producer's frames: (length, seed). Lengths cluster at small sizes (cheap copies) with
    the slot size and slot size + 1 (the oversize drop) as explicit edge cases."""
    length = st.one_of(st.integers(1, 8), st.sampled_from([60, slotsize, slotsize + 1]),
                       st.integers(1, slotsize + 8))
    return st.lists(st.tuples(length, st.integers(0, 255)), min_size=1, max_size=max_frames)


def schedules(max_len: int = 64) -> st.SearchStrategy:
    return st.lists(st.integers(0, MAX_CHOICE), max_size=max_len)


@st.composite
def workloads(draw, protocols=("v2", "v1"), memory_models=MEMORY_MODELS, variant="fixed",
              sizes=(2, 4), max_producers=3, max_frames=3, waits=None, unplug=None,
              kill=None, lock_retries=0, start_indices=(0,)) -> Workload:
    """A workload. Every argument narrows the space; None = let Hypothesis choose."""
    protocol = draw(st.sampled_from(protocols))
    mm = draw(st.sampled_from(memory_models))
    size = draw(st.sampled_from(sizes))
    slotsize = 64
    nprod = draw(st.integers(1, max_producers))
    prods = tuple(tuple(draw(frames(slotsize, max_frames))) for _ in range(nprod))
    w = draw(st.booleans()) if waits is None else waits
    u = draw(st.booleans()) if unplug is None else unplug
    k = draw(st.sampled_from(KILL_TARGETS)) if kill is None else kill
    start = draw(st.sampled_from(start_indices))
    if protocol != "v2":
        start %= size     # v1/2012 indices are masked
    return Workload(protocol=protocol, variant=variant, memory_model=mm, size=size,
                    slotsize=slotsize, producers=prods, waits=w, unplug=u, kill=k,
                    start_index=start, lock_retries=lock_retries)


@st.composite
def cases(draw, max_schedule: int = 64, **workload_kw) -> Case:
    w = draw(workloads(**workload_kw))
    return Case(w, tuple(draw(schedules(max_schedule))))
