"""`python -m pyharness replay mn1.… --emit-c DIR` (issue 12 item 8) for mnetif's own model: DIR
builds with `make` alone (the model runtime, the mnetif workload, the ring code it ran: a zoo
switch, or a mutant's edited ring.c) and reproduces the violation; built with the variant's switch
taken out it does not."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from pyharness import runtime
from pyharness.workload import Workload


def counterexample(w: Workload, bound: int):
    ex = runtime.explore(w, bound)
    assert ex.counterexample is not None, w.label()
    return ex.counterexample


def emit_and_make(cx, d) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "pyharness", "replay", cx.case.token(), "--emit-c",
                        str(d)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 1 and f"reproducer: {d}" in p.stdout, p.stdout[-2000:] + p.stderr
    return subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("w, bound, switch", [
    (Workload(protocol="v2", variant="no_prod_fence", memory_model="TSO", size=2,
              producers=(((8, 0), (8, 1)),), waits=True, reduce=True), 3, "-DMN_ZOO_NO_PROD_FENCE"),
    (Workload(protocol="v1", variant="hostile_trust_cur", memory_model="SC", size=2,
              producers=(((8, 0), (8, 1)),), hostile=1, lock_retries=4, reduce=True), 3, None),
])
def test_an_emitted_mnetif_reproducer_builds_and_reproduces(tmp_path, w, bound, switch):
    cx = counterexample(w, bound)
    d = tmp_path / "repro"
    m = emit_and_make(cx, d)
    assert m.returncode == 0, m.stdout[-3000:] + m.stderr[-3000:]
    assert f"REPRODUCED: {cx.violation.prop}" in m.stdout
    assert f"variant: {w.variant}" in m.stdout
    assert cx.case.token() in (d / "README.md").read_text()
    if switch:
        # the same program without the bug's switch: the shipped ring code, not reproduced
        mk = d / "Makefile"
        mk.write_text(mk.read_text().replace(switch, ""))
        subprocess.run(["make", "-C", str(d), "clean"], capture_output=True, timeout=60)
        m = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=600)
        assert m.returncode != 0 and f"NOT REPRODUCED: expected {cx.violation.prop}" in m.stdout, \
            m.stdout[-2000:]
    else:
        # a mutant: DIR's ring.c is the edited copy; the shipped one does not reproduce
        assert (d / "c/src/ring.c").read_text() != (ROOT / "c/src/ring.c").read_text()
        (d / "c/src/ring.c").write_text((ROOT / "c/src/ring.c").read_text())
        subprocess.run(["make", "-C", str(d), "clean"], capture_output=True, timeout=60)
        m = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=600)
        assert m.returncode != 0 and "NOT REPRODUCED" in m.stdout, m.stdout[-2000:]
