"""The pytest plugin from the checkout (-p pyharness.pytest_plugin; tests/packaging runs it
installed): a user's test file in a fresh directory, run by a child pytest. A failing fuzz() or
prove() prints the property, the step table, the SVG timeline's path and a token; --mnetif-replay
TOKEN reruns that one execution; --mnetif-profile picks the budgets, a wrong one is refused."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT

TESTS = '''
import pytest

def broken(mnetif_workload):
    return mnetif_workload(["tinyring.c", "workload.c"], include=["."],
                           defines=["TINYRING_BROKEN"])

def test_fuzz(mnetif_workload):
    broken(mnetif_workload).fuzz(("SC", "TSO", "PSO"), seed=3)

def test_pct(mnetif_workload):
    broken(mnetif_workload).fuzz(("PSO",), seed=3, engines=("pct",))

def test_prove(mnetif_workload):
    broken(mnetif_workload).prove(("PSO",))

def test_budget(mnetif_workload):
    ring = mnetif_workload(["tinyring.c", "workload.c"], include=["."])
    print("BUDGET", ring.profile.name, ring.pct(\"SC\").executions)
'''


@pytest.fixture
def project(tmp_path, cache, monkeypatch):
    d = tmp_path / "project"
    shutil.copytree(EXAMPLE, d)
    (d / "test_user.py").write_text(TESTS)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("MNETIF_USER_CACHE", str(cache))
    monkeypatch.delenv("MNETIF_PROFILE", raising=False)
    monkeypatch.delenv("MNETIF_EXAMPLE_DB", raising=False)
    monkeypatch.delenv("MNETIF_EXAMPLE_DIR", raising=False)
    return d


def run(pytester, project: Path, *args: str):
    """pytest in project with the checkout's plugin (not an installed one: `pip install .` leaves
    mnetif.egg-info, whose entry point would register it a second time)."""
    os.chdir(project)
    return pytester.runpytest_subprocess("-p", "no:mnetif", "-p", "pyharness.pytest_plugin",
                                         "-p", "no:cacheprovider",
                                         "--rootdir", str(project), *args)


def failure(text: str, test: str) -> str:
    """The failure section of one test in pytest's report."""
    m = re.search(rf"_+ {test} _+\n(.*?)(?=\n_{{3,}} |\n=+ short test summary)", text, re.S)
    assert m, text
    return m.group(1)


@pytest.mark.parametrize("test,engine", [("test_fuzz", "Hypothesis"), ("test_pct", "PCT"),
                                         ("test_prove", "exhaustive")])
def test_a_failure_names_property_table_timeline_and_token(pytester, project, test, engine):
    out = project / "timelines"
    r = run(pytester, project, f"test_user.py::{test}", "--mnetif-out", str(out))
    text = "\n".join(r.outlines)
    assert r.ret == 1, text
    f = failure(text, test)
    assert f"under PSO ({engine}" in f and "PROPERTY VIOLATED: order" in f, f
    assert re.search(r"C +load +slot\[\d\] +relaxed +0\n", f) and re.search(r"^>> ", f, re.M), f
    svg = Path(re.search(r"^timeline: (\S+)$", f, re.M).group(1))
    assert svg.parent == out and svg.read_text().startswith("<svg"), f
    token = re.search(r"^replay: pytest --mnetif-replay (mnu1\.\S+)$", f, re.M).group(1)
    assert f.count("PROPERTY VIOLATED") == 1 and "Traceback" not in f, f      # once, no noise

    again = run(pytester, project, f"test_user.py::{test}", "--mnetif-replay", token,
                "--mnetif-out", str(out))
    g = failure("\n".join(again.outlines), test)
    assert again.ret == 1 and "(replay): 1 executions" in g and "PROPERTY VIOLATED: order" in g, g
    table = lambda t: [l for l in t.splitlines() if re.match(r"^(>>|  ) *\d+  ", l)]
    assert table(g) == table(f) and len(table(f)) > 5, g


def test_the_example_passes_and_the_profile_is_in_the_header(pytester, project):
    r = run(pytester, project, "test_tinyring.py", "--mnetif-profile", "dev")
    assert r.ret == 0, "\n".join(r.outlines)
    r.stdout.fnmatch_lines(["mnetif plugin: profile 'dev' (150 Hypothesis examples, 200 PCT*",
                            "*4 passed*"])


def test_the_profile_sets_the_budgets(pytester, project, monkeypatch):
    r = run(pytester, project, "test_user.py::test_budget", "-s", "--mnetif-profile", "ci")
    r.stdout.fnmatch_lines(["*BUDGET ci 2000"])
    monkeypatch.setenv("MNETIF_PROFILE", "dev")
    r = run(pytester, project, "test_user.py::test_budget", "-s")
    r.stdout.fnmatch_lines(["*BUDGET dev 200"])


@pytest.mark.parametrize("args,env,message", [
    (["--mnetif-profile", "fast"], {}, "ERROR: --mnetif-profile='fast': expected dev, ci, nightly"),
    ([], {"MNETIF_PROFILE": "huge"}, "ERROR: MNETIF_PROFILE='huge': expected dev, ci, nightly"),
])
def test_a_wrong_profile_is_one_line(pytester, project, monkeypatch, args, env, message):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    r = run(pytester, project, "test_user.py::test_budget", *args)
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert message in r.errlines and "Traceback" not in r.stderr.str(), r.stderr.str()
