"""Other people's rings (issue 12 item 2): the expectations of `python -m pyharness thirdparty`
one by one where a test has more to say, the counterexamples of the rediscovered bugs (each
absent from the fixed code under the same schedule), replay tokens and the command line."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, case, tp
from pyharness import tp_campaign

PR102 = dict(producers=2, items=1, consumers=1, size=4)


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyharness", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


# The bugs found, each with the fix that removes it (the same scenario, parameters and model).
FOUND = [
    ("ck_pr102", "ck", "mpmc", "SC", PR102, "spurious-full", 3),
    ("xen_pushwmb", "xen", "front-back", "TSO", {}, "lost-notification", 3),
    ("xen_finalwmb", "xen", "front-back", "TSO", {}, "lost-notification", 3),
    ("notify_nofence", "notify", "sqpoll", "TSO", {}, "lost-notification", 3),
    ("notify_nofence", "notify", "used_event", "TSO", {}, "lost-notification", 3),
    ("xsa155", "xsa155_copy", "hostile-frontend", "SC", dict(writes=1), "out-of-bounds", 5),
]


@pytest.mark.parametrize("buggy, fixed, scenario, mm, params, violation, bound", FOUND)
def test_a_bug_found_replays_and_is_gone_with_the_fix(buggy, fixed, scenario, mm, params,
                                                      violation, bound):
    s = tp.hunt(case(buggy, scenario, mm, **params), bound)
    assert s.first == violation, (s.first, s.message)
    cex = s.counterexample
    # the token replays the same execution: same table, same verdict
    again = tp.Case.from_token(cex.token())
    assert again == cex
    assert tp.describe(again) == tp.describe(cex)
    assert tp.run(again).violation == violation
    # the fix under the same schedule: no violation (and no proof claimed here: see the table)
    assert tp.run(cex.with_(build=fixed)).violation == "none"


def test_ck_pr102_counterexample_is_the_one_the_pull_request_describes():
    """'a snapshot of p_head so stale with respect to the later snapshot of c_head that a
    comparison modulo (small) ring size will erroneously conclude that the ring is full'."""
    s = tp.hunt(case("ck_pr102", "mpmc", "SC", **PR102), 3)
    rows = [l.split() for l in tp.describe(s.counterexample).splitlines() if l[:4].strip().isdigit()]
    failing = [r for r in rows if r[0].endswith("!")][0]
    stale = [r for r in rows if r[1] == failing[1] and r[3] == "p_head"][0]
    assert stale[5] == "0"                            # its p_head snapshot, taken first
    assert failing[2:4] == ["load", "c_head"] and failing[5] == "1"   # c_head moved past it
    others = [r for r in rows if r[1] != failing[1]]
    assert any(r[2:4] == ["cas", "c_head"] for r in others)       # a consumer took an item
    assert s.bound <= 2


def test_a_proof_row_and_a_found_row_through_the_campaign():
    rows = [tp_campaign.check(e) for e in tp_campaign.EXPECTATIONS
            if e.build in ("ck_pr102", "notify") and e.mm in ("SC", "TSO")]
    assert rows and all(r.ok for r in rows), [(r.exp.build, r.verdict) for r in rows]
    assert any(r.verdict.startswith("FOUND") for r in rows)
    assert any(r.verdict.startswith("PROOF") for r in rows)


def test_the_table_command_exits_0_and_names_time_to_find():
    p = cli("thirdparty", "--only", "ck_pr102")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "FOUND spurious-full" in p.stdout and " s, " in p.stdout and "executions" in p.stdout
    assert "ck PR #102" in p.stdout


def test_a_bad_selection_is_one_line():
    p = cli("thirdparty", "--only", "no-such-ring")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "no-such-ring" in p.stderr


def test_replay_of_a_third_party_token():
    s = tp.hunt(case("notify_nofence", "sqpoll", "TSO"), 3)
    p = cli("replay", s.counterexample.token())
    assert p.returncode == 1, p.stderr
    assert p.stdout.startswith(tp.describe(s.counterexample)), p.stdout[:500]
    assert "replay: python -m pyharness replay tp1." in p.stdout
    # the same schedule under SC: no lost wakeup
    p = cli("replay", s.counterexample.token(), "--mm", "SC")
    assert p.returncode == 0 and "no violation" in p.stdout


@pytest.mark.parametrize("token, words", [("tp1.AAAA", "corrupt third-party replay token"),
                                          ("tp1.", "corrupt third-party replay token")])
def test_a_corrupt_token_is_one_line(token, words):
    p = cli("replay", token)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and words in p.stderr, p.stderr


def test_bad_cases_are_clear_errors():
    with pytest.raises(tp.ThirdPartyError, match="no scenario 'nope'"):
        tp.run(case("ck", "nope"))
    with pytest.raises(tp.ThirdPartyError, match="items = 99, want an integer 1..6"):
        tp.run(case("ck", "spsc", items=99))
    with pytest.raises(tp.ThirdPartyError, match="no parameter bogus"):
        tp.run(case("ck", "spsc", bogus=1))
    with pytest.raises(tp.ThirdPartyError, match="size 3: ck_ring needs a power of two"):
        tp.run(case("ck", "spsc", size=3))
    with pytest.raises(tp.ThirdPartyError, match="memory model 'XYZ'"):
        tp.run(case("ck", "spsc", "XYZ"))
