"""Real interfaces against ground truth (issue 11, items 4-7): a veth pair in a namespace of our
own, an independent capture of the plugged interface (tests/truth_child.py: its own AF_PACKET
socket with auxdata) compared frame by frame with what the ring delivered, under bursts that
overflow the ring; isolation under plug/unplug churn; ports bound to their plug's generation.
Every wait is on counters, never on time alone (item 14)."""
from __future__ import annotations

import pytest

from nettools import netns, run_child, veth


@pytest.mark.net
@pytest.mark.parametrize("proto,rcvbuf", [("v1", 0), ("v2", 0), ("v2", 4096)],
                         ids=["v1", "v2", "v2-tiny-socket-buffer"])
def test_ring_against_an_independent_capture(proto, rcvbuf):
    """Every frame the interface received is delivered byte-identical, in order, or counted in
    exactly one drop counter (the ring's, or drop_socket for the AF_PACKET socket's own drops);
    tagged frames arrive with their tag; nothing foreign. The tiny socket buffer (MNETIF_RCVBUF)
    makes the kernel drop frames before the platform reads them: they must be counted too."""
    with netns(f"truth{proto}") as ns:
        veth(ns, "relA", "relB")
        r = run_child(ns, "truth_child.py", "relA", "relB", proto,
                      env={"MNETIF_RCVBUF": str(rcvbuf)} if rcvbuf else None)
    ctx = f"{r}"
    assert r["capture_drops"] == 0, "the ground truth itself lost frames: " + ctx
    assert r["captured"] > 0 and r["capture_not_as_sent"] == 0, "capture differs from the sender: " + ctx
    # The promise: delivered + counted drops == frames the wire carried, exactly.
    assert r["frames"] == r["delivered"], ctx
    assert r["rx_seen"] == r["frames"] + r["ring_drops"], "a frame read was neither published nor counted: " + ctx
    assert r["delivered"] + r["ring_drops"] + r["drop_socket"] == r["captured"], ctx
    # Byte-identical, in capture order, nothing foreign.
    assert r["unmatched"] == 0 and r["foreign"] == 0, ctx
    # The bursts did overflow the ring: phase 1 (nobody consuming) kept exactly a ring's worth
    # (or fewer, if the socket dropped most of the burst first).
    p1 = r["phase1"]
    assert p1["fill"] == p1["frames"] == min(64, p1["captured"] - p1["drop_socket"] - p1["drop_oversize"]), ctx
    assert p1["drop_full"] + p1["drop_socket"] + p1["drop_oversize"] == p1["captured"] - 64, ctx
    # VLAN: tagged frames are delivered with their tag, and those over a slot only because of it
    # are counted oversize (an oversize frame may also have been lost in the socket first).
    assert r["tagged_delivered"] > 0 and r["tagged_oversize_captured"] > 0, ctx
    assert r["drop_oversize"] <= r["oversize_captured"], ctx
    if r["drop_socket"] == 0:
        assert r["drop_oversize"] == r["oversize_captured"], ctx


@pytest.mark.net
def test_a_ring_holds_only_its_own_interface_frames_under_churn():
    """500 plug/unplug cycles of an idle veth while loopback is flooded: no loopback frame in any
    ring (the socket used to receive from every interface between socket() and bind())."""
    with netns("churn") as ns:
        veth(ns, "relA", "relB")
        r = run_child(ns, "churn_child.py", "relA", "relB", "500")
    assert r["foreign"] == 0, f"foreign frames in the rings: {r}"
    assert r["probes"] == 20 and r["probes_ok"] == r["probes"], f"the interface's own frames: {r}"


@pytest.mark.net
def test_ports_are_bound_to_their_plug_not_the_name():
    """ip link del + re-create under the same name + plug again: closing the OLD port must not
    unplug the new one, and the new port reports its own counters."""
    with netns("regen") as ns:
        r = run_child(ns, "regen_child.py", "relA", "relB")
    assert r["gone_seen"], f"the deleted interface was not reported gone: {r}"
    assert r["port1_frames_at_delete"] == 3 and r["port1_frames_after"] == 3, r
    assert r["port2_received"] and r["port2_counters_frames"] == 5 and r["port2_popped"] == 5, r
    assert r["port2_closed_by_name"], r
