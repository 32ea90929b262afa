"""Hypothesis strategies: a workload and its schedule drawn in ONE example, so that shrinking
minimises both together (fewer producers, fewer and shorter frames, fewer preemptions, fewer steps).

Order of draws matters for shrinking: Hypothesis shrinks earlier draws first and towards the first
element of sampled_from, so the simplest choice comes first in every list below (fixed variant, SC,
one producer, no waits, no unplug, no kill).
"""
from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from .schedules import schedules
from .workload import KILL_TARGETS, MEMORY_MODELS, Case, Workload

@lru_cache(maxsize=None)
def frames(slotsize: int, max_frames: int) -> st.SearchStrategy:
    """One producer's frames: (length, seed). Lengths come from a short list (one draw each,
    simplest first): small frames keep copies cheap; 60 is the Ethernet minimum; slotsize fills a
    slot exactly and slotsize + 1 is dropped as oversize."""
    length = st.sampled_from((8, 1, 60, slotsize, slotsize + 1, 33))
    return st.lists(st.tuples(length, st.integers(0, 255)), min_size=1, max_size=max_frames)


@lru_cache(maxsize=None)
def _one_of(values: tuple) -> st.SearchStrategy:
    # strategies are built once: constructing them inside every draw costs more than drawing
    return st.sampled_from(values)


_BOOL = _one_of((False, True))


@st.composite
def workloads(draw, protocols=("v2", "v1", "v3"), memory_models=MEMORY_MODELS, variant="fixed",
              sizes=(2, 4), max_producers=3, max_frames=3, waits=None, unplug=None,
              kill=None, lock_retries=0, start_indices=(0, 65534), reduce=False,
              batches=(0,), cons_batches=(0,)) -> Workload:
    """A workload. Every argument narrows the space; None = let Hypothesis choose.
    batches / cons_batches: producer / consumer batch sizes to draw from (0 = per-frame calls)."""
    protocol = draw(_one_of(tuple(protocols)))
    mm = draw(_one_of(tuple(memory_models)))
    size = draw(_one_of(tuple(sizes)))
    slotsize = 64
    nprod = draw(_one_of(tuple(range(1, max_producers + 1))))
    prods = tuple(tuple(draw(frames(slotsize, max_frames))) for _ in range(nprod))
    w = draw(_BOOL) if waits is None else waits
    u = draw(_BOOL) if unplug is None else unplug
    # A killed producer may die holding the entry's producer lock, a reference on the entry or
    # (v1) the ring lock, or between publishing and signalling: then the other producers, the
    # unplugger or the consumer wait forever (or sleep with a frame in the ring). Real, but not a
    # scenario: an input path cannot die in the kernel. So producer 0 is a kill target only
    # when nobody can wait for it: v2/v3, the only producer, no unplugger, no sleeping consumer.
    alone = protocol in ("v2", "v3") and nprod == 1 and not u and not w
    k = draw(_one_of(KILL_TARGETS if alone else KILL_TARGETS[:2])) if kill is None else kill
    start = draw(_one_of(tuple(start_indices)))
    if protocol not in ("v2", "v3"):
        start %= size     # v1/2012 indices are masked
    b = draw(_one_of(tuple(batches))) if len(batches) > 1 else batches[0]
    cb = draw(_one_of(tuple(cons_batches))) if len(cons_batches) > 1 else cons_batches[0]
    return Workload(protocol=protocol, variant=variant, memory_model=mm, size=size,
                    slotsize=slotsize, producers=prods, waits=w, unplug=u, kill=k,
                    start_index=start, lock_retries=lock_retries, reduce=reduce,
                    batch=b, cons_batch=cb)


def cases(max_preemptions: int = 8, **workload_kw) -> st.SearchStrategy:
    """A Case: a workload (see workloads() for the knobs) and a schedule, in one example."""
    return st.builds(Case, workloads(**workload_kw), schedules(max_preemptions))
