"""The bug zoo: each variant IS found by the search, shrunk (no longer than the first
counterexample found), and replayed exactly from its token; the fixed build passes the shrunk
workload exhaustively within the proof bound; a memory-model bug is NOT found (exhaustively) under
the models where it cannot happen; the must-hold case (consumer killed holding the v1 lock) holds
and its search reaches the killed-holder states."""
import pytest

from harness import failure_message
from pyharness import campaign, zoo
from pyharness.workload import Case

BUGS = [(z, mm) for z in zoo.ZOO if z.expect_bug for mm in z.found_under]
SAFE = [(z, mm) for z in zoo.ZOO if z.expect_bug for mm in z.safe_under]
HOLDS = [(z, mm) for z in zoo.ZOO if not z.expect_bug for mm in z.found_under]
ids = lambda zm: f"{zm[0].name.split(':')[0]}[{zm[1]}]"


@pytest.fixture(scope="module")
def hunted():
    cache = {}

    def get(z, mm):
        if (z.name, mm) not in cache:
            cache[z.name, mm] = campaign.hunt(z, mm, max_examples=3000, progress=False)
        return cache[z.name, mm]
    return get


def found(hunted, z, mm):
    row = hunted(z, mm)
    assert row.found is not None, f"{z.name} [{mm}] NOT found: {row.notes}"
    return row


@pytest.mark.parametrize("zm", BUGS, ids=[ids(x) for x in BUGS])
def test_zoo_bug_found_shrunk_replayed(zm, hunted):
    z, mm = zm
    row = found(hunted, z, mm)
    ex = row.found
    assert z.accept(ex), f"found the wrong violation: {failure_message(ex)}"
    pre = sum(1 for c in ex.case.choices if c)
    assert len(ex.steps) <= row.search.first_steps or pre <= row.search.first_preemptions, \
        "shrinking made the counterexample longer and added preemptions"
    assert row.replayed, f"token does not replay identically: {failure_message(ex)}"
    again = Case.from_token(ex.case.token())
    assert again == ex.case


@pytest.mark.parametrize("zm", BUGS, ids=[ids(x) for x in BUGS])
def test_zoo_fixed_build_passes(zm, hunted):
    p = found(hunted, *zm).proof
    assert p.stats.exhausted, f"fixed build: search not exhausted ({p.stats.executions} runs)"
    assert p.counterexample is None, failure_message(p.counterexample)


@pytest.mark.parametrize("zm", SAFE, ids=[ids(x) for x in SAFE])
def test_zoo_bug_absent_under_stronger_model(zm, hunted):
    z, mm = zm
    row = found(hunted, z, z.found_under[0])
    safe = campaign.safe(z, mm, row.found.case.workload)
    assert safe.proof.stats.exhausted
    assert safe.proof.counterexample is None, \
        f"{z.name} must not show under {mm}: {failure_message(safe.proof.counterexample)}"


@pytest.mark.parametrize("zm", HOLDS, ids=[ids(x) for x in HOLDS])
def test_zoo_must_hold(zm):
    z, mm = zm
    row = campaign.holds(z, mm, max_examples=300, progress=False)
    assert row.found is None, failure_message(row.found)
    assert not row.notes, row.notes
