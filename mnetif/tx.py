"""ctypes bindings of the transmit path (c/include/mnetif/tx.h, user_tx.h): the same ring with the
roles swapped — this process produces (mn_prod_*), the platform consumes and sends.

    >>> from mnetif import registry, tx
    >>> registry.create_interface("swa", "02:00:00:00:00:0a"); registry.create_interface("swb")
    >>> tx.link("swa", "swb")                      # a software wire: swa's frames arrive at swb
    >>> with tx.open_tx("swa") as port:
    ...     port.send(b"\\xff" * 6 + b"\\x02" * 6 + b"\\x88\\xb5" + b"hello")
    ...     port.flush(); port.counters()["frames"]
    1

A real interface (veth, tap) sends through an AF_PACKET socket (root / CAP_NET_RAW).
`Drainer` runs the OS-neutral consumer loop (mn_tx_drain) in this process with a Python xmit
callback: the harness's handle on the code both platforms ship.
"""
from __future__ import annotations

import ctypes as C
import errno
import os
import time

from . import native, ring as _ring
from .registry import _name
from .ring import MnetifError, Push, Ring

TX_BATCH = 64
ETH_HLEN = 14
VLAN_HLEN = 4
TX_COUNTERS = ("frames", "bytes", "drop_runt", "drop_oversize", "drop_xmit", "corrupt", "drains", "sleeps")


class TxCounters(C.Structure):
    _fields_ = [("frames", C.c_uint64), ("bytes", C.c_uint64)] + [(n, C.c_uint32) for n in TX_COUNTERS[2:]]

    def as_dict(self) -> dict:
        return {k: int(getattr(self, k)) for k in TX_COUNTERS}


class TxStruct(C.Structure):
    _fields_ = [("c", _ring.ConsStruct), ("min_len", C.c_uint32), ("max_len", C.c_uint32), ("armed", C.c_int),
                ("ctr", TxCounters), ("batch", _ring.SlotStruct * TX_BATCH)]


class TxInfo(C.Structure):
    _fields_ = [("kick_fd", C.c_int), ("ifindex", C.c_uint32), ("mtu", C.c_uint32), ("mac", C.c_uint8 * 6)]


XMIT_FN = C.CFUNCTYPE(C.c_uint32, C.c_void_p, C.POINTER(_ring.SlotStruct), C.c_uint32)


def _lib() -> C.CDLL:
    lib = _ring.library()
    if not getattr(lib, "_mn_tx_declared", False):
        sig = {
            "mn_tx_attach": (C.c_int, [C.POINTER(TxStruct), C.c_void_p, C.c_uint64, C.c_uint32, C.c_uint32]),
            "mn_tx_drain": (C.c_int, [C.POINTER(TxStruct), XMIT_FN, C.c_void_p, C.c_uint32]),
            "mn_user_tx_open": (C.c_int, [C.c_char_p, C.c_void_p, C.c_uint64, C.POINTER(TxInfo)]),
            "mn_user_tx_close": (C.c_int, [C.c_int, C.POINTER(TxCounters)]),
            "mn_user_tx_counters": (C.c_int, [C.c_int, C.POINTER(TxCounters)]),
            "mn_user_if_link": (C.c_int, [C.c_char_p, C.c_char_p]),
        }
        native.declare(lib, "_mn_tx_declared", sig)
    return lib


def _raise(rc: int, what: str):
    raise MnetifError(-rc, f"{what}: {os.strerror(-rc)}")


def link(a: str, b: str) -> None:
    """Wire two software interfaces: frames sent on one arrive at the other (a == b: loopback)."""
    rc = _lib().mn_user_if_link(_name(a), _name(b))
    if rc:
        _raise(rc, f"link {a!r} <-> {b!r}" + (" (not software interfaces)" if rc == -errno.ENODEV else ""))


class KickProducer(_ring.Producer):
    """A producer whose notify is the C kick (mn_user_tx_kick writes the port's eventfd): no Python
    runs on the signal path. The ring's producer role is claimed as by any Producer."""

    def __init__(self, ring: Ring, kick_fd: int):
        _ring._Handle.__init__(self, ring)
        self._s = _ring.ProdStruct()
        self._notify_exc: list[BaseException] = []
        self._cb = None
        kick = C.cast(_lib().mn_user_tx_kick, C.c_void_p)
        rc = ring.lib.mn_prod_attach(C.byref(self._s), ring.addr, ring.buflen, kick, C.c_void_p(kick_fd))
        if rc:
            self.close()
            _raise(rc, "mn_prod_attach (transmit ring)")


class TxPort:
    """A transmit port of the userspace platform: this process produces, the port's thread sends."""

    def __init__(self, name: str, ring: Ring):
        self.name, self.ring = name, ring
        info = TxInfo()
        h = _lib().mn_user_tx_open(_name(name), ring.addr, ring.buflen, C.byref(info))
        if h < 0:
            why = {errno.ENODEV: " (no such Ethernet interface)",
                   errno.EPROTONOSUPPORT: " (a transmit ring must be v2)",
                   errno.EBUSY: " (ring already open)"}.get(-h, "")
            _raise(h, f"open transmit port on {name!r}{why}")
        self.last: dict[str, int] = {}
        self.handle, self.kick_fd = h, info.kick_fd
        self.ifindex, self.mtu = info.ifindex, info.mtu
        self.mac = ":".join(f"{b:02x}" for b in bytes(info.mac))
        self.producer = KickProducer(ring, info.kick_fd)

    def send(self, frame) -> Push:
        """Publish one frame (never blocks; a full ring drops and counts it: Push.FULL)."""
        return self.producer.push(frame)

    def send_batch(self, frames) -> list[Push]:
        return self.producer.push_batch(frames)

    def counters(self) -> dict:
        """The platform consumer's counters, as of its last completed drain."""
        c = TxCounters()
        rc = _lib().mn_user_tx_counters(self.handle, C.byref(c))
        if rc:
            _raise(rc, f"transmit counters of {self.name!r}")
        return c.as_dict()

    def flush(self, timeout: float = 5.0) -> dict:
        """Wait until the platform has consumed every frame published so far; returns counters."""
        want = self.producer.counters["frames"]
        deadline = time.monotonic() + timeout
        while True:
            c = self.counters()
            done = c["frames"] + c["drop_runt"] + c["drop_oversize"] + c["drop_xmit"]
            if done >= want or time.monotonic() > deadline:
                return c
            time.sleep(0.001)

    def close(self) -> dict:
        """Sends what was pushed, stops the port; returns the final counters (idempotent)."""
        if self.handle >= 0:
            last = TxCounters()
            rc = _lib().mn_user_tx_close(self.handle, C.byref(last))
            self.handle = -1
            self.producer.close()
            if rc:
                _raise(rc, f"close transmit port of {self.name!r}")
            self.last = last.as_dict()
        return self.last

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_tx(name: str, ring: Ring | None = None) -> TxPort:
    """Open the transmit port of an interface with a fresh v2 ring (or the one given)."""
    return TxPort(name, ring if ring is not None else Ring.create("v2"))


class Drainer:
    """The OS-neutral transmit consumer (mn_tx_drain) driven from Python: xmit(list of bytes) -> how
    many the 'device' took. Views are copied before xmit sees them; `views` keeps each slot's
    offset and length (the harness checks they stay inside the slot area)."""

    def __init__(self, ring: Ring, xmit, min_len: int = ETH_HLEN, max_len: int = 1500 + ETH_HLEN + VLAN_HLEN):
        self.ring, self._xmit = ring, xmit
        self._s = TxStruct()
        self.views: list[tuple[int, int]] = []
        rc = _lib().mn_tx_attach(C.byref(self._s), ring.addr, ring.buflen, min_len, max_len)
        if rc:
            _raise(rc, "mn_tx_attach")
        self._cb = XMIT_FN(self._call)

    def _call(self, _arg, slots, n):
        frames = []
        for i in range(n):
            s = slots[i]
            self.views.append((s.data - self.ring.addr, s.len))
            frames.append(C.string_at(s.data, s.len))
        return self._xmit(frames)

    def drain(self, budget: int = 0) -> int:
        """Frames consumed (sent or counted), or -EIO (corrupt header; counted)."""
        return _lib().mn_tx_drain(C.byref(self._s), self._cb, None, budget)

    @property
    def armed(self) -> bool:
        return bool(self._s.armed)

    def counters(self) -> dict:
        return self._s.ctr.as_dict()
