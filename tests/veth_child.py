"""Runs inside a network namespace made by test_veth.py: plugs veth end A through AF_PACKET, sends
frames on end B with a raw socket, consumes them through the ring with the event channel, and prints
one JSON line with what it saw."""
import json
import socket
import struct
import sys

sys.path.insert(0, sys.argv[1])
from pyharness import registry  # noqa: E402
from pyharness.ring import Ring  # noqa: E402

ETH_P = 0x88B5                     # IEEE local experimental ethertype: nothing else sends it
a, b, nframes = sys.argv[2], sys.argv[3], int(sys.argv[4])

ring = Ring.create(sys.argv[5] if len(sys.argv) > 5 else "v2")
port = registry.plug(a, ring)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind((b, 0))
dst = bytes.fromhex(port.mac.replace(":", ""))
src = tx.getsockname()[4]


def frame(i: int, size: int) -> bytes:
    hdr = dst + src + struct.pack("!HI", ETH_P, i)
    return hdr + bytes((i * 7 + k) & 0xFF for k in range(size - len(hdr)))


sizes = [60 if i % 10 == 0 else 1514 if i % 10 == 1 else 60 + (i * 37) % 1400 for i in range(nframes)]
sent, got, other = [], [], 0
oversize = frame(nframes, 3000)              # > 2048-byte slot: counted, not delivered
for start in range(0, nframes, 32):
    burst = [frame(i, sizes[i]) for i in range(start, min(nframes, start + 32))]
    for f in burst:
        tx.send(f)
        sent.append(f)
    if start == 64:
        tx.send(oversize)
    while len(got) < len(sent):
        if not port.wait(timeout=5):
            break
        for v in port.consumer.drain():
            if bytes(v[12:14]) == struct.pack("!H", ETH_P):
                got.append(bytes(v))
            else:
                other += 1
    if len(got) < len(sent):
        break
c = port.counters()
port.close()
print(json.dumps({"sent": len(sent), "received": len(got), "exact": got == sent,
                  "first_mismatch": next((i for i, (x, y) in enumerate(zip(sent, got)) if x != y), None),
                  "drop_oversize": c["drop_oversize"], "drop_full": c["drop_full"], "other": other,
                  "notify": c["notify"], "min_len": min(map(len, got), default=0),
                  "max_len": max(map(len, got), default=0)}))
