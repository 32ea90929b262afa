"""Lifetimes in the bindings (issue 11, items 10, 11): a v1 consumer retries a busy lock as the
producer does; one producer and one consumer per ring."""
from __future__ import annotations

import errno
import threading
import time

import pytest

from pyharness.ring import MnetifError, Push, Ring, RingInUse


# ---- item 10: a v1 consumer retries a busy lock ------------------------------------------------
@pytest.mark.parametrize("call", ["pop", "drain", "release_n"])
def test_v1_release_waits_out_a_lock_held_briefly(call):
    """The producer side holds sr_lock for 50 ms (longer than any batch copy): release retries,
    as ring.h says to, instead of raising EBUSY at the consumer's 64th test-and-set."""
    r = Ring.create("v1", nslots=8, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    p.push_batch([b"a", b"b"])
    views = c.peek_n(2)
    assert r.trylock()
    threading.Timer(0.05, r.unlock).start()
    if call == "pop":
        c._s.peeked = 0                 # pop peeks again itself
        assert c.pop() == b"a"
    elif call == "drain":
        c._s.peeked = 0
        assert [bytes(v) for v in c.drain()] == [b"a", b"b"]
    else:
        assert len(views) == 2
        c.release_n(2)
    assert int(r.header["sr_lock"]) == 0


def test_v1_release_says_so_when_the_lock_stays_held():
    r = Ring.create("v1", nslots=8, slotsize=64, buflen=4096)
    r.producer().push(b"a")
    c = r.consumer()
    c.lock_wait = 0.05
    assert bytes(c.peek()) == b"a"
    r.trylock()
    with pytest.raises(MnetifError, match="held for more than") as e:
        c.release()
    assert e.value.errno == errno.EBUSY
    r.unlock()
    c.release()


# ---- item 11: one producer and one consumer per ring -------------------------------------------
@pytest.mark.parametrize("role", ["producer", "consumer"])
def test_second_producer_or_consumer_is_refused(role):
    """Two producers lost a frame though every push said OK; two consumers delivered every frame
    twice. A second live handle is refused; closing (or dropping) the first frees the role."""
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    first = getattr(r, role)()
    with pytest.raises(RingInUse, match=f"already has a {role}"):
        getattr(r, role)()
    first.close()
    second = getattr(r, role)()
    with pytest.raises(MnetifError, match="closed"):
        first.push(b"x") if role == "producer" else first.peek()
    del second
    getattr(r, role)()                   # a dropped handle frees the role too


def test_two_producers_cannot_lose_a_frame():
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    p = r.producer()
    with pytest.raises(RingInUse):
        r.producer()
    assert [p.push(b"1"), p.push(b"2")] == [Push.OK, Push.OK]
    c = r.consumer()
    assert [c.pop(), c.pop(), c.pop()] == [b"1", b"2", None]
