"""The shipped protocols (v1 locked, v2 single-writer) under SC, TSO and PSO: every oracle of the
model runtime holds (header invariants at every step, reference model byte-exact delivery or one
drop counter, lock mutual exclusion / no deadlock / bounded retries, no lost wakeup, no use of a
freed ring) for any workload and schedule Hypothesis draws; each property gets its own slice of
the workload space so a failure names it."""
import pytest
from hypothesis import given

from harness import assert_holds
from pyharness.strategies import cases

GRID = [(p, mm) for p in ("v1", "v2") for mm in ("SC", "TSO", "PSO")]


@pytest.mark.parametrize("proto,mm", GRID)
def test_all_properties(proto, mm):
    """Everything at once: 1-3 producers, waits, unplug, kill, wrap-around start index."""
    @given(cases(protocols=(proto,), memory_models=(mm,), start_indices=(0, 65534)))
    def prop(case):
        assert_holds(case)
    prop()


@pytest.mark.parametrize("proto,mm", GRID)
def test_reference_model_multi_producer(proto, mm):
    """Each frame delivered once, in order per producer, byte-exact, or in exactly one drop counter
    (several producers serialised by the entry's producer lock; full ring; oversize frames)."""
    @given(cases(protocols=(proto,), memory_models=(mm,), waits=False, unplug=False, kill="none",
                 sizes=(1, 2), max_producers=3, max_frames=4))
    def prop(case):
        assert_holds(case)
    prop()


@pytest.mark.parametrize("proto,mm", GRID)
def test_wakeup_final_check(proto, mm):
    """No lost wakeup: the consumer sleeps on the event channel when empty (final check)."""
    @given(cases(protocols=(proto,), memory_models=(mm,), waits=True, unplug=False, kill="none",
                 max_producers=2))
    def prop(case):
        assert_holds(case)
    prop()


@pytest.mark.parametrize("proto,mm", GRID)
def test_lifecycle_unplug(proto, mm):
    """Unplug waits for in-flight producers: no access to the ring after it is handed back."""
    @given(cases(protocols=(proto,), memory_models=(mm,), unplug=True, kill="none",
                 max_producers=2))
    def prop(case):
        assert_holds(case)
    prop()


@pytest.mark.parametrize("mm", ["SC", "TSO", "PSO"])
def test_v1_lock_with_killed_holder(mm):
    """v1: the consumer may be killed anywhere, even holding the lock; the producer never hangs
    (bounded retries, drop_busy counted) and every frame is accounted for."""
    @given(cases(protocols=("v1",), memory_models=(mm,), kill="consumer", unplug=False,
                 lock_retries=3))
    def prop(case):
        assert_holds(case)
    prop()


@pytest.mark.parametrize("proto,mm", GRID)
def test_batched_paths(proto, mm):
    """The batched API (netif_ether_input_batch / peek_n / release_n) under every oracle: batches of
    2-3 frames with the range wake rule, drops inside a batch, several producers, sleeping consumer."""
    @given(cases(protocols=(proto,), memory_models=(mm,), unplug=False, kill="none",
                 max_producers=2, batches=(2, 3), cons_batches=(0, 2, 3)))
    def prop(case):
        assert_holds(case)
    prop()
