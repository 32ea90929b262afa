"""End to end with real clients (issue 15): the OCaml responder, written only against Mirage_net.S,
runs on Mnetif_mirage.Userspace (AF_PACKET receive ring + transmit ring) on one end of a veth pair;
the real iputils `arping` and `ping` on the other end get their replies, which an independent
`tcpdump` also sees on the wire. A responder for another address gets nothing (the checks can fail).
Reproduce: python -m pytest -q tests/ocaml/test_ping.py   (root; make test-ocaml runs it)"""
from __future__ import annotations

import subprocess
import time

import pytest

from pyharness import pingnet
from pyharness.pingnet import Responder, VethPair

pytestmark = pytest.mark.net


@pytest.fixture(scope="module")
def net():
    try:
        with VethPair() as n:
            yield n
    except pingnet.Missing as e:
        pytest.fail(str(e))


def test_arping_gets_the_netifs_mac(net):
    with Responder(net) as r:
        out = net.arping("-c", "3", "-w", "5")
    assert out.returncode == 0 and "Received 3 response(s)" in out.stdout, out.stdout + out.stderr
    replies = [line for line in out.stdout.splitlines() if line.startswith("Unicast reply")]
    assert len(replies) == 3 and all(r.mac.upper() in line for line in replies), out.stdout
    assert r.mac == net.mac_of_b(), "the netif must answer with its interface's MAC"
    assert r.result["arp_replies"] >= 3 and r.result["write_errors"] == 0, r.result


def test_ping_gets_every_echo_reply_and_the_wire_shows_them(net):
    cap = subprocess.Popen(["ip", "netns", "exec", net.pinger, "tcpdump", "-i", net.a, "-nn", "-l", "-p",
                            "icmp and src host " + net.ip], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    with Responder(net) as r:
        out = net.ping("-c", "20", "-i", "0.05", "-W", "2")
    time.sleep(0.3)
    cap.terminate()
    wire = cap.communicate(timeout=10)[0]
    assert pingnet.summary(out.stdout) == (20, 20), out.stdout + out.stderr
    assert "DUP!" not in out.stdout and "wrong data" not in out.stdout, out.stdout
    assert len(pingnet.rtts_us(out.stdout)) == 20
    assert wire.count("ICMP echo reply") == 20, f"tcpdump on {net.a} saw:\n{wire}"
    assert r.result["echo_replies"] == 20 and r.result["write_errors"] == 0, r.result
    assert r.counted_drops() == 0, r.result


def test_flood_loses_nothing_beyond_counted_drops(net):
    before = net.veth_drops()
    with Responder(net) as r:
        out = net.ping("-f", "-c", "3000", "-W", "2", timeout=120)
    sent, got = pingnet.summary(out.stdout)
    counted = r.counted_drops() + net.veth_drops() - before
    assert sent == 3000 and sent - got <= counted, \
        f"{sent - got} of {sent} flood pings lost, {counted} drops counted: {r.result} {out.stdout}"
    assert r.result["echo_replies"] == r.result["tx_pkts"] - r.result["arp_replies"], r.result


def test_a_responder_for_another_address_answers_nothing(net):
    """Negative control: the same setup with the responder on another address must fail both
    clients (so the checks above can fail)."""
    other = net.ip.rsplit(".", 1)[0] + ".3"
    with Responder(net, ip=other) as r:
        arp = net.arping("-c", "2", "-w", "2")
        ping = net.ping("-c", "2", "-W", "1")
    assert arp.returncode != 0 and "Received 0 response(s)" in arp.stdout, arp.stdout
    assert pingnet.summary(ping.stdout) == (2, 0), ping.stdout
    assert r.result["arp_replies"] == 0 and r.result["echo_replies"] == 0 and r.result["ignored"] >= 2, r.result
