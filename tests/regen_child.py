"""Runs inside a namespace made by test_veth_truth.py. A port is bound to the plug it made, not to
the interface's name: A is plugged (port 1), deleted with `ip link del`, created again under the
same name and plugged (port 2), then port 1 is closed. Port 2 must keep receiving, with its own
counters; port 1's ring gets nothing after the delete. The new pair gets a LOWER interface index
than the old one, so a registry that looks entries up by name finds the new entry first.

argv: ROOT A B. Prints one JSON object."""
import json
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[1] + "/tests")
from nettools import wait_for  # noqa: E402
from mnetif import registry  # noqa: E402
from mnetif.ring import Ring  # noqa: E402

A, B = sys.argv[2], sys.argv[3]


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def pair(index):
    ip("link", "add", A, "index", str(index), "type", "veth", "peer", "name", B, "index", str(index + 1))
    for dev in (A, B):
        ip("link", "set", dev, "up")


def send(port, n, tag):
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((B, 0))
    for i in range(n):
        tx.send(bytes.fromhex(port.mac.replace(":", "")) + tx.getsockname()[4] +
                struct.pack("!HII", 0x88B5, tag, i) + bytes(42))
    tx.close()


def main():
    pair(40)                                        # registry home slot 40 & 31 = 8
    port1 = registry.plug(A, Ring.create("v2"))
    send(port1, 3, 1)
    wait_for(lambda: port1.counters()["frames"] == 3)
    ip("link", "del", A)                            # the pair is gone; port 1 stays plugged
    gone = wait_for(lambda: port1.counters().get("gone", False))
    frames1 = port1.ring.counters()["frames"]
    pair(34)                                        # home slot 2: found first by a name lookup
    port2 = registry.plug(A, Ring.create("v2"))
    port1.close()                                   # must unplug port 1's plug, not port 2's
    send(port2, 5, 2)
    got = wait_for(lambda: port2.counters()["frames"] == 5, 5.0)
    c2 = port2.counters()
    frames2 = [port2.consumer.pop() for _ in range(6)]
    after1 = port1.ring.counters()["frames"]
    registry.unplug(A)                              # the name means the live plug: port 2's
    print(json.dumps({"gone_seen": gone, "port1_frames_at_delete": frames1,
                      "port1_frames_after": after1, "port2_received": got,
                      "port2_counters_frames": c2["frames"],
                      "port2_popped": sum(1 for f in frames2 if f is not None and
                                          struct.unpack_from("!I", f, 14)[0] == 2),
                      "port2_closed_by_name": not port2._open}))


main()
