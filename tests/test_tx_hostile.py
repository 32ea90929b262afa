"""Hostile producer: on the transmit path the untrusted side is the PRODUCER (the application; for the
Linux module, a user process writing the mapped header). Hypothesis writes arbitrary bytes into the
header and length table between pushes and drains. The platform consumer (mn_tx_drain) must never
hand the device a view outside the slot it reads nor a length outside [min_len, max_len], must write
nothing but its own two words (sr_cur, sr_wake), and must end a drain on a corrupt index with -EIO
(counted) instead of following it. Also run under AddressSanitizer (test_tx_hostile_under_asan).
Reproduce: python -m pytest -q tests/test_tx_hostile.py"""
from __future__ import annotations

import errno
import os
import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from mnetif import tx
from test_hostile import _sanitizer_preload
from mnetif.ring import HDR_SIZE, Ring

GUARD = 256
BUFLEN = 4096
NSLOTS, SLOTSIZE = 8, 64
MIN_LEN, MAX_LEN = 14, 60
CONSUMER_BYTES = set(range(0, 2)) | set(range(20, 24))      # sr_cur, sr_wake: the consumer's own words

op = st.one_of(
    st.tuples(st.just("push"), st.integers(0, 80)),
    st.tuples(st.just("drain"), st.integers(0, 20)),
    st.tuples(st.just("scribble"), st.integers(0, HDR_SIZE + 2 * NSLOTS - 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("field"), st.sampled_from(["sr_cur", "sr_avail", "sr_size", "sr_slotsize", "sr_wake"]),
              st.sampled_from([0, 1, 3, 7, 8, 9, 0x7FFF, 0xFFFF, 0xFFFE])),
    st.tuples(st.just("len"), st.integers(0, NSLOTS - 1), st.sampled_from([0, 13, 14, 60, 61, 64, 65, 0xFFFF])),
)


def run_hostile(ops) -> None:
    arena = np.random.default_rng(2).integers(0, 256, BUFLEN + 2 * GUARD, dtype=np.uint8)
    canary = arena.copy()
    buf = arena[GUARD:GUARD + BUFLEN]
    ring = Ring.create("v2", nslots=NSLOTS, slotsize=SLOTSIZE, buflen=BUFLEN, buf=buf)
    p = ring.producer()
    lo, hi = ring.geom.dataoff, ring.geom.dataoff + NSLOTS * SLOTSIZE
    d = tx.Drainer(ring, lambda frames: len(frames), min_len=MIN_LEN, max_len=MAX_LEN)
    for step, o in enumerate(ops):
        if o[0] == "push":
            p.push(bytes([step & 0xFF]) * o[1])
        elif o[0] == "drain":
            before, nviews, c0 = buf.copy(), len(d.views), d.counters()
            r = d.drain(budget=o[1])
            c = d.counters()
            assert r >= 0 or r == -errno.EIO, f"step {step}: mn_tx_drain returned {r}"
            if r == -errno.EIO:
                assert c["corrupt"] == c0["corrupt"] + 1, f"step {step}: -EIO not counted"
            for off, n in d.views[nviews:]:
                assert lo <= off and off + n <= hi and (off - lo) % SLOTSIZE == 0, f"step {step}: view {off}+{n} outside a slot"
                assert MIN_LEN <= n <= MAX_LEN, f"step {step}: a {n}-byte frame reached the device"
            written = {int(i) for i in np.nonzero(before != buf)[0]}
            assert written <= CONSUMER_BYTES, f"step {step}: the consumer wrote bytes {sorted(written - CONSUMER_BYTES)}"
            if r >= 0:
                done = sum(c[k] - c0[k] for k in ("frames", "drop_runt", "drop_oversize", "drop_xmit"))
                assert done == r, f"step {step}: {r} frames consumed, {done} accounted for"
        elif o[0] == "scribble":
            buf[o[1]:o[1] + len(o[2])] = np.frombuffer(o[2], np.uint8)[:max(0, min(len(o[2]), BUFLEN - o[1]))]
        elif o[0] == "field":
            ring.header[o[1]] = o[2]
        else:
            ring.lens[o[1]] = o[2]
        assert (arena[:GUARD] == canary[:GUARD]).all(), f"step {step}: write before the ring buffer"
        assert (arena[GUARD + BUFLEN:] == canary[GUARD + BUFLEN:]).all(), f"step {step}: write past the end"


SETTINGS = settings(max_examples=int(os.environ.get("MNETIF_HOSTILE_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(ops=st.lists(op, min_size=1, max_size=60))
def test_tx_hostile_producer(ops):
    run_hostile(ops)


def test_tx_hostile_checks_can_fail():
    """Guard against a vacuous run: a scribbled length does reach the filter (counted, not sent), and
    a scribbled producer index does end the drain with -EIO."""
    ring = Ring.create("v2", nslots=NSLOTS, slotsize=SLOTSIZE, buflen=BUFLEN)
    p = ring.producer()
    sent = []
    d = tx.Drainer(ring, lambda frames: (sent.extend(frames), len(frames))[1], min_len=MIN_LEN, max_len=MAX_LEN)
    p.push(b"a" * 20)
    ring.lens[0] = 64                       # still <= slotsize, but > max_len: never reaches the device
    assert d.drain() == 1 and d.counters()["drop_oversize"] == 1 and sent == []
    p.push(b"b" * 20)
    ring.lens[1] = 0xFFFF                   # > slotsize: the peek refuses it
    assert d.drain() == -errno.EIO and d.counters()["corrupt"] == 1 and sent == []
    ring.lens[1] = 20
    assert d.drain() == 1 and sent == [b"b" * 20]
    ring.header["sr_avail"] = 0x7FFF
    assert d.drain() == -errno.EIO and d.counters()["corrupt"] == 2


def test_tx_hostile_under_asan():
    """The same properties with the AddressSanitizer build of the library (make asan)."""
    lib = os.path.join(os.path.dirname(__file__), "..", "build", "asan", "libmnetif_zoo.so")
    assert os.path.exists(lib), "build/asan/libmnetif_zoo.so missing: run `make asan`"
    env = dict(os.environ, LD_PRELOAD=_sanitizer_preload(), MNETIF_LIB="asan/libmnetif_zoo.so",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=1", MNETIF_HOSTILE_EXAMPLES="150")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                        __file__ + "::test_tx_hostile_producer", __file__ + "::test_tx_hostile_checks_can_fail"],
                       env=env, capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert "ERROR: AddressSanitizer" not in out, out[-4000:]
    assert r.returncode == 0 and "2 passed" in out, out[-4000:]
