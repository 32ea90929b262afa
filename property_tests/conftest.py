"""Hypothesis profiles for the property suites, chosen by MNETIF_PROFILE (default: dev).

  dev      fast, for `make test` and editing (a few hundred examples per property)
  ci       the CI budget (more examples, still bounded)
  nightly  the long fuzz budget

All profiles share one example database at <repo>/.hypothesis/examples (ignored by git). It is a
directory database, so several pytest-xdist workers (`pytest -n auto`) can read and write it at once;
a counterexample found once is replayed first on every later run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parent.parent
DB = DirectoryBasedExampleDatabase(str(ROOT / ".hypothesis" / "examples"))
_common = dict(database=DB, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("dev", max_examples=150, **_common)
settings.register_profile("ci", max_examples=1000, **_common)
settings.register_profile("nightly", max_examples=20000, **_common)
PROFILE = os.environ.get("MNETIF_PROFILE", "dev")
if PROFILE not in ("dev", "ci", "nightly"):
    raise pytest.UsageError(f"MNETIF_PROFILE={PROFILE!r}: expected dev, ci or nightly")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"mnetif harness: Hypothesis profile {PROFILE!r}, database {DB.path}"
