"""Shared helpers for the third-party ring tests (tests/thirdparty/). The builds come from `make`
(mk/thirdparty.mk); a missing build is an error naming the make command, never a skip."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyharness import thirdparty as tp  # noqa: E402


def case(build: str, scenario: str, mm: str = "SC", **params) -> tp.Case:
    return tp.Case(build, scenario, mm, tuple(params.items()))
