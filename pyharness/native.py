"""Finding and loading the project's shared objects (built by `make` into build/)."""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("MNETIF_BUILD", ROOT / "build"))

_cache: dict[str, ctypes.CDLL] = {}


class BuildMissing(RuntimeError):
    """A shared object the bindings need has not been built."""


def load(name: str) -> ctypes.CDLL:
    """Load build/<name> once (e.g. 'libmnetif.so', 'libmnetif_zoo.so', 'asan/libmnetif_zoo.so').

    Raises BuildMissing naming the make command when it is absent."""
    lib = _cache.get(name)
    if lib is None:
        path = BUILD / name
        if not path.exists():
            raise BuildMissing(f"{path} is missing: run `make` at {ROOT}")
        lib = _cache[name] = ctypes.CDLL(str(path), use_errno=True)
    return lib
