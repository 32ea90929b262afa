"""Contracts of the OCaml shim's sources: header fields are touched only through the ordered stubs
(Hdr_ops), never byte-wise through Cstruct accessors (torn, unordered: the 2012 bug 6), except the
magic probe; the production stubs are [@@noalloc] and the model build's are not (docs/design.md §8).
Reproduce: python -m pytest -q tests/ocaml/test_lint.py"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "ocaml_shim" / "core"
ACCESSOR = re.compile(r"Cstruct\.(LE|BE|HE)\.(get|set)_uint(16|32|64)")


def test_no_bytewise_header_access_in_the_ring_port():
    offenders = []
    for path in sorted(CORE.glob("*.ml")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ACCESSOR.search(line) and not (path.name == "ring_geom.ml" and "off_magic" in line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == [], "byte-wise access to the ring header outside the magic probe:\n" + "\n".join(offenders)


def externals(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("external ")]


def test_production_stubs_are_noalloc():
    ext = externals((CORE / "hdr_ops.ml").read_text())
    assert ext, "no externals found in ocaml_shim/core/hdr_ops.ml"
    missing = [e for e in ext if "[@@noalloc]" not in e]
    assert missing == [], f"production header stubs without [@@noalloc]: {missing}"


def test_model_stubs_are_ordinary_externals():
    gen = ROOT / "_build" / "default" / "ocaml_shim" / "core_model" / "hdr_ops.ml"
    assert gen.exists(), f"{gen} missing: run `dune build --root .` (make does)"
    ext = externals(gen.read_text())
    assert len(ext) == len(externals((CORE / "hdr_ops.ml").read_text())), "model Hdr_ops lost externals"
    assert [e for e in ext if "noalloc" in e] == [], "a model-build stub is [@@noalloc]: a yield there corrupts the heap"
    assert all('"mnocm_' in e for e in ext), "model-build stubs must use the mnocm_ symbols"
