"""Shared helpers for the model-runtime tests (tests/model/). The model builds come from
`make` (mk/harness.mk); a missing build is an error naming the make command, never a skip."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyharness import model  # noqa: E402


def repro(w: model.Workload, choices, variant: str = "fixed") -> str:
    """A line to paste into Python to replay a failing schedule."""
    return (f"reproduce: from pyharness import model; r = model.run(model.{w!r}, {list(choices)!r}, "
            f"variant={variant!r}); print(r.message); print(r.table())")
