"""The plain-access bridge (c/model/thirdparty/common/plain.c): plain C accesses of an
instrumented translation unit are rt operations with the memory model's semantics, range accesses
and the string functions included, and an access past a buffer is stopped and reported. Known
answers on small programs (c/model/thirdparty/selftest/bridge.c), then on the installed ck_ring.h
and Xen ring.h: their own plain accesses are steps of the table."""
from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, case, tp

MMS = ("SC", "TSO", "PSO")


def verdict(c: tp.Case, bound: int = 3) -> str:
    s = tp.hunt(c, bound)
    if not s.violations:
        assert s.exhausted, f"{c.label()}: not exhausted"
    return s.first


@pytest.mark.parametrize("mm", MMS)
def test_message_passing_with_plain_accesses(mm):
    # plain stores go through the store buffers: reordered under PSO only, not with the fences
    assert verdict(case("bridge", "mp", mm, fence=0)) == ("corrupt-item" if mm == "PSO" else "none")
    assert verdict(case("bridge", "mp", mm, fence=1)) == "none"


# rt.h's fence kinds by number (enum rt_fence)
ACQUIRE, FULL, WMB, RMB, LDLD = 2, 4, 5, 6, 8


@pytest.mark.parametrize("fence, allowed", [(0, True), (WMB, True), (LDLD, True), (RMB, False),
                                            (ACQUIRE, False), (FULL, False)])
def test_load_buffering_under_arm_and_the_fence_kinds(fence, allowed):
    """LB (r1 = x; F; y = 1 || r2 = y; F; x = 1): under ARM r1 = r2 = 1 needs a promise, and only
    a fence ordering loads before later stores forbids it. RT_FENCE_LDLD (ck's fence_load
    contract) orders loads before loads only: LB stays allowed, where RMB (dmb ishld) forbids it."""
    want = "corrupt-item" if allowed else "none"
    assert verdict(case("bridge", "lb", "ARM", fence=fence), 4) == want
    for mm in MMS:                      # no load -> store reordering in the x86-like models
        assert verdict(case("bridge", "lb", mm, fence=fence), 4) == "none"


@pytest.mark.parametrize("rfence, stale", [(RMB, False), (LDLD, False), (WMB, True)])
def test_message_passing_under_arm_and_the_readers_fence(rfence, stale):
    """MP with smp_wmb on the writer: the reader's LDLD forbids the stale read as RMB does."""
    got = verdict(case("bridge", "mp", "ARM", fence=1, rfence=rfence), 4)
    assert got == ("corrupt-item" if stale else "none")


@pytest.mark.parametrize("mm", MMS)
def test_a_plain_increment_is_a_load_and_a_store(mm):
    assert verdict(case("bridge", "incr", mm)) == "lost-item"


@pytest.mark.parametrize("mm", MMS)
def test_a_memcpy_call_is_one_region_copy_and_fields_are_not(mm):
    assert verdict(case("bridge", "copy", mm, torn=0)) == "none"
    assert verdict(case("bridge", "copy", mm, torn=1)) == "corrupt-item"


@pytest.mark.parametrize("length, expect", [(0, "none"), (16, "none"), (17, "out-of-bounds"),
                                            (64, "out-of-bounds")])
def test_an_overrun_is_stopped_and_reported(length, expect):
    s = tp.hunt(case("bridge", "overrun", "SC", len=length), 1)
    assert s.first == expect, s.message
    if expect != "none":
        assert f"writes {length} bytes running {length - 16} bytes into the guard" in s.message


@pytest.mark.parametrize("mm", MMS)
def test_an_actor_reads_its_own_buffered_plain_store(mm):
    assert verdict(case("bridge", "rmw", mm, seen=0)) == "none"
    # and the other actor can see the store (the marker violation is reachable)
    assert verdict(case("bridge", "rmw", mm, seen=1)) == "corrupt-item"


def test_ck_rings_own_plain_reads_are_steps():
    """ck_ring.h reads `ring->p_tail` (producer) and `ring->c_head` (consumer) with plain C and
    copies the slot with memcpy: those are steps with order 'plain', next to its ck_pr_* ones."""
    text = tp.describe(case("ck", "spsc", "TSO", items=1, size=2))
    rows = [line.split() for line in text.splitlines() if line[:4].strip().isdigit()]
    seen = {(r[1], r[2], r[3], r[4]) for r in rows if len(r) > 4}
    assert ("producer", "load", "p_tail", "plain") in seen, text
    assert ("producer", "store*", "slot[0]", "plain") in seen, text      # buffered under TSO
    assert ("consumer", "load", "c_head", "plain") in seen, text
    assert ("consumer", "load", "slot[0]", "plain") in seen, text
    assert ("producer", "store*", "p_tail", "relaxed") in seen, text     # ck_pr_store_uint
    assert ("producer", "fence", "-", "wmb") in seen, text              # ck_pr_fence_store


def test_the_installed_headers_are_what_was_compiled():
    ck, xen = tp.manifest("ck"), tp.manifest("xen")
    assert "/usr/include/ck_ring.h" in ck["deps"].split()
    assert "c/model/thirdparty/ck/ck_pr.h" in ck["deps"].split()
    assert "/usr/include/ck_pr.h" not in ck["deps"].split()          # only the primitives mapped
    assert "/usr/include/xen/io/ring.h" in xen["deps"].split()
    assert ck["version"] and xen["version"] and ck["package"] == "libck-dev"
    pr = tp.manifest("ck_pr102")
    assert "build/model/tp/include/ck_pr102/ck_ring.h" in pr["deps"].split()
    assert "/usr/include/ck_ring.h" not in pr["deps"].split()


@pytest.mark.parametrize("build, header", [("ck_pr102", "ck_ring.h"), ("ck_scfence", "ck_ring.h"),
                                           ("xen_pushwmb", "xen/io/ring.h"),
                                           ("xen_finalwmb", "xen/io/ring.h")])
def test_an_edited_copy_differs_from_the_installed_header_by_its_edit_only(build, header):
    orig = (Path("/usr/include") / header).read_text().splitlines()
    copy = (ROOT / "build/model/tp/include" / build / header).read_text().splitlines()
    assert copy[0].startswith("/* build-time copy of /usr/include/"), copy[0]
    edit = (ROOT / tp.manifest(build)["edit"]).read_text()
    changed = [l[1:] for l in difflib.unified_diff(orig, copy[1:], lineterm="", n=0)
               if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert changed, "no change"
    for line in changed:
        assert line in edit.splitlines(), f"{line!r} changed but is not in the edit"


def test_the_edit_tool_refuses_a_header_it_was_not_written_for(tmp_path):
    edit = tmp_path / "x.edit"
    edit.write_text("# test\n@@@ old\nno such text\n@@@ new\nx\n@@@ end\n")
    out = tmp_path / "out.h"
    p = subprocess.run([sys.executable, str(ROOT / "c/model/thirdparty/edit.py"),
                        "/usr/include/ck_ring.h", str(out), str(edit)], capture_output=True,
                       text=True)
    assert p.returncode == 1 and not out.exists()
    assert p.stderr.count("\n") == 1 and "occurs 0 times" in p.stderr, p.stderr
