"""Network namespaces for the tests that use real interfaces: each test gets a namespace of its own
(named rel-<what>-<pid>, deleted afterwards) with IPv6 off (so the stack sends nothing on its
links) and loopback up; its child scripts run inside it with `ip netns exec`."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sh(*args: str) -> None:
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")


@contextlib.contextmanager
def netns(what: str):
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("the veth tests need root and iproute2 (scripts/install-deps.sh installs "
                    "iproute2; run the tests as root) — they do not skip silently")
    ns = f"rel-{what}-{os.getpid()}"
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def veth(ns: str, a: str, b: str, mtu: int = 4000, index: int | None = None) -> None:
    """A veth pair a/b in ns, up (index: a gets it, b the next one)."""
    idx = ["index", str(index)] if index else []
    idx_b = ["index", str(index + 1)] if index else []
    sh("ip", "-n", ns, "link", "add", a, *idx, "type", "veth", "peer", "name", b, *idx_b)
    for dev in (a, b):
        sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu), "up")


def run_child(ns: str, script: str, *args: str, timeout: int = 300, env: dict | None = None) -> dict:
    """Runs tests/<script> inside ns; returns the JSON object it prints last."""
    r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, str(ROOT / "tests" / script),
                        str(ROOT), *args], capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    assert r.returncode == 0, f"{script} {' '.join(args)} failed:\n{r.stderr[-4000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def wait_for(pred, limit: float = 10.0, step: float = 0.002) -> bool:
    """Polls pred() until it holds or `limit` seconds pass (for the child scripts: a wait on
    counters, with a generous limit, never a fixed sleep standing in for one)."""
    t_end = time.monotonic() + limit
    while time.monotonic() < t_end:
        if pred():
            return True
        time.sleep(step)
    return False
