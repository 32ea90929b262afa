"""The /dev/mnetif backend: the Linux module's rings, consumed with the SAME consumer code as the
userspace library's (mnetif.ring.Consumer over the mmap'ed ring, mn_cons_* from libmnetif.so).

    >>> from mnetif import kmod
    >>> with kmod.plug("eth1", "v2") as port:       # ioctl PLUG, mmap; close() unplugs
    ...     if port.wait(1.0):
    ...         frame = port.consumer.pop()

It mirrors mnetif.registry's Port (ring, consumer, fileno, clear_event, wait, counters, close,
context manager), get_vifs() and unplug semantics; the differences are the kernel's: the module
allocates the ring (plug takes a geometry, not a Ring), one open file is one ring, and poll() on
port.fileno() is the event channel, level-triggered like the eventfd: POLLIN while a signal is
pending, clear_event() (read() on the device) clears it and must come after a wakeup, before the
ring is re-checked. A v3 port opts in to the light producer by default (uapi.h MNETIF_PLUG_BARRIER):
its consumer's prepare_wait then issues the module's heavy barrier (MNETIF_IOC_BARRIER) through
Consumer.set_barrier, and the rx_handler reads sr_wake after a compiler barrier only.
The struct layouts and ioctl numbers below are checked against c/include/mnetif/uapi.h by
tests/kmod/ (a C program prints the header's layout). Only root can open the device.
"""
from __future__ import annotations

import ctypes as C
import errno
import fcntl
import mmap
import os
import select
import time

import numpy as np

from . import ring as _ring
from .registry import PortClosed, Vif, _name, mac_str
from .ring import MnetifError, GeometryError, Ring, check_int, check_timeout

DEVICE = "/dev/mnetif"
IFNAMSIZ = 16
PLUG_STEAL = 0x1
PLUG_BARRIER = 0x2
BARRIER_IPI, BARRIER_RCU_EXP, BARRIER_RCU = 0, 1, 2     # MNETIF_IOC_BARRIER modes (uapi.h)
MAX_BUFLEN = 64 << 20
LIST_MAX = 4096


class IfInfo(C.Structure):
    _fields_ = [("name", C.c_char * IFNAMSIZ), ("index", C.c_uint32), ("mac", C.c_uint8 * 6),
                ("up", C.c_uint8), ("is_ether", C.c_uint8)]


class ListReq(C.Structure):
    _fields_ = [("max", C.c_uint32), ("count", C.c_uint32), ("ifs", C.c_uint64)]


class PlugReq(C.Structure):
    _fields_ = [("name", C.c_char * IFNAMSIZ), ("proto", C.c_uint32), ("nslots", C.c_uint32),
                ("slotsize", C.c_uint32), ("flags", C.c_uint32), ("buflen", C.c_uint64),
                ("mmap_len", C.c_uint64), ("index", C.c_uint32), ("size", C.c_uint32),
                ("slot_bytes", C.c_uint32), ("dataoff", C.c_uint32), ("mac", C.c_uint8 * 6),
                ("up", C.c_uint8), ("light", C.c_uint8), ("pad2", C.c_uint32 * 2)]


class CountersReq(C.Structure):
    _fields_ = [("frames", C.c_uint64), ("bytes", C.c_uint64), ("drop_full", C.c_uint32),
                ("drop_oversize", C.c_uint32), ("drop_busy", C.c_uint32), ("drop_error", C.c_uint32),
                ("notify", C.c_uint32), ("error", C.c_uint32), ("plugged", C.c_uint32),
                ("gone", C.c_uint32)]


# asm-generic ioctl encoding (x86, arm, riscv): dir << 30 | size << 16 | type << 8 | nr.
_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2


def _ioc(direction: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (0xB7 << 8) | nr


IOC_LIST = _ioc(_IOC_READ | _IOC_WRITE, 1, C.sizeof(ListReq))
IOC_PLUG = _ioc(_IOC_READ | _IOC_WRITE, 2, C.sizeof(PlugReq))
IOC_UNPLUG = _ioc(_IOC_NONE, 3, 0)
IOC_COUNTERS = _ioc(_IOC_READ, 4, C.sizeof(CountersReq))
IOC_BARRIER = _ioc(_IOC_NONE, 7, 0)

_PLUG_ERRORS = {
    errno.ENODEV: "no such Ethernet interface", errno.EEXIST: "already plugged",
    errno.EBUSY: "this file is already plugged, or the interface has another rx_handler",
    errno.EINVAL: "bad geometry, protocol or flags", errno.ENOSPC: "registry full",
}


def available() -> bool:
    """True if the module's device exists here (never on the CI host: only inside the test VM)."""
    return os.path.exists(DEVICE)


def _open() -> int:
    try:
        return os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        raise MnetifError(errno.ENOENT, f"{DEVICE} does not exist: load mnetif.ko "
                                        "(make kmod; it is tested only inside qemu: make kmod-test)")


def _ioctl(fd: int, req: int, arg, what: str) -> None:
    try:
        fcntl.ioctl(fd, req, arg, True)
    except OSError as e:
        raise MnetifError(e.errno, f"{what}: {os.strerror(e.errno)}") from None


def get_vifs() -> list[Vif]:
    """The Ethernet interfaces the module can plug (MNETIF_IOC_LIST)."""
    fd = _open()
    try:
        cap = 64
        while True:
            arr = (IfInfo * cap)()
            req = ListReq(cap, 0, C.addressof(arr))
            _ioctl(fd, IOC_LIST, req, "MNETIF_IOC_LIST")
            if req.count <= cap:
                return [Vif(a.name.decode(), a.index, mac_str(a.mac), bool(a.up))
                        for a in arr[:req.count]]
            if req.count > LIST_MAX:
                raise MnetifError(errno.E2BIG, f"MNETIF_IOC_LIST: {req.count} Ethernet interfaces, "
                                               f"one call lists at most {LIST_MAX}")
            cap = req.count         # grew since the first call: ask again with room for all
    finally:
        os.close(fd)


def ring_over(buf) -> Ring:
    """A Ring over a writable buffer (the mmap of a plugged file): attach validates the geometry."""
    return Ring(np.frombuffer(buf, dtype=np.uint8))


class KPort:
    """A plugged interface through /dev/mnetif: the mapped ring, a consumer, the event channel."""

    def __init__(self, fd: int, req: PlugReq):
        self._fd = fd
        self.name = req.name.decode()
        self.up, self.index, self.mac = bool(req.up), req.index, mac_str(req.mac)
        self.geometry = {"size": req.size, "slotsize": req.slot_bytes, "dataoff": req.dataoff}
        self._map = mmap.mmap(fd, req.mmap_len, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.ring = ring_over(self._map)
        self.consumer = self.ring.consumer()
        self.gone = False
        # v3 + PLUG_BARRIER: the module's producer has only a compiler barrier before reading
        # sr_wake, so every wait must issue the heavy barrier through the device (membarrier(2)
        # cannot reach a softirq). barrier_mode: one of BARRIER_* (the IPI by default).
        self.light = bool(req.light)
        self.barrier_mode = BARRIER_IPI
        if self.light:
            self.consumer.set_barrier(self._heavy_barrier)

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def _live(self, what: str) -> int:
        if self._fd < 0:
            raise PortClosed(errno.EBADF, f"{what}: port {self.name!r} is closed; plug the "
                                          "interface again for a new port")
        return self._fd

    def fileno(self) -> int:
        """The device fd: poll()/select()/epoll report it readable while a producer signal is
        pending (reporting never clears it; clear_event does)."""
        return self._live("fileno()")

    def clear_event(self) -> int:
        """read() on the device: the signals since the last clear (0 if none; never blocks). A
        signal after the clear stays pending, so clear after waking, BEFORE re-checking the ring."""
        try:
            data = os.read(self._live("clear_event()"), 8)
        except BlockingIOError:
            return 0
        if len(data) != 8:
            raise MnetifError(errno.EIO, f"read of {DEVICE}: {len(data)} bytes, want 8")
        return int(np.frombuffer(data, np.uint64)[0])   # native u64, as uapi.h

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a frame is available or timeout (s; None: no limit); True if frames are
        waiting, False only once the timeout passed (or the interface is gone: port.gone).
        Final-check protocol: arm sr_wake (fence, re-check), then poll the device fd."""
        timeout = check_timeout(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._live("wait()")
        while True:
            if self.consumer.fill():
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if (left is not None and left <= 0) or self.gone:
                return False
            if self.consumer.prepare_wait():
                p = select.poll()
                p.register(fd, select.POLLIN)
                ms = None if left is None else min(int(left * 1000) + 1, 2**31 - 1)
                for polled in p.poll(ms):
                    if polled[1] & (select.POLLHUP | select.POLLERR):
                        self.gone = True
                self.clear_event()

    def _heavy_barrier(self) -> int:
        """MNETIF_IOC_BARRIER: 0, or -errno (then the wait does not sleep: it re-checks)."""
        try:
            fcntl.ioctl(self._live("wait()"), IOC_BARRIER, self.barrier_mode)
        except OSError as e:
            return -e.errno
        return 0

    def counters(self) -> dict:
        """The producer's private counters (those a scribbling consumer cannot change)."""
        self._live("counters()")
        c = CountersReq()
        _ioctl(self._fd, IOC_COUNTERS, c, "MNETIF_IOC_COUNTERS")
        d = {f[0]: int(getattr(c, f[0])) for f in CountersReq._fields_}
        self.gone = self.gone or bool(d["gone"])
        return d

    def unplug(self) -> None:
        """Stop the producer; the ring stays mapped (and readable) until close()."""
        _ioctl(self._live("unplug()"), IOC_UNPLUG, 0, f"unplug {self.name!r}")

    def close(self) -> None:
        """Unplug and let go of the ring. Numpy views still alive (a frame from peek(), the header)
        keep the mapping, and with it the kernel's ring memory, valid until they die; the interface
        is unplugged now either way, so it can be plugged again at once."""
        if self._fd < 0:
            return
        try:
            self.unplug()
        except MnetifError as e:
            if e.errno != errno.ENOENT:         # ENOENT: unplugged before, or the interface is gone
                raise
        del self.consumer, self.ring
        try:
            self._map.close()
        except BufferError:
            pass                    # exported views: the mapping is unmapped when the last one dies
        os.close(self._fd)          # the file is released (ring freed) once nothing maps it
        self._fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def plug(name: str, proto="v2", nslots: int = 0, slotsize: int = _ring.DEFAULT_SLOTSIZE,
         buflen: int = 0, steal: bool = False, barrier: bool | None = None) -> KPort:
    """Plug `name` to a new kernel ring of this geometry (buflen 0 = 33 pages) and map it.
    barrier (v3 only; None = True for v3): the consumer issues the module's heavy barrier before
    every sleep and the producer uses the light one (port.light); False keeps the full fence."""
    pid = _ring._proto_id(proto)
    if pid not in (1, 2, 3):
        raise ValueError(f"the module speaks v1, v2 and v3, not {proto!r}")
    if barrier is None:
        barrier = pid == 3
    if barrier and pid != 3:
        raise ValueError(f"barrier=True: only a v3 ring has the light producer, not {proto!r}")
    bname = _name(name)
    nslots = check_int(nslots, "nslots", 0, _ring.U32_MAX, exc=GeometryError)
    slotsize = check_int(slotsize, "slotsize", 0, _ring.U32_MAX, exc=GeometryError)
    buflen = check_int(buflen, "buflen", 0, MAX_BUFLEN, f"0 (33 pages) .. {MAX_BUFLEN}",
                       exc=GeometryError)
    req = PlugReq(name=bname, proto=pid, nslots=nslots, slotsize=slotsize,
                  flags=(PLUG_STEAL if steal else 0) | (PLUG_BARRIER if barrier else 0), buflen=buflen)
    fd = _open()
    try:
        try:
            fcntl.ioctl(fd, IOC_PLUG, req, True)
        except OSError as e:
            cls = GeometryError if e.errno == errno.EINVAL else MnetifError
            raise cls(e.errno, f"plug {name!r}: {_PLUG_ERRORS.get(e.errno, os.strerror(e.errno))}") \
                from None
        return KPort(fd, req)
    except BaseException:
        os.close(fd)
        raise


def open_port(name: str, proto="v2", nslots: int = 0, slotsize: int = _ring.DEFAULT_SLOTSIZE,
              backend: str = "auto"):
    """Plug `name` through the backend that exists here: the kernel module when /dev/mnetif exists
    ("auto" or "kmod"), else libmnetif in this process ("user": a ring in a numpy buffer, frames from
    an AF_PACKET thread or a software interface). Either way the caller gets the same consumer
    interface: .consumer (peek/release/pop/drain), .wait(timeout), .fileno(), .counters(), .close()."""
    if backend not in ("auto", "kmod", "user"):
        raise ValueError(f"backend {backend!r}: expected 'auto', 'kmod' or 'user'")
    if backend == "kmod" or (backend == "auto" and available()):
        return plug(name, proto, nslots, slotsize)
    from . import registry
    return registry.plug(name, Ring.create(proto, nslots=nslots, slotsize=slotsize))
