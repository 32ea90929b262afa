"""The misuse suite (issue 11): >= 150 mistakes a user makes with the bindings and the CLI
(tests/misuse_cases.py), each in a process of its own with a time limit (tests/misuse_runner.py).
Every one must end in a clear error of the right kind (or, where the case says so, work): no
crash, no hang, no traceback, no unclear message."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_misuse_suite():
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "misuse_runner.py"), str(ROOT), "all"],
                       capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    bad = "\n".join(json.dumps(b)[:800] for b in res["bad"])
    print(f"misuse suite: {res['cases']} cases in {res['seconds']} s: {res['counts']}")
    assert res["cases"] >= 150, res["cases"]
    assert res["counts"] == {"ok": res["cases"]}, f"{res['counts']}:\n{bad}"
