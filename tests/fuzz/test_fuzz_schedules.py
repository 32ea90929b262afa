"""fuzz/fuzz_schedules.py under libFuzzer (atheris), run as a user or a CI runner would: a separate
process with libFuzzer flags. On the 2012 zoo build it finds the lost update within a bounded
number of runs and writes a crash input; that input reproduces the same failure through libFuzzer
(the crash file as argument) and through `--to-token` + `python -m pyharness replay`. On the fixed
build it runs N inputs clean, and the model's states reach libFuzzer as coverage."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = str(ROOT / "fuzz" / "fuzz_schedules.py")
LU_PROPS = ("frame-lost", "frame-corrupt", "accounting")   # zoo.get("LU+2012").props
# observed: 500-1400 libFuzzer inputs for seeds 1-4 (docs/harness.md); the bound leaves room
FIND_BOUND = 20000
CLEAN_RUNS = 1500


def fuzz(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("MNETIF_FUZZ_")}
    e.update(env or {})
    return subprocess.run([sys.executable, TARGET, *args], cwd=ROOT, env=e, text=True,
                          capture_output=True, timeout=timeout)


def table(text: str) -> str:
    """The failure text (property line .. replay line) of the first failure in text."""
    m = re.search(r"^PROPERTY VIOLATED:.*?^replay: +python -m pyharness replay \S+$", text,
                  re.M | re.S)
    assert m, f"no failure text in:\n{text[-3000:]}"
    return m.group(0)


@pytest.fixture(scope="module")
def zoo_crash(tmp_path_factory):
    """One campaign on the 2012 zoo build, selected through the environment (as CI would)."""
    out = tmp_path_factory.mktemp("artifacts")
    r = fuzz(f"-runs={FIND_BOUND}", "-seed=1", f"-artifact_prefix={out}/",
             env={"MNETIF_FUZZ_ZOO": "LU+2012"})
    crashes = sorted(out.glob("crash-*"))
    return r, crashes


def test_zoo_build_lost_update_found_within_bound(zoo_crash):
    r, crashes = zoo_crash
    assert r.returncode != 0 and crashes, \
        f"no crash within -runs={FIND_BOUND} (exit {r.returncode}):\n{r.stderr[-3000:]}"
    m = re.search(r"input #(\d+) \(execution #\d+\) violates (\S+)", r.stderr)
    assert m and int(m.group(1)) <= FIND_BOUND, r.stderr[-2000:]
    assert m.group(2) in LU_PROPS, f"found {m.group(2)}, not the lost update"
    assert "2012/SC [2012_same_offset]" in table(r.stderr)


def test_crash_input_replays_through_libfuzzer(zoo_crash):
    r, crashes = zoo_crash
    again = fuzz("--zoo=LU+2012", str(crashes[0]))
    assert again.returncode != 0, again.stderr[-2000:]
    assert table(again.stderr) == table(r.stderr)


def test_crash_input_converts_to_token_that_replays_exactly(zoo_crash):
    r, crashes = zoo_crash
    conv = fuzz("--to-token", str(crashes[0]), env={"MNETIF_FUZZ_ZOO": "LU+2012"})
    assert conv.returncode == 0, conv.stderr
    token = conv.stdout.strip()
    assert token.startswith("mn1.") and "violates" in conv.stderr, (conv.stdout, conv.stderr)
    expected = table(r.stderr)
    assert expected.endswith(token), "the crash log's replay token differs from the converter's"
    rep = subprocess.run([sys.executable, "-m", "pyharness", "replay", token,
                          "--svg", str(crashes[0]) + ".svg"],
                         cwd=ROOT, text=True, capture_output=True, timeout=120)
    assert rep.returncode == 1, rep.stdout + rep.stderr
    assert table(rep.stdout) == expected


def test_fixed_build_runs_clean(tmp_path):
    r = fuzz(f"-runs={CLEAN_RUNS}", "-seed=1", f"-artifact_prefix={tmp_path}/")
    assert r.returncode == 0, f"fixed build 'crashed':\n{r.stderr[-4000:]}"
    assert f"Done {CLEAN_RUNS} runs" in r.stderr, r.stderr[-2000:]
    # the model's abstract states and interleaving shapes reach libFuzzer as coverage
    cov = [int(c) for c in re.findall(r"cov: (\d+)", r.stderr)]
    assert cov and max(cov) >= 20, f"libFuzzer saw coverage {cov[-1:] or 'none'}"


@pytest.mark.parametrize("args, words", [
    (["--variant=nope"], "variant 'nope'"),
    (["--zoo=XX"], "no zoo case 'XX'"),
    (["--zoo=LU+2012", "--protocols=v1"], "--zoo names its own variant"),
    (["--mms=SC,XX"], "mms 'SC,XX'"),
    (["--to-token", "/nonexistent/crash"], "No such file"),
])
def test_bad_selection_is_one_line(args, words):
    r = fuzz(*args, "-runs=1")
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and words in lines[0], (r.returncode, lines)


def test_non_input_is_reported(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    r = fuzz("--to-token", str(empty))
    assert r.returncode == 2 and "not an input of this selection" in r.stderr, r.stderr
