"""The virtualenv the packaging tests share: `pip install <checkout>` once per session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def venv(tmp_path_factory):
    d = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(d)], check=True)
    py = d / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MNETIF_BUILD")}
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT)], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"pip install {ROOT} failed:\n{r.stdout}\n{r.stderr}"
    return d, env


