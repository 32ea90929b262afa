"""Host-side checks of the OCaml port's /dev/mnetif consumer (ocaml_shim/kdev/test/kdevtest.ml).
It only consumes inside the VM (`make kmod-test`); here: it is static (the VM has no libc) and,
with no device, it reports a FAIL check and exits 1 instead of passing silently.
Run: python3 -m pytest -q tests/kmod"""
from __future__ import annotations

import os
import subprocess

import pytest

from mnetif import native

KDEVTEST = native.BUILD / "kdevtest"


@pytest.fixture(scope="module")
def kdevtest() -> str:
    assert KDEVTEST.exists(), f"{KDEVTEST} missing: run make build/kdevtest (mk/ocaml.mk)"
    return str(KDEVTEST)


def test_kdevtest_is_statically_linked(kdevtest):
    out = subprocess.run(["ldd", kdevtest], capture_output=True, text=True)
    assert "not a dynamic executable" in out.stdout + out.stderr, \
        f"{kdevtest} needs shared libraries the VM does not have:\n{out.stdout}"


def test_kdevtest_without_the_device_fails_loudly(kdevtest):
    if os.path.exists("/dev/mnetif"):
        pytest.skip("/dev/mnetif exists on this host: the no-device path cannot be observed here")
    out = subprocess.run([kdevtest, "all"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1, f"kdevtest without /dev/mnetif exited {out.returncode}:\n{out.stdout}"
    assert "CHECK ocaml-device: FAIL" in out.stdout, out.stdout
    assert ": PASS" not in out.stdout, f"a check passed without a device:\n{out.stdout}"
