"""ctypes bindings of the mnetif ring core (c/include/mnetif/ring.h): rings in numpy buffers,
producer/consumer handles, zero-copy slot views, counters, the v1 lock and the invariant checker.

    >>> from pyharness.ring import Ring
    >>> r = Ring.create("v2")              # 33 pages, 2048-byte slots -> 64 slots (the 2012 geometry)
    >>> p, c = r.producer(), r.consumer()
    >>> p.push(b"hello")
    <Push.OK: 0>
    >>> bytes(c.peek()); c.release()
    b'hello'

The library is build/libmnetif.so (env MNETIF_LIB picks another build, e.g. asan/libmnetif_zoo.so);
the 2012 bug-zoo protocol exists only in libmnetif_zoo.so, which Ring.create("2012") loads.
"""
from __future__ import annotations

import ctypes as C
import enum
import errno
import os

import numpy as np

from . import native

# ---- wire format constants (ring.h) -------------------------------------------------------------
HDR_SIZE = 64
PAGE_SIZE = 4096
DEFAULT_BUFLEN = 33 * PAGE_SIZE
DEFAULT_SLOTSIZE = 2048
MAX_SIZE = 32768
LOCK_RETRIES = 64
MAGIC_BASE = 0x4D4E5200
PROTOS = {"2012": 0, "v1": 1, "v2": 2}
PROTO_NAMES = {v: k for k, v in PROTOS.items()}

# Header fields: name -> (offset, numpy type). One source: ring.h's MN_OFF_* (checked by a test).
FIELDS = {
    "sr_cur": (0, "u2"), "sr_avail": (2, "u2"), "sr_size": (4, "u2"), "sr_slotsize": (6, "u2"),
    "sr_magic": (8, "u4"), "sr_dataoff": (12, "u4"), "sr_lock": (16, "u4"), "sr_wake": (20, "u4"),
    "sr_error": (24, "u4"), "sr_drop_full": (28, "u4"), "sr_drop_oversize": (32, "u4"),
    "sr_drop_busy": (36, "u4"), "sr_frames": (40, "u8"), "sr_bytes": (48, "u8"),
    "sr_drop_error": (56, "u4"), "sr_notify": (60, "u4"),
}
HEADER_DTYPE = np.dtype({
    "names": list(FIELDS), "formats": [t for _, t in FIELDS.values()],
    "offsets": [o for o, _ in FIELDS.values()], "itemsize": HDR_SIZE,
})
COUNTER_FIELDS = ("frames", "bytes", "drop_full", "drop_oversize", "drop_busy", "drop_error",
                  "notify")


class MnetifError(OSError):
    """A call into libmnetif failed; .errno is the positive errno, str() says what and why."""


class GeometryError(MnetifError, ValueError):
    """A ring buffer failed attach validation (magic, size, slot size, data offset, length)."""


class RingCorrupt(MnetifError):
    """The consumer found the shared indices or a slot length out of range."""


class Push(enum.IntEnum):
    """Outcome of a push: published, or dropped and counted in the named counter."""
    OK = 0
    FULL = -errno.ENOBUFS          # drop_full
    OVERSIZE = -errno.EMSGSIZE     # drop_oversize
    BUSY = -errno.EBUSY            # drop_busy (v1 lock busy after the bounded retries)
    CORRUPT = -errno.EIO           # drop_error (sr_error set)


# ---- ctypes mirrors of the private structs (layout checked against C by tests) -----------------
class Geom(C.Structure):
    _fields_ = [("proto", C.c_uint32), ("size", C.c_uint32), ("mask", C.c_uint32),
                ("slotsize", C.c_uint32), ("dataoff", C.c_uint32), ("buflen", C.c_uint64)]


class Counters(C.Structure):
    _fields_ = [("frames", C.c_uint64), ("bytes", C.c_uint64), ("drop_full", C.c_uint32),
                ("drop_oversize", C.c_uint32), ("drop_busy", C.c_uint32),
                ("drop_error", C.c_uint32), ("notify", C.c_uint32), ("error", C.c_uint32)]

    def as_dict(self) -> dict:
        return {k: int(getattr(self, k)) for k in COUNTER_FIELDS + ("error",)}


NOTIFY_FN = C.CFUNCTYPE(None, C.c_void_p)


class ProdStruct(C.Structure):
    _fields_ = [("hdr", C.c_void_p), ("base", C.c_void_p), ("g", Geom), ("prod", C.c_uint16),
                ("lock_retries", C.c_uint32), ("c", Counters), ("notify", C.c_void_p),
                ("notify_arg", C.c_void_p), ("batch_err", C.c_int)]


class ConsStruct(C.Structure):
    _fields_ = [("hdr", C.c_void_p), ("base", C.c_void_p), ("g", Geom), ("cons", C.c_uint32),
                ("seen", C.c_uint32), ("lock_retries", C.c_uint32), ("peeked", C.c_int)]


class SlotStruct(C.Structure):
    _fields_ = [("data", C.c_void_p), ("len", C.c_uint32), ("index", C.c_uint32)]


class FrameStruct(C.Structure):
    _fields_ = [("data", C.c_void_p), ("len", C.c_uint32)]


BATCH_MAX = 256


_P = C.POINTER


def _declare(lib: C.CDLL) -> C.CDLL:
    if getattr(lib, "_mn_declared", False):
        return lib
    sig = {
        "mn_ring_init": (C.c_int, [C.c_void_p, C.c_uint64, C.c_uint32, C.c_uint32, C.c_uint32]),
        "mn_ring_geometry": (C.c_int, [C.c_void_p, C.c_uint64, _P(Geom), _P(C.c_char_p)]),
        "mn_prod_attach": (C.c_int, [_P(ProdStruct), C.c_void_p, C.c_uint64, C.c_void_p, C.c_void_p]),
        "mn_prod_push": (C.c_int, [_P(ProdStruct), C.c_void_p, C.c_uint32]),
        "mn_prod_push_batch": (C.c_int, [_P(ProdStruct), _P(FrameStruct), C.c_uint32, C.c_void_p]),
        "mn_prod_space": (C.c_uint32, [_P(ProdStruct)]),
        "mn_cons_peek_n": (C.c_int, [_P(ConsStruct), _P(SlotStruct), C.c_uint32]),
        "mn_cons_release_n": (C.c_int, [_P(ConsStruct), C.c_uint32]),
        "mn_cons_attach": (C.c_int, [_P(ConsStruct), C.c_void_p, C.c_uint64]),
        "mn_cons_peek": (C.c_int, [_P(ConsStruct), _P(SlotStruct)]),
        "mn_cons_fill": (C.c_int, [_P(ConsStruct)]),
        "mn_cons_release": (C.c_int, [_P(ConsStruct)]),
        "mn_cons_prepare_wait": (C.c_int, [_P(ConsStruct)]),
        "mn_ring_trylock": (C.c_int, [C.c_void_p]),
        "mn_ring_lock": (C.c_int, [C.c_void_p, C.c_uint32]),
        "mn_ring_unlock": (None, [C.c_void_p]),
        "mn_ring_check": (C.c_int, [C.c_void_p, _P(Geom)]),
        "mn_invariant_name": (C.c_char_p, [C.c_int]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    lib._mn_declared = True
    return lib


def library(zoo: bool = False) -> C.CDLL:
    """The libmnetif build the bindings use (MNETIF_LIB overrides; zoo=True needs the 2012 model)."""
    name = os.environ.get("MNETIF_LIB") or ("libmnetif_zoo.so" if zoo else "libmnetif.so")
    return _declare(native.load(name))


def _err(rc: int, what: str) -> MnetifError:
    return MnetifError(-rc, f"{what}: {os.strerror(-rc)}")


def _proto_id(proto) -> int:
    if isinstance(proto, str):
        if proto not in PROTOS:
            raise ValueError(f"unknown protocol {proto!r}: expected one of {sorted(PROTOS)}")
        return PROTOS[proto]
    return int(proto)


class Ring:
    """A ring in a numpy uint8 buffer this object keeps alive (or one the caller supplies)."""

    def __init__(self, buf: np.ndarray, zoo: bool | None = None):
        if not isinstance(buf, np.ndarray) or buf.dtype != np.uint8 or not buf.flags.c_contiguous:
            raise TypeError("a ring buffer is a C-contiguous numpy uint8 array")
        if not buf.flags.writeable:
            # The consumer writes sr_cur/sr_wake (and the v1 lock): C would write through a
            # read-only view (a bytes object, a PROT_READ mapping: SIGSEGV).
            raise TypeError("a ring buffer must be writable (the consumer writes the header)")
        self.buf = buf
        self.addr = buf.ctypes.data
        self.buflen = buf.nbytes
        magic = int(buf[8:12].view("u4")[0]) if buf.nbytes >= 12 else 0
        self.lib = library(zoo if zoo is not None else magic == MAGIC_BASE)
        self.geom = self._geometry()

    @classmethod
    def create(cls, proto="v2", nslots: int = 0, slotsize: int = DEFAULT_SLOTSIZE,
               buflen: int = DEFAULT_BUFLEN, buf: np.ndarray | None = None) -> "Ring":
        """Lay out a fresh ring (the initialiser, (I) in ring.h). nslots=0: as many as fit."""
        pid = _proto_id(proto)
        if buf is None:
            buf = np.zeros(buflen, dtype=np.uint8)
        lib = library(zoo=pid == 0)
        rc = lib.mn_ring_init(buf.ctypes.data, buf.nbytes, pid, nslots, slotsize)
        if rc:
            raise GeometryError(-rc, f"mn_ring_init(proto={proto}, nslots={nslots}, "
                                     f"slotsize={slotsize}, buflen={buf.nbytes}): {os.strerror(-rc)}")
        return cls(buf, zoo=pid == 0)

    def _geometry(self) -> Geom:
        g, why = Geom(), C.c_char_p()
        rc = self.lib.mn_ring_geometry(self.addr, self.buflen, C.byref(g), C.byref(why))
        if rc:
            raise GeometryError(-rc, f"not a valid mnetif ring: {why.value.decode()}")
        return g

    # -- views -------------------------------------------------------------------------------
    @property
    def proto(self) -> str:
        return PROTO_NAMES[self.geom.proto]

    @property
    def size(self) -> int:
        return self.geom.size

    @property
    def slotsize(self) -> int:
        return self.geom.slotsize

    @property
    def header(self) -> np.ndarray:
        """The 64-byte header as a numpy record (a live view: writes go to shared memory)."""
        return self.buf[:HDR_SIZE].view(HEADER_DTYPE)[0]

    @property
    def lens(self) -> np.ndarray:
        """The u16 length table (live view)."""
        return self.buf[HDR_SIZE:HDR_SIZE + 2 * self.size].view(np.uint16)

    def slot(self, i: int) -> np.ndarray:
        """Slot i's bytes as the consumer sees them (live view)."""
        off = self.geom.dataoff + (i & self.geom.mask) * self.slotsize
        return self.buf[off:off + self.slotsize]

    def counters(self) -> dict:
        h = self.header
        return {k: int(h["sr_" + k]) for k in COUNTER_FIELDS} | {"error": int(h["sr_error"])}

    # -- the v1 test-and-set lock ------------------------------------------------------------
    def trylock(self) -> bool:
        return bool(self.lib.mn_ring_trylock(self.addr))

    def lock(self, retries: int = LOCK_RETRIES) -> None:
        rc = self.lib.mn_ring_lock(self.addr, retries)
        if rc:
            raise _err(rc, f"sr_lock still held after {retries} test-and-set attempts")

    def unlock(self) -> None:
        self.lib.mn_ring_unlock(self.addr)

    # -- invariants --------------------------------------------------------------------------
    def check(self) -> str | None:
        """None if every header invariant holds, else the violated invariant's name."""
        inv = self.lib.mn_ring_check(self.addr, C.byref(self.geom))
        return None if inv == 0 else self.lib.mn_invariant_name(inv).decode()

    def producer(self, notify=None) -> "Producer":
        return Producer(self, notify)

    def consumer(self) -> "Consumer":
        return Consumer(self)


class Producer:
    """A producer handle (one per ring at a time). push() never blocks and never raises for drops."""

    def __init__(self, ring: Ring, notify=None):
        self.ring = ring
        self._s = ProdStruct()
        self._cb = NOTIFY_FN(lambda _arg: notify()) if notify else None
        fn = C.cast(self._cb, C.c_void_p) if self._cb else None
        rc = ring.lib.mn_prod_attach(C.byref(self._s), ring.addr, ring.buflen, fn, None)
        if rc:
            ring._geometry()          # raises GeometryError with the reason
            raise _err(rc, "mn_prod_attach")

    @property
    def lock_retries(self) -> int:
        return self._s.lock_retries

    @lock_retries.setter
    def lock_retries(self, n: int) -> None:
        self._s.lock_retries = n

    def push(self, frame) -> Push:
        data = np.ascontiguousarray(np.frombuffer(frame, dtype=np.uint8)
                                    if not isinstance(frame, np.ndarray) else frame.view(np.uint8))
        return Push(self.ring.lib.mn_prod_push(C.byref(self._s), data.ctypes.data, data.nbytes))

    def push_batch(self, frames) -> list[Push]:
        """Push up to BATCH_MAX frames with ONE publication (mn_prod_push_batch); returns each
        frame's outcome, as push() would have reported it."""
        arrays = [np.ascontiguousarray(np.frombuffer(f, dtype=np.uint8)
                                       if not isinstance(f, np.ndarray) else f.view(np.uint8))
                  for f in frames]
        fs = (FrameStruct * max(1, len(arrays)))(*[(a.ctypes.data, a.nbytes) for a in arrays])
        rc = self.ring.lib.mn_prod_push_batch(C.byref(self._s), fs, len(arrays), None)
        if rc < 0:
            raise _err(rc, f"mn_prod_push_batch of {len(arrays)} frames (max {BATCH_MAX})")
        out, left = [], rc
        for a in arrays:
            if a.nbytes > self.ring.slotsize:
                out.append(Push.OVERSIZE)
            elif left:
                out.append(Push.OK)
                left -= 1
            else:
                out.append(Push(self._s.batch_err))
        return out

    def space(self) -> int:
        """Free slots as the producer sees them now (mn_prod_space)."""
        return int(self.ring.lib.mn_prod_space(C.byref(self._s)))

    @property
    def counters(self) -> dict:
        """The producer's private counters (the shared header holds stores of these)."""
        return self._s.c.as_dict()


class Consumer:
    """A consumer handle: peek() gives a zero-copy numpy view valid until release()."""

    def __init__(self, ring: Ring):
        self.ring = ring
        self._s = ConsStruct()
        self._slot = SlotStruct()
        rc = ring.lib.mn_cons_attach(C.byref(self._s), ring.addr, ring.buflen)
        if rc == -errno.EIO:
            raise RingCorrupt(errno.EIO, "consumer attach: shared indices out of range")
        if rc:
            ring._geometry()
            raise _err(rc, "mn_cons_attach")

    def fill(self) -> int:
        rc = self.ring.lib.mn_cons_fill(C.byref(self._s))
        if rc < 0:
            raise RingCorrupt(-rc, f"ring header corrupt: {self.ring.check()}")
        return rc

    def peek(self) -> np.ndarray | None:
        rc = self.ring.lib.mn_cons_peek(C.byref(self._s), C.byref(self._slot))
        if rc < 0:
            raise RingCorrupt(-rc, f"ring header corrupt: {self.ring.check()}")
        if rc == 0:
            return None
        off = self._slot.data - self.ring.addr
        return self.ring.buf[off:off + self._slot.len]

    def release(self) -> None:
        self._released(self.ring.lib.mn_cons_release(C.byref(self._s)), "mn_cons_release")

    def peek_n(self, max: int) -> list[np.ndarray]:
        """Zero-copy views of up to `max` waiting frames (one read of the producer index); valid
        until released. [] when empty."""
        slots = (SlotStruct * max)()
        rc = self.ring.lib.mn_cons_peek_n(C.byref(self._s), slots, max)
        if rc < 0:
            raise (RingCorrupt(-rc, f"ring header corrupt: {self.ring.check()}") if rc == -errno.EIO
                   else _err(rc, f"mn_cons_peek_n(max={max})"))
        base = self.ring.addr
        return [self.ring.buf[s.data - base:s.data - base + s.len] for s in slots[:rc]]

    def release_n(self, n: int) -> None:
        """Pop the first n frames of the last peek_n (one publication of the consumer index)."""
        self._released(self.ring.lib.mn_cons_release_n(C.byref(self._s), n), f"mn_cons_release_n({n})")

    def _released(self, rc: int, what: str) -> None:
        if rc == -errno.EIO:
            raise RingCorrupt(errno.EIO, f"ring header corrupt at release: {self.ring.check()}")
        if rc:
            raise _err(rc, what)

    def pop(self) -> bytes | None:
        """Copy out and release the next frame (None if empty)."""
        v = self.peek()
        if v is None:
            return None
        data = v.tobytes()
        self.release()
        return data

    def drain(self, limit: int | None = None):
        """Yield zero-copy views of waiting frames, releasing each when the caller moves on."""
        n = 0
        while limit is None or n < limit:
            v = self.peek()
            if v is None:
                return
            yield v
            self.release()
            n += 1

    def prepare_wait(self) -> bool:
        """Arm sr_wake and re-check: True = still empty, safe to sleep on the event channel."""
        return bool(self.ring.lib.mn_cons_prepare_wait(C.byref(self._s)))

    @property
    def seen(self) -> int:
        return self._s.seen
