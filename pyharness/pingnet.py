"""The real-client end-to-end setup of the Mirage_net.S netif (issue 15): a veth pair between two
network namespaces this module creates (names prefixed "mir"), the OCaml responder
(ocaml_shim/mirage/responder, ARP + ICMP echo, written only against Mirage_net.S) on one end, and
the real iputils `ping` / `arping` on the other. Used by tests/ocaml/test_ping.py (the test) and
ocaml_shim/bench/ping_bench.py (the figures).

    with VethPair() as net:                       # net.pinger / net.responder_ns, 10.77.x.1 / .2
        with Responder(net) as r:                 # mirage_responder user mirb.. 10.77.x.2
            out = net.ping("-c", "5")             # iputils ping from the other namespace
        r.result                                  # its counters and counted drops (JSON)
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONDER = ROOT / "_build" / "default" / "ocaml_shim" / "mirage" / "responder" / "mirage_responder.exe"
RTT = re.compile(r"time=([0-9.]+) ms")
SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) received")


class Missing(RuntimeError):
    """A tool or a privilege the end-to-end setup needs; the message says how to get it."""


def require() -> None:
    if os.geteuid() != 0:
        raise Missing("the ping end-to-end test needs root (network namespaces, AF_PACKET): run it as root")
    for tool, pkg in (("ip", "iproute2"), ("ping", "iputils-ping"), ("arping", "iputils-arping")):
        if not shutil.which(tool):
            raise Missing(f"{tool} not found: apt-get install {pkg} (scripts/install-deps.sh installs it)")
    if not RESPONDER.exists():
        raise Missing(f"{RESPONDER} missing: run `dune build --root .` (make does)")


def sh(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=timeout)


class VethPair:
    """Two namespaces: the pinger's (veth end `a`, 10.77.<n>.1/24) and the responder's (end `b`,
    no address: only the responder answers on it)."""

    def __init__(self, tag: str | None = None):
        n = os.getpid() % 250
        tag = tag or str(os.getpid())
        self.pinger, self.responder_ns = f"mirp{tag}", f"mirr{tag}"
        self.a, self.b = f"mira{tag}"[:15], f"mirb{tag}"[:15]
        self.pinger_ip, self.ip = f"10.77.{n}.1", f"10.77.{n}.2"

    def __enter__(self) -> "VethPair":
        require()
        for ns in (self.pinger, self.responder_ns):
            sh("ip", "netns", "add", ns)
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", self.a, "netns", self.pinger, "type", "veth", "peer", "name", self.b,
           "netns", self.responder_ns)
        sh("ip", "-n", self.pinger, "addr", "add", f"{self.pinger_ip}/24", "dev", self.a)
        sh("ip", "-n", self.pinger, "link", "set", self.a, "up")
        sh("ip", "-n", self.responder_ns, "link", "set", self.b, "up")
        return self

    def __exit__(self, *exc) -> None:
        for ns in (self.pinger, self.responder_ns):
            sh("ip", "netns", "del", ns, check=False)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """A command in the pinger's namespace."""
        return sh("ip", "netns", "exec", self.pinger, *args, check=False, timeout=timeout)

    def ping(self, *args: str, target: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return self.run("ping", *args, target or self.ip, timeout=timeout)

    def arping(self, *args: str, target: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return self.run("arping", *args, "-I", self.a, target or self.ip, timeout=timeout)

    def mac_of_b(self) -> str:
        out = sh("ip", "-n", self.responder_ns, "-o", "link", "show", self.b).stdout
        return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)

    def kernel_answers(self) -> None:
        """Give end b the address: from now on the kernel's own stack answers (the baseline)."""
        sh("ip", "-n", self.responder_ns, "addr", "add", f"{self.ip}/24", "dev", self.b)

    def veth_drops(self) -> int:
        """Frames the veth pair itself dropped (either end's rx/tx drop counters)."""
        total = 0
        for ns, dev in ((self.pinger, self.a), (self.responder_ns, self.b)):
            for c in ("rx_dropped", "tx_dropped"):
                total += int(sh("ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/statistics/{c}").stdout)
        return total


class Responder:
    """mirage_responder BACKEND IFNAME IP in the responder's namespace; stopped with SIGTERM, after
    which `result` holds the JSON line it prints (counters and every counted drop)."""

    def __init__(self, net: VethPair, ip: str | None = None, backend: str = "user"):
        self.net, self.ip, self.backend = net, ip or net.ip, backend
        self.result: dict = {}

    def __enter__(self) -> "Responder":
        self.p = subprocess.Popen(["ip", "netns", "exec", self.net.responder_ns, str(RESPONDER), self.backend,
                                   self.net.b, self.ip], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if not line.startswith("READY"):
            self.p.kill()
            raise RuntimeError(f"responder did not start: {line!r} {self.p.stderr.read()[-2000:]}")
        self.mac = line.split()[1]
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> dict:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        out, err = self.p.communicate(timeout=30)
        last = [line for line in out.splitlines() if line.startswith("{")]
        if self.p.returncode != 0 or not last:
            raise RuntimeError(f"responder exited {self.p.returncode}: {out[-1000:]} {err[-2000:]}")
        self.result = json.loads(last[-1])
        return self.result

    def counted_drops(self) -> int:
        return sum(self.result.get("drops", {}).values())


def rtts_us(ping_output: str) -> list[float]:
    return [float(m) * 1000 for m in RTT.findall(ping_output)]


def summary(ping_output: str) -> tuple[int, int]:
    """(transmitted, received) of a ping run."""
    m = SUMMARY.search(ping_output)
    if not m:
        raise ValueError(f"no ping summary in: {ping_output[-500:]}")
    return int(m.group(1)), int(m.group(2))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]
