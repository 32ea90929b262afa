"""Builds the shared objects the packages load and installs them as mnetif/_build/ (native.py looks
there after $MNETIF_BUILD). With MNETIF_BUILD=DIR set at install time the objects are copied from
DIR instead of built (DIR laid out like build/: libmnetif.so, model/, ocaml/)."""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent
# what the bindings and the harness load (mnetif/native.py callers); the OCaml object only if built
SHIPPED = ("libmnetif.so", "libmnetif_zoo.so", "model/*.so", "ocaml/mnetif_ocaml.so")


class BuildWithSharedObjects(build_py):
    def run(self):
        super().run()
        src = os.environ.get("MNETIF_BUILD")
        if src:
            src = Path(src)
        else:
            subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "package-libs"],
                           check=True)
            src = ROOT / "build"
        dest = Path(self.build_lib) / "mnetif" / "_build"
        for pattern in SHIPPED:
            for f in src.glob(pattern):
                (dest / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dest / f.relative_to(src))
        # the checker's sources, for the pytest plugin's user workloads (pyharness/usercheck.py)
        csrc = Path(self.build_lib) / "pyharness" / "_csrc"
        for part in ("rt", "user"):
            shutil.copytree(ROOT / "c" / "model" / part, csrc / part, dirs_exist_ok=True)
        if not (dest / "libmnetif.so").exists():
            raise SystemExit(f"no libmnetif.so in {src}: run `make package-libs`, or set "
                             f"MNETIF_BUILD to a directory holding the shared objects")


class BinaryDistribution(Distribution):
    def has_ext_modules(self):          # the wheel carries .so files: a platform wheel
        return True


setup(cmdclass={"build_py": BuildWithSharedObjects}, distclass=BinaryDistribution)
