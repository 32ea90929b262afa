"""Runs the misuse suite (tests/misuse_cases.py) and prints one JSON object: every case's outcome.

API cases: this process imports the bindings once, then forks a child per case (a subprocess:
a crash or a hang ends only that child). The child runs the case, reports what it raised through
a pipe, and its stderr goes to a file: a traceback printed there (an exception ignored in a
ctypes callback, say) counts as one. The parent kills a child that overruns its time limit.
CLI cases: `python -m pyharness ...` subprocesses, two at a time, with a time limit.

Outcomes: ok | crash (killed by a signal) | hang (time limit) | traceback (an exception the case
does not expect, or a traceback on stderr) | wrong (no exception where one was expected, or an
unclear message: empty or more than one line).

argv: ROOT [api|cli|all]"""
import base64
import dataclasses
import json
import os
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
import subprocess

ROOT = sys.argv[1]
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import errno  # noqa: E402
import gc  # noqa: E402
import mmap  # noqa: E402
import threading  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402

from misuse_cases import API, CLI  # noqa: E402
from mnetif import kmod, registry, ring as ring_mod  # noqa: E402
from mnetif.registry import PortClosed  # noqa: E402
from pyharness.workload import Workload  # noqa: E402

API_LIMIT_S, CLI_LIMIT_S = 20.0, 60.0
ring_mod.library()
ring_mod.library(zoo=True)                      # loaded once, before any fork


def namespace() -> dict:
    ns = {k: getattr(ring_mod, k) for k in dir(ring_mod) if not k.startswith("_")}
    ns.update(errno=errno, gc=gc, mmap=mmap, np=np, threading=threading, time=time,
              registry=registry, kmod=kmod, PortClosed=PortClosed, IF="mis0")
    registry.create_interface("mis0", "02:00:00:00:0e:01")
    ns["ring"] = lambda proto="v2": ring_mod.Ring.create(proto, nslots=8, slotsize=64, buflen=4096)
    ns["plugged"] = lambda proto="v2": registry.plug("mis0", ns["ring"](proto))
    ns["big"] = lambda: np.frombuffer(mmap.mmap(-1, 2**32 + 5), dtype=np.uint8)
    return ns


def child(code: str, wfd: int) -> None:
    try:
        exec(compile(code, "<case>", "exec"), namespace())
        res = {"raised": None}
    except BaseException as e:  # noqa: BLE001 - what the case raised is its result
        res = {"raised": type(e).__name__, "mro": [c.__name__ for c in type(e).__mro__],
               "msg": str(e), "tb": traceback.format_exc(limit=8)}
    os.write(wfd, json.dumps(res).encode())
    os.close(wfd)
    sys.stdout.flush()
    os._exit(0)


def run_api(expected: str, code: str) -> dict:
    r, w = os.pipe()
    err = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(err.fileno(), 2)
        child(code, w)
    os.close(w)
    t_end, status = time.monotonic() + API_LIMIT_S, None
    while status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
        elif time.monotonic() > t_end:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            status = "hang"
        else:
            time.sleep(0.002)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    err.seek(0)
    stderr = err.read().decode(errors="replace")
    out = {"expected": expected, "code": code}
    if status == "hang":
        return out | {"outcome": "hang"}
    if os.WIFSIGNALED(status) or not data:
        return out | {"outcome": "crash", "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status)
                      else None, "stderr": stderr[-1500:]}
    res = json.loads(data)
    out |= {"raised": res["raised"], "msg": res.get("msg", "")}
    if "Traceback" in stderr or "Exception ignored" in stderr:
        return out | {"outcome": "traceback", "stderr": stderr[-1500:]}
    if expected == "ok":
        return out | ({"outcome": "ok"} if res["raised"] is None else
                      {"outcome": "traceback", "tb": res["tb"]})
    if res["raised"] is None:
        return out | {"outcome": "wrong", "why": f"nothing raised, expected {expected}"}
    if expected not in res["mro"]:
        return out | {"outcome": "traceback", "tb": res["tb"]}
    if not res["msg"].strip() or "\n" in res["msg"].strip():
        return out | {"outcome": "wrong", "why": "the message is empty or not one line"}
    return out | {"outcome": "ok"}


def token(fields: dict) -> str:
    w = Workload(producers=(((8, 0),),)).to_json() | fields
    body = [[w[f.name] for f in dataclasses.fields(Workload)], [0, 1]]
    return "mn1." + base64.urlsafe_b64encode(zlib.compress(json.dumps(body).encode(), 9)).decode().rstrip("=")


def run_cli(argv: tuple, code: int, says: str) -> dict:
    argv = [token(json.loads(a[6:])) if a.startswith("TOKEN:") else a for a in argv]
    out = {"expected": f"exit {code}", "code": "python -m pyharness " + " ".join(argv)[:200]}
    try:
        p = subprocess.run([sys.executable, "-m", "pyharness", *argv], cwd=ROOT, capture_output=True,
                           text=True, timeout=CLI_LIMIT_S)
    except subprocess.TimeoutExpired:
        return out | {"outcome": "hang"}
    err = p.stderr.strip()
    out |= {"status": p.returncode, "msg": err[-300:]}
    if p.returncode < 0:
        return out | {"outcome": "crash"}
    if "Traceback" in p.stderr or "Traceback" in p.stdout:
        return out | {"outcome": "traceback"}
    if p.returncode != code or says not in err or "PROOF" in p.stdout:
        return out | {"outcome": "wrong", "why": f"want exit {code} and {says!r}"}
    # argparse prints its usage, then one error line; our own errors are one line
    lines = [l for l in err.splitlines() if not l.startswith(("usage:", " "))]
    if len(lines) != 1:
        return out | {"outcome": "wrong", "why": "not one error line"}
    return out | {"outcome": "ok"}


def main():
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    results, t0 = [], time.monotonic()
    if which in ("api", "all"):
        results += [run_api(e, c) for e, c in API]
    if which in ("cli", "all"):
        with ThreadPoolExecutor(2) as pool:
            results += list(pool.map(lambda c: run_cli(*c), CLI))
    counts = {}
    for r in results:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    print(json.dumps({"cases": len(results), "counts": counts, "seconds": round(time.monotonic() - t0, 1),
                      "bad": [r for r in results if r["outcome"] != "ok"]}))


main()
