"""Hypothesis profiles for the property suites, chosen by MNETIF_PROFILE (default: dev): dev
(fast, for `make test` and editing), ci, nightly; their budgets are pyharness/profiles.py's.

All profiles share one example database (pyharness/exampledb.py): by default the directory
<repo>/.hypothesis/examples (ignored by git; MNETIF_EXAMPLE_DIR moves it), which several
pytest-xdist workers (`pytest -n auto`) can read and write at once; a counterexample found once is
replayed first on every later run. MNETIF_EXAMPLE_DB=redis://HOST:PORT/DB adds a shared Redis
database (multiplexed with the local one), so CI workers and machines replay each other's failures.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from pyharness import exampledb, profiles

COMMON = dict(deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
PROFILE = os.environ.get(profiles.ENV, "dev")


def pytest_configure(config):
    # Here, not at import: a UsageError raised in a hook is one line ("ERROR: ..."), and test
    # modules are imported after it, so their @settings inherit the loaded profile.
    try:
        profiles.selected(PROFILE)
        db = exampledb.from_env()
    except (profiles.ProfileError, exampledb.ExampleDbError) as e:
        raise pytest.UsageError(str(e)) from None
    for p in profiles.PROFILES.values():
        settings.register_profile(p.name, max_examples=p.examples, database=db, **COMMON)
    settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"mnetif harness: Hypothesis profile {PROFILE!r}, database {exampledb.describe()}"
