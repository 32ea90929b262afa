"""ctypes bindings of the mnetif plug registry and the userspace platform (registry.h, user.h):
software interfaces, real interfaces through AF_PACKET, plug/unplug/get_vifs and the event channel.

    >>> from pyharness import registry
    >>> from pyharness.ring import Ring
    >>> registry.create_interface("sw0", "02:00:00:00:00:01")
    >>> ring = Ring.create("v2")
    >>> with registry.plug("sw0", ring) as port:        # unplugs on exit
    ...     registry.inject("sw0", b"\\x00" * 60)
    ...     port.consumer.pop()

The event channel is a non-blocking eventfd: port.fileno() works with selectors/select/poll.
"""
from __future__ import annotations

import ctypes as C
import errno
import os
from dataclasses import dataclass

from . import ring as _ring
from .ring import MnetifError, GeometryError, Ring

IFNAMSIZ = 16


class Ifinfo(C.Structure):
    _fields_ = [("name", C.c_char * IFNAMSIZ), ("index", C.c_uint32), ("mac", C.c_uint8 * 6),
                ("up", C.c_uint8), ("is_ether", C.c_uint8)]


class PlugInfoStruct(C.Structure):
    _fields_ = [("up", C.c_int), ("index", C.c_uint32), ("mac", C.c_uint8 * 6), ("event_fd", C.c_int)]


def _lib() -> C.CDLL:
    lib = _ring.library()
    if not getattr(lib, "_mn_reg_declared", False):
        sig = {
            "mn_plug": (C.c_int, [C.c_char_p, C.c_void_p, C.c_uint64, C.POINTER(PlugInfoStruct)]),
            "mn_unplug": (C.c_int, [C.c_char_p]),
            "mn_get_vifs": (C.c_int, [C.POINTER(Ifinfo), C.c_int]),
            "mn_plug_why": (C.c_char_p, []),
            "mn_plug_counters": (C.c_int, [C.c_char_p, C.POINTER(_ring.Counters)]),
            "netif_ether_input": (C.c_int, [C.c_uint32, C.c_void_p, C.c_size_t]),
            "mn_user_if_create": (C.c_int, [C.c_char_p, C.c_uint8 * 6]),
            "mn_user_if_destroy": (C.c_int, [C.c_char_p]),
            "mn_user_inject": (C.c_int, [C.c_char_p, C.c_void_p, C.c_size_t]),
            "mn_user_rx_seen": (C.c_int64, [C.c_char_p]),
            "mn_user_event_clear": (C.c_int64, [C.c_int]),
            "mn_user_event_wait": (C.c_int, [C.c_int, C.c_int]),
        }
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype, f.argtypes = res, args
        lib._mn_reg_declared = True
    return lib


def _name(name: str) -> bytes:
    b = name.encode()
    if not b or len(b) >= IFNAMSIZ or b"\0" in b:
        raise ValueError(f"interface name {name!r}: 1..{IFNAMSIZ - 1} bytes, no NUL")
    return b


def _mac_bytes(mac) -> bytes:
    if isinstance(mac, str):
        parts = mac.split(":")
        if len(parts) != 6:
            raise ValueError(f"MAC {mac!r}: expected six hex octets separated by ':'")
        return bytes(int(p, 16) for p in parts)
    mac = bytes(mac)
    if len(mac) != 6:
        raise ValueError("a MAC is 6 bytes")
    return mac


def mac_str(mac) -> str:
    return ":".join(f"{b:02x}" for b in bytes(mac))


def _raise(rc: int, what: str):
    raise MnetifError(-rc, f"{what}: {os.strerror(-rc)}")


# ---- software interfaces -------------------------------------------------------------------------
def create_interface(name: str, mac="02:00:00:00:00:01") -> int:
    """Create a software interface; returns its index. Frames enter it with inject()."""
    rc = _lib().mn_user_if_create(_name(name), (C.c_uint8 * 6)(*_mac_bytes(mac)))
    if rc < 0:
        _raise(rc, f"create interface {name!r}" + (" (name taken)" if rc == -errno.EEXIST else ""))
    return rc


def destroy_interface(name: str) -> None:
    rc = _lib().mn_user_if_destroy(_name(name))
    if rc:
        _raise(rc, f"destroy interface {name!r}" + (" (still plugged)" if rc == -errno.EBUSY else ""))


def inject(name: str, frame) -> _ring.Push:
    """Deliver a frame on a software interface through the real netif_ether_input() path."""
    data = bytes(frame)
    rc = _lib().mn_user_inject(_name(name), data, len(data))
    if rc == -errno.ENODEV:
        _raise(rc, f"inject on {name!r}: no such software interface, or not plugged")
    return _ring.Push(rc)


def ether_input(ifindex: int, frame) -> int:
    """netif_ether_input(ifindex, frame): 0 or -errno (-ENODEV: nothing plugged on that index)."""
    data = bytes(frame)
    return _lib().netif_ether_input(ifindex, data, len(data))


# ---- registry ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Vif:
    name: str
    index: int
    mac: str
    up: bool


def get_vifs() -> list[Vif]:
    """The Ethernet interfaces (software + real) the registry can plug."""
    cap = 64
    while True:
        arr = (Ifinfo * cap)()
        n = _lib().mn_get_vifs(arr, cap)
        if n < 0:
            _raise(n, "get_vifs")
        if n <= cap:
            return [Vif(a.name.decode(), a.index, mac_str(a.mac), bool(a.up)) for a in arr[:n]]
        cap = n


class Port:
    """A plugged interface: its ring, a consumer, the event channel. Unplugs on close()/exit."""

    def __init__(self, name: str, ring: Ring, info: PlugInfoStruct):
        self.name, self.ring = name, ring
        self.up, self.index, self.mac = bool(info.up), info.index, mac_str(info.mac)
        self.event_fd = info.event_fd
        self.consumer = ring.consumer()
        self._open = True

    def fileno(self) -> int:
        """The event channel (eventfd): readable when the producer signalled."""
        return self.event_fd

    def clear_event(self) -> int:
        return _lib().mn_user_event_clear(self.event_fd)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a frame is available or timeout (s) passes; True if frames are waiting.
        Uses the final-check protocol: arm sr_wake, fence, re-check, then sleep on the eventfd."""
        if self.consumer.fill():
            return True
        if self.consumer.prepare_wait():
            ms = -1 if timeout is None else int(timeout * 1000)
            _lib().mn_user_event_wait(self.event_fd, ms)
            self.clear_event()
        return self.consumer.fill() > 0

    def counters(self) -> dict:
        c = _ring.Counters()
        rc = _lib().mn_plug_counters(_name(self.name), C.byref(c))
        if rc:
            _raise(rc, f"counters of {self.name!r}")
        return c.as_dict()

    def rx_seen(self) -> int:
        """Frames the AF_PACKET thread received (real interfaces only)."""
        return _lib().mn_user_rx_seen(_name(self.name))

    def close(self) -> None:
        if self._open:
            self._open = False
            unplug(self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def plug(name: str, ring: Ring) -> Port:
    """Plug interface `name` with `ring`: 2012's plug_vif, returning (up, index, MAC) as a Port."""
    info = PlugInfoStruct()
    lib = _lib()
    rc = lib.mn_plug(_name(name), ring.addr, ring.buflen, C.byref(info))
    if rc == -errno.EINVAL:
        why = lib.mn_plug_why()
        raise GeometryError(errno.EINVAL, f"plug {name!r}: ring rejected: "
                                          f"{why.decode() if why else 'invalid argument'}")
    if rc:
        reason = {errno.ENODEV: "no such Ethernet interface", errno.EEXIST: "already plugged",
                  errno.EBUSY: "that ring is already plugged to another interface",
                  errno.ENOSPC: "registry full"}.get(-rc, os.strerror(-rc))
        raise MnetifError(-rc, f"plug {name!r}: {reason}")
    port = Port(name, ring, info)
    ring._port = port                  # the ring must outlive the plug
    return port


def unplug(name: str) -> None:
    """Unplug; after it returns no producer touches the ring. Unknown name: MnetifError(ENOENT)."""
    rc = _lib().mn_unplug(_name(name))
    if rc:
        _raise(rc, f"unplug {name!r}" + (": not plugged" if rc == -errno.ENOENT else ""))
