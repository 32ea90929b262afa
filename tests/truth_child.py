"""Runs inside a namespace made by test_veth_truth.py. Ground truth for the AF_PACKET platform: an
independent capture of interface A (its own AF_PACKET socket with PACKET_AUXDATA, written from
linux/if_packet.h and packet(7), sharing no code with pyharness) and the ring plugged to A, under
bursts sent on B that overflow the ring, with loopback traffic the ring must never see.

argv: ROOT A B PROTO. Prints one JSON object: what the capture, the ring and the counters saw, and
the comparisons (test_veth_truth.py asserts on them)."""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
from mnetif import registry  # noqa: E402
from mnetif.ring import Ring  # noqa: E402

A, B, PROTO = sys.argv[2], sys.argv[3], sys.argv[4]

# ---- the independent capture (linux/if_packet.h) ------------------------------------------------
SOL_PACKET, PACKET_AUXDATA, PACKET_STATISTICS = 263, 8, 6
SO_RCVBUFFORCE = 33
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 1 << 4, 1 << 6
AUXDATA = struct.Struct("=IIIHHHH")    # tp_status tp_len tp_snaplen tp_mac tp_net tci tpid


class Capture:
    """Every frame A receives, as the wire had it (the VLAN tag the stack moved into the skb is put
    back from the auxdata, as libpcap does), in order, read by a thread into a list."""

    def __init__(self, ifname: str):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)   # receives nothing yet
        self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        self.s.bind((ifname, ETH_P_ALL))
        self.s.settimeout(0.05)
        self.frames: list[bytes] = []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                data, anc, _flags, addr = self.s.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
            except socket.timeout:
                continue
            if addr[2] == PACKET_OUTGOING:
                continue
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= AUXDATA.size:
                    status, _l, _s, _m, _n, tci, tpid = AUXDATA.unpack_from(cdata)
                    if status & TP_STATUS_VLAN_VALID:
                        tpid = tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            self.frames.append(data)

    def drops(self) -> int:
        packets, drops = struct.unpack("II", self.s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        return drops

    def close(self):
        self.stop.set()
        self.t.join()
        self.s.close()


# ---- what B sends: numbered frames, some tagged (802.1Q, 802.1ad + 802.1Q), some oversize -------
ETH_P_TEST = 0x88B5                    # IEEE local experimental: nothing else sends it


def seq_of(f: bytes) -> int | None:
    off = 12
    while len(f) >= off + 2 and struct.unpack_from("!H", f, off)[0] in (0x8100, 0x88A8):
        off += 4
    if len(f) < off + 6 or struct.unpack_from("!H", f, off)[0] != ETH_P_TEST:
        return None
    return struct.unpack_from("!I", f, off + 2)[0]


def make_frame(dst: bytes, src: bytes, i: int) -> bytes:
    kind = i % 7
    tags = b""
    if kind in (1, 4):
        tags = struct.pack("!HH", 0x8100, 100 + i % 4000)
    elif kind == 2:
        tags = struct.pack("!HHHH", 0x88A8, 7, 0x8100, 200 + i % 3000)
    # sizes on the wire: small and large, exactly a slot, and just over a slot because of the tag
    size = (60, 64 + i % 1450, 1514, 2048, 2049 + i % 4, 3000, 100 + i % 1900)[(i // 7) % 7]
    head = dst + src + tags + struct.pack("!HI", ETH_P_TEST, i)
    return head + bytes((i * 13 + k) & 0xFF for k in range(max(0, size - len(head))))


# ---- the run ------------------------------------------------------------------------------------
FLOOD = ("import socket, time\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "while True:\n"
         "    for _ in range(200): s.sendto(b'lo' * 30, ('127.0.0.1', 9))\n"
         "    time.sleep(0.001)\n")

def settle(port, cap, deadline_s=60.0):
    """Waits (on counters, never on time alone) until the platform accounted every frame the
    capture saw: rx_seen + drop_socket == captured, unchanged for 0.3 s."""
    t_end, last, since = time.monotonic() + deadline_s, None, time.monotonic()
    while time.monotonic() < t_end:
        c = port.counters()
        now = (c["rx_seen"] + c["drop_socket"], len(cap.frames))
        if now != last:
            last, since = now, time.monotonic()
        elif now[0] == now[1] and time.monotonic() - since > 0.3:
            return c
        time.sleep(0.02)
    raise SystemExit(f"counters never matched the capture: platform {last[0]}, capture {last[1]}")


def main():
    # Foreign traffic the ring must never see. Its own pipes: a failure here must not leave a
    # process holding our stdout open (the parent would wait for it).
    flood = subprocess.Popen([sys.executable, "-c", FLOOD], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        run(flood)
    finally:
        flood.kill()


def run(flood):
    cap = Capture(A)
    ring = Ring.create(PROTO)                       # 64 slots of 2048 bytes (the 2012 geometry)
    port = registry.plug(A, ring)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((B, 0))
    dst, src = bytes.fromhex(port.mac.replace(":", "")), tx.getsockname()[4]
    sent: dict[int, bytes] = {}
    delivered: list[bytes] = []
    seq = 0

    def send(n: int):
        nonlocal seq
        for _ in range(n):
            f = make_frame(dst, src, seq)
            sent[seq] = f
            tx.send(f)
            seq += 1

    # Phase 1: nobody consumes. The ring takes 64 frames; every other one is counted dropped.
    send(1000)
    c1 = settle(port, cap)
    fill1 = port.consumer.fill()
    phase1 = {"captured": len(cap.frames), "fill": fill1, "frames": c1["frames"],
              "drop_full": c1["drop_full"], "drop_socket": c1["drop_socket"],
              "drop_oversize": c1["drop_oversize"]}
    # Phase 2: a consumer drains while B sends bursts of up to 500 frames.
    stop = threading.Event()

    def consume():
        while not stop.is_set() or port.consumer.fill():
            if port.wait(0.05):
                delivered.extend(bytes(v) for v in port.consumer.drain(32))
                time.sleep(0.0005)            # a consumer slower than the wire
    t = threading.Thread(target=consume)
    t.start()
    for burst in (500, 50, 300, 1, 499, 200, 450):
        send(burst)
        time.sleep(0.01)
    c = settle(port, cap)
    stop.set()
    t.join()
    c = port.counters()
    port.close()
    flood.kill()
    cap_drops = cap.drops()
    cap.close()

    # Compare, frame by frame: the capture against what B sent (it is the wire), the ring's frames
    # against the capture (in order, byte-identical: an ordered subsequence).
    captured = cap.frames
    cap_seq = [seq_of(f) for f in captured]
    cap_vs_sent = sum(1 for s, f in zip(cap_seq, captured) if s is None or sent.get(s) != f)
    j, unmatched = 0, 0
    for f in delivered:
        while j < len(captured) and captured[j] != f:
            j += 1
        if j == len(captured):
            unmatched += 1
        else:
            j += 1
    ring_drops = c["drop_full"] + c["drop_oversize"] + c["drop_busy"] + c["drop_error"]
    print(json.dumps({
        "proto": PROTO, "sent": len(sent), "captured": len(captured), "capture_drops": cap_drops,
        "capture_not_as_sent": cap_vs_sent, "delivered": len(delivered), "unmatched": unmatched,
        "foreign": sum(1 for f in delivered if seq_of(f) is None),
        "frames": c["frames"], "ring_drops": ring_drops, "drop_full": c["drop_full"],
        "drop_oversize": c["drop_oversize"], "drop_socket": c["drop_socket"], "rx_seen": c["rx_seen"],
        "oversize_captured": sum(1 for f in captured if len(f) > 2048),
        "tagged_delivered": sum(1 for f in delivered if f[12:14] in (b"\x81\x00", b"\x88\xa8")),
        # over a slot only because of the tag the stack takes out (it takes out the outer one)
        "tagged_oversize_captured": sum(1 for f in captured
                                        if f[12:14] in (b"\x81\x00", b"\x88\xa8")
                                        and 2048 < len(f) <= 2052),
        "phase1": phase1,
    }))


main()
