"""Contracts of the build: raw access to a shared field does not compile; only atomic.h names the
wrapped member; the ctypes mirrors match the C layouts; the .so exports only its API."""
from __future__ import annotations

import ctypes
import re
import subprocess
from pathlib import Path

import pytest

from mnetif import registry, ring

ROOT = Path(__file__).resolve().parent.parent
INC = ["-I", str(ROOT / "c/include")]


def compile_snippet(tmp_path, body: str) -> subprocess.CompletedProcess:
    src = tmp_path / "snippet.c"
    src.write_text('#include "mnetif/ring.h"\nint f(struct mn_ring_hdr *h);\n'
                   "int f(struct mn_ring_hdr *h) {\n" + body + "\n}\n")
    return subprocess.run(["gcc", "-std=gnu11", "-fsyntax-only", *INC, str(src)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("raw", [
    "return h->sr_cur + 1;",
    "h->sr_avail = 3; return 0;",
    "if (h->sr_lock) return 1; return 0;",
    "return h->ss_len[0] > 10;",
])
def test_raw_shared_access_does_not_compile(tmp_path, raw):
    assert compile_snippet(tmp_path, raw).returncode != 0, f"raw access compiled: {raw}"


def test_layer_access_compiles(tmp_path):
    r = compile_snippet(tmp_path, "mn_store_release(&h->sr_avail, (uint16_t)(mn_read_once(&h->sr_cur) + 1));"
                                  "return mn_test_and_set(&h->sr_lock);")
    assert r.returncode == 0, r.stderr


def test_only_the_ordering_layer_names_the_shared_member():
    offenders = []
    for path in list((ROOT / "c").rglob("*.[ch]")) + list((ROOT / "ocaml_shim").rglob("*.c")):
        if path.name != "atomic.h" and "mn_shared_" in path.read_text(errors="replace"):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"raw access to shared fields outside atomic.h: {offenders}"


LAYOUT_C = r"""
#include <stdio.h>
#include <stddef.h>
#include "mnetif/user.h"
#define S(t) printf(#t " %zu\n", sizeof(struct t));
#define O(t, f) printf(#t "." #f " %zu\n", offsetof(struct t, f));
int main(void) {
  S(mn_geom) S(mn_counters) S(mn_prod) S(mn_cons) S(mn_slot) S(mn_ifinfo) S(mn_plug_info)
  S(mn_frame) S(mn_user_stats)
  O(mn_prod, g) O(mn_prod, prod) O(mn_prod, lock_retries) O(mn_prod, c) O(mn_prod, notify)
  O(mn_cons, cons) O(mn_cons, seen) O(mn_cons, peeked) O(mn_counters, notify) O(mn_plug_info, event_fd)
  O(mn_plug_info, gen) O(mn_frame, len) O(mn_user_stats, drop_socket) O(mn_user_stats, gone)
  return 0;
}
"""


def test_ctypes_mirrors_match_c_layouts(tmp_path):
    src, exe = tmp_path / "layout.c", tmp_path / "layout"
    src.write_text(LAYOUT_C)
    subprocess.run(["gcc", *INC, "-o", str(exe), str(src)], check=True)
    c = dict(line.rsplit(" ", 1) for line in subprocess.run([str(exe)], capture_output=True,
                                                            text=True, check=True).stdout.splitlines())
    py = {"mn_geom": ring.Geom, "mn_counters": ring.Counters, "mn_prod": ring.ProdStruct,
          "mn_cons": ring.ConsStruct, "mn_slot": ring.SlotStruct, "mn_ifinfo": registry.Ifinfo,
          "mn_plug_info": registry.PlugInfoStruct, "mn_frame": ring.FrameStruct,
          "mn_user_stats": registry.UserStats}
    for name, cls in py.items():
        assert int(c[name]) == ctypes.sizeof(cls), name
    for key, val in c.items():
        if "." in key:
            t, f = key.split(".")
            assert getattr(py[t], f).offset == int(val), key


def test_header_offsets_match_ring_h():
    text = (ROOT / "c/include/mnetif/ring.h").read_text()
    offs = {m[0].lower(): int(m[1]) for m in re.findall(r"#define MN_OFF_(\w+) (\d+)", text)}
    for name, (off, _) in ring.FIELDS.items():
        assert offs[name[3:]] == off, name
    assert ring.HEADER_DTYPE.itemsize == 64


def test_shared_object_exports_only_the_api():
    out = subprocess.run(["nm", "-D", "--defined-only", str(ROOT / "build/libmnetif.so")],
                         capture_output=True, text=True, check=True).stdout
    syms = [l.split()[-1].split("@")[0] for l in out.splitlines() if l.split()[1] in "TDBR"]
    bad = [s for s in syms if not re.match(r"(mn_|netif_ether_input)", s)]
    assert syms and bad == [], bad


def test_every_dune_command_holds_the_build_lock():
    """`make -j2 all` on a fresh clone ran two `dune build` on one _build at once (ocaml-dune and
    build/kdevtest; dune 2.9 takes no lock): one recipe builds, and every dune command of every
    target holds build/.dune.lock (issue 11, item 15)."""
    recipes = [l for f in [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]
               for l in f.read_text().splitlines() if l.startswith("\t")]
    assert [l for l in recipes if re.search(r"\$\(DUNE\)|(^|\s)dune\s", l)] == [], \
        "a recipe runs dune without $(DUNE_LOCKED)"
    # Every target that runs dune, as make would run them all after a clean clone.
    out = subprocess.run(["make", "-n", "-B", "build/ocaml/mnetif_ocaml.so", "build/kdevtest",
                          "test-ocaml", "bench-ocaml"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    dune = [l.strip() for l in out.stdout.splitlines() if re.search(r"(^|[ ;&])dune ", l)]
    assert len(dune) >= 3, dune                       # build, test, exec
    unlocked = [l for l in dune if "flock build/.dune.lock dune " not in l]
    assert unlocked == [], f"dune without the lock: {unlocked}"
    assert sum(" dune build " in f" {l} " for l in dune) == 1, f"more than one dune build: {dune}"
