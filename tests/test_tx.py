"""The transmit path of the userspace platform (tx.h, user_tx.h): this process produces into a v2 ring,
the port's thread drains it (mn_tx_drain) onto a software wire or an AF_PACKET socket.
Reproduce: python -m pytest -q tests/test_tx.py"""
from __future__ import annotations

import ctypes as C
import errno
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnetif import registry, tx
from mnetif.ring import MnetifError, Push, Ring

ROOT = Path(__file__).resolve().parent.parent
_ids = itertools.count()


def frame(i: int, size: int, dst: bytes = b"\xff" * 6) -> bytes:
    head = dst + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + i.to_bytes(4, "big")
    return (head + bytes((i * 7 + k) & 0xFF for k in range(size)))[:size] if size >= len(head) else head[:size]


@pytest.fixture
def wire():
    """Two fresh software interfaces a -> b, b plugged with a large receive ring."""
    n = next(_ids)
    a, b = f"mirta{n}", f"mirtb{n}"
    registry.create_interface(a, "02:00:00:00:01:0a")
    registry.create_interface(b, "02:00:00:00:01:0b")
    tx.link(a, b)
    port = registry.plug(b, Ring.create("v2", nslots=1024, buflen=1024 * 2048 + 8192))
    yield a, b, port
    port.close()


def received(port) -> list[bytes]:
    out = []
    while (f := port.consumer.pop()) is not None:
        out.append(bytes(f))
    return out


def paced_send(t, f) -> Push:
    """A producer that does not want drops waits for a free slot first (mn_prod_space)."""
    deadline = time.monotonic() + 5
    while t.producer.space() == 0 and time.monotonic() < deadline:
        time.sleep(0.0005)
    return t.send(f)


def test_soft_wire_delivers_valid_frames_in_order_and_counts_the_rest(wire):
    a, _, rx = wire
    sizes = [14, 15, 59, 60, 64, 1514, 1518, 13, 0, 1519, 2048, 3000] + [14 + (i * 37) % 1505 for i in range(300)]
    with tx.open_tx(a) as t:
        assert (t.mtu, t.mac) == (1500, "02:00:00:00:01:0a")
        frames = [frame(i, s) for i, s in enumerate(sizes)]
        results = [paced_send(t, f) for f in frames]
        c = t.flush()
    want = [f for f in frames if 14 <= len(f) <= 1518]
    assert results.count(Push.OVERSIZE) == 1 and results[sizes.index(3000)] == Push.OVERSIZE
    assert received(rx) == want, "the receive end did not get exactly the valid frames, in order"
    assert c["frames"] == len(want) and c["bytes"] == sum(map(len, want)), c
    assert (c["drop_runt"], c["drop_oversize"], c["drop_xmit"], c["corrupt"]) == (2, 2, 0, 0), c
    assert rx.counters()["drop_full"] == 0


def test_unlinked_software_interface_counts_every_frame_as_refused():
    name = f"mirtu{next(_ids)}"
    registry.create_interface(name)
    with tx.open_tx(name) as t:
        for i in range(10):
            t.send(frame(i, 60))
        c = t.flush()
    assert (c["frames"], c["drop_xmit"]) == (0, 10), c


def test_close_sends_what_was_pushed_before_it(wire):
    a, _, rx = wire
    t = tx.open_tx(a, Ring.create("v2", nslots=256, buflen=256 * 2048 + 4096))
    frames = [frame(i, 100) for i in range(200)]
    assert t.send_batch(frames[:100]) == [Push.OK] * 100
    for f in frames[100:]:
        assert t.send(f) == Push.OK
    last = t.close()
    assert received(rx) == frames and last["frames"] == 200 and t.close() == last


def test_an_idle_port_sleeps_and_a_push_wakes_it(wire):
    """No polling: an open, idle port costs no CPU; the producer's kick wakes its thread."""
    a, _, rx = wire
    with tx.open_tx(a) as t:
        t.send(frame(0, 60))
        t.flush()
        before = sum(os.times()[:2])
        time.sleep(1.0)
        idle = sum(os.times()[:2]) - before
        c0 = t.counters()
        t.send(frame(1, 60))
        c1 = t.flush()
    assert idle < 0.05, f"the process used {idle:.3f} s of CPU in 1 s with an idle transmit port"
    assert c0["sleeps"] >= 1 and c1["frames"] == 2 and c1["drains"] > c0["drains"], (c0, c1)
    assert len(received(rx)) == 2


def test_errors_name_what_is_wrong(wire):
    a, _, _ = wire
    with pytest.raises(MnetifError) as e:
        tx.open_tx(a, Ring.create("v1"))
    assert e.value.errno == errno.EPROTONOSUPPORT and "must be v2" in str(e.value)
    with pytest.raises(MnetifError) as e:
        tx.open_tx("mirnosuch0")
    assert e.value.errno == errno.ENODEV
    ring = Ring.create("v2")
    with tx.open_tx(a, ring):
        with pytest.raises(MnetifError) as e:
            tx.open_tx(a, ring)
        assert e.value.errno == errno.EBUSY
    with pytest.raises(MnetifError) as e:
        tx.link(a, "lo")
    assert e.value.errno == errno.ENODEV


# ---- the OS-neutral drain loop, driven directly ---------------------------------------------------
def test_drain_budget_arming_and_device_refusals():
    ring = Ring.create("v2", nslots=64)
    p = ring.producer()
    took = []
    d = tx.Drainer(ring, lambda fs: (took.extend(fs), len(fs) - 1)[1])    # the device refuses one per call
    for i in range(100):
        assert p.push(frame(i, 60)) in (Push.OK, Push.FULL)
    assert d.drain(budget=10) == 64 and not d.armed      # budget is checked per batch of 64
    assert d.drain() == 0 and d.armed                      # empty: sr_wake armed, safe to sleep
    c = d.counters()
    assert c["frames"] == 63 and c["drop_xmit"] == 1 and len(took) == 64, c
    assert int(ring.header["sr_wake"]) == 65                # = frames consumed + 1
    assert tx.Drainer(ring, len).drain() == 0               # a second attach resumes at the same index


def test_a_corrupt_producer_index_ends_the_drain_and_is_counted():
    ring = Ring.create("v2", nslots=8, slotsize=64, buflen=4096)
    p = ring.producer()
    p.push(frame(0, 60))
    d = tx.Drainer(ring, len)
    ring.header["sr_avail"] = 0x7FFF
    assert d.drain() == -errno.EIO and d.counters()["corrupt"] == 1


@pytest.mark.net
def test_veth_frames_leave_byte_exact_through_af_packet(netns):
    r = subprocess.run(["ip", "netns", "exec", netns, sys.executable, str(ROOT / "tests" / "tx_veth_child.py"),
                        str(ROOT), "mirva", "mirvb"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["exact"], f"frame {res['first_mismatch']} differs or is missing: {res}"
    c = res["counters"]
    assert c["frames"] == res["valid"] == res["captured"] and c["drop_oversize"] == 1 and c["drop_runt"] == 1, res
    assert res["down"]["drop_xmit"] == 5 and res["down"]["frames"] == 0, res


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.fail("the veth transmit test needs root and iproute2 (scripts/install-deps.sh installs "
                    "iproute2; run the tests as root) — it does not skip silently")
    ns = f"mirtx{os.getpid()}"
    run = ("ip", "netns", "exec", ns)
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        for cmd in (("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"),
                    ("ip", "link", "add", "mirva", "type", "veth", "peer", "name", "mirvb"),
                    ("ip", "link", "set", "mirva", "up"), ("ip", "link", "set", "mirvb", "up")):
            subprocess.run(run + cmd, check=True, capture_output=True)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


TX_LAYOUT_C = r"""
#include <stdio.h>
#include <stddef.h>
#include "mnetif/user_tx.h"
#define S(t) printf(#t " %zu\n", sizeof(struct t));
#define O(t, f) printf(#t "." #f " %zu\n", offsetof(struct t, f));
int main(void) {
  S(mn_tx) S(mn_tx_counters) S(mn_user_tx_info)
  O(mn_tx, min_len) O(mn_tx, armed) O(mn_tx, ctr) O(mn_tx, batch)
  O(mn_tx_counters, drop_runt) O(mn_tx_counters, sleeps) O(mn_user_tx_info, mtu) O(mn_user_tx_info, mac)
  return 0;
}
"""


def test_ctypes_mirrors_match_the_c_layouts(tmp_path):
    src, exe = tmp_path / "txlayout.c", tmp_path / "txlayout"
    src.write_text(TX_LAYOUT_C)
    subprocess.run(["gcc", f"-I{ROOT}/c/include", f"-I{ROOT}/c/src", "-o", str(exe), str(src)], check=True)
    c = dict(line.rsplit(" ", 1) for line in subprocess.run([str(exe)], capture_output=True, text=True,
                                                            check=True).stdout.splitlines())
    py = {"mn_tx": tx.TxStruct, "mn_tx_counters": tx.TxCounters, "mn_user_tx_info": tx.TxInfo}
    for name, cls in py.items():
        assert int(c[name]) == C.sizeof(cls), name
    for key, val in c.items():
        if "." in key:
            t, f = key.split(".")
            assert getattr(py[t], f).offset == int(val), key
