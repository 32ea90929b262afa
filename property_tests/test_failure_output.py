"""Failure output and replay: the token round-trips, `python -m pyharness replay TOKEN` prints the
same step table as the in-process run, the SVG is well-formed, the same schedule replays under
every memory model, and the CLI's explore prints a proof statement."""
import subprocess
import sys
import xml.etree.ElementTree as ET

from hypothesis import given, settings

from pyharness import campaign, runtime, svg, zoo
from pyharness.failure import describe, step_table
from pyharness.strategies import cases
from pyharness.workload import Case

ROOT = campaign.ROOT


@settings(max_examples=100)
@given(cases())
def test_token_roundtrip(case):
    assert Case.from_token(case.token()) == case


@settings(max_examples=30)
@given(cases(max_preemptions=6))
def test_replay_is_deterministic(case):
    a, b = runtime.run(case), runtime.run(case)
    assert a.steps == b.steps and a.violation == b.violation and a.final == b.final


@settings(max_examples=30)
@given(cases(max_preemptions=6))
def test_same_schedule_replays_under_every_model(case):
    for mm in ("SC", "TSO", "PSO"):
        ex = runtime.run(Case(case.workload.with_(memory_model=mm), case.choices))
        assert ex.steps, "an execution has steps"


def lost_wakeup():
    z = zoo.get("SB+nofence+mb")
    row = campaign.hunt(z, "TSO", max_examples=3000, progress=False)
    assert row.found is not None
    return row.found


def test_cli_replay_prints_the_same_table(tmp_path):
    ex = lost_wakeup()
    out = subprocess.run([sys.executable, "-m", "pyharness", "replay", ex.case.token(),
                          "--svg", str(tmp_path / "t.svg")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1, out.stderr       # 1: the replayed execution violates a property
    assert step_table(ex) in out.stdout
    assert f"PROPERTY VIOLATED: {ex.violation.prop}" in out.stdout
    ET.parse(tmp_path / "t.svg")                 # well-formed XML
    text = describe(ex)
    assert "replay:   python -m pyharness replay mn1." in text


def test_svg_marks_the_violating_step(tmp_path):
    ex = lost_wakeup()
    root = ET.fromstring(svg.timeline(ex))
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("stroke") == "#c00"]
    assert len(rects) == (1 if ex.violation.step >= 0 else 0)
