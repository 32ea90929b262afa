"""`pip install .` into a fresh virtualenv (no system site-packages), then the packages used from a
directory outside the checkout with nothing pointing back at it: imports, the ring through
libmnetif.so, a model search through the model build, the CLI, all from what pip installed.
Needs the network or a pip cache for numpy and hypothesis. Run: make test-package."""
from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def _run(venv, code: str, *args: str):
    d, env = venv
    outside = d / "elsewhere"
    outside.mkdir(exist_ok=True)
    return subprocess.run([str(d / "bin" / "python"), *args, *(["-c", code] if code else [])],
                          cwd=outside, env=env, capture_output=True, text=True, timeout=600)


def test_import_and_use_outside_the_checkout(venv):
    r = _run(venv, textwrap.dedent(f"""
        import mnetif, pyharness
        from pathlib import Path
        root = Path({str(ROOT)!r})
        for m in (mnetif, pyharness):
            assert root not in Path(m.__file__).parents, f"{{m.__name__}} imported from the checkout"
        from mnetif import native
        from mnetif.ring import Ring
        assert root not in native.BUILD.parents, native.BUILD
        r = Ring.create("v2")
        p, c = r.producer(), r.consumer()
        assert p.push(b"hello").name == "OK" and bytes(c.peek()) == b"hello"
        from pyharness import runtime
        from pyharness.workload import Workload, frames
        e = runtime.explore(Workload(protocol="v2", memory_model="TSO", producers=frames([60])), 2)
        assert e.proof and e.stats.executions > 10, e.stats
        bug = runtime.explore(Workload(protocol="v2", memory_model="TSO", waits=True,
                                       variant="no_prod_fence", producers=frames([60])), 2)
        assert bug.counterexample.violation.prop == "lost-wakeup"
        print("ok", native.BUILD)
    """))
    assert r.returncode == 0 and r.stdout.startswith("ok "), r.stdout + r.stderr
    assert "site-packages/mnetif/_build" in r.stdout, r.stdout


def test_the_installed_cli(venv):
    d, _ = venv
    r = subprocess.run([str(d / "bin" / "pyharness"), "explore", "--protocol", "v2", "--mm", "PSO",
                        "--frames", "1", "--preemptions", "2"], cwd=d, capture_output=True,
                       text=True, timeout=600, env=venv[1])
    assert r.returncode == 0 and "PROOF:" in r.stdout, r.stdout + r.stderr


def test_a_missing_build_names_the_variable(venv, tmp_path):
    """MNETIF_BUILD overrides the packaged objects; an empty one is refused in one line."""
    d, env = venv
    r = subprocess.run([str(d / "bin" / "python"), "-c",
                        "from mnetif.ring import Ring; Ring.create('v2')"], cwd=tmp_path,
                       env={**env, "MNETIF_BUILD": str(tmp_path)}, capture_output=True, text=True)
    assert r.returncode != 0 and "MNETIF_BUILD" in r.stderr and "BuildMissing" in r.stderr, r.stderr
