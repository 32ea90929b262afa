"""The ClusterFuzzLite configuration (.clusterfuzzlite/) is consistent with the tree: no Docker
here (and no registry for its images), so these are the checks that can run locally; the bundle
itself was checked with pyinstaller as docs/harness.md "Continuous fuzzing" shows."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CFL = ROOT / ".clusterfuzzlite"


def test_project_is_python_with_a_supported_sanitizer():
    project = yaml.safe_load((CFL / "project.yaml").read_text())
    assert project["language"] == "python"
    assert set(project["sanitizers"]) <= {"address", "undefined"}   # what CFLite runs for Python


def test_dockerfile_builds_from_the_python_builder_and_copies_build_sh():
    text = (CFL / "Dockerfile").read_text()
    assert re.search(r"^FROM gcr\.io/oss-fuzz-base/base-builder-python\s*$", text, re.M)
    assert re.search(r"^COPY \.clusterfuzzlite/build\.sh \$SRC/\s*$", text, re.M)


def test_build_script_parses_and_names_what_exists():
    sh = CFL / "build.sh"
    assert subprocess.run(["bash", "-n", str(sh)]).returncode == 0
    text = sh.read_text()
    targets = re.findall(r"compile_python_fuzzer (\S+)", text)
    assert targets and all((ROOT / t).is_file() for t in targets), targets
    # the make target it calls exists and the model builds it names are what --add-data bundles
    dry = subprocess.run(["make", "-n", "CC=gcc", "fuzz-libs"], cwd=ROOT, text=True,
                         capture_output=True)
    assert dry.returncode == 0, dry.stderr
    assert "--add-data \"build/model:build/model\"" in text


def test_workflows_run_code_change_and_batch_modes():
    modes = {}
    for f in (CFL / "workflows").glob("*.yml"):
        wf = yaml.safe_load(f.read_text())
        for job in wf["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("google/clusterfuzzlite/actions/build_fuzzers"):
                    assert step["with"]["language"] == "python", f
                if step.get("uses", "").startswith("google/clusterfuzzlite/actions/run_fuzzers"):
                    modes[step["with"]["mode"]] = f.name
    assert set(modes) == {"code-change", "batch"}, modes
