"""The proof families reach the boundaries (issue 13): frame lengths 0, slot - 1, slot, slot + 1
and the model's largest frame; batches that lose >= 2 frames to a full ring; and the out-of-bounds
oracle (rt's wl->vio_bounds: every access inside one element of a registered field).

(a) the fixed build: both boundary families are proved (exhausted, 0 violations) under SC/TSO/PSO
    and reach the drop counters they are about;
(b) two protocol mutants that passed every proof family before (their workloads had 8-byte frames
    and no batch lost two frames) fail these proofs: a producer that accepts a frame one byte longer
    than a slot (the oracle flags the copy where it overruns), and one that counts a batch's
    full-ring drops as one drop (accounting); each counterexample replays from its token.
"""
from __future__ import annotations

import pytest

from pyharness import campaign, runtime
from pyharness.workload import Case, Workload

FAMILIES = {f.name: f for f in campaign.FAMILIES}
BOUNDARY = FAMILIES["boundary lengths"]
OVERFLOW = FAMILIES["batched overflow"]


@pytest.mark.parametrize("family", [BOUNDARY, OVERFLOW], ids=lambda f: f.name)
@pytest.mark.parametrize("protocol", ["v1", "v2"])
def test_fixed_build_proves_the_boundary_families(family, protocol):
    reached: set = set()
    for mm in ("SC", "TSO", "PSO"):
        r = campaign.prove(protocol, mm, 3, family, progress=False)
        cex = r.counterexample
        assert r.exhausted and r.violations == 0, (
            f"{family.name} {protocol}/{mm}: {r.violations} violations" +
            (f"; replay: python -m pyharness replay {cex.case.token()}" if cex else ""))
        reached |= r.coverage
    want = {"drop-oversize"} if family is BOUNDARY else {"drop-full", "ring-full"}
    assert want <= reached, f"{family.name} {protocol}: never reached {want - reached}"


def test_boundary_family_has_every_boundary_length_first_and_overflowing_batches():
    """What the statements claim: each boundary length starts a workload; for every ring size a
    workload pushes at least size + 2 frames in one batch (>= 2 dropped when the ring is full)."""
    firsts = {w.producers[0][0][0] for w in BOUNDARY.workloads("v2", "SC")}
    assert firsts == {0, 63, 64, 65, 8192}
    most: dict[int, int] = {}
    for w in OVERFLOW.workloads("v2", "SC"):
        n = len(w.producers[0])
        assert n <= OVERFLOW.batch, w.label()
        most[w.size] = max(most.get(w.size, 0), n)
    assert most and all(n >= size + 2 for size, n in most.items()), most


MUTANTS = [("oversize_plus_one", BOUNDARY, "out-of-bounds"),
           ("batch_drop_once", OVERFLOW, "accounting")]


@pytest.mark.parametrize("variant,family,prop", MUTANTS, ids=[m[0] for m in MUTANTS])
@pytest.mark.parametrize("protocol", ["v1", "v2"])
def test_mutant_fails_the_boundary_proof(variant, family, prop, protocol):
    for mm in ("SC", "PSO"):
        r = campaign.prove(protocol, mm, 3, family, progress=False, variant=variant)
        cex = r.counterexample
        assert r.violations > 0 and cex is not None, \
            f"{variant} passed the {family.name} proof ({protocol}/{mm}): the family cannot fail"
        assert cex.violation.prop == prop, cex.violation
        again = runtime.run(Case.from_token(cex.case.token()))
        assert again.violation == cex.violation and again.steps == cex.steps


def test_oversize_copy_is_flagged_where_it_overruns():
    """The oracle names the copy that runs past the slot (not the later wrong frame): a ring of
    one slot puts it past the ring's end, a ring of two into the next slot."""
    for size in (1, 2):
        w = Workload(protocol="v2", variant="oversize_plus_one", size=size,
                     producers=(((65, 0),),))
        ex = runtime.run(Case(w))
        assert ex.violation is not None and ex.violation.prop == "out-of-bounds", ex.violation
        msg = ex.violation.message
        assert "copy_in of 65 bytes at ring slot[] element 0" in msg and "runs past" in msg, msg
        assert ex.steps[ex.violation.step].op == "copy_in", ex.steps[ex.violation.step]
