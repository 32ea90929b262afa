"""Lifetimes in the bindings (issue 11, items 1, 8, 9, 10, 11): a plugged ring outlives whatever
the caller drops; a closed port raises instead of touching a reused fd; unplug wakes a waiter;
a v1 consumer retries a busy lock as the producer does; one producer and one consumer per ring."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mnetif import registry
from mnetif.registry import PortClosed
from mnetif.ring import MnetifError, Push, Ring, RingInUse

ROOT = Path(__file__).resolve().parent.parent


# ---- item 1: the registry keeps a plugged ring alive ------------------------------------------
DROPPED_RING = r"""
import gc, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from mnetif import registry
from mnetif.ring import Ring
registry.create_interface("uaf0", "02:00:00:00:00:aa")
registry.plug("uaf0", Ring.create(sys.argv[2]))     # the Port and the Ring are dropped at once
gc.collect()
# Memory the freed ring would be reused for: numpy buffers of the same size, a known pattern.
canaries = [np.full(33 * 4096, 0x5A, np.uint8) for _ in range(64)]
frame = bytes(range(256)) * 5
for _ in range(200):
    registry.inject("uaf0", frame[:1200])
bad = sum(int((c != 0x5A).any()) for c in canaries)
port = registry.port("uaf0")                         # the caller can find it again...
got = port.consumer.pop()
registry.unplug("uaf0")                              # ...and unplug it by name
print("corrupted", bad, "first", got == frame[:1200], "frames", port.ring.counters()["frames"])
"""


def _sanitizer_preload() -> str:
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                              text=True).stdout.strip()
        assert os.path.isabs(path), f"{name} not found: install gcc's sanitizer runtimes"
        libs.append(path)
    return " ".join(libs)


@pytest.mark.parametrize("sanitized", [False, True], ids=["plain", "asan"])
@pytest.mark.parametrize("proto", ["v1", "v2"])
def test_plugged_ring_outlives_a_dropped_port(proto, sanitized):
    """registry.plug(name, Ring.create()) without keeping the port: after gc the producer wrote
    into freed memory (ASan: heap-use-after-free in push_v2; plain: another array overwritten,
    or SIGSEGV once the allocator unmapped it)."""
    env = dict(os.environ)
    if sanitized:
        lib = ROOT / "build" / "asan" / "libmnetif_zoo.so"
        assert lib.exists(), "build/asan/libmnetif_zoo.so missing: run `make asan`"
        env.update(LD_PRELOAD=_sanitizer_preload(), MNETIF_LIB="asan/libmnetif_zoo.so",
                   ASAN_OPTIONS="detect_leaks=0:abort_on_error=1")
    r = subprocess.run([sys.executable, "-c", DROPPED_RING, str(ROOT), proto], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0, (r.returncode, r.stderr[-3000:])
    assert "AddressSanitizer" not in r.stderr, r.stderr[-3000:]
    assert r.stdout.split() == ["corrupted", "0", "first", "True", "frames", "64"], r.stdout


def test_the_ring_is_released_after_unplug(ifname):
    import gc
    import weakref
    port = registry.plug(ifname, Ring.create("v2", nslots=8, slotsize=64, buflen=4096))
    ref = weakref.ref(port.ring)
    del port
    gc.collect()
    assert ref() is not None, "a plugged ring was freed"
    registry.unplug(ifname)
    gc.collect()
    assert ref() is None, "the registry kept the ring after unplug"


# ---- item 8: a closed port raises, it never touches the fd number it had ----------------------
def test_wait_after_close_raises_and_leaves_a_reused_fd_alone(ifname):
    port = registry.plug(ifname, Ring.create("v2", nslots=8, slotsize=64, buflen=4096))
    old_fd = port.fileno()
    port.close()
    r, w = os.pipe()                     # takes the lowest free numbers: the port's old fd
    try:
        assert old_fd in (r, w), "test setup: the fd number was not reused"
        os.write(w, b"12345678")
        with pytest.raises(PortClosed, match="closed"):
            port.wait(0.05)
        for call in (port.clear_event, port.fileno, port.counters):
            with pytest.raises(PortClosed):
                call()
        os.set_blocking(r, False)
        assert os.read(r, 100) == b"12345678", "wait() read from an unrelated fd"
    finally:
        os.close(r)
        os.close(w)
    port.close()                         # idempotent


# ---- item 9: unplug wakes a waiter; negative timeouts are refused ------------------------------
@pytest.mark.parametrize("how", ["port.close", "registry.unplug"])
def test_unplug_wakes_a_waiter_with_no_timeout(ifname, how):
    port = registry.plug(ifname, Ring.create("v1", nslots=8, slotsize=64, buflen=4096))
    outcome = []

    def waiter():
        try:
            outcome.append(port.wait())
        except BaseException as e:       # what wait() raised is the result
            outcome.append(e)

    t = threading.Thread(target=waiter, daemon=True)
    t.start()
    time.sleep(0.2)                      # let it sleep in poll (it may also still be arming)
    port.close() if how == "port.close" else registry.unplug(ifname)
    t.join(10)
    assert not t.is_alive(), "the waiter never returned after the unplug"
    assert len(outcome) == 1 and isinstance(outcome[0], PortClosed), outcome


@pytest.mark.parametrize("bad,exc", [(-1, ValueError), (-0.5, ValueError), (float("nan"), ValueError),
                                     (float("inf"), ValueError), ("1", TypeError), (True, TypeError)])
def test_wait_refuses_bad_timeouts(ifname, bad, exc):
    with registry.plug(ifname, Ring.create("v2", nslots=8, slotsize=64, buflen=4096)) as port:
        with pytest.raises(exc, match="timeout"):
            port.wait(bad)


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


def test_a_plugged_ring_has_the_interface_as_producer(ifname):
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    with registry.plug(ifname, r) as port:
        with pytest.raises(RingInUse, match="plugged"):
            r.producer()
        with pytest.raises(RingInUse, match="consumer"):
            r.consumer()                  # the port's consumer is the ring's consumer
        assert port.consumer.fill() == 0
    p = r.producer()                      # unplugged: free again (the port's consumer stays)
    with pytest.raises(RingInUse, match="producer"):
        registry.plug(ifname, r)          # a producer is open: the interface cannot be another
    p.close()
    with registry.plug(ifname, r) as again:   # takes over the closed port's consumer
        assert port.consumer.closed and again.consumer.fill() == 0
