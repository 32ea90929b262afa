"""The plug registry and the userspace platform through the bindings: errors, software interfaces,
the event channel with selectors, and plug/unplug racing input threads."""
from __future__ import annotations

import errno
import selectors
import threading
import time

import numpy as np
import pytest

from mnetif import registry
from mnetif.ring import GeometryError, MnetifError, Push, Ring


def small_ring(proto="v2") -> Ring:
    return Ring.create(proto, nslots=8, slotsize=256, buflen=8192)


def test_plug_returns_up_index_mac_and_delivers(ifname):
    ring = small_ring()
    with registry.plug(ifname, ring) as port:
        assert port.up and port.index >= 0x40000000 and port.mac.startswith("02:00:00:00:01:")
        frames = [bytes([i]) * (60 + i) for i in range(5)]
        assert [registry.inject(ifname, f) for f in frames] == [Push.OK] * 5
        assert [port.consumer.pop() for _ in range(6)] == frames + [None]
        assert port.counters()["frames"] == 5 == ring.counters()["frames"]


def test_get_vifs_lists_software_interfaces(ifname):
    vifs = {v.name: v for v in registry.get_vifs()}
    assert ifname in vifs and vifs[ifname].mac.startswith("02:00:00:00:01:")
    assert "lo" not in vifs           # loopback is not Ethernet


def test_plug_errors_are_clear(ifname):
    ring = small_ring()
    with pytest.raises(MnetifError, match="no such Ethernet interface") as e:
        registry.plug("nosuchif0", ring)
    assert e.value.errno == errno.ENODEV
    with pytest.raises(MnetifError, match="no such Ethernet interface"):
        registry.plug("lo", ring)                     # real but not Ethernet
    with registry.plug(ifname, ring):
        with pytest.raises(MnetifError, match="already plugged") as e:
            registry.plug(ifname, small_ring())
        assert e.value.errno == errno.EEXIST
        registry.create_interface(ifname + "b")
        try:
            with pytest.raises(MnetifError, match="already plugged to another interface"):
                registry.plug(ifname + "b", ring)
        finally:
            registry.destroy_interface(ifname + "b")
        with pytest.raises(MnetifError, match="still plugged"):
            registry.destroy_interface(ifname)
    with pytest.raises(MnetifError, match="not plugged") as e:
        registry.unplug(ifname)
    assert e.value.errno == errno.ENOENT


def test_plug_rejects_a_malformed_ring_with_the_reason(ifname):
    ring = small_ring()
    ring.header["sr_size"] = 6
    with pytest.raises(GeometryError, match="sr_size is not a power of two"):
        registry.plug(ifname, ring)
    with pytest.raises(GeometryError, match="wrong magic"):
        Ring(np.zeros(4096, np.uint8))


def test_bad_names_and_macs():
    with pytest.raises(ValueError):
        registry.create_interface("x" * 16)
    with pytest.raises(ValueError):
        registry.create_interface("ok0", "02:00:00")
    registry.create_interface("dup0")
    try:
        with pytest.raises(MnetifError, match="name taken"):
            registry.create_interface("dup0")
    finally:
        registry.destroy_interface("dup0")


def test_inject_on_unplugged_interface(ifname):
    with pytest.raises(MnetifError, match="not plugged"):
        registry.inject(ifname, b"x" * 60)


def test_event_channel_wakes_a_selector(ifname):
    ring = small_ring("v1")
    with registry.plug(ifname, ring) as port:
        sel = selectors.DefaultSelector()
        sel.register(port, selectors.EVENT_READ)
        assert port.consumer.prepare_wait()           # empty: armed
        assert sel.select(timeout=0) == []            # nothing signalled yet
        t = threading.Timer(0.05, registry.inject, (ifname, b"w" * 60))
        t0 = time.monotonic()
        t.start()
        ready = sel.select(timeout=5)
        assert ready and time.monotonic() - t0 < 2, "event channel did not wake the selector"
        assert port.clear_event() == 1
        assert port.consumer.pop() == b"w" * 60
        registry.inject(ifname, b"q" * 60)           # not armed again: suppressed
        assert sel.select(timeout=0.05) == [] and port.counters()["notify"] == 1
        sel.close()


def test_wait_returns_on_frame_and_times_out(ifname):
    with registry.plug(ifname, small_ring()) as port:
        t0 = time.monotonic()
        assert port.wait(0.1) is False and time.monotonic() - t0 >= 0.09
        threading.Timer(0.05, registry.inject, (ifname, b"z" * 60)).start()
        assert port.wait(5) is True and port.consumer.pop() == b"z" * 60


def test_plug_unplug_while_inputs_run(ifname):
    """10^3 plug/unplug cycles while three threads inject; each cycle's ring is checked and then
    scribbled over (a late producer would corrupt the next check). The ASan variant is
    c/tests/regstress.c (run by c/tests/run_stress.sh)."""
    stop = threading.Event()
    results = {"ok": 0, "nodev": 0, "other": 0}
    idx = registry.create_interface(ifname + "r")

    def inject_loop():
        f = b"r" * 60
        while not stop.is_set():
            rc = registry.ether_input(idx, f)
            key = "ok" if rc in (0, -errno.ENOBUFS) else "nodev" if rc == -errno.ENODEV else "other"
            results[key] += 1

    threads = [threading.Thread(target=inject_loop) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(1000):
            ring = small_ring("v1" if i % 2 else "v2")
            port = registry.plug(ifname + "r", ring)
            port.close()
            frames_after_unplug = ring.counters()["frames"]
            assert ring.check() is None, f"cycle {i}: {ring.check()}"
            ring.buf[:] = 0xA5
            assert ring.buf[:64].min() == 0xA5
            assert frames_after_unplug <= 8
    finally:
        stop.set()
        for t in threads:
            t.join()
        registry.destroy_interface(ifname + "r")
    assert results["other"] == 0 and results["ok"] > 0 and results["nodev"] > 0, results
