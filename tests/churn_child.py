"""Runs inside a namespace made by test_veth_truth.py. Isolation under churn: loopback carries a
flood of foreign frames while interface A (idle) is plugged and unplugged N times; a ring may hold
only A's own frames. Every 25th cycle B sends one frame: it must arrive (the test is not vacuous).

argv: ROOT A B CYCLES. Prints one JSON object."""
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

A, B, CYCLES = sys.argv[2], sys.argv[3], int(sys.argv[4])
FLOOD = ("import socket\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "while True: s.sendto(b'foreign' * 8, ('127.0.0.1', 9))\n")


def main():
    # Their own pipes: a failure here must not leave a process holding our stdout open.
    floods = [subprocess.Popen([sys.executable, "-c", FLOOD], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        run()
    finally:
        for f in floods:
            f.kill()


def run():
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((B, 0))
    time.sleep(0.3)                                   # the flood is running
    foreign, probes, probes_ok, seen_total = [], 0, 0, 0
    for i in range(CYCLES):
        ring = Ring.create("v2" if i % 2 else "v1", nslots=8, slotsize=256, buflen=8192)
        port = registry.plug(A, ring)
        own = None
        if i % 25 == 0:
            probes += 1
            own = bytes.fromhex(port.mac.replace(":", "")) + tx.getsockname()[4] + \
                struct.pack("!HI", 0x88B5, i) + bytes(46)
            tx.send(own)
            wait_for(lambda: port.counters()["frames"] >= 1)
        else:
            time.sleep(0.002)                         # time for queued foreign frames to show
        seen_total += port.counters().get("rx_seen", 0)
        port.close()
        while (f := port.consumer.pop()) is not None:
            if f == own:
                probes_ok += 1
            else:
                foreign.append(f[:40].hex())
    print(json.dumps({"cycles": CYCLES, "foreign": len(foreign), "first_foreign": foreign[:3],
                      "probes": probes, "probes_ok": probes_ok, "rx_seen": seen_total}))


main()
