"""Fixtures shared by the core suite."""
from __future__ import annotations

import itertools

import pytest

from mnetif import registry
from mnetif.ring import MnetifError

_names = itertools.count(1)


@pytest.fixture
def ifname():
    """A fresh software interface (t<n>), unplugged and destroyed afterwards."""
    n = next(_names)
    name = f"t{n}"
    registry.create_interface(name, f"02:00:00:00:01:{n % 256:02x}")
    yield name
    try:
        registry.unplug(name)
    except MnetifError:
        pass
    registry.destroy_interface(name)
