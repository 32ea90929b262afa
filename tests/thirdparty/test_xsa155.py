"""The XSA-155 double fetch (issue 12 item 7), in a backend written from the advisory on the
installed xen/io/ring.h (c/model/thirdparty/xsa155/xsa155.c) against a hostile frontend: the
search must find the backend validating nr_segments from one read and using another, and the
advisory's fix (RING_COPY_REQUEST) must be proven within the same bound."""
from __future__ import annotations

import re

import pytest

from conftest import case, tp

BOUND = 5


@pytest.fixture(scope="module")
def found():
    return tp.hunt(case("xsa155", "hostile-frontend", "SC", writes=1), BOUND)


def nseg_steps(table: str) -> list[tuple[int, str, str, int]]:
    """(step, actor, op, value) of every access to ring[0]'s nr_segments in a step table."""
    out = []
    for line in table.splitlines():
        m = re.match(r"\s*(\d+)!?\s+(\w+)\s+(\w+)\*?\s+ring\[0\]\.nseg\S*\s+\w+\s+(\d+)", line)
        if m:
            out.append((int(m[1]), m[2], m[3], int(m[4])))
    return out


def test_the_double_fetch_is_found_and_is_a_double_fetch(found):
    assert found.first == "out-of-bounds", (found.first, found.message)
    table = tp.describe(found.counterexample)
    acc = nseg_steps(table)
    back = [(i, v) for i, a, op, v in acc if a == "backend" and op == "load"]
    front = [(i, v) for i, a, op, v in acc if a == "frontend" and op == "store"]
    # the backend read nr_segments at least twice, and got two different values ...
    assert len(back) >= 2 and back[0][1] != back[-1][1], table
    # ... because the frontend rewrote it between the first read (the check) and a later one
    assert any(back[0][0] < i < back[-1][0] for i, _ in front), table
    assert back[0][1] <= 2 < back[-1][1], table          # validated <= MAX_SEG, used > MAX_SEG


def test_without_hostile_stores_the_backend_is_clean():
    """The oracle does not fire on its own: a frontend that only pushes valid requests."""
    s = tp.explore(case("xsa155", "hostile-frontend", "SC", writes=0), BOUND)
    assert s.proof, (s.first, s.message)


@pytest.mark.parametrize("mm, bound", [("SC", BOUND), ("TSO", 4)])
def test_ring_copy_request_is_proven_against_the_same_frontend(found, mm, bound):
    s = tp.explore(case("xsa155_copy", "hostile-frontend", mm, writes=1), bound)
    assert s.proof and s.executions > 1000, (s.first, s.message, s.executions)
    # and the schedule that broke the in-place backend does not break the copying one
    assert tp.run(found.counterexample.with_(build="xsa155_copy")).violation == "none"
