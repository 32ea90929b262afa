"""Figures of the Mirage_net.S netif against the real iputils ping (a program that prints figures,
not a test; results in ocaml_shim/RESULTS.md). On one veth pair between two namespaces it creates:

  1. the OCaml responder (written only against Mirage_net.S) on Mnetif_mirage.Userspace answers;
  2. then the kernel's own stack answers on the same veth end (the address moved to it).

For each: round-trip p50/p99 of N pings at a fixed interval, and `ping -f` for S seconds (replies/s,
loss, and for the netif its counted drops: no loss beyond them).

    python3 ocaml_shim/bench/ping_bench.py [--count 1000] [--interval 0.002] [--flood 10] [--rounds 3]
(root; `make bench-ping`)
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pyharness import pingnet  # noqa: E402
from pyharness.pingnet import Responder, VethPair  # noqa: E402


def latency(net: VethPair, count: int, interval: float) -> tuple[float, float, int, int]:
    out = net.ping("-c", str(count), "-i", str(interval), "-W", "2", "-n", timeout=count * interval + 60)
    rtts = pingnet.rtts_us(out.stdout)
    sent, got = pingnet.summary(out.stdout)
    return pingnet.percentile(rtts, 50), pingnet.percentile(rtts, 99), sent, got


def flood(net: VethPair, seconds: int) -> tuple[int, int]:
    out = net.ping("-f", "-q", "-w", str(seconds), timeout=seconds + 60)
    return pingnet.summary(out.stdout)


def measure(net: VethPair, a: argparse.Namespace, who: str) -> dict:
    lat = [latency(net, a.count, a.interval) for _ in range(a.rounds)]
    fl = flood(net, a.flood)
    return {"who": who, "p50": statistics.median(x[0] for x in lat), "p99": statistics.median(x[1] for x in lat),
            "p50s": [x[0] for x in lat], "p99s": [x[1] for x in lat],
            "lost": sum(x[2] - x[3] for x in lat), "flood_sent": fl[0], "flood_got": fl[1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="pings per latency round (default 1000)")
    ap.add_argument("--interval", type=float, default=0.002, help="seconds between pings (default 0.002)")
    ap.add_argument("--flood", type=int, default=10, help="seconds of ping -f (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="latency rounds; the median is reported (default 3)")
    a = ap.parse_args()
    try:
        pingnet.require()
    except pingnet.Missing as e:
        print(f"ping_bench: {e}", file=sys.stderr)
        return 2
    with VethPair(tag=f"b{os.getpid()}") as net:
        with Responder(net) as r:
            net.arping("-c", "1", "-w", "2")
            netif = measure(net, a, "mnetif userspace + OCaml Mirage_net.S responder")
        drops = r.counted_drops()
        net.kernel_answers()
        time.sleep(0.5)
        kernel = measure(net, a, "kernel stack, same veth")
    load = os.getloadavg()
    print(f"# ping_bench {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load[0]:.1f} "
          f"on {os.cpu_count()} CPUs; {a.rounds} x {a.count} pings at {a.interval * 1000:g} ms "
          f"(median of rounds), ping -f -w {a.flood}")
    print("| answered by | RTT p50 us | RTT p99 us | lost | ping -f replies/s | flood sent / answered |")
    print("|---|---|---|---|---|---|")
    for m in (netif, kernel):
        print(f"| {m['who']} | {m['p50']:.0f} | {m['p99']:.0f} | {m['lost']} | {m['flood_got'] / a.flood:.0f} "
              f"| {m['flood_sent']} / {m['flood_got']} |")
    for m in (netif, kernel):
        print(f"rounds {m['who']}: p50 {[round(x) for x in m['p50s']]} p99 {[round(x) for x in m['p99s']]}")
    lost = netif["flood_sent"] - netif["flood_got"]
    print(f"netif flood: {lost} unanswered, {drops} counted drops (responder: {r.result})")
    # ping -w stops at the deadline: one request may still be in flight then.
    return 0 if lost <= drops + 1 else 1


if __name__ == "__main__":
    sys.exit(main())
