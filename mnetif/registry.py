"""ctypes bindings of the mnetif plug registry and the userspace platform (registry.h, user.h):
software interfaces, real interfaces through AF_PACKET, plug/unplug/get_vifs and the event channel.

    >>> from mnetif import registry
    >>> from mnetif.ring import Ring
    >>> registry.create_interface("sw0", "02:00:00:00:00:01")
    >>> ring = Ring.create("v2")
    >>> with registry.plug("sw0", ring) as port:        # unplugs on exit
    ...     registry.inject("sw0", b"\\x00" * 60)
    ...     port.consumer.pop()

The event channel is a non-blocking eventfd: port.fileno() works with selectors/select/poll.
"""
from __future__ import annotations

import atexit
import ctypes as C
import errno
import os
import re
import select
import threading
import time
from dataclasses import dataclass

from . import native, ring as _ring
from .ring import Closed, MnetifError, GeometryError, Ring, RingInUse, check_int, check_timeout

IFNAMSIZ = 16


class Ifinfo(C.Structure):
    _fields_ = [("name", C.c_char * IFNAMSIZ), ("index", C.c_uint32), ("mac", C.c_uint8 * 6),
                ("up", C.c_uint8), ("is_ether", C.c_uint8)]


class PlugInfoStruct(C.Structure):
    _fields_ = [("up", C.c_int), ("index", C.c_uint32), ("mac", C.c_uint8 * 6), ("event_fd", C.c_int),
                ("gen", C.c_uint64)]


class UserStats(C.Structure):
    """struct mn_user_stats (user.h): what the platform saw of one plug."""
    _fields_ = [("rx_seen", C.c_uint64), ("drop_socket", C.c_uint64), ("gone", C.c_uint32),
                ("af_packet", C.c_uint32)]


class PortClosed(Closed):
    """The port was closed or unplugged: it has no event channel and no counters any more."""


def _lib() -> C.CDLL:
    lib = _ring.library()
    if not getattr(lib, "_mn_reg_declared", False):
        sig = {
            "mn_plug": (C.c_int, [C.c_char_p, C.c_void_p, C.c_uint64, C.POINTER(PlugInfoStruct)]),
            "mn_unplug": (C.c_int, [C.c_char_p]),
            "mn_unplug_gen": (C.c_int, [C.c_uint64]),
            "mn_plug_gen": (C.c_int64, [C.c_char_p]),
            "mn_get_vifs": (C.c_int, [C.POINTER(Ifinfo), C.c_int]),
            "mn_plug_why": (C.c_char_p, []),
            "mn_plug_counters": (C.c_int, [C.c_char_p, C.POINTER(_ring.Counters)]),
            "mn_plug_counters_gen": (C.c_int, [C.c_uint64, C.POINTER(_ring.Counters)]),
            "netif_ether_input": (C.c_int, [C.c_uint32, C.c_void_p, C.c_size_t]),
            "mn_user_if_create": (C.c_int, [C.c_char_p, C.c_uint8 * 6]),
            "mn_user_if_destroy": (C.c_int, [C.c_char_p]),
            "mn_user_inject": (C.c_int, [C.c_char_p, C.c_void_p, C.c_size_t]),
            "mn_user_rx_seen": (C.c_int64, [C.c_char_p]),
            "mn_user_stats": (C.c_int, [C.c_uint64, C.POINTER(UserStats)]),
            "mn_user_event_clear": (C.c_int64, [C.c_int]),
            "mn_user_event_wait": (C.c_int, [C.c_int, C.c_int]),
        }
        native.declare(lib, "_mn_reg_declared", sig)
    return lib


def _name(name) -> bytes:
    if not isinstance(name, str):
        raise TypeError(f"an interface name is a str, not {type(name).__name__} {name!r}")
    b = name.encode()
    if not b or len(b) >= IFNAMSIZ or b"\0" in b:
        raise ValueError(f"interface name {name!r}: 1..{IFNAMSIZ - 1} bytes, no NUL")
    return b


_OCTET = re.compile(r"[0-9A-Fa-f]{1,2}")


def _mac_bytes(mac) -> bytes:
    if isinstance(mac, str):
        parts = mac.split(":")
        # Strict: int(p, 16) would also take '0x2', '+1', '1_0' or ' 2'.
        if len(parts) != 6 or not all(_OCTET.fullmatch(p) for p in parts):
            raise ValueError(f"MAC {mac!r}: expected six hex octets separated by ':' "
                             "(like 02:00:00:00:00:01)")
        return bytes(int(p, 16) for p in parts)
    if not isinstance(mac, (bytes, bytearray, memoryview)):
        raise TypeError(f"a MAC is a str like '02:00:00:00:00:01' or 6 bytes, not "
                        f"{type(mac).__name__}")
    mac = bytes(mac)
    if len(mac) != 6:
        raise ValueError(f"a MAC is 6 bytes, not {len(mac)}")
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
        _raise(rc, f"create interface {name!r}" + (" (name taken)" if rc == -errno.EEXIST else
                                                    " (64 software interfaces at most)"
                                                    if rc == -errno.ENOSPC else ""))
    return rc


def destroy_interface(name: str) -> None:
    rc = _lib().mn_user_if_destroy(_name(name))
    if rc:
        _raise(rc, f"destroy interface {name!r}" + (" (still plugged)" if rc == -errno.EBUSY else
                                                     ": no such software interface"
                                                     if rc == -errno.ENOENT else ""))


def inject(name: str, frame) -> _ring.Push:
    """Deliver a frame (bytes-like) on a software interface through the real netif_ether_input()."""
    data = _ring.frame_array(frame)
    rc = _lib().mn_user_inject(_name(name), data.ctypes.data, data.nbytes)
    if rc == -errno.ENODEV:
        _raise(rc, f"inject on {name!r}: no such software interface, or not plugged")
    return _ring.Push(rc)


def ether_input(ifindex: int, frame) -> int:
    """netif_ether_input(ifindex, frame): 0 or -errno (-ENODEV: nothing plugged on that index)."""
    ifindex = check_int(ifindex, "ifindex", 0, _ring.U32_MAX)
    data = _ring.frame_array(frame)
    return _lib().netif_ether_input(ifindex, data.ctypes.data, data.nbytes)


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


# Every plugged Port by generation: the registry's producer writes into the ring until unplug, so
# the ring (and its buffer) must live until then whatever the caller drops. Unplug removes it.
_PLUGGED: dict[int, "Port"] = {}
_PLUGGED_LOCK = threading.Lock()


class Port:
    """A plugged interface: its ring, a consumer, the event channel. Unplugs on close()/exit.

    Bound to ITS plug (a generation, not the name): closing it after the interface was deleted and
    a new one of the same name plugged touches only this plug. The event channel is this port's
    own dup() of the platform's eventfd, valid until the port is closed and no wait() uses it."""

    def __init__(self, name: str, ring: Ring, info: PlugInfoStruct):
        self.name, self.ring = name, ring
        self.up, self.index, self.mac = bool(info.up), info.index, mac_str(info.mac)
        self.gen = info.gen
        ring._port = self                     # the ring's producer is the interface now
        self._efd = os.dup(info.event_fd)     # survives the platform's close at unplug
        os.set_inheritable(self._efd, False)
        self._lock = threading.Lock()
        self._waiters = 0
        self._open = True
        self.consumer = ring.consumer()
        self.consumer._port = self  # type: ignore[attr-defined]  # the consumer's unplug guard

    @property
    def closed(self) -> bool:
        return not self._open

    @property
    def event_fd(self) -> int:
        return self.fileno()

    def _closed(self, what: str) -> PortClosed:
        return PortClosed(errno.EBADF, f"{what}: port {self.name!r} is closed (unplugged); "
                                       "plug the interface again for a new port")

    def fileno(self) -> int:
        """The event channel (an eventfd): readable when the producer signalled."""
        if not self._open:
            raise self._closed("fileno()")
        return self._efd

    def clear_event(self) -> int:
        """Signals since the last clear (0 if none; never blocks)."""
        with self._lock:
            if not self._open:
                raise self._closed("clear_event()")
            return self._clear(self._efd)

    @staticmethod
    def _clear(fd: int) -> int:
        try:
            return int.from_bytes(os.read(fd, 8), "little")
        except BlockingIOError:
            return 0

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a frame is available or timeout (s) passes (None: no limit); True if frames
        are waiting, False only once the timeout passed. Final-check protocol: arm sr_wake,
        fence, re-check, then sleep on the eventfd (a stale signal just loops). Raises PortClosed
        if the port is closed, or gets unplugged while waiting."""
        timeout = check_timeout(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if not self._open:
                raise self._closed("wait()")
            self._waiters += 1
            fd = self._efd
        try:
            while True:
                if self.consumer.fill():
                    return True
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                if self.consumer.prepare_wait():
                    _poll_in(fd, left)
                    self._clear(fd)
                if not self._open:
                    raise self._closed("wait()")
        finally:
            with self._lock:
                self._waiters -= 1
                self._maybe_close_fd()

    def _maybe_close_fd(self) -> None:
        # Under self._lock: the fd number is given back only when nobody can still use it.
        if not self._open and self._waiters == 0 and self._efd >= 0:
            os.close(self._efd)
            self._efd = -1

    def counters(self) -> dict:
        """This plug's counters: the producer's (frames, bytes, drop_*, notify, error) and the
        platform's (rx_seen, drop_socket, gone; user.h). For a real interface, once quiet:
        frames + drop_full + drop_oversize + drop_busy + drop_error == rx_seen, and
        rx_seen + drop_socket == frames the interface received while plugged."""
        lib = _lib()
        c, st = _ring.Counters(), UserStats()
        rc = lib.mn_plug_counters_gen(self.gen, C.byref(c)) if self._open else -errno.ENOENT
        if rc == 0:
            rc = lib.mn_user_stats(self.gen, C.byref(st))
        if rc:
            raise self._closed("counters()")
        return c.as_dict() | {"rx_seen": st.rx_seen, "drop_socket": st.drop_socket,
                              "gone": bool(st.gone)}

    def rx_seen(self) -> int:
        """Frames the AF_PACKET thread read and offered to the ring (real interfaces only)."""
        return self.counters()["rx_seen"]

    @property
    def gone(self) -> bool:
        """The interface went away while plugged (nothing more arrives; close() the port)."""
        return self.counters()["gone"]

    def close(self) -> None:
        """Unplug this plug (not whatever carries the name now); waiters wake with PortClosed. The
        ring stays readable through port.consumer. Idempotent."""
        with self._lock:
            if not self._open:
                return
            self._open = False
        try:
            rc = _lib().mn_unplug_gen(self.gen)   # its last signal wakes the waiters
            if rc not in (0, -errno.ENOENT):
                _raise(rc, f"unplug {self.name!r}")
        finally:
            with _PLUGGED_LOCK:
                _PLUGGED.pop(self.gen, None)
            self.ring._port = None
            with self._lock:
                self._maybe_close_fd()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _poll_in(fd: int, timeout: float | None) -> None:
    p = select.poll()
    p.register(fd, select.POLLIN)
    if timeout is None:
        p.poll()
        return
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        # poll() takes milliseconds as a C int: wait in steps below its limit.
        if left <= 0 or p.poll(min(int(left * 1000) + 1, 2**31 - 1)):
            return


def plug(name: str, ring: Ring) -> Port:
    """Plug interface `name` with `ring`: 2012's plug_vif, returning (up, index, MAC) as a Port.
    The ring may have no producer (the interface is its producer) and no consumer (the port makes
    one): RingInUse otherwise."""
    bname = _name(name)
    if not isinstance(ring, Ring):
        raise TypeError(f"plug {name!r}: expected a mnetif.ring.Ring, not {type(ring).__name__}")
    if ring._port is not None:
        raise RingInUse(errno.EBUSY, f"plug {name!r}: that ring is already plugged to another "
                                     f"interface ({ring._port.name!r})")
    old = ring._holder("consumer")
    if old is not None and getattr(old, "_port", None) is not None and old._port.closed:
        old.close()                  # the consumer of this ring's previous, closed port
    for role in ("producer", "consumer"):
        if ring._holder(role) is not None:
            raise RingInUse(errno.EBUSY, f"plug {name!r}: the ring has a {role} open (close() "
                                         "it: the interface produces, the port consumes)")
    info = PlugInfoStruct()
    lib = _lib()
    rc = lib.mn_plug(bname, ring.addr, ring.buflen, C.byref(info))
    if rc == -errno.EINVAL:
        why = lib.mn_plug_why()
        raise GeometryError(errno.EINVAL, f"plug {name!r}: ring rejected: "
                                          f"{why.decode() if why else 'invalid argument'}")
    if rc:
        reason = {errno.ENODEV: "no such Ethernet interface", errno.EEXIST: "already plugged",
                  errno.EBUSY: "that ring is already plugged to another interface",
                  errno.ENOSPC: "registry full"}.get(-rc, os.strerror(-rc))
        raise MnetifError(-rc, f"plug {name!r}: {reason}")
    try:
        port = Port(name, ring, info)
    except BaseException:
        lib.mn_unplug_gen(info.gen)
        ring._port = None
        raise
    with _PLUGGED_LOCK:
        _PLUGGED[port.gen] = port
    return port


def port(name: str) -> Port:
    """The Port of the plug `name` resolves to (the newest of that name), e.g. after the caller
    dropped the one plug() returned."""
    gen = _lib().mn_plug_gen(_name(name))
    with _PLUGGED_LOCK:
        p = _PLUGGED.get(gen)
    if p is None:
        raise MnetifError(errno.ENOENT, f"port {name!r}: not plugged through these bindings")
    return p


def unplug(name: str) -> None:
    """Unplug `name` (its newest plug); after it returns no producer touches the ring. Its Port is
    closed. Unknown name: MnetifError(ENOENT)."""
    lib = _lib()
    gen = lib.mn_plug_gen(_name(name))
    with _PLUGGED_LOCK:
        p = _PLUGGED.get(gen) if gen > 0 else None
    if p is not None:
        p.close()
        return
    rc = lib.mn_unplug_gen(gen) if gen > 0 else gen
    if rc:
        _raise(rc, f"unplug {name!r}" + (": not plugged" if rc == -errno.ENOENT else ""))


@atexit.register
def _unplug_all() -> None:
    # At exit, before the interpreter frees the rings: stop every producer writing into them.
    with _PLUGGED_LOCK:
        ports = list(_PLUGGED.values())
    for p in ports:
        try:
            p.close()
        except MnetifError:
            pass
