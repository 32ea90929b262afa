"""The Mirage_net.S ascription, as a user of the installed package sees it: files compiled with
`ocamlfind -package mnetif.mirage` against `dune build @install`'s findlib tree. Both netifs must
satisfy Mirage_net.S, and the compiler must reject a netif that changed (a value of another type,
the mirage-net 3.x listen) or a signature that grew — so a change on either side breaks the build.
Reproduce: python -m pytest -q tests/ocaml/test_signature.py"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINDLIB = ROOT / "_build" / "install" / "default" / "lib"


@pytest.fixture(scope="module")
def installed():
    if not shutil.which("ocamlfind"):
        pytest.fail("ocamlfind not found: apt-get install ocaml-findlib (scripts/install-deps.sh installs it)")
    # The one dune lock of mk/ocaml.mk: dune 2.9 takes none on _build, two at once corrupt it.
    (ROOT / "build").mkdir(exist_ok=True)
    r = subprocess.run(["flock", str(ROOT / "build" / ".dune.lock"), "dune", "build", "--root", str(ROOT),
                        "--display", "quiet", "@install"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"dune build @install failed:\n{r.stdout}{r.stderr}"
    assert (FINDLIB / "mnetif" / "META").exists(), "no META for package mnetif"
    return FINDLIB


def compile_ml(installed, tmp_path, source: str) -> subprocess.CompletedProcess:
    f = tmp_path / "user.ml"
    f.write_text(source)
    env = dict(os.environ, OCAMLPATH=str(installed))
    return subprocess.run(["ocamlfind", "ocamlc", "-package", "mnetif.mirage", "-c", str(f)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_both_netifs_are_mirage_net_devices(installed, tmp_path):
    r = compile_ml(installed, tmp_path, """
module U : Mirage_net.S = Mnetif_mirage.Userspace
module K : Mirage_net.S = Mnetif_mirage.Kernel
let connect_user : string -> Mnetif_mirage.Userspace.t Lwt.t = fun n -> Mnetif_mirage.Userspace.connect n
let stats : Mnetif_mirage.Userspace.t -> Mirage_net.stats = Mnetif_mirage.Userspace.get_stats_counters
""")
    assert r.returncode == 0, r.stderr


NEGATIVES = {
    "a value of another type": ("""
module Changed = struct include Mnetif_mirage.Userspace let mtu (_ : t) = "1500" end
module C : Mirage_net.S = Changed
""", "mtu"),
    "the mirage-net 3.x listen": ("""
module type OLD = sig type t val listen : t -> (Cstruct.t -> unit Lwt.t) -> (unit, Mirage_net.Net.error) result Lwt.t end
module O : OLD = Mnetif_mirage.Kernel
""", "listen"),
    "a signature that grew": ("""
module type GREW = sig include Mirage_net.S val writev : t -> Cstruct.t list -> (unit, error) result Lwt.t end
module G : GREW = Mnetif_mirage.Userspace
""", "writev"),
}


@pytest.mark.parametrize("what", sorted(NEGATIVES))
def test_the_compiler_rejects_a_change_on_either_side(installed, tmp_path, what):
    source, name = NEGATIVES[what]
    r = compile_ml(installed, tmp_path, source)
    assert r.returncode != 0, f"{what}: compiled, but must not"
    assert "Signature mismatch" in r.stderr and name in r.stderr, r.stderr
