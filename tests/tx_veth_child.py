"""Runs inside a network namespace made by test_tx.py: opens the transmit port of veth end A, pushes
frames into its ring, captures them on end B with an independent AF_PACKET socket, then takes A down
and checks that refused frames are counted. Prints one JSON line."""
import json
import socket
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[1])
from mnetif import tx  # noqa: E402

ETH_P = 0x88B5                      # IEEE local experimental ethertype: nothing else sends it
a, b = sys.argv[2], sys.argv[3]

cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
cap.bind((b, 0))
cap.settimeout(2.0)


def frame(i: int, size: int) -> bytes:
    head = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x0a" + ETH_P.to_bytes(2, "big") + i.to_bytes(4, "big")
    return head + bytes((i * 13 + k) & 0xFF for k in range(size - len(head)))


def capture(want: int, got: list) -> None:
    while len(got) < want:
        try:
            got.append(cap.recv(65536))
        except socket.timeout:
            return


sizes = [60 if i % 10 == 0 else 1514 if i % 10 == 1 else 18 + (i * 37) % 1496 for i in range(300)]
port = tx.open_tx(a)
sent, got = [], []
for i, s in enumerate(sizes):
    f = frame(i, s)
    sent.append(f)
    port.send(f)
    if i == 100:
        port.send(b"\x01" * 10)                 # runt: counted, never sent
        port.send(frame(9999, 1600))            # > MTU 1500 + 18: counted, never sent
    if i % 32 == 31:
        port.flush()
        capture(len(sent), got)                 # keep the capture socket's buffer from overflowing
counters = port.flush()
capture(len(sent), got)
subprocess.run(["ip", "link", "set", a, "down"], check=True)
before = port.counters()
for i in range(5):
    port.send(frame(1000 + i, 60))
time.sleep(0.05)
after = port.flush()
port.close()
print(json.dumps({
    "valid": len(sent), "captured": len(got), "exact": got == sent,
    "first_mismatch": next((i for i, (x, y) in enumerate(zip(sent, got)) if x != y), min(len(sent), len(got))),
    "counters": counters,
    "down": {k: after[k] - before[k] for k in ("frames", "drop_xmit")},
}))
