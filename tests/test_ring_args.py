"""What a caller hands the ring bindings and the C API, checked before anything is written or
narrowed (issue 11, items 2, 3, 12): ring buffers of every bytes-like kind, buffers that must be
refused untouched, frame lengths beyond 32 bits, argument types and ranges."""
from __future__ import annotations

import errno
import mmap
from pathlib import Path

import numpy as np
import pytest

from pyharness.ring import GeometryError, MnetifError, Push, Ring

ROOT = Path(__file__).resolve().parent.parent
BIG = 2**32 + 5                                  # a length whose low 32 bits are 5


def big_frame() -> np.ndarray:
    """A 2^32 + 5-byte frame that costs no memory: an untouched anonymous mapping."""
    return np.frombuffer(mmap.mmap(-1, BIG), dtype=np.uint8)


# ---- item 2: the ring buffer -----------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: bytearray(4096),
    lambda: memoryview(bytearray(4096)),
    lambda: mmap.mmap(-1, 4096),
    lambda: np.zeros(4096, np.uint8),
    lambda: np.zeros(4096, np.int8),
], ids=["bytearray", "memoryview", "mmap", "uint8", "int8"])
def test_ring_accepts_writable_bytes_like_buffers(make):
    buf = make()
    r = Ring.create("v2", nslots=8, slotsize=64, buf=buf)
    p, c = r.producer(), r.consumer()
    assert p.push(b"frame") == Push.OK and c.pop() == b"frame"
    assert bytes(memoryview(buf)[8:12]) == (0x4D4E5202).to_bytes(4, "little")   # laid out IN buf


def _readonly_mmap():
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ)
    return m


@pytest.mark.parametrize("make,says", [
    (lambda: b"\x00" * 4096, "writable"),
    (_readonly_mmap, "writable"),
    (lambda: memoryview(bytes(4096)), "writable"),
    (lambda: np.frombuffer(bytes(4096), np.uint8), "writable"),
    (lambda: np.zeros(8192, np.uint8)[::-1], "contiguous"),
    (lambda: np.zeros(8192, np.uint8)[::2], "contiguous"),
    (lambda: np.zeros((64, 64), np.uint8), "1-D"),
    (lambda: np.zeros(4096, np.int16), "uint8"),
    (lambda: np.zeros(4096, np.float64), "uint8"),
    (lambda: "x" * 4096, "bytes-like"),
    (lambda: [0] * 4096, "bytes-like"),
    (lambda: 4096, "bytes-like"),
], ids=["bytes", "ro-mmap", "ro-memoryview", "ro-numpy", "reversed", "strided", "2d", "int16",
        "float64", "str", "list", "int"])
def test_ring_refuses_a_bad_buffer_before_writing_it(make, says):
    """Read-only buffers, strided or reversed views: a clear TypeError and not a byte written
    (they used to be written first: SIGSEGV, heap overflow, or a header in immutable memory)."""
    buf = make()
    try:
        before = bytes(memoryview(buf).tobytes()) if not isinstance(buf, (str, list, int)) else None
    except TypeError:
        before = None
    with pytest.raises(TypeError, match=says):
        Ring.create("v2", nslots=8, slotsize=64, buf=buf)
    if before is not None:
        assert bytes(memoryview(buf).tobytes()) == before, "the buffer was written before the error"


def test_strided_view_leaves_its_base_untouched():
    base = np.full(8192, 0xA5, np.uint8)
    with pytest.raises(TypeError, match="contiguous"):
        Ring.create("v2", nslots=8, slotsize=64, buf=base[::2])
    assert (base == 0xA5).all()


def test_misaligned_buffer_is_refused():
    base = np.zeros(8192, np.uint8)
    with pytest.raises(ValueError, match="aligned"):
        Ring.create("v2", nslots=8, slotsize=64, buf=base[3:4099])
    assert (base == 0).all()


def test_ring_over_an_existing_buffer_checks_it_too():
    good = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    with pytest.raises(TypeError, match="writable"):
        Ring(good.buf.tobytes())
    assert Ring(bytearray(good.buf.tobytes())).size == 8


# ---- item 3: lengths are checked before any narrowing ----------------------------------------
@pytest.mark.parametrize("proto", ["v1", "v2"])
def test_push_of_a_4gib_frame_is_oversize_not_5_bytes(proto):
    r = Ring.create(proto, nslots=8, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    assert p.push(big_frame()) == Push.OVERSIZE
    assert p.push_batch([b"a", big_frame(), b"b"]) == [Push.OK, Push.OVERSIZE, Push.OK]
    assert r.counters()["drop_oversize"] == 2 and r.counters()["frames"] == 2
    assert [c.pop(), c.pop(), c.pop()] == [b"a", b"b", None], "a truncated frame was published"


# ---- item 12: argument types and ranges ------------------------------------------------------
@pytest.mark.parametrize("kw,exc,says", [
    (dict(proto=1.7), TypeError, "protocol"),
    (dict(proto=True), TypeError, "protocol"),
    (dict(proto=7), ValueError, "unknown protocol"),
    (dict(nslots=2**32 + 64), GeometryError, "nslots"),
    (dict(nslots="64"), TypeError, "nslots"),
    (dict(nslots=8.0), TypeError, "nslots"),
    (dict(slotsize=2**32 + 2048), GeometryError, "slotsize"),
    (dict(slotsize=-64), GeometryError, "slotsize"),
    (dict(buflen=-1), GeometryError, "buflen"),
    (dict(buflen=2**40), GeometryError, "buflen"),
])
def test_create_arguments_are_checked(kw, exc, says):
    """Silently accepted before (1.7, True, u32-truncated counts) or a ctypes error ('64')."""
    with pytest.raises(exc, match=says):
        Ring.create(**kw)


def test_consumer_arguments_are_checked():
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    with pytest.raises(MnetifError, match="peek") as e:
        c.release()                               # was: "No such file or directory"
    assert e.value.errno == errno.ENOENT
    p.push_batch([b"1", b"2"])
    assert len(c.peek_n(2**31)) == 2              # was: a bare MemoryError
    with pytest.raises(MnetifError, match="2 frame"):
        c.release_n(2**32 + 1)                    # was: truncated to release_n(1)
    assert c.fill() == 2
    with pytest.raises(ValueError, match="max"):
        c.peek_n(0)
    with pytest.raises(TypeError, match="bytes-like"):
        p.push(5)                                 # not 5 zero bytes
    with pytest.raises(ValueError, match="lock_retries"):
        p.lock_retries = -1
