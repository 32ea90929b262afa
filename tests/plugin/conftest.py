"""The plugin suite (make test-plugin): examples/tinyring checked through pyharness.usercheck and
through the pytest plugin loaded from the checkout (tests/packaging runs the same example from a
fresh virtualenv). One compile cache for the session: each build of the ring is compiled once."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tinyring"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("usercheck-cache")


@pytest.fixture
def ring(cache, tmp_path):
    """examples/tinyring as written (fixed), its timelines under tmp_path/out."""
    from pyharness import profiles
    from pyharness.usercheck import UserWorkload
    return UserWorkload(["tinyring.c", "workload.c"], include=["."], base=EXAMPLE, cache=cache,
                        out=tmp_path / "out", profile=profiles.PROFILES["dev"])
