"""examples/tinyring, copied outside the checkout and run with the virtualenv's pytest: the
installed plugin checks the tiny ring (proof, Hypothesis, PCT) and catches its broken build; a
failing proof prints the step table, the SVG timeline and a token, and --mnetif-replay TOKEN
reruns exactly that execution. (tests/plugin checks the same from the checkout, in detail.)"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BROKEN_PROOF = '''
def test_broken_ring_proof(mnetif_workload):
    mnetif_workload(["tinyring.c", "workload.c"], include=["."],
                    defines=["TINYRING_BROKEN"]).prove(("PSO",), bound=2)
'''


def _pytest(venv, cwd: Path, *args: str):
    d, env = venv
    return subprocess.run([str(d / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=cwd, env={**env, "MNETIF_USER_CACHE": str(cwd / ".uc")},
                          capture_output=True, text=True, timeout=600)


def test_the_example_project_through_the_installed_plugin(venv, tmp_path):
    ex = tmp_path / "tinyring"
    shutil.copytree(ROOT / "examples" / "tinyring", ex)
    r = _pytest(venv, ex)
    assert r.returncode == 0 and "4 passed" in r.stdout, r.stdout + r.stderr


def test_a_failing_proof_prints_a_token_that_replays(venv, tmp_path):
    ex = tmp_path / "tinyring"
    shutil.copytree(ROOT / "examples" / "tinyring", ex)
    (ex / "test_broken_proof.py").write_text(BROKEN_PROOF)
    r = _pytest(venv, ex, "test_broken_proof.py")
    assert r.returncode == 1 and "PROPERTY VIOLATED: order" in r.stdout, r.stdout + r.stderr
    m = re.search(r"--mnetif-replay (mnu1\.\S+)", r.stdout)
    assert m and re.search(r"slot\[\d\]", r.stdout), r.stdout
    svg = re.search(r"^timeline: (\S+\.svg)$", r.stdout, re.M)
    assert svg and Path(svg.group(1)).read_text().startswith("<svg"), r.stdout
    again = _pytest(venv, ex, "test_broken_proof.py", "--mnetif-replay", m.group(1))
    assert again.returncode == 1 and "(replay): 1 executions" in again.stdout, again.stdout
    assert "PROPERTY VIOLATED: order" in again.stdout
