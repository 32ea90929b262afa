"""The Python bindings against the loaded module, inside the test VM (issue 4, item 2).

init.sh runs this with the HOST's interpreter, numpy and pyharness (the host's / over virtio-9p,
read-only, in a chroot), after vmtest and kdevtest, against the VM's /dev/mnetif and its veth pair
mna <-> mnb (frames are sent on mna with an AF_PACKET socket, the module is plugged on mnb).

The consumer code is the SAME for both backends: every scenario takes a port from
mnetif.kmod.open_port(), and the byte-exact one runs it twice, with backend="auto" (which must pick
the module here) and backend="user" (libmnetif's AF_PACKET receive thread on the same interface).
Each check prints "CHECK py-<name>: PASS|FAIL <why>" like vmtest; exit status 1 if any failed.
Reproduce: make kmod-test (console: build/kmod-vm/console.log.txt).
"""
from __future__ import annotations

import ctypes as C
import errno
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from mnetif import kmod, registry  # noqa: E402
from mnetif.ring import HDR_SIZE, GeometryError, MnetifError  # noqa: E402

TXIF, RXIF = "mna", "mnb"
ETHERTYPE = 0x88B6          # not vmtest's 0x88b5: a stray frame from one test cannot pass for another's
failures = 0


def check(ok: bool, name: str, why: str) -> bool:
    global failures
    failures += not ok
    print(f"CHECK py-{name}: {'PASS' if ok else 'FAIL'} {why}", flush=True)
    return ok


def scenario(fn):
    """Run one scenario; an exception is that scenario's FAIL (with the traceback), not the end."""
    def run(*args):
        try:
            fn(*args)
        except Exception as e:     # noqa: BLE001 - reported as a FAIL line, then the next scenario
            traceback.print_exc(file=sys.stdout)
            check(False, f"{fn.__name__}{'-' + '-'.join(map(str, args)) if args else ''}",
                  f"raised {type(e).__name__}: {e}")
    return run


def mac(ifname: str) -> bytes:
    return bytes.fromhex(Path(f"/sys/class/net/{ifname}/address").read_text().strip().replace(":", ""))


def frame(seq: int, n: int) -> bytes:
    """Frame `seq` of n >= 14 bytes: dst, src, our ethertype, then seq/len and bytes from seq."""
    head = mac(RXIF) + mac(TXIF) + ETHERTYPE.to_bytes(2, "big")
    body = seq.to_bytes(4, "little") + n.to_bytes(2, "big")
    body += np.random.default_rng(seq).integers(0, 256, max(0, n - 20), dtype=np.uint8).tobytes()
    return (head + body)[:n]


class Sender:
    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.s.bind((TXIF, 0))

    def send(self, frames) -> None:
        for f in frames:
            self.s.send(f)

    def close(self):
        self.s.close()


def drain(port, want: int, timeout: float = 10.0) -> list[bytes]:
    """Frames from the port's consumer until `want` arrived or nothing came for `timeout` s."""
    got: list[bytes] = []
    while len(got) < want:
        if not port.wait(timeout):
            break
        while (f := port.consumer.pop()) is not None:
            got.append(f)
    return got


def settle(port, timeout: float = 0.5) -> list[bytes]:
    """Whatever else arrives within `timeout` s (must be nothing in the exact checks)."""
    return drain(port, 1 << 30, timeout)


def accounted(port, want: int, timeout: float = 10.0) -> dict:
    """The counters once the module has published or dropped `want` frames (veth hands frames to
    the receive softirq asynchronously: a fixed sleep is a race on a slow emulated CPU)."""
    deadline = time.monotonic() + timeout
    while True:
        c = port.counters()
        if c["frames"] + c["drop_full"] + c["drop_oversize"] + c["drop_busy"] >= want \
                or time.monotonic() > deadline:
            return c
        time.sleep(0.02)


def first_diff(sent: list[bytes], got: list[bytes]) -> str:
    if len(sent) != len(got):
        return f"{len(got)} frames delivered, {len(sent)} expected"
    for i, (a, b) in enumerate(zip(sent, got)):
        if a != b:
            return f"frame {i} ({len(a)} B sent, {len(b)} B got) differs"
    return "all byte-exact, in order"


@scenario
def backend() -> None:
    with kmod.open_port(RXIF) as p:
        check(kmod.available() and isinstance(p, kmod.KPort), "backend-auto-is-kmod",
              f"/dev/mnetif exists, open_port(backend='auto') gave {type(p).__module__}.{type(p).__name__}")
    with kmod.open_port(RXIF, backend="user") as p:
        check(isinstance(p, registry.Port), "backend-user",
              f"open_port(backend='user') gave {type(p).__module__}.{type(p).__name__}")


@scenario
def vifs() -> None:
    vs = {v.name: v for v in kmod.get_vifs()}
    ok = all(n in vs and vs[n].mac == mac(n).hex(":") and vs[n].up for n in (TXIF, RXIF)) and "lo" not in vs
    check(ok, "get-vifs", f"{sorted(vs)}: both veths with their MACs and up, lo not listed")


@scenario
def vifs_many() -> None:
    """More Ethernet interfaces than one 64-entry call holds: 35 more veth pairs (72 in all) are
    all listed (kmod.get_vifs grows its buffer to the count the module reports), lo is not; a
    request above MNETIF_LIST_MAX is refused with EINVAL."""
    extra = [f"mx{i}{e}" for i in range(35) for e in "ab"]
    try:
        for i in range(35):
            subprocess.run(["ip", "link", "add", f"mx{i}a", "type", "veth", "peer", "name", f"mx{i}b"],
                           check=True)
        names = [v.name for v in kmod.get_vifs()]
        lost = sorted(set(extra + [TXIF, RXIF]) - set(names))
        fd = os.open(kmod.DEVICE, os.O_RDWR)
        try:
            arr = (kmod.IfInfo * 1)()
            big = raises(lambda: kmod._ioctl(fd, kmod.IOC_LIST,
                                             kmod.ListReq(kmod.LIST_MAX + 1, 0, C.addressof(arr)), "LIST"),
                         MnetifError)
        finally:
            os.close(fd)
        check(not lost and "lo" not in names and len(names) == len(set(names)) >= 72 and "EINVAL" in big,
              "get-vifs-beyond-64", f"{len(names)} listed (want the 70 extra veths + mna, mnb), lost "
              f"{lost[:5]}; max {kmod.LIST_MAX + 1}: {big}")
    finally:
        for i in range(35):
            subprocess.run(["ip", "link", "del", f"mx{i}a"], capture_output=True)


@scenario
def exact(backend_name: str, proto: str) -> None:
    """Minimum, odd, typical, slot-filling sizes, byte-exact and in order, then one oversize frame
    counted and not delivered — through the same consumer code for both backends."""
    tx = Sender()
    with kmod.open_port(RXIF, proto, slotsize=2048, backend=backend_name) as port:
        cap = port.ring.slotsize - 2 if backend_name == "user" else port.geometry["slotsize"]
        cap = min(cap, 2048)
        sizes = [14, 15, 20, 60, 64, 100, 333, 1000, 1514, 2000]
        sizes += [random.Random(proto).randint(14, 1514) for _ in range(40)]
        sent = [frame(1000 + i, n) for i, n in enumerate(sizes)]
        c0 = port.counters()
        # A batch of 8 at a time: the ring holds far more, the consumer catches up in between.
        got: list[bytes] = []
        for i in range(0, len(sent), 8):
            tx.send(sent[i:i + 8])
            got += drain(port, min(i + 8, len(sent)) - len(got))
        big = frame(99, 4000)
        tx.send([big])
        extra = settle(port)
        c = port.counters()
        name = f"exact-{backend_name}-{proto}"
        check(first_diff(sent, got) == "all byte-exact, in order" and not extra, name,
              f"{len(sent)} frames of 14..2000 B (slot data {cap} B): {first_diff(sent, got)}; "
              f"{len(extra)} unexpected")
        check(c["frames"] - c0["frames"] == len(sent) and c["bytes"] - c0["bytes"] == sum(sizes)
              and c["drop_oversize"] - c0["drop_oversize"] == 1 and c["drop_full"] == 0,
              name + "-counters",
              f"frames {c['frames'] - c0['frames']} bytes {c['bytes'] - c0['bytes']} "
              f"(want {len(sent)}/{sum(sizes)}), the 4000 B frame counted oversize "
              f"({c['drop_oversize'] - c0['drop_oversize']}), drop_full {c['drop_full']}")
    tx.close()


@scenario
def stall(proto: str) -> None:
    """A consumer that does not consume: the ring keeps the first frames, the rest are counted."""
    tx = Sender()
    with kmod.open_port(RXIF, proto, nslots=8) as port:
        size = port.ring.size
        sent = [frame(2000 + i, 60 + i) for i in range(3 * size)]
        tx.send(sent)
        c = accounted(port, len(sent))
        got = drain(port, size, 2.0)
        ok = (c["frames"] == size and c["drop_full"] == 2 * size and got == sent[:size])
        check(ok, f"stall-{proto}", f"{len(sent)} sent into {size} slots: {c['frames']} kept, "
              f"{c['drop_full']} drop_full, consumer read {len(got)}: {first_diff(sent[:size], got)}")
        # After the stall the ring works again.
        more = [frame(3000 + i, 100) for i in range(5)]
        tx.send(more)
        got2 = drain(port, 5)
        check(got2 == more, f"stall-{proto}-recovers", f"5 more after draining: {first_diff(more, got2)}")
    tx.close()


@scenario
def wakeup(proto: str) -> None:
    """port.wait() sleeps in poll() on the device and the producer's signal wakes it."""
    tx = Sender()
    with kmod.open_port(RXIF, proto) as port:
        f = frame(4000, 128)
        t = threading.Timer(0.3, tx.send, ([f],))
        t0 = time.monotonic()
        t.start()
        woke = port.wait(20.0)
        dt = time.monotonic() - t0
        got = port.consumer.pop()
        t.join()
        c = port.counters()
        check(woke and got == f and dt >= 0.25 and c["notify"] >= 1, f"wakeup-{proto}",
              f"wait() returned {woke} after {dt:.2f} s (frame sent at 0.3 s), frame "
              f"{'byte-exact' if got == f else repr(got)[:40]}, notify {c['notify']}")
    tx.close()


@scenario
def light() -> None:
    """v3's light producer through the bindings: a v3 port opts in by default (its waits issue
    MNETIF_IOC_BARRIER through Consumer.set_barrier), barrier=False keeps the full fence; then a
    sender pausing between frames makes wait() sleep often, and every frame must wake it (a lost
    wakeup would leave wait() asleep for its whole 5 s timeout with the frame in the ring)."""
    with kmod.plug(RXIF, "v3", barrier=False) as port:
        full = port.light
    tx = Sender()
    with kmod.open_port(RXIF, "v3") as port:
        sent = [frame(6000 + i, 60 + i) for i in range(150)]

        def pace() -> None:
            for f in sent:
                tx.send([f])
                time.sleep(0.003)
        t = threading.Thread(target=pace)
        got: list[bytes] = []
        slept = 0
        t.start()
        while len(got) < len(sent):
            if port.consumer.fill() == 0:
                slept += 1
            if not port.wait(5.0):
                break
            while (f := port.consumer.pop()) is not None:
                got.append(f)
        t.join()
        c = port.counters()
        check(port.light and not full and got == sent and slept >= 10 and c["frames"] == len(sent),
              "light-v3", f"v3 default light={port.light} (want True), barrier=False light={full} "
              f"(want False); {len(sent)} frames 3 ms apart: {first_diff(sent, got)}, the consumer "
              f"found the ring empty {slept} times, signals {c['notify']}, published {c['frames']}")
    tx.close()


@scenario
def level_triggered() -> None:
    """The device's poll is level-triggered: a pending signal stays reported (also to an epoll
    created after it) until clear_event() (read()) takes it; then nothing is pending."""
    tx = Sender()
    with kmod.open_port(RXIF, "v2") as port:
        armed = port.consumer.prepare_wait()
        tx.send([frame(5000, 80)])
        deadline = time.monotonic() + 10
        p = select.poll()
        p.register(port.fileno(), select.POLLIN)
        first = p.poll(10_000)
        second = p.poll(0)
        ep = select.epoll()
        ep.register(port.fileno(), select.EPOLLIN)
        late = ep.poll(0)
        n = port.clear_event()
        after = p.poll(0)
        n2 = port.clear_event()
        got = port.consumer.pop()
        ep.close()
        ok = armed and first and second and late and n >= 1 and not after and n2 == 0 and got is not None
        check(ok and time.monotonic() < deadline, "level-triggered",
              f"armed {armed}; poll {bool(first)}, again {bool(second)}, a new epoll {bool(late)}; "
              f"clear_event {n} then poll {bool(after)}, clear_event {n2}; frame {'read' if got else 'missing'}")
    tx.close()


@scenario
def unplug() -> None:
    """Unplug while frames flow: nothing after it is produced, the ring stays readable, re-plug works."""
    tx = Sender()
    port = kmod.open_port(RXIF, "v2")
    before = [frame(6000 + i, 200) for i in range(10)]
    tx.send(before)
    accounted(port, len(before))
    port.unplug()
    tx.send([frame(6100 + i, 200) for i in range(10)])
    time.sleep(0.2)
    got = settle(port, 0.3)
    c = port.counters()
    check(got == before and c["frames"] == 10 and c["plugged"] == 0, "unplug",
          f"10 sent, unplug, 10 more: read {len(got)} ({first_diff(before, got)}), "
          f"counters frames {c['frames']} plugged {c['plugged']}")
    try:
        port.unplug()
        again = "no error"
    except MnetifError as e:
        again = f"MnetifError({errno.errorcode.get(e.errno, e.errno)})"
    port.close()
    with kmod.open_port(RXIF, "v2") as p2:
        f = frame(6200, 90)
        tx.send([f])
        got2 = drain(p2, 1)
    check(got2 == [f], "unplug-replug", f"second unplug: {again}; a new plug of {RXIF} delivers "
          f"{first_diff([f], got2)}")
    tx.close()


def raises(fn, exc) -> str:
    try:
        fn()
    except exc as e:
        return f"{type(e).__name__}({errno.errorcode.get(getattr(e, 'errno', None), '')}): {e}"
    except Exception as e:       # noqa: BLE001 - the wrong error is a failure, reported
        return f"WRONG {type(e).__name__}: {e}"
    return "WRONG no error"


@scenario
def errors() -> None:
    """Bad input gets a clear error and the interface stays usable."""
    cases = {
        "lo": raises(lambda: kmod.plug("lo"), MnetifError),
        "nosuchif": raises(lambda: kmod.plug("nosuchif"), MnetifError),
        "slotsize-100": raises(lambda: kmod.plug(RXIF, slotsize=100), GeometryError),
        "proto-2012": raises(lambda: kmod.plug(RXIF, "2012"), ValueError),
        "long-name": raises(lambda: kmod.plug("x" * 20), ValueError),
        "backend-typo": raises(lambda: kmod.open_port(RXIF, backend="kernel"), ValueError),
    }
    with kmod.plug(RXIF) as p:
        cases["double-plug"] = raises(lambda: kmod.plug(RXIF), MnetifError)
        cases["double-plug-errno"] = "EEXIST" if "EEXIST" in cases["double-plug"] else "WRONG"
        tx = Sender()
        f = frame(7000, 64)
        tx.send([f])
        got = drain(p, 1)
        tx.close()
    bad = {k: v for k, v in cases.items() if v.startswith("WRONG")}
    check(not bad and got == [f], "errors",
          f"{len(cases) - len(bad)}/{len(cases)} clear errors"
          + (f"; wrong: {bad}" if bad else "") + f"; the plug still delivers: {first_diff([f], got)}")
    for k in ("lo", "slotsize-100", "double-plug"):
        print(f"  {k}: {cases[k]}")


@scenario
def scribble(proto: str, rounds: int) -> None:
    """A consumer process scribbling random bytes over the shared header while frames flow: the
    bindings give clean errors (MnetifError) or frames, never a crash; the next plug is healthy."""
    tx = Sender()
    rng = np.random.default_rng(42)
    outcomes = {"frames": 0, "errors": 0, "empty": 0}
    wrong: list[str] = []
    with kmod.open_port(RXIF, proto, nslots=16) as port:
        hdr = port.ring.buf[:HDR_SIZE]
        snapshot = hdr.copy()
        for r in range(rounds):
            # Half the rounds start from the header as plugged (stale by now: also hostile), then
            # 1..4 random bytes anywhere in it, or every byte every 8th round.
            if rng.random() < 0.5:
                hdr[:] = snapshot
            if r % 8 == 0:
                hdr[:] = rng.integers(0, 256, hdr.size, dtype=np.uint8)
            else:
                hdr[rng.integers(0, hdr.size, rng.integers(1, 5))] = rng.integers(0, 256, dtype=np.uint8)
            if r % 4 == 0:
                tx.send([frame(8000 + r, 64 + r % 900)])
            try:
                f = port.consumer.pop()
                outcomes["frames" if f is not None else "empty"] += 1
            except MnetifError:
                outcomes["errors"] += 1
                try:                                    # a new consumer over the same ring
                    port.consumer.close()               # (one consumer per ring at a time)
                    port.consumer = port.ring.consumer()
                except MnetifError:
                    outcomes["attach refused"] = outcomes.get("attach refused", 0) + 1
            except Exception as e:  # noqa: BLE001 - anything else is a failure, reported
                wrong.append(f"{type(e).__name__}: {e}")
        c = port.counters()
    with kmod.open_port(RXIF, proto) as p2:
        good = [frame(8900 + i, 300) for i in range(4)]
        tx.send(good)
        got = drain(p2, 4)
    tx.close()
    check(not wrong and got == good and outcomes["frames"] and outcomes["errors"], f"scribble-{proto}",
          f"{rounds} rounds: {outcomes}, producer counters frames {c['frames']} drop_error "
          f"{c['drop_error']} error {c['error']}; other exceptions {wrong[:2]}; next plug: "
          f"{first_diff(good, got)}")


@scenario
def close_with_views() -> None:
    """close() while numpy views of the ring are alive (a peeked frame, the header): no error, the
    interface is unplugged at once (a new plug works), the old views stay readable."""
    tx = Sender()
    port = kmod.open_port(RXIF, "v2")
    f = frame(8500, 150)
    tx.send([f])
    drain_ok = port.wait(10)
    view = port.consumer.peek()
    hdr = port.ring.buf[:HDR_SIZE]
    port.close()
    with kmod.open_port(RXIF, "v2") as p2:
        g = frame(8501, 151)
        tx.send([g])
        got = drain(p2, 1)
    old = bytes(view) if view is not None else None
    tx.close()
    check(drain_ok and old == f and got == [g] and hdr.size == HDR_SIZE, "close-with-live-views",
          f"closed holding a peeked frame and the header: old frame still reads "
          f"{'byte-exact' if old == f else repr(old)[:30]}, a new plug delivers {first_diff([g], got)}")
    del view, hdr


@scenario
def ifdel() -> None:
    """The interface deleted while plugged: the port learns it (counters gone, POLLHUP/POLLERR),
    the ring stays readable, close() is clean. init.sh recreates the veth pair afterwards."""
    tx = Sender()
    port = kmod.open_port(RXIF, "v1")
    f = frame(9000, 77)
    tx.send([f])
    got = drain(port, 1)
    tx.close()
    subprocess.run(["ip", "link", "del", TXIF], check=True)
    p = select.poll()
    p.register(port.fileno(), select.POLLIN)
    ev = p.poll(5000)
    hup = any(e & (select.POLLHUP | select.POLLERR) for _fd, e in ev)
    c = port.counters()
    port.close()
    check(got == [f] and hup and c["gone"] == 1 and port.gone and RXIF not in
          {v.name for v in kmod.get_vifs()}, "ifdel",
          f"delivered {first_diff([f], got)}; after ip link del: poll {ev}, gone {c['gone']}, "
          f"port.gone {port.gone}, {RXIF} no longer listed")


def main(argv: list[str]) -> int:
    """pycheck.py [all|exact]: exact = only the byte-exact scenarios (the negative control with a
    module that drops the Ethernet header: make kmod-test-selfcheck)."""
    mode = argv[1] if len(argv) > 1 else "all"
    if mode not in ("all", "exact"):
        print(f"usage: pycheck.py [all|exact] (got {mode!r})")
        return 2
    t0 = time.monotonic()
    print(f"PYCHECK: python {sys.version.split()[0]}, numpy {np.__version__}, pyharness from {ROOT}",
          flush=True)
    backend()
    for b in ("auto", "user"):
        for proto in ("v2", "v1", "v3"):
            exact(b, proto)
    if mode == "all":
        rest()
    print(f"PYCHECK: {'PASS' if not failures else 'FAIL'} ({failures} failed checks, "
          f"{time.monotonic() - t0:.1f} s)", flush=True)
    return 1 if failures else 0


def rest() -> None:
    vifs()
    vifs_many()
    for proto in ("v2", "v1", "v3"):
        stall(proto)
        wakeup(proto)
    light()
    level_triggered()
    unplug()
    errors()
    close_with_views()
    scribble("v2", 3000)
    scribble("v1", 3000)
    ifdel()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
