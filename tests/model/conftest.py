"""Shared helpers for the model-runtime tests (tests/model/). The model builds come from
`make` (mk/harness.mk); a missing build is an error naming the make command, never a skip."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyharness import model, runtime  # noqa: E402,F401
from pyharness.failure import step_table  # noqa: E402,F401
from pyharness.workload import Case, Workload, frames as F  # noqa: E402,F401


def prop(ex: runtime.Execution) -> str:
    """The violated property's name, "none" for a clean run."""
    return ex.violation.prop if ex.violation else "none"


def repro(w: Workload, choices, variant: str | None = None) -> str:
    """The command that replays a failing schedule (step table + timeline)."""
    case = Case(w.with_(variant=variant) if variant else w, tuple(choices))
    return f"reproduce: python3 -m pyharness replay {case.token()}"
