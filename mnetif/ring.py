"""ctypes bindings of the mnetif ring core (c/include/mnetif/ring.h): rings in numpy buffers,
producer/consumer handles, zero-copy slot views, counters, the v1 lock and the invariant checker.

    >>> from mnetif.ring import Ring
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
import math
import numbers
import os
import threading
import time
import weakref
from typing import Any

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
PROTOS = {"2012": 0, "v1": 1, "v2": 2, "v3": 3}
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
# v3 moves the consumer's words to cache lines of their own and the length table after them
# (ring.h struct mn_ring_v3); v1/v2 keep them in the 64-byte header (sr_cur, sr_wake).
V3_OFF_CONS, V3_OFF_WAKE, V3_OFF_LENS = 64, 128, 192
COUNTER_FIELDS = ("frames", "bytes", "drop_full", "drop_oversize", "drop_busy", "drop_error",
                  "notify")


class MnetifError(OSError):
    """A call into libmnetif failed; .errno is the positive errno, str() says what and why."""


class GeometryError(MnetifError, ValueError):
    """A ring buffer failed attach validation (magic, size, slot size, data offset, length), or a
    geometry argument is out of range."""


class RingCorrupt(MnetifError):
    """The consumer found the shared indices or a slot length out of range."""


class RingInUse(MnetifError):
    """One producer and one consumer per ring: this ring already has one (or is plugged)."""


class Closed(MnetifError, ValueError):
    """The handle (producer, consumer, port) was closed; like a closed file, it does nothing more."""


class Push(enum.IntEnum):
    """Outcome of a push: published, or dropped and counted in the named counter."""
    OK = 0
    FULL = -errno.ENOBUFS          # drop_full
    OVERSIZE = -errno.EMSGSIZE     # drop_oversize
    BUSY = -errno.EBUSY            # drop_busy (v1 lock busy after the bounded retries)
    CORRUPT = -errno.EIO           # drop_error (sr_error set)


# ---- argument checks: before anything reaches C (no silent narrowing to u32, no ctypes errors) --
U32_MAX = 0xFFFFFFFF
MIN_SLOTSIZE, MAX_SLOTSIZE = 64, 65472
# The largest buffer a ring can use: v3 data offset + every slot of the largest geometry.
MAX_BUFLEN = 192 + 2 * MAX_SIZE + MAX_SIZE * MAX_SLOTSIZE + 64


def check_int(value, what: str, lo: int = 0, hi: int | None = None, want: str = "",
              exc: type[Exception] = ValueError) -> int:
    """value as an int in [lo, hi]: bools, floats and strings are a TypeError, a value out of range
    `exc` (with `want`, what to pass instead)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__} {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        want = want or (f"{lo} <= {what}" + (f" <= {hi}" if hi is not None else ""))
        if issubclass(exc, MnetifError):
            raise exc(errno.EINVAL, f"{what}={v} out of range: want {want}")
        raise exc(f"{what}={v} out of range: want {want}")
    return v


def check_timeout(timeout) -> float | None:
    """None (wait forever) or a finite number of seconds >= 0."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"timeout must be None (forever) or seconds >= 0, not "
                        f"{type(timeout).__name__} {timeout!r}")
    t = float(timeout)
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"timeout={timeout!r}: want None (forever) or a finite number of "
                         "seconds >= 0")
    return t


def frame_array(frame, what: str = "frame") -> np.ndarray:
    """A frame's bytes as a flat uint8 array (zero-copy when contiguous). Any bytes-like object:
    bytes, bytearray, memoryview, mmap, numpy array; nothing else (an int is not 'that many zero
    bytes')."""
    if isinstance(frame, np.ndarray):
        if frame.dtype.hasobject:
            raise TypeError(f"{what}: a numpy array of Python objects has no bytes to send")
        return np.ascontiguousarray(frame).reshape(-1).view(np.uint8)
    try:
        mv = memoryview(frame)
    except TypeError:
        raise TypeError(f"{what} must be bytes-like (bytes, bytearray, memoryview, numpy array), "
                        f"not {type(frame).__name__}") from None
    if not mv.c_contiguous:
        return np.frombuffer(mv.tobytes(), dtype=np.uint8)
    return np.frombuffer(mv, dtype=np.uint8) if mv.nbytes else np.zeros(0, np.uint8)


def ring_buffer(buf) -> np.ndarray:
    """The memory a ring lives in, checked BEFORE anything writes to it: a writable, C-contiguous,
    1-D buffer of bytes (numpy uint8/int8 array, bytearray, writable mmap, memoryview of one),
    8-byte aligned (the header holds 64-bit counters). Returned as a zero-copy numpy uint8 view
    that keeps the object alive."""
    if isinstance(buf, np.ndarray) and buf.dtype.itemsize != 1:
        raise TypeError(f"a ring buffer is bytes: a numpy uint8 array, not {buf.dtype}")
    try:
        mv = memoryview(buf)
    except TypeError:
        raise TypeError(f"a ring buffer is a writable bytes-like object (numpy uint8 array, "
                        f"bytearray, mmap), not {type(buf).__name__}") from None
    if mv.readonly:
        # The consumer writes sr_cur/sr_wake (and the v1 lock): C would write through a
        # read-only view (a bytes object, a PROT_READ mapping: SIGSEGV).
        raise TypeError("a ring buffer must be writable (the consumer writes the header): "
                        "use a bytearray, a numpy uint8 array or a writable mmap")
    if mv.ndim != 1 or mv.itemsize != 1 or mv.format not in ("B", "b", "c"):
        raise TypeError(f"a ring buffer is a 1-D buffer of bytes (numpy uint8), not "
                        f"{mv.ndim}-D of format {mv.format!r}")
    if not mv.c_contiguous:
        raise TypeError("a ring buffer must be contiguous (this is a strided or reversed view)")
    arr = np.frombuffer(mv, dtype=np.uint8) if mv.nbytes else np.zeros(0, np.uint8)
    if arr.nbytes and arr.ctypes.data % 8:
        raise ValueError("a ring buffer must start at an 8-byte aligned address (the header "
                         "holds 64-bit counters): slice at a multiple of 8")
    return arr


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
HEAVY_FN = C.CFUNCTYPE(C.c_int, C.c_void_p)    # mn_cons_set_barrier's fn: 0 done, -errno not done


class ProdStruct(C.Structure):
    _fields_ = [("hdr", C.c_void_p), ("base", C.c_void_p), ("g", Geom), ("prod", C.c_uint16),
                ("lock_retries", C.c_uint32), ("c", Counters), ("notify", C.c_void_p),
                ("notify_arg", C.c_void_p), ("batch_err", C.c_int),
                ("cons_ix", C.c_void_p), ("wake", C.c_void_p), ("lens", C.c_void_p),
                ("cons_seen", C.c_uint16), ("light", C.c_uint8)]


class ConsStruct(C.Structure):
    _fields_ = [("hdr", C.c_void_p), ("base", C.c_void_p), ("g", Geom), ("cons", C.c_uint32),
                ("seen", C.c_uint32), ("lock_retries", C.c_uint32), ("peeked", C.c_int),
                ("cons_ix", C.c_void_p), ("wake", C.c_void_p), ("lens", C.c_void_p),
                ("prod_seen", C.c_uint16), ("heavy_fn", C.c_void_p), ("heavy_arg", C.c_void_p),
                ("wait_spins", C.c_uint32)]


class SlotStruct(C.Structure):
    _fields_ = [("data", C.c_void_p), ("len", C.c_uint32), ("index", C.c_uint32)]


class FrameStruct(C.Structure):
    _fields_ = [("data", C.c_void_p), ("len", C.c_size_t)]


BATCH_MAX = 256


_P = C.POINTER


def _declare(lib: C.CDLL) -> C.CDLL:
    if getattr(lib, "_mn_declared", False):
        return lib
    sig = {
        "mn_ring_init": (C.c_int, [C.c_void_p, C.c_uint64, C.c_uint32, C.c_uint32, C.c_uint32]),
        "mn_ring_geometry": (C.c_int, [C.c_void_p, C.c_uint64, _P(Geom), _P(C.c_char_p)]),
        "mn_prod_attach": (C.c_int, [_P(ProdStruct), C.c_void_p, C.c_uint64, C.c_void_p, C.c_void_p]),
        "mn_prod_push": (C.c_int, [_P(ProdStruct), C.c_void_p, C.c_size_t]),
        "mn_prod_push_batch": (C.c_int, [_P(ProdStruct), _P(FrameStruct), C.c_uint32, C.c_void_p]),
        "mn_prod_space": (C.c_uint32, [_P(ProdStruct)]),
        "mn_cons_peek_n": (C.c_int, [_P(ConsStruct), _P(SlotStruct), C.c_uint32]),
        "mn_cons_release_n": (C.c_int, [_P(ConsStruct), C.c_uint32]),
        "mn_cons_attach": (C.c_int, [_P(ConsStruct), C.c_void_p, C.c_uint64]),
        "mn_cons_peek": (C.c_int, [_P(ConsStruct), _P(SlotStruct)]),
        "mn_cons_fill": (C.c_int, [_P(ConsStruct)]),
        "mn_cons_release": (C.c_int, [_P(ConsStruct)]),
        "mn_cons_prepare_wait": (C.c_int, [_P(ConsStruct)]),
        "mn_cons_set_barrier": (None, [_P(ConsStruct), C.c_void_p, C.c_void_p]),
        "mn_ring_trylock": (C.c_int, [C.c_void_p]),
        "mn_ring_lock": (C.c_int, [C.c_void_p, C.c_uint32]),
        "mn_ring_unlock": (None, [C.c_void_p]),
        "mn_ring_check": (C.c_int, [C.c_void_p, _P(Geom)]),
        "mn_invariant_name": (C.c_char_p, [C.c_int]),
    }
    return native.declare(lib, "_mn_declared", sig)


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
    if isinstance(proto, bool) or not isinstance(proto, numbers.Integral):
        raise TypeError(f"protocol must be one of {sorted(PROTOS)} (or its number "
                        f"{sorted(PROTO_NAMES)}), not {type(proto).__name__} {proto!r}")
    if int(proto) not in PROTO_NAMES:
        raise ValueError(f"unknown protocol number {int(proto)}: expected one of "
                         f"{sorted(PROTO_NAMES)} ({', '.join(PROTOS)})")
    return int(proto)


# One producer and one consumer per ring (ring.h: one writer of each index). A role is held by a
# live handle; it is free again once the handle is closed or garbage.
_ROLES_LOCK = threading.Lock()


class Ring:
    """A ring in a buffer this object keeps alive: a numpy uint8 array it allocates, or any
    writable bytes-like buffer the caller supplies (numpy array, bytearray, mmap).

    Lifetime: the buffer lives as long as this object, its views (header, slots, frames from
    peek) and its producer/consumer handles. A ring plugged to an interface is also kept alive by
    the registry until it is unplugged (mnetif.registry), whatever the caller drops."""

    def __init__(self, buf, zoo: bool | None = None):
        buf = ring_buffer(buf)
        self.buf = buf
        self.addr = buf.ctypes.data
        self.buflen = buf.nbytes
        magic = int(buf[8:12].view("u4")[0]) if buf.nbytes >= 12 else 0
        self.lib = library(zoo if zoo is not None else magic == MAGIC_BASE)
        self.geom = self._geometry()
        self._roles: dict[str, weakref.ref] = {}
        self._port: Any = None         # the registry's Port while plugged (the interface produces)

    @classmethod
    def create(cls, proto="v2", nslots: int = 0, slotsize: int = DEFAULT_SLOTSIZE,
               buflen: int = DEFAULT_BUFLEN, buf=None) -> "Ring":
        """Lay out a fresh ring (the initialiser, (I) in ring.h). nslots=0: as many as fit.
        buf: lay it out in this buffer (its length is the ring's; buflen is then ignored). Every
        argument is checked before a byte of the buffer is written."""
        pid = _proto_id(proto)
        nslots = check_int(nslots, "nslots", 0, MAX_SIZE, "0 (as many as fit) or a power of two "
                           f"<= {MAX_SIZE}", GeometryError)
        slotsize = check_int(slotsize, "slotsize", MIN_SLOTSIZE, MAX_SLOTSIZE,
                             f"a multiple of 64 in {MIN_SLOTSIZE}..{MAX_SLOTSIZE}", GeometryError)
        if buf is None:
            buflen = check_int(buflen, "buflen", 0, MAX_BUFLEN,
                               f"the ring's bytes, at most {MAX_BUFLEN} (the largest geometry)",
                               GeometryError)
            try:
                buf = np.zeros(buflen, dtype=np.uint8)
            except MemoryError:
                raise MemoryError(f"cannot allocate a {buflen}-byte ring buffer") from None
        else:
            buf = ring_buffer(buf)
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
        """The u16 length table (live view; v3 keeps it after its two consumer lines)."""
        off = V3_OFF_LENS if self.geom.proto == PROTOS["v3"] else HDR_SIZE
        return self.buf[off:off + 2 * self.size].view(np.uint16)

    def word(self, name: str) -> np.ndarray:
        """A live one-element view of a shared word where THIS protocol keeps it: any header
        field of FIELDS, or 'cons' (the consumer index: sr_cur, v3's sr_cons) and 'wake'
        (sr_wake; v3's on its own line). Writes go to shared memory."""
        v3 = self.geom.proto == PROTOS["v3"]
        where = {"cons": (V3_OFF_CONS if v3 else FIELDS["sr_cur"][0], "u2"),
                 "wake": (V3_OFF_WAKE if v3 else FIELDS["sr_wake"][0], "u4")}
        if name not in where and name not in FIELDS:
            raise KeyError(f"no shared word {name!r}: 'cons', 'wake' or one of {list(FIELDS)}")
        off, t = where.get(name) or FIELDS[name]
        return self.buf[off:off + np.dtype(t).itemsize].view(t)

    def slot(self, i: int) -> np.ndarray:
        """Slot i's bytes as the consumer sees them (live view); i is taken modulo the size."""
        i = check_int(i, "slot index", 0)
        off = self.geom.dataoff + (i & self.geom.mask) * self.slotsize
        return self.buf[off:off + self.slotsize]

    def counters(self) -> dict:
        h = self.header
        return {k: int(h["sr_" + k]) for k in COUNTER_FIELDS} | {"error": int(h["sr_error"])}

    # -- the v1 test-and-set lock ------------------------------------------------------------
    def trylock(self) -> bool:
        return bool(self.lib.mn_ring_trylock(self.addr))

    def lock(self, retries: int = LOCK_RETRIES) -> None:
        retries = check_int(retries, "retries", 1, U32_MAX)
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

    # -- the two handles: one of each per ring -----------------------------------------------
    def producer(self, notify=None) -> "Producer":
        """The ring's producer (one at a time: RingInUse while another is open or it is plugged)."""
        return Producer(self, notify)

    def consumer(self) -> "Consumer":
        """The ring's consumer (one at a time: RingInUse while another is open)."""
        return Consumer(self)

    def _holder(self, role: str):
        ref = self._roles.get(role)
        h = ref() if ref else None
        return h if h is not None and not h.closed else None

    def _claim(self, role: str, handle) -> None:
        with _ROLES_LOCK:
            if role == "producer" and self._port is not None:
                raise RingInUse(errno.EBUSY, f"this ring is plugged to {self._port.name!r}: the "
                                             "interface is its producer (unplug it first)")
            if self._holder(role) is not None:
                raise RingInUse(errno.EBUSY, f"this ring already has a {role}: one producer and "
                                             f"one consumer per ring (close() the first {role})")
            self._roles[role] = weakref.ref(handle)

    def _release(self, role: str, handle) -> None:
        with _ROLES_LOCK:
            ref = self._roles.get(role)
            if ref is not None and ref() is handle:
                del self._roles[role]


def _check_ring(ring) -> Ring:
    if not isinstance(ring, Ring):
        raise TypeError(f"expected a mnetif.ring.Ring, not {type(ring).__name__}")
    return ring


class _Handle:
    """What producers and consumers share: the ring role they hold, close(), a context manager."""
    role = ""

    def __init__(self, ring: Ring):
        self.ring = _check_ring(ring)
        self.closed = False
        ring._claim(self.role, self)

    def close(self) -> None:
        """Give the role back: the ring may get another of this kind. Idempotent."""
        if not self.closed:
            self.closed = True
            self.ring._release(self.role, self)

    def _live(self) -> None:
        if self.closed:
            raise Closed(errno.EBADF, f"this {self.role} was closed: make a new one with "
                                      f"ring.{self.role}()")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Producer(_Handle):
    """A producer handle (one per ring at a time). push() never blocks and never raises for drops.
    An exception raised by notify() propagates out of the push that called it (the frame was
    published)."""
    role = "producer"

    def __init__(self, ring: Ring, notify=None):
        if notify is not None and not callable(notify):
            raise TypeError(f"notify must be callable or None, not {type(notify).__name__}")
        super().__init__(ring)
        self._s = ProdStruct()
        self._notify_exc: list[BaseException] = []

        def cb(_arg):
            try:
                notify()
            except BaseException as e:      # cannot cross the C frames: re-raised by push
                self._notify_exc.append(e)

        self._cb = NOTIFY_FN(cb) if notify else None
        fn = C.cast(self._cb, C.c_void_p) if self._cb else None
        rc = ring.lib.mn_prod_attach(C.byref(self._s), ring.addr, ring.buflen, fn, None)
        if rc:
            self.close()
            ring._geometry()          # raises GeometryError with the reason
            raise _err(rc, "mn_prod_attach")

    @property
    def lock_retries(self) -> int:
        return self._s.lock_retries

    @lock_retries.setter
    def lock_retries(self, n: int) -> None:
        self._s.lock_retries = check_int(n, "lock_retries", 1, U32_MAX)

    def _raise_notify(self) -> None:
        if self._notify_exc:
            e = self._notify_exc[0]
            self._notify_exc.clear()
            raise e

    def push(self, frame) -> Push:
        """Publish one frame (any bytes-like object), or drop and count it."""
        self._live()
        data = frame_array(frame)
        # size_t length: a frame of 2^32 + 5 bytes is oversize, not 5 bytes.
        rc = Push(self.ring.lib.mn_prod_push(C.byref(self._s), data.ctypes.data, data.nbytes))
        self._raise_notify()
        return rc

    def push_batch(self, frames) -> list[Push]:
        """Push up to BATCH_MAX frames with ONE publication (mn_prod_push_batch); returns each
        frame's outcome, as push() would have reported it."""
        self._live()
        if isinstance(frames, (bytes, bytearray, memoryview, str, np.ndarray)):
            raise TypeError("push_batch takes a list of frames (push() takes one frame)")
        try:
            arrays = [frame_array(f, f"frame {i} of the batch") for i, f in enumerate(frames)]
        except TypeError as e:
            if "not iterable" in str(e):
                raise TypeError(f"push_batch takes a list of frames, not "
                                f"{type(frames).__name__}") from None
            raise
        if len(arrays) > BATCH_MAX:
            raise MnetifError(errno.EINVAL, f"push_batch of {len(arrays)} frames: at most "
                                            f"{BATCH_MAX} per batch (split it)")
        fs = (FrameStruct * max(1, len(arrays)))(*[FrameStruct(a.ctypes.data, a.nbytes)
                                                     for a in arrays])
        rc = self.ring.lib.mn_prod_push_batch(C.byref(self._s), fs, len(arrays), None)
        if rc < 0:
            raise _err(rc, f"mn_prod_push_batch of {len(arrays)} frames (max {BATCH_MAX})")
        self._raise_notify()
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
        self._live()
        return int(self.ring.lib.mn_prod_space(C.byref(self._s)))

    @property
    def counters(self) -> dict:
        """The producer's private counters (the shared header holds stores of these)."""
        return self._s.c.as_dict()


# v1: how long release() keeps retrying a busy sr_lock (ring.h: busy means retry) before it says
# so. The producer holds the lock for at most one batch copy (MN_BATCH_MAX frames); a lock held
# this long has an owner that died holding it.
LOCK_WAIT_S = 1.0


class Consumer(_Handle):
    """A consumer handle: peek() gives a zero-copy numpy view valid until release(). One per ring,
    used by one thread at a time."""
    role = "consumer"

    def __init__(self, ring: Ring):
        super().__init__(ring)
        self._s = ConsStruct()
        self._slot = SlotStruct()
        self.lock_wait = LOCK_WAIT_S
        rc = ring.lib.mn_cons_attach(C.byref(self._s), ring.addr, ring.buflen)
        if rc:
            self.close()
        if rc == -errno.EIO:
            raise RingCorrupt(errno.EIO, "consumer attach: shared indices out of range")
        if rc:
            ring._geometry()
            raise _err(rc, "mn_cons_attach")

    def _corrupt(self, rc: int, when: str = "") -> RingCorrupt:
        return RingCorrupt(-rc, f"ring header corrupt{when}: {self.ring.check()}")

    def fill(self) -> int:
        self._live()
        rc = self.ring.lib.mn_cons_fill(C.byref(self._s))
        if rc < 0:
            raise self._corrupt(rc)
        return rc

    def peek(self) -> np.ndarray | None:
        self._live()
        rc = self.ring.lib.mn_cons_peek(C.byref(self._s), C.byref(self._slot))
        if rc < 0:
            raise self._corrupt(rc)
        if rc == 0:
            return None
        off = self._slot.data - self.ring.addr
        return self.ring.buf[off:off + self._slot.len]

    def release(self) -> None:
        """Pop the frame the last peek() returned (its view becomes invalid)."""
        self._release_n(1, "release()")

    def peek_n(self, max: int) -> list[np.ndarray]:
        """Zero-copy views of up to `max` waiting frames (one read of the producer index); valid
        until released. [] when empty. max >= 1; more than the ring's size gives at most size."""
        self._live()
        want = min(check_int(max, "max", 1), self.ring.size)
        slots = (SlotStruct * want)()
        rc = self.ring.lib.mn_cons_peek_n(C.byref(self._s), slots, want)
        if rc < 0:
            raise (self._corrupt(rc) if rc == -errno.EIO else _err(rc, f"mn_cons_peek_n(max={want})"))
        base = self.ring.addr
        return [self.ring.buf[s.data - base:s.data - base + s.len] for s in slots[:rc]]

    def release_n(self, n: int) -> None:
        """Pop the first n frames of the last peek_n (one publication of the consumer index)."""
        self._release_n(check_int(n, "n", 0), f"release_n({n})")

    def _release_n(self, n: int, what: str) -> None:
        self._live()
        peeked = max(0, self._s.peeked)
        if n > peeked:        # checked here too: n may not fit the C call's u32
            raise MnetifError(errno.ENOENT, f"{what}: {peeked} frame(s) peeked and not released"
                                            " (peek() / peek_n() first; each frame is released once)")
        lib, s = self.ring.lib, C.byref(self._s)
        rc = lib.mn_cons_release_n(s, n)
        if rc == -errno.EBUSY:
            # v1: the producer holds sr_lock (for one batch copy at most): retry, as it does.
            deadline = time.monotonic() + self.lock_wait
            while rc == -errno.EBUSY and time.monotonic() < deadline:
                os.sched_yield()
                rc = lib.mn_cons_release_n(s, n)
        if rc == -errno.EIO:
            raise self._corrupt(rc, " at release")
        if rc == -errno.EBUSY:
            raise MnetifError(errno.EBUSY, f"{what}: v1 sr_lock held for more than "
                                           f"{self.lock_wait} s: its holder died holding it? "
                                           "(ring.unlock() clears it once no producer runs)")
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
        if limit is not None:
            limit = check_int(limit, "limit", 0)
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
        self._live()
        return bool(self.ring.lib.mn_cons_prepare_wait(C.byref(self._s)))

    def set_barrier(self, fn) -> None:
        """v3: the heavy barrier prepare_wait issues between arming sr_wake and re-checking
        (mn_cons_set_barrier), for a producer membarrier(2) cannot reach (the kernel module's
        rx_handler: mnetif.kmod). fn() returns 0 (done) or -errno (not done: prepare_wait then says
        "do not sleep"); an exception counts as -EIO. None: back to membarrier(2)."""
        self._live()
        if fn is not None and not callable(fn):
            raise TypeError(f"set_barrier takes a callable returning 0 or -errno, or None; got "
                            f"{type(fn).__name__}")
        if fn is None:
            self._heavy = None
            self.ring.lib.mn_cons_set_barrier(C.byref(self._s), None, None)
            return

        def heavy(_arg) -> int:
            try:
                return int(fn())
            except BaseException:       # noqa: BLE001 - a C caller cannot take an exception
                return -errno.EIO
        self._heavy = HEAVY_FN(heavy)   # kept alive as long as the C struct points at it
        self.ring.lib.mn_cons_set_barrier(C.byref(self._s), C.cast(self._heavy, C.c_void_p), None)

    @property
    def seen(self) -> int:
        return self._s.seen
