"""The layering of the model runtime (c/model/, docs/harness.md "Layers"): rt (c/model/rt/) and
the litmus workload (c/model/litmus/) are a generic checker that knows nothing about rings. No
mnetif name may appear there, and they include nothing outside themselves; the mnetif workload
(c/model/mnetif/) and the ordering layer's bridge (c/model/ordering.c) sit on rt.h alone.
The C side of the same claim: build/model/rt_selftest is compiled from rt/ and litmus/ with no
mnetif header on the include path (mk/harness.mk)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "c" / "model"
GENERIC = [MODEL / "rt", MODEL / "litmus"]

# Names that belong to the ring or to mnetif (whole words or identifier parts: "mn_ring_check",
# "sr_cur", "MN_OFF_LOCK", "frames"; not "string", "ordering", "during").
FORBIDDEN = re.compile(
    r"mnetif|(?<![a-z])rings?(?![a-z])|(?<![a-z])frames?(?![a-z])|producers?|consumers?"
    r"|(?<![a-z0-9])sr_|(?<![a-z0-9])mn_|mn_off|registry|netif|unplug|ss_len|slots?(?![a-z])"
    r"|eth(ernet)?(?![a-z])",
    re.IGNORECASE)
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


def generic_files() -> list[Path]:
    files = [p for d in GENERIC for p in sorted(d.iterdir()) if p.suffix in (".c", ".h", ".S")]
    assert len(files) >= 10, f"expected rt's sources under {GENERIC}, found {files}"
    return files


def test_the_pattern_catches_mnetif_names_and_spares_generic_words():
    for hit in ("mn_ring_check", "sr_cur", "MN_OFF_LOCK", "the ring", "frames", "Producer",
                "consumer_id", "#include \"mnetif/atomic.h\"", "slot[]", "registry"):
        assert FORBIDDEN.search(hit), hit
    for ok in ("string", "ordering", "during", "wakeup", "region", "rt_commit", "bring",
               "spring", "timeframe"):
        assert not FORBIDDEN.search(ok), ok


def test_rt_and_litmus_name_nothing_of_mnetif():
    hits = []
    for path in generic_files():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = FORBIDDEN.search(line)
            if m:
                hits.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r} in {line.strip()}")
    assert not hits, "mnetif names in the generic checker:\n" + "\n".join(hits)


def test_rt_and_litmus_include_only_themselves_and_the_system():
    bad = []
    for path in generic_files():
        for kind, name in INCLUDE.findall(path.read_text()):
            if kind == "<":
                if "/" in name and not name.startswith(("sys/", "sanitizer/")):
                    bad.append(f"{path.relative_to(ROOT)}: <{name}>")
                continue
            target = (path.parent / name).resolve()
            if not any(target.is_relative_to(d) for d in GENERIC) or not target.exists():
                bad.append(f"{path.relative_to(ROOT)}: \"{name}\"")
    assert not bad, "includes outside rt/ and litmus/:\n" + "\n".join(bad)


def test_rt_internals_stay_inside_rt():
    """mnetif and the bridge use rt.h (and the litmus workload), never rt's internal headers; only
    the benchmark and rt's own selftest look inside."""
    bad = []
    for path in [*(MODEL / "mnetif").iterdir(), MODEL / "ordering.c", MODEL / "model.h"]:
        if path.suffix not in (".c", ".h"):
            continue
        for _kind, name in INCLUDE.findall(path.read_text()):
            if name.endswith(("rt_impl.h", "mm.h")):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert not bad, "rt internals included by a workload:\n" + "\n".join(bad)
