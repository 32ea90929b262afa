"""Hostile header: Hypothesis writes arbitrary bytes into the shared header and length table between
producer/consumer operations. The producer must never write outside the ring buffer (canaries here;
the AddressSanitizer build in test_hostile_under_asan) nor outside the slot it owns, must raise the
error flag whenever it drops for corruption, and the consumer must never hand out a view outside the
slot area."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from mnetif.ring import Push, Ring, RingCorrupt

GUARD = 256
BUFLEN = 4096

op = st.one_of(
    st.tuples(st.just("push"), st.integers(0, 80)),
    st.tuples(st.just("pop"), st.just(0)),
    # the header, v3's consumer lines and every length table (v1/v2 at 64, v3 at 192)
    st.tuples(st.just("scribble"), st.integers(0, 192 + 2 * 8 - 1), st.binary(min_size=1, max_size=8)),
    # 'cons'/'wake': where the protocol keeps them (v3: lines of their own)
    st.tuples(st.just("field"), st.sampled_from(["sr_cur", "sr_avail", "sr_lock", "sr_error", "sr_wake",
                                                 "cons", "wake"]),
              st.sampled_from([0, 1, 3, 4, 7, 8, 9, 0x7FFF, 0xFFFF, 0xFFFE])),
)


def run_hostile(proto: str, ops) -> None:
    arena = np.random.default_rng(1).integers(0, 256, BUFLEN + 2 * GUARD, dtype=np.uint8)
    canary = arena.copy()
    buf = arena[GUARD:GUARD + BUFLEN]
    ring = Ring.create(proto, nslots=8, slotsize=64, buflen=BUFLEN, buf=buf)
    p, c = ring.producer(), ring.consumer()
    p.lock_retries = 2
    c._s.lock_retries = 2
    slot_lo, slot_hi = ring.geom.dataoff, ring.geom.dataoff + ring.size * ring.slotsize
    for step, o in enumerate(ops):
        before = buf.copy()
        if o[0] == "push":
            r = p.push(bytes([step & 0xFF]) * o[1])
            if r == Push.CORRUPT:
                assert int(ring.header["sr_error"]) != 0, f"step {step}: dropped as corrupt, no error flag"
            changed = np.nonzero(before[slot_lo:] != buf[slot_lo:])[0] + slot_lo
            if len(changed):
                # Slot bytes may change only inside ONE slot, and only on a publish.
                assert r == Push.OK, f"step {step}: slot bytes written by a dropped push ({r!r})"
                first = (changed[0] - slot_lo) // 64
                assert changed[-1] < slot_lo + (first + 1) * 64, f"step {step}: wrote across slots"
        elif o[0] == "pop":
            try:
                v = c.peek()
                if v is not None:
                    off = c._slot.data - ring.addr     # the C view, also for empty frames
                    assert slot_lo <= off and off + len(v) <= slot_hi, f"step {step}: view outside slots"
                    c.release()
            except RingCorrupt:
                pass
            except OSError as e:       # v1 lock busy / nothing to release
                assert e.errno in (16, 2), e
                c._s.peeked = 0
        elif o[0] == "scribble":
            buf[o[1]:o[1] + len(o[2])] = np.frombuffer(o[2], np.uint8)[:max(0, min(len(o[2]), BUFLEN - o[1]))]
        else:
            ring.word(o[1])[0] = o[2]
        assert (arena[:GUARD] == canary[:GUARD]).all(), f"step {step}: write before the ring buffer"
        assert (arena[GUARD + BUFLEN:] == canary[GUARD + BUFLEN:]).all(), f"step {step}: write past the end"


SETTINGS = settings(max_examples=int(os.environ.get("MNETIF_HOSTILE_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(proto=st.sampled_from(["v1", "v2", "v3"]), ops=st.lists(op, min_size=1, max_size=60))
def test_hostile_header(proto, ops):
    run_hostile(proto, ops)


def test_hostile_header_detects_corruption_at_all():
    """Guard against a vacuous run: a scribbled index does make the producer drop with the flag."""
    buf = np.zeros(BUFLEN, np.uint8)
    ring = Ring.create("v2", nslots=8, slotsize=64, buflen=BUFLEN, buf=buf)
    p = ring.producer()
    ring.header["sr_cur"] = 0x7FFF
    assert p.push(b"x") == Push.CORRUPT and int(ring.header["sr_error"]) == 3


def _sanitizer_preload() -> str:
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
        assert os.path.isabs(path), f"{name} not found: install gcc's sanitizer runtimes"
        libs.append(path)
    return " ".join(libs)


def test_hostile_under_asan():
    """The same property with the AddressSanitizer build of the library (make asan)."""
    lib = os.path.join(os.path.dirname(__file__), "..", "build", "asan", "libmnetif_zoo.so")
    assert os.path.exists(lib), "build/asan/libmnetif_zoo.so missing: run `make asan`"
    env = dict(os.environ, LD_PRELOAD=_sanitizer_preload(), MNETIF_LIB="asan/libmnetif_zoo.so",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=1", MNETIF_HOSTILE_EXAMPLES="150")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                        __file__ + "::test_hostile_header",
                        __file__ + "::test_hostile_header_detects_corruption_at_all"],
                       env=env, capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert "ERROR: AddressSanitizer" not in out, out[-4000:]
    assert r.returncode == 0 and "2 passed" in out, out[-4000:]
