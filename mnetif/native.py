"""Finding and loading the project's shared objects (docs/install.md).

Where they are looked for, first match wins:
  1. $MNETIF_BUILD, a directory laid out like the checkout's build/ (libmnetif.so, model/, ocaml/);
  2. <package>/_build/, what `pip install .` built and installed with the package;
  3. <checkout>/build/, what `make` builds, when the package runs from a checkout."""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = Path(__file__).resolve().parent / "_build"


def build_dir() -> Path:
    env = os.environ.get("MNETIF_BUILD")
    if env:
        return Path(env)
    return PACKAGED if PACKAGED.is_dir() else ROOT / "build"


BUILD = build_dir()

_cache: dict[str, ctypes.CDLL] = {}


class BuildMissing(RuntimeError):
    """A shared object the bindings need has not been built."""


def load(name: str) -> ctypes.CDLL:
    """Load BUILD/<name> once (e.g. 'libmnetif.so', 'libmnetif_zoo.so', 'asan/libmnetif_zoo.so').

    Raises BuildMissing naming the make command when it is absent."""
    lib = _cache.get(name)
    if lib is None:
        path = BUILD / name
        if not path.exists():
            raise BuildMissing(f"{path} is missing: run `make` at {ROOT}, or point MNETIF_BUILD at "
                               f"a directory holding it (docs/install.md)")
        lib = _cache[name] = ctypes.CDLL(str(path), use_errno=True)
    return lib


def declare(lib: ctypes.CDLL, marker: str, sig: dict) -> ctypes.CDLL:
    """Set restype/argtypes of each `name: (restype, argtypes)` in sig on lib, once per marker (an
    attribute left on the ctypes handle: the bindings of one library are declared by several
    modules, each its own set)."""
    if not getattr(lib, marker, False):
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype, f.argtypes = res, args
        setattr(lib, marker, True)
    return lib
