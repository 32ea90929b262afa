"""The tiny ring, checked through the installed mnetif pytest plugin (pip install <mnetif>; no
path into the mnetif checkout): proven within 2 preemptions under SC, TSO and PSO and fuzzed
(Hypothesis, PCT), and its broken build (head published with a relaxed store) caught under PSO
only, by each engine, with a timeline and a replayable token."""


def test_the_tiny_ring_is_proven(mnetif_workload):
    ring = mnetif_workload(["tinyring.c", "workload.c"], include=["."])
    for outcome in ring.prove(("SC", "TSO", "PSO"), bound=2):
        assert outcome.executions > 100, outcome.report()


def test_the_broken_tiny_ring_is_caught_under_pso(mnetif_workload):
    broken = mnetif_workload(["tinyring.c", "workload.c"], include=["."],
                             defines=["TINYRING_BROKEN"])
    for mm in ("SC", "TSO"):
        assert broken.explore(mm, 2).proof, mm          # stores stay in order there
    found = broken.explore("PSO", 2)
    assert found.violation == "order", found.report()
    assert "slot" in found.table and found.token.startswith("mnu1.")
    assert broken.replay(found.token).violation == "order"


def test_the_tiny_ring_survives_hypothesis_and_pct(mnetif_workload):
    ring = mnetif_workload(["tinyring.c", "workload.c"], include=["."])
    outcomes = ring.fuzz(("SC", "TSO", "PSO"))          # the profile's budgets per model
    assert len(outcomes) == 6 and all(o.executions > 0 for o in outcomes)


def test_the_broken_tiny_ring_is_found_by_hypothesis_and_by_pct(mnetif_workload):
    broken = mnetif_workload(["tinyring.c", "workload.c"], include=["."],
                             defines=["TINYRING_BROKEN"])
    for found in (broken.hypothesis("PSO"), broken.pct("PSO")):
        assert found.violation == "order", found.report()
        assert found.svg.endswith(".svg") and open(found.svg).read().startswith("<svg")
        assert broken.replay(found.token).table == found.table
