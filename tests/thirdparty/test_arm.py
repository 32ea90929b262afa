"""Debian 12's ck_ring SPSC consumer under the ARM memory model (issue 12 item 2): libck-dev
0.7.1's _ck_ring_dequeue_sc orders its slot copy before the c_head store with ck_pr_fence_store(),
which orders stores only, so on ARM the producer may see c_head advance, overwrite the slot, and
the consumer's (later-satisfied) load returns the new item. Upstream (ck c7945fe) uses
ck_pr_fence_load_store(); build ck_scfence is the installed header with that one change.

These run as soon as the checker has an ARM model (rt's enum rt_mm_id, named "ARM" by rt_mm_name):
until then they are skipped with that reason, and `python -m pyharness thirdparty` lists the two
rows as waiting."""
from __future__ import annotations

import pytest

from conftest import case, tp
from pyharness import tp_campaign

ARM = "ARM"
SPSC = dict(items=3, size=2)

needs_arm = pytest.mark.skipif(tp.build("ck").mm_id(ARM) < 0,
                               reason="the checker has no ARM memory model yet (c/model/rt: "
                                      "RT_MM_ARM, mm_arm.c); these run once it lands")


@needs_arm
def test_the_installed_spsc_consumer_loses_an_item_on_arm():
    s = tp.hunt(case("ck", "spsc", ARM, **SPSC), 4)
    assert s.first == "corrupt-item", (s.first, s.message)
    assert "overwritten" in s.message
    # the same schedule on the strengthened consumer: no violation
    assert tp.run(s.counterexample.with_(build="ck_scfence")).violation == "none"


@needs_arm
def test_the_strengthened_consumer_is_proven_on_arm():
    s = tp.explore(case("ck_scfence", "spsc", ARM, **SPSC), 3)
    assert s.proof, (s.first, s.message, s.executions)


@needs_arm
def test_the_campaign_rows_hold_on_arm():
    rows = [tp_campaign.check(e) for e in tp_campaign.EXPECTATIONS if e.mm == ARM]
    assert len(rows) == 2 and all(r.ok and not r.waiting for r in rows), \
        [(r.exp.build, r.verdict) for r in rows]


def test_without_arm_the_rows_wait_and_do_not_fail():
    rows = [tp_campaign.check(e) for e in tp_campaign.EXPECTATIONS if e.mm == ARM]
    assert len(rows) == 2
    if tp.build("ck").mm_id(ARM) < 0:
        assert all(r.ok and r.waiting and "RT_MM_ARM" in r.verdict for r in rows)
    else:
        assert not any(r.waiting for r in rows)
