"""Runs inside a network namespace made by test_veth.py: plugs veth end A through AF_PACKET, sends
frames on end B with a raw socket, consumes them through the ring, and prints one JSON line with
what it saw.

argv: ROOT A B NFRAMES PROTO MODE. MODE "paced": the consumer sleeps on the event channel; first
it arms it with the ring empty and B sends one frame, which must wake it with exactly one signal
(deterministic: nothing else is in flight). MODE "slow": the consumer never sleeps, it waits for
the counters to show the burst, as a consumer slower than the wire does, so the producer must
never signal (nobody armed sr_wake). Every wait is on counters or the event channel, with a
generous limit; nothing depends on how fast either side runs."""
import json
import socket
import struct
import sys
import time

sys.path.insert(0, sys.argv[1])
from mnetif import registry  # noqa: E402
from mnetif.ring import Ring  # noqa: E402

ETH_P = 0x88B5                     # IEEE local experimental ethertype: nothing else sends it
a, b, nframes = sys.argv[2], sys.argv[3], int(sys.argv[4])
proto, mode = sys.argv[5], sys.argv[6]

ring = Ring.create(proto)
port = registry.plug(a, ring)
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind((b, 0))
dst = bytes.fromhex(port.mac.replace(":", ""))
src = tx.getsockname()[4]


def frame(i: int, size: int) -> bytes:
    hdr = dst + src + struct.pack("!HI", ETH_P, i)
    return hdr + bytes((i * 7 + k) & 0xFF for k in range(size - len(hdr)))


def accounted() -> int:
    c = port.counters()
    return c["frames"] + c["drop_full"] + c["drop_oversize"] + c["drop_busy"] + c["drop_error"]


def wait_accounted(n: int, limit: float = 10.0) -> None:
    t_end = time.monotonic() + limit
    while accounted() < n and time.monotonic() < t_end:
        time.sleep(0.001)


sizes = [60 if i % 10 == 0 else 1514 if i % 10 == 1 else 60 + (i * 37) % 1400 for i in range(nframes)]
sent, got, other, woke = [], [], 0, None
oversize = frame(nframes, 3000)              # > 2048-byte slot: counted, not delivered
if mode == "paced":
    assert port.consumer.prepare_wait()      # empty, armed: the next frame must signal
    sent.append(frame(0, sizes[0]))
    tx.send(sent[0])
    woke = port.wait(timeout=10) and port.counters()["notify"] == 1
    got.append(port.consumer.pop())
for start in range(len(sent), nframes, 32):
    burst = [frame(i, sizes[i]) for i in range(start, min(nframes, start + 32))]
    for f in burst:
        tx.send(f)
        sent.append(f)
    if start <= 64 < start + 32:
        tx.send(oversize)
    if mode == "slow":
        wait_accounted(len(sent) + (start + 32 > 64))
    while len(got) < len(sent):
        if mode == "paced" and not port.wait(timeout=10):
            break
        n = len(got)
        for v in port.consumer.drain():
            if bytes(v[12:14]) == struct.pack("!H", ETH_P):
                got.append(bytes(v))
            else:
                other += 1
        if mode == "slow" and len(got) == n:
            break
    if len(got) < len(sent):
        break
c = port.counters()
port.close()
print(json.dumps({"sent": len(sent), "received": len(got), "exact": got == sent, "woke": woke,
                  "first_mismatch": next((i for i, (x, y) in enumerate(zip(sent, got)) if x != y), None),
                  "drop_oversize": c["drop_oversize"], "drop_full": c["drop_full"], "other": other,
                  "notify": c["notify"], "min_len": min(map(len, got), default=0),
                  "max_len": max(map(len, got), default=0)}))
