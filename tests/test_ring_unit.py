"""Unit tests of the ring core through the Python bindings: geometry validation, each invariant,
16-bit wrap, full / oversize / zero-length frames, exact counters, the v1 lock, the wakeup arming."""
from __future__ import annotations

import errno

import numpy as np
import pytest

from mnetif.ring import (DEFAULT_BUFLEN, FIELDS, GeometryError, Push, Ring, RingCorrupt,
                            HDR_SIZE)

PROTOS = ["v1", "v2", "v3"]
SW = ["v2", "v3"]       # the single-writer protocols: free-running u16 indices


def frame(n: int, seed: int = 0) -> bytes:
    return bytes((seed * 131 + k * 7) & 0xFF for k in range(n))


def roundtrip(ring: Ring, frames):
    p, c = ring.producer(), ring.consumer()
    res = [p.push(f) for f in frames]
    got = []
    while (f := c.pop()) is not None:
        got.append(f)
    return res, got, p


# ---- geometry and attach --------------------------------------------------------------------------
@pytest.mark.parametrize("proto", PROTOS)
def test_default_geometry_is_2012s(proto):
    r = Ring.create(proto)
    assert (r.size, r.slotsize, r.buflen) == (64, 2048, 33 * 4096)
    # v1: the 2012 OCaml reader's offset; v2: aligned; v3: after its two consumer lines, aligned
    want = {"v1": 64 + 2 * 64, "v2": 192, "v3": 192 + 2 * 64}[proto]
    assert r.geom.dataoff == want


def test_v2_dataoff_is_64_aligned():
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    assert r.geom.dataoff == 128 and r.geom.dataoff % 64 == 0   # 64 + 16 rounded up


def test_v3_one_writer_per_cache_line():
    """v3 (ring.h): line 0 is the producer's (sr_avail, counters) and geometry; sr_cons and
    sr_wake each on a line of their own; the length table after them."""
    r = Ring.create("v3", nslots=8, slotsize=64, buflen=4096)
    assert r.geom.dataoff == 256 and r.lens.ctypes.data - r.addr == 192   # 192 + 16 rounded up
    p, c = r.producer(), r.consumer()
    before = r.buf[:64].copy()
    assert p.push(b"abc") == Push.OK and bytes(c.peek()) == b"abc"
    c.release()
    assert c.prepare_wait() is True
    assert int(r.word("cons")[0]) == 1 and int(r.word("wake")[0]) == 2
    assert r.buf[64:66].view("u2")[0] == 1 and r.buf[128:132].view("u4")[0] == 2
    # the consumer's stores left line 0 alone: sr_cur and the v2 sr_wake stay 0
    now = r.buf[:64]
    assert int(r.header["sr_cur"]) == 0 and int(r.header["sr_wake"]) == 0
    changed = {k for k, (o, t) in FIELDS.items()
               if bytes(now[o:o + np.dtype(t).itemsize]) != bytes(before[o:o + np.dtype(t).itemsize])}
    assert changed == {"sr_avail", "sr_frames", "sr_bytes"}, changed


def _valid_buf(proto="v2") -> np.ndarray:
    return Ring.create(proto, nslots=16, slotsize=256, buflen=8192).buf.copy()


@pytest.mark.parametrize("field,value,reason", [
    ("sr_size", 0, "sr_size is 0"),
    ("sr_size", 12, "not a power of two"),
    ("sr_slotsize", 32, "sr_slotsize"),          # slot too small
    ("sr_slotsize", 100, "sr_slotsize"),         # not a multiple of 64
    ("sr_magic", 0x12345678, "wrong magic"),
    ("sr_magic", 0x4D4E5207, "wrong magic"),     # right base, unknown protocol
    ("sr_dataoff", 64, "sr_dataoff"),            # overlaps the length table
    ("sr_dataoff", 200, "sr_dataoff"),           # v2: not 64-aligned
])
def test_attach_rejects_malformed_geometry(field, value, reason):
    buf = _valid_buf()
    buf[:HDR_SIZE].view(Ring.create("v2").header.dtype)[0][field] = value
    with pytest.raises(GeometryError, match=reason) as e:
        Ring(buf)
    assert e.value.errno == errno.EINVAL


def test_attach_rejects_read_only_and_non_uint8_buffers():
    """A valid ring in a read-only buffer (bytes): the consumer would write through it."""
    ro = np.frombuffer(_valid_buf().tobytes(), dtype=np.uint8)
    with pytest.raises(TypeError, match="writable"):
        Ring(ro)
    with pytest.raises(TypeError, match="uint8"):
        Ring(_valid_buf().view(np.int16))


def test_attach_rejects_buffer_too_short():
    buf = _valid_buf()
    with pytest.raises(GeometryError, match="buffer too short"):
        Ring(buf[:4096].copy())
    with pytest.raises(GeometryError, match="shorter than the 64-byte header"):
        Ring(buf[:32].copy())


@pytest.mark.parametrize("kw,err", [
    (dict(slotsize=32), "EINVAL"), (dict(slotsize=2000), "EINVAL"), (dict(nslots=3), "EINVAL"),
    (dict(nslots=65536), "EINVAL"), (dict(nslots=64, buflen=4096), "ENOSPC"),
    (dict(buflen=100), "ENOSPC"), (dict(proto="v4"), None),
])
def test_init_rejects_bad_parameters(kw, err):
    kw.setdefault("proto", "v2")
    if err is None:
        with pytest.raises(ValueError, match="unknown protocol"):
            Ring.create(**kw)
        return
    with pytest.raises(GeometryError) as e:
        Ring.create(**kw)
    assert e.value.errno == getattr(errno, err)


def test_2012_protocol_is_not_in_the_production_library():
    from mnetif.ring import library
    prod = library(zoo=False)
    buf = np.zeros(DEFAULT_BUFLEN, np.uint8)
    assert prod.mn_ring_init(buf.ctypes.data, buf.nbytes, 0, 0, 2048) == -errno.EINVAL
    assert library(zoo=True).mn_ring_init(buf.ctypes.data, buf.nbytes, 0, 0, 2048) == 0


# ---- frames: FIFO, full, oversize, zero-length, counters ------------------------------------------
@pytest.mark.parametrize("proto", PROTOS)
def test_fifo_byte_exact_and_counters(proto):
    r = Ring.create(proto, nslots=8, slotsize=128, buflen=4096)
    frames = [frame(n, i) for i, n in enumerate([60, 1, 128, 17, 64])]
    res, got, p = roundtrip(r, frames)
    assert res == [Push.OK] * 5 and got == frames
    assert r.counters() == p.counters == {
        "frames": 5, "bytes": sum(map(len, frames)), "drop_full": 0, "drop_oversize": 0,
        "drop_busy": 0, "drop_error": 0, "notify": 0, "error": 0}


@pytest.mark.parametrize("proto", PROTOS)
def test_full_ring_drops_and_counts(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    res, got, _ = roundtrip(r, [frame(10, i) for i in range(7)])
    assert res == [Push.OK] * 4 + [Push.FULL] * 3
    assert got == [frame(10, i) for i in range(4)]
    assert r.counters()["drop_full"] == 3 and r.counters()["frames"] == 4
    assert r.check() is None


@pytest.mark.parametrize("proto", PROTOS)
def test_oversize_dropped_nothing_written(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    before = r.buf.copy()
    p = r.producer()
    assert p.push(frame(65)) == Push.OVERSIZE
    changed = np.nonzero(before != r.buf)[0]
    assert set(changed) <= set(range(FIELDS["sr_drop_oversize"][0], FIELDS["sr_drop_oversize"][0] + 4))
    assert r.counters()["drop_oversize"] == 1 and r.counters()["frames"] == 0
    assert p.push(frame(64)) == Push.OK           # exactly slotsize fits


@pytest.mark.parametrize("proto", PROTOS)
def test_zero_length_frame_roundtrips(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    res, got, _ = roundtrip(r, [b"", b"x", b""])
    assert res == [Push.OK] * 3 and got == [b"", b"x", b""]
    assert r.counters()["frames"] == 3 and r.counters()["bytes"] == 1


@pytest.mark.parametrize("proto", PROTOS)
def test_peek_is_zero_copy_view_of_the_slot(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    r.producer().push(b"abc")
    c = r.consumer()
    v = c.peek()
    assert v.base is not None and np.shares_memory(v, r.buf) and bytes(v) == b"abc"
    assert bytes(r.slot(0)[:3]) == b"abc"


def test_release_without_peek_is_an_error():
    c = Ring.create("v2", nslots=4, slotsize=64, buflen=4096).consumer()
    with pytest.raises(OSError) as e:
        c.release()
    assert e.value.errno == errno.ENOENT


# ---- 16-bit wrap (v2/v3 free-running indices start near 65535) ------------------------------------
@pytest.mark.parametrize("proto", SW)
@pytest.mark.parametrize("start", [65530, 65535, 65534])
def test_v2_indices_wrap_at_16_bits(proto, start):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    r.word("cons")[0] = r.header["sr_avail"] = start
    p, c = r.producer(), r.consumer()
    sent, got = [], []
    for i in range(40):
        f = frame(1 + i % 60, i)
        if p.push(f) == Push.OK:
            sent.append(f)
        if i % 3 == 2:
            while (g := c.pop()) is not None:
                got.append(g)
        assert r.check() is None, f"step {i}"
    while (g := c.pop()) is not None:
        got.append(g)
    assert got == sent and len(sent) + r.counters()["drop_full"] == 40
    assert int(r.header["sr_avail"]) == (start + len(sent)) & 0xFFFF      # it did wrap
    assert (start + len(sent)) > 0xFFFF


@pytest.mark.parametrize("proto", SW)
def test_v2_full_detected_across_the_wrap(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    r.word("cons")[0] = r.header["sr_avail"] = 65534
    p = r.producer()
    assert [p.push(b"a") for _ in range(5)] == [Push.OK] * 4 + [Push.FULL]
    assert int(r.header["sr_avail"]) == 2 and r.consumer().fill() == 4


def test_v1_cur_wraps_to_zero():
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    for i in range(10):
        assert p.push(frame(5, i)) == Push.OK
        assert c.pop() == frame(5, i)
        assert int(r.header["sr_cur"]) == (i + 1) % 4


# ---- each invariant: the checker names it, the producer refuses to write ---------------------------
@pytest.mark.parametrize("proto,field,value,inv,err", [
    ("v1", "sr_cur", 4, "cur-range", 1), ("v1", "sr_avail", 5, "avail-range", 2),
    ("v2", "cons", 60000, "fill-range", 3), ("v2", "cons", 2, "fill-range", 3),
    ("v3", "cons", 60000, "fill-range", 3), ("v3", "cons", 5, "fill-range", 3),
])
def test_index_invariants(proto, field, value, inv, err):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    p = r.producer()
    p.push(b"x")
    if proto == "v3":
        # v3 reads sr_cons only when its cached copy leaves no room: fill the ring first, so the
        # next push must read the scribbled index (tests below: the cache itself)
        assert [p.push(b"x") for _ in range(3)] == [Push.OK] * 3
    assert r.check() is None
    r.word(field)[0] = value
    assert r.check().split(":")[0].endswith(inv)
    slots_before = r.buf[r.geom.dataoff:].copy()
    assert p.push(b"y" * 10) == Push.CORRUPT
    assert int(r.header["sr_error"]) == err and r.counters()["drop_error"] == 1
    assert (r.buf[r.geom.dataoff:] == slots_before).all(), "producer wrote a slot despite corruption"
    with pytest.raises(RingCorrupt):
        r.consumer().peek()


def test_v3_cached_consumer_index_is_read_only_when_the_room_runs_out():
    """v3's producer keeps its last copy of sr_cons: pushes that fit the room it already knows do
    not read the consumer's line, so a scribble there is seen (and refused) only at the next
    read, and it never makes the producer write a slot the consumer may hold."""
    r = Ring.create("v3", nslots=4, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    assert p.push(b"a") == Push.OK            # first push: reads sr_cons (room 4), caches it
    assert c.pop() == b"a"                    # the consumer frees the slot: sr_cons = 1
    r.word("cons")[0] = 60000                 # scribble: the producer does not look yet
    assert [p.push(b"b") for _ in range(3)] == [Push.OK] * 3   # room 3 from the cache
    assert r.counters()["drop_error"] == 0
    before = r.buf[r.geom.dataoff:].copy()
    assert p.push(b"c") == Push.CORRUPT       # cache exhausted: reads 60000, refuses
    assert int(r.header["sr_error"]) == 3 and (r.buf[r.geom.dataoff:] == before).all()
    r.word("cons")[0] = 1                     # repaired: the next read sees the real room
    assert p.push(b"d") == Push.OK and p.push(b"e") == Push.FULL   # prod 5, cons 1: full
    assert [c.pop() for _ in range(5)] == [b"b", b"b", b"b", b"d", None]

    """v2: sr_avail has one writer, the producer, which never reads it back: a scribbled value is
    a checker violation until the next publish overwrites it with the private index."""
    r = Ring.create("v2", nslots=4, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    p.push(b"x")
    r.header["sr_avail"] = 9
    assert r.check().startswith("v2 fill-range")
    assert p.push(b"y") == Push.OK
    assert int(r.header["sr_avail"]) == 2 and r.check() is None
    assert [c.pop(), c.pop(), c.pop()] == [b"x", b"y", None]


@pytest.mark.parametrize("proto", PROTOS)
def test_len_invariant(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    r.producer().push(b"abc")
    c = r.consumer()
    r.lens[0] = 65
    assert r.check().startswith("len-range")
    with pytest.raises(RingCorrupt):
        c.peek()


@pytest.mark.parametrize("field,value,inv", [
    ("sr_magic", 0x4D4E5201, "magic"), ("sr_size", 8, "geometry"), ("sr_slotsize", 128, "geometry"),
    ("sr_dataoff", 256, "geometry"), ("sr_lock", 7, "lock-word"), ("sr_error", 3, "error-flag"),
])
def test_header_invariants(field, value, inv):
    r = Ring.create("v2", nslots=4, slotsize=64, buflen=4096)
    r.header[field] = value
    assert r.check().startswith(inv)


def test_geometry_never_reread_by_producer():
    """Bug 5 of 2012: the producer re-read sr_size/sr_slotsize. Ours keeps its attach-time copy."""
    r = Ring.create("v2", nslots=4, slotsize=64, buflen=4096)
    p = r.producer()
    r.header["sr_size"] = 0            # 2012: mask becomes all ones
    r.header["sr_slotsize"] = 65472
    for i in range(6):
        p.push(frame(64, i))
    assert p.push(frame(65)) == Push.OVERSIZE           # still the private slotsize
    assert (r.buf[r.geom.dataoff + 4 * 64:] == 0).all()  # nothing beyond the 4 real slots


def test_v1_lock_held_reads_as_consistent():
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    r.producer().push(b"a")
    assert r.trylock()
    r.header["sr_avail"] = 99          # mid-update garbage while locked: not a violation yet
    assert r.check() is None
    r.header["sr_avail"] = 1
    r.unlock()
    assert r.check() is None


# ---- the v1 test-and-set lock ----------------------------------------------------------------------
def test_lock_is_exclusive_and_bounded():
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    assert r.trylock() and not r.trylock()
    with pytest.raises(OSError) as e:
        r.lock(retries=5)
    assert e.value.errno == errno.EBUSY
    r.unlock()
    r.lock(retries=1)
    r.unlock()
    assert int(r.header["sr_lock"]) == 0


def test_producer_never_blocks_on_a_held_lock():
    """The consumer holding (or dying with) the v1 lock: the producer drops and counts, then resumes."""
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    p.lock_retries = 3
    assert r.trylock()
    assert [p.push(b"a") for _ in range(5)] == [Push.BUSY] * 5
    assert r.counters()["drop_busy"] == 5 and r.counters()["frames"] == 0
    r.unlock()
    assert p.push(b"b") == Push.OK and c.pop() == b"b"


def test_consumer_pop_reports_busy_lock_and_retries():
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    r.producer().push(b"a")
    c = r.consumer()
    c._s.lock_retries = 2
    c.lock_wait = 0                    # no retrying beyond the C call's (tests/test_lifetime.py)
    assert bytes(c.peek()) == b"a"
    r.trylock()
    with pytest.raises(OSError) as e:
        c.release()
    assert e.value.errno == errno.EBUSY
    r.unlock()
    c.release()
    assert c.peek() is None


# ---- event channel: arming and suppression -----------------------------------------------------
@pytest.mark.parametrize("proto", PROTOS)
def test_notification_only_when_armed(proto):
    r = Ring.create(proto, nslots=8, slotsize=64, buflen=4096)
    signals = []
    p, c = r.producer(notify=lambda: signals.append(1)), r.consumer()
    p.push(b"1")
    assert signals == []                       # consumer never armed: suppressed
    assert c.pop() == b"1"
    assert c.prepare_wait() is True            # empty: may sleep
    assert int(r.word("wake")[0]) == 2
    p.push(b"2")
    p.push(b"3")
    assert signals == [1] and r.counters()["notify"] == 1   # one signal for the crossing, not two
    assert c.prepare_wait() is False           # frames waiting: do not sleep


# ---- the batched API: push_batch / peek_n / release_n (the same core path as push/peek/release) ----
@pytest.mark.parametrize("proto", PROTOS)
def test_batch_fifo_byte_exact_and_counters(proto):
    r = Ring.create(proto, nslots=8, slotsize=128, buflen=8192)
    p, c = r.producer(), r.consumer()
    sent = [frame(1 + 13 * i % 120, i) for i in range(20)]
    got = []
    for k in range(0, 20, 5):
        assert p.push_batch(sent[k:k + 5]) == [Push.OK] * 5, f"batch at frame {k}"
        views = c.peek_n(3)
        got += [bytes(v) for v in views]
        c.release_n(len(views))
        got += [bytes(v) for v in c.peek_n(8)]
        c.release_n(c._s.peeked)
        assert r.check() is None, f"invariant after batch at frame {k}: {r.check()}"
    assert got == sent
    assert r.counters() == p.counters == {
        "frames": 20, "bytes": sum(map(len, sent)), "drop_full": 0, "drop_oversize": 0,
        "drop_busy": 0, "drop_error": 0, "notify": 0, "error": 0}


@pytest.mark.parametrize("proto", PROTOS)
def test_batch_into_full_ring_drops_the_tail_and_counts(proto):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    assert p.push(b"x") == Push.OK and p.space() == 3
    res = p.push_batch([frame(10, i) for i in range(6)])
    assert res == [Push.OK] * 3 + [Push.FULL] * 3
    assert r.counters()["drop_full"] == 3 and r.counters()["frames"] == 4 and p.space() == 0
    assert [bytes(v) for v in c.peek_n(16)] == [b"x"] + [frame(10, i) for i in range(3)]


@pytest.mark.parametrize("proto", PROTOS)
def test_batch_oversize_inside_a_batch_dropped_alone_order_kept(proto):
    r = Ring.create(proto, nslots=8, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    frames = [frame(8, 0), frame(65, 1), frame(64, 2), frame(200, 3), frame(0, 4)]
    assert p.push_batch(frames) == [Push.OK, Push.OVERSIZE, Push.OK, Push.OVERSIZE, Push.OK]
    assert r.counters()["drop_oversize"] == 2 and r.counters()["frames"] == 3
    assert [bytes(v) for v in c.peek_n(8)] == [frames[0], frames[2], frames[4]]
    # A batch of only oversize frames never touches the indices.
    before = (int(r.word("cons")[0]), int(r.header["sr_avail"]))
    assert p.push_batch([frame(100)] * 3) == [Push.OVERSIZE] * 3
    assert (int(r.word("cons")[0]), int(r.header["sr_avail"])) == before


def test_batch_v1_busy_lock_drops_whole_batch():
    r = Ring.create("v1", nslots=4, slotsize=64, buflen=4096)
    p = r.producer()
    p.lock_retries = 2
    assert r.trylock()
    assert p.push_batch([b"a", b"b" * 70, b"c"]) == [Push.BUSY, Push.OVERSIZE, Push.BUSY]
    assert r.counters()["drop_busy"] == 2 and r.counters()["drop_oversize"] == 1
    r.unlock()


@pytest.mark.parametrize("proto", SW)
@pytest.mark.parametrize("start", [65533, 65535])
def test_batch_v2_wraps_near_65535(proto, start):
    r = Ring.create(proto, nslots=4, slotsize=64, buflen=4096)
    r.word("cons")[0] = r.header["sr_avail"] = start
    p, c = r.producer(), r.consumer()
    sent, got = [], []
    for i in range(6):
        batch = [frame(3 + j, 10 * i + j) for j in range(3)]
        res = p.push_batch(batch)
        sent += [f for f, x in zip(batch, res) if x == Push.OK]
        v = c.peek_n(2)
        got += [bytes(x) for x in v]
        c.release_n(len(v))
        assert r.check() is None, f"batch {i}"
    while v := c.peek_n(4):
        got += [bytes(x) for x in v]
        c.release_n(len(v))
    assert got == sent and len(sent) + r.counters()["drop_full"] == 18
    assert start + len(sent) > 0xFFFF and int(r.header["sr_avail"]) == (start + len(sent)) & 0xFFFF


@pytest.mark.parametrize("proto", PROTOS)
def test_release_n_pops_only_what_was_peeked(proto):
    r = Ring.create(proto, nslots=8, slotsize=64, buflen=4096)
    p, c = r.producer(), r.consumer()
    p.push_batch([frame(4, i) for i in range(4)])
    v = c.peek_n(3)
    with pytest.raises(OSError) as e:
        c.release_n(4)
    assert e.value.errno == errno.ENOENT
    c.release()                               # per-frame release after peek_n: pops one of the 3
    assert bytes(v[1]) == frame(4, 1)         # the rest of the batch's views stay valid
    c.release_n(2)
    assert c.fill() == 1 and bytes(c.peek()) == frame(4, 3)


@pytest.mark.parametrize("proto", PROTOS)
def test_batch_notifies_once_per_crossing(proto):
    """Range rule: a batch that jumps over sr_wake signals once; the old equality test would not."""
    r = Ring.create(proto, nslots=16, slotsize=64, buflen=4096)
    signals = []
    p, c = r.producer(notify=lambda: signals.append(1)), r.consumer()
    assert c.prepare_wait() is True and int(r.word("wake")[0]) == 1
    assert p.push_batch([b"1", b"2", b"3"]) == [Push.OK] * 3   # wake=1 inside (0, 3]
    assert signals == [1]
    assert p.push_batch([b"4", b"5"]) == [Push.OK] * 2         # not re-armed: suppressed
    assert signals == [1] and r.counters()["notify"] == 1
    c.release_n(len(c.peek_n(16)))
    assert c.prepare_wait() is True and int(r.word("wake")[0]) == 6
    assert p.push_batch([b"6" * 100, b"6"]) == [Push.OVERSIZE, Push.OK]   # frame 6 crosses
    assert signals == [1, 1] and r.counters()["notify"] == 2


def test_batch_larger_than_batch_max_is_refused():
    r = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    with pytest.raises(OSError) as e:
        r.producer().push_batch([b"a"] * 257)
    assert e.value.errno == errno.EINVAL and r.counters()["frames"] == 0
