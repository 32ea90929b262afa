"""Debian 12's ck_ring SPSC consumer under the ARM memory model (issue 12 item 2): libck-dev
0.7.1's _ck_ring_dequeue_sc orders its slot copy before the c_head store with ck_pr_fence_store(),
which orders stores only, so under ARM the consumer's c_head store may become visible before its
slot load is satisfied: the producer sees the slot free, refills it, and the consumer returns the
new item. Upstream (ck c7945fe) uses ck_pr_fence_load_store(); build ck_scfence is the installed
header with that one change (c/model/thirdparty/ck/sc-fence.edit).

ck_pr.h maps ck's fences by ck's contract: fence_load orders loads only (RT_FENCE_LDLD),
fence_store stores only (RT_FENCE_WMB). The tests below also check that the mapping is what makes
the difference (the fence kinds appear in the counterexample), and that the search can fail."""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ROOT, case, tp
from pyharness import tp_campaign

ARM = "ARM"
SPSC = dict(items=3, size=2)


@pytest.fixture(scope="module")
def found():
    return tp.hunt(case("ck", "spsc", ARM, **SPSC), 3)


def test_the_installed_spsc_consumer_returns_an_overwritten_item_on_arm(found):
    assert found.first == "corrupt-item", (found.first, found.message)
    assert "overwritten" in found.message
    cex = found.counterexample
    # the counterexample replays with the promise table it was found with (it is in the token)
    assert cex.promises and tp.Case.from_token(cex.token()) == cex
    assert tp.run(cex).violation == "corrupt-item"
    table = tp.describe(cex)
    # load buffering: the consumer's c_head store was promised before its slot load read
    assert re.search(r"consumer\s+promise\s+c_head", table), table
    assert re.search(r"consumer\s+fence\s+-\s+wmb", table), table      # ck_pr_fence_store
    # the same schedule on the strengthened consumer, and under PSO: no violation
    assert tp.run(cex.with_(build="ck_scfence")).violation == "none"
    assert tp.run(cex.with_(mm="PSO", promises=())).violation == "none"


def test_without_promises_the_bug_is_not_reachable():
    """Load -> store reordering is what the bug needs: with no promise allowed, the same bounded
    search on the installed header is clean (so the ARM row is not found by something else)."""
    s = tp.explore(case("ck", "spsc", ARM, **SPSC).with_(max_promises=0), 3)
    assert s.proof, (s.first, s.message)


def test_the_strengthened_consumer_is_proven_on_arm():
    s = tp.explore(case("ck_scfence", "spsc", ARM, **SPSC), 3)
    assert s.proof and s.executions > 1000, (s.first, s.message, s.executions)


def test_the_edit_is_the_one_fence():
    """ck_scfence differs from the installed header in that one call only."""
    edited = ROOT / "build/model/tp/include/ck_scfence/ck_ring.h"
    d = subprocess.run(["diff", "/usr/include/ck_ring.h", str(edited)], capture_output=True,
                       text=True).stdout
    changed = [ln for ln in d.splitlines() if ln[:2] in ("< ", "> ")
               and not ln.startswith("> /* build-time copy of /usr/include/ck_ring.h")]
    assert changed == ["< \tck_pr_fence_store();", "> \tck_pr_fence_load_store();"], d


def test_ck_fences_map_onto_rt_as_cks_contract_says():
    text = (ROOT / "c/model/thirdparty/ck/ck_pr.h").read_text()
    want = {"load": "RT_FENCE_LDLD", "load_load": "RT_FENCE_LDLD", "store": "RT_FENCE_WMB",
            "store_store": "RT_FENCE_WMB", "memory": "RT_FENCE_FULL",
            "store_load": "RT_FENCE_FULL", "acquire": "RT_FENCE_ACQUIRE",
            "release": "RT_FENCE_RELEASE", "acqrel": "RT_FENCE_RELEASE",
            "load_store": "RT_FENCE_ACQUIRE"}
    got = dict(re.findall(r"^TP_CK_FENCE\((\w+), (\w+)\)", text, re.M))
    assert {k: got.get(k) for k in want} == want


def test_the_campaign_has_both_arm_rows():
    """`python -m pyharness thirdparty` (make test-thirdparty) runs them; here: they are there."""
    rows = {(e.build, e.expect, e.violation) for e in tp_campaign.EXPECTATIONS if e.mm == ARM}
    assert rows == {("ck", "found", "corrupt-item"), ("ck_scfence", "proof", "")}, rows
