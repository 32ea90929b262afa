"""What a caller hands the ring bindings and the C API, checked before anything is written or
narrowed (issue 11, items 2, 3, 12): ring buffers of every bytes-like kind, buffers that must be
refused untouched, frame lengths beyond 32 bits, argument types and ranges."""
from __future__ import annotations

import errno
import mmap
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mnetif.ring import GeometryError, MnetifError, Push, Ring

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


def test_inject_of_a_4gib_frame_is_oversize():
    from mnetif import registry
    registry.create_interface("lenbig0", "02:00:00:00:0b:01")
    try:
        with registry.plug("lenbig0", Ring.create("v2", nslots=8, slotsize=64, buflen=4096)) as port:
            assert registry.inject("lenbig0", big_frame()) == Push.OVERSIZE
            assert port.counters()["drop_oversize"] == 1 and port.consumer.pop() is None
    finally:
        registry.destroy_interface("lenbig0")


C_LENGTHS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "mnetif/user.h"
/* A frame of 2^32 + 5 bytes through every C entry point: oversize, never 5 bytes. The buffer is
 * 8 bytes: an implementation that truncates reads 5 of them and publishes them. */
int main(void) {
	static unsigned char ring[4096] __attribute__((aligned(64)));
	const unsigned char small[8] = "abcdefg";
	struct mn_prod p; struct mn_plug_info info; struct mn_counters c;
	struct mn_frame f[2] = { { small, 1 }, { small, ((size_t)1 << 32) + 5 } };
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	int r1, r2, r3, r4;
	if (mn_ring_init(ring, sizeof ring, MN_PROTO_V2, 8, 64) || mn_prod_attach(&p, ring, sizeof ring, 0, 0))
		return 2;
	r1 = mn_prod_push(&p, small, ((size_t)1 << 32) + 5);
	r2 = mn_prod_push_batch(&p, f, 2, NULL);
	if (mn_user_if_create("clen0", mac) < 0) return 3;
	static unsigned char ring2[4096] __attribute__((aligned(64)));
	if (mn_ring_init(ring2, sizeof ring2, MN_PROTO_V2, 8, 64) || mn_plug("clen0", ring2, sizeof ring2, &info))
		return 4;
	r3 = mn_user_inject("clen0", small, ((size_t)1 << 32) + 5);
	r4 = netif_ether_input(info.index, small, ((size_t)1 << 32) + 5);
	mn_plug_counters_gen(info.gen, &c);
	printf("%d %d %u %llu %d %d %u %llu\n", r1, r2, p.c.drop_oversize, (unsigned long long)p.c.frames,
	       r3, r4, c.drop_oversize, (unsigned long long)c.frames);
	return 0;
}
"""


def test_c_api_checks_lengths_before_narrowing(tmp_path):
    """The C API takes size_t lengths: a 2^32 + 5-byte frame is -EMSGSIZE and counted oversize in
    mn_prod_push, mn_prod_push_batch, mn_user_inject and netif_ether_input."""
    src, exe = tmp_path / "lengths.c", tmp_path / "lengths"
    src.write_text(C_LENGTHS)
    lib = ROOT / "build"
    subprocess.run(["gcc", "-std=gnu11", "-Wall", "-I", str(ROOT / "c/include"), "-o", str(exe), str(src),
                    "-L", str(lib), "-lmnetif", f"-Wl,-rpath,{lib}"], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out
    r1, r2, over, frames, r3, r4, over2, frames2 = map(int, out.stdout.split())
    assert (r1, r2, over, frames) == (-errno.EMSGSIZE, 1, 2, 1), out.stdout
    assert (r3, r4, over2, frames2) == (-errno.EMSGSIZE, -errno.EMSGSIZE, 2, 0), out.stdout


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
