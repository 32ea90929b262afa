"""Hypothesis-drawn schedules and PCT on a user's workload (pyharness/usersearch.py), the timeline
and the replay token of what they find: the tiny ring's relaxed publish (-DTINYRING_BROKEN) is
a PSO-only bug, so each engine must find it under PSO and must find nothing under SC and TSO, nor
in the fixed ring."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis.database import DirectoryBasedExampleDatabase

from pyharness import profiles

SVG = "{http://www.w3.org/2000/svg}"


def check_counterexample(w, found, engine: str):
    """What a failure report must give: the property, the table, an SVG that exists and shows
    this execution, a token that replays it."""
    text = found.report()
    assert found.violation == "order" and found.engine.startswith(engine), text
    assert "PROPERTY VIOLATED: order" in text and re.search(r"C +load +slot\[\d\]", text), text
    assert f"replay: pytest --mnetif-replay {found.token}" in text
    assert f"timeline: {found.svg}" in text
    root = ET.parse(found.svg).getroot()
    labels = [t.text for t in root.iter(SVG + "text")]
    assert {"P", "C", "head", "tail"} <= set(labels), labels
    marks = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert len(marks) == found.table.count("\n") + 1, "one mark per step of the table"
    bad = [r for r in marks if r.get("stroke") == "#c00"]
    assert len(bad) == 1 and bad[0].find(SVG + "title").text.startswith(
        "#" + re.search(r"^>> *(\d+)", found.table, re.M).group(1) + " "), found.table
    again = w.replay(found.token)
    assert (again.violation, again.table) == ("order", found.table)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hypothesis_finds_the_relaxed_publish_under_pso(ring, seed):
    broken = ring.with_defines("TINYRING_BROKEN")
    found = broken.hypothesis("PSO", seed=seed)
    check_counterexample(broken, found, "Hypothesis")
    assert found.executions < ring.profile.examples + 3000   # search + shrink, bounded


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pct_finds_the_relaxed_publish_under_pso(ring, seed):
    broken = ring.with_defines("TINYRING_BROKEN")
    found = broken.pct("PSO", seed=seed)
    check_counterexample(broken, found, "PCT")
    assert found.executions <= ring.profile.pct_runs


def test_neither_engine_reports_what_sc_and_tso_cannot_do(ring):
    broken = ring.with_defines("TINYRING_BROKEN")
    for mm in ("SC", "TSO"):
        for o in (broken.hypothesis(mm, 100), broken.pct(mm, 100)):
            assert o.violation == "none" and not o.proof, o.report()
    assert "PCT bound: n=" in broken.pct("TSO", 10).report()


def test_the_fixed_ring_passes_fuzz_with_the_profiles_budgets(ring):
    ring.profile = profiles.Profile("tiny", 40, 25)
    outs = ring.fuzz(("SC", "TSO", "PSO"))
    assert [(o.mm, o.engine.split(",")[0], o.violation) for o in outs] == [
        (mm, e, "none") for mm in ("SC", "TSO", "PSO") for e in ("Hypothesis", "PCT")]
    assert [o.executions for o in outs if o.engine.startswith("PCT")] == [25, 25, 25]
    assert all("40 examples" in o.engine for o in outs if o.engine.startswith("Hypothesis"))


def test_fuzz_fails_with_the_report_of_the_broken_ring(ring):
    with pytest.raises(AssertionError) as e:
        ring.with_defines("TINYRING_BROKEN").fuzz(("SC", "TSO", "PSO"))
    text = str(e.value)
    assert "under PSO (Hypothesis" in text and "PROPERTY VIOLATED: order" in text, text
    svg = re.search(r"^timeline: (\S+)$", text, re.M).group(1)
    assert Path(svg).is_file() and Path(svg).parent == ring.out


def test_a_saved_counterexample_is_replayed_first(ring, tmp_path):
    """The example database (the plugin's: <rootdir>/.hypothesis/examples) keys the search by
    sources, defines and memory model: the second search starts from the failure."""
    broken = ring.with_defines("TINYRING_BROKEN")
    broken.database = DirectoryBasedExampleDatabase(str(tmp_path / "db"))
    first = broken.hypothesis("PSO")
    again = broken.hypothesis("PSO")
    assert first.violation == again.violation == "order"
    assert again.executions <= 3 < first.executions, (first.executions, again.executions)
    assert again.choices == first.choices
    assert broken.hypothesis("SC", 50).violation == "none"    # not replayed under another model


def test_profiles_are_chosen_by_name_or_variable(monkeypatch):
    assert profiles.selected().name == "dev"
    monkeypatch.setenv("MNETIF_PROFILE", "ci")
    assert profiles.selected() == profiles.PROFILES["ci"]
    assert profiles.selected("nightly").examples > profiles.PROFILES["ci"].examples
    with pytest.raises(profiles.ProfileError, match=r"^--x='fast': expected dev, ci, nightly$"):
        profiles.selected("fast", "--x")


def test_an_unknown_fuzz_engine_is_refused_before_any_search(ring):
    with pytest.raises(ValueError, match=r"^fuzz engines \['dfs'\]: expected hypothesis and/or pct$"):
        ring.fuzz(("SC",), engines=("pct", "dfs"))
