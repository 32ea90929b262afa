"""Search budgets by name, chosen by MNETIF_PROFILE (default dev): the property suites' Hypothesis
profiles (property_tests/conftest.py) and the pytest plugin's budgets for a user's workload
(pytest_plugin.py; its --mnetif-profile option overrides the variable).

  dev      fast, for `make test` and editing
  ci       the CI budget (more examples, still bounded)
  nightly  the long fuzz budget
"""
from __future__ import annotations

import os
from dataclasses import dataclass

ENV = "MNETIF_PROFILE"


@dataclass(frozen=True)
class Profile:
    name: str
    examples: int      # Hypothesis examples per property (a user workload: per memory model)
    pct_runs: int      # PCT runs per memory model (a user workload)


PROFILES = {p.name: p for p in (Profile("dev", 150, 200), Profile("ci", 1000, 2000),
                                Profile("nightly", 20000, 50000))}


class ProfileError(ValueError):
    """The profile name is not one of PROFILES; the message names where it came from."""


def selected(name: str | None = None, source: str = ENV) -> Profile:
    """The profile `name` (given by `source`), else $MNETIF_PROFILE's, else dev."""
    if name is None:
        name = os.environ.get(ENV, "dev")
    if name not in PROFILES:
        raise ProfileError(f"{source}={name!r}: expected {', '.join(PROFILES)}")
    return PROFILES[name]
