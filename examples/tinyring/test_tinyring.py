"""The tiny ring, checked through the installed mnetif pytest plugin (pip install <mnetif>; no
path into the mnetif checkout): proven within 2 preemptions under SC, TSO and PSO, and its broken
build (head published with a relaxed store) caught under PSO only, with a replayable token."""


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
