"""The CLI (python -m pyharness): explore proves / finds, fuzz and zoo run and summarise, a bad
token is a clear error. Each runs the real command in a subprocess."""
import base64
import dataclasses
import json
import os
import pty
import subprocess
import sys
import zlib

import pytest

from pyharness import campaign
from pyharness.workload import Case, Workload

ROOT = campaign.ROOT


def pyharness(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "pyharness", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_explore_prints_a_proof():
    out = pyharness("explore", "--protocol", "v2", "--mm", "TSO", "--size", "2", "--frames", "2",
                    "--waits", "--preemptions", "2")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PROOF: v2/TSO" in out.stdout and "0 violations" in out.stdout


def test_cli_explore_finds_a_zoo_bug():
    out = pyharness("explore", "--protocol", "v2", "--variant", "no_cons_fence", "--mm", "TSO",
                    "--size", "2", "--frames", "1", "--waits", "--preemptions", "3")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "PROPERTY VIOLATED: lost-wakeup" in out.stdout
    assert "python -m pyharness replay mn1." in out.stdout


def test_invalid_token_is_a_clear_error():
    out = pyharness("replay", "mn1.garbage", timeout=60)
    assert out.returncode == 2 and "corrupt replay token" in out.stderr
    assert "Traceback" not in out.stderr, out.stderr



@pytest.mark.parametrize("args,says", [
    (("replay", "garbage"), "not a replay token"),
    (("fuzz", "--examples", "-5"), "--examples: -5 out of range"),
    (("fuzz", "--variant", "nosuch"), "unknown variant 'nosuch'"),
    (("pct", "--depth", "0"), "--depth: 0 out of range"),
    (("pct", "--runs", "x"), "'x' is not an integer"),
    (("zoo", "nosuch"), "no zoo case 'nosuch'"),
    (("explore", "--size", "3"), "size 3 is not a power of two"),
    (("explore", "--producers", "4"), "--producers: 4 out of range"),
    (("explore", "--frames", "-1"), "--frames: -1 out of range"),
    (("explore", "--start", "70000"), "--start: 70000 out of range"),
    (("report", "--bound", "-1"), "--bound: -1 out of range"),
    # issue 11, item 13: each of these ended in a traceback (or a vacuous PROOF)
    (("explore", "--frames", "17"), "--frames: 17 out of range"),
    (("explore", "--len", str(2**40)), f"--len: {2**40} out of range"),
    (("pct", "--depth", "1000"), "--depth: 1000 out of range"),
    (("fuzz", "--protocols", ""), "empty: name at least one of"),
    (("fuzz", "--mms", ""), "empty: name at least one of"),
    (("fuzz", "--max-frames", "17"), "--max-frames: 17 out of range"),
    (("explore", "--producers", "2", "--kill", "producer0"), "killing a producer while another runs"),
])
def test_bad_input_is_one_clear_line_and_status_2(args, says):
    """Bad input never ends in a traceback (or, worse, a vacuous 'PROOF' of zero frames)."""
    out = pyharness(*args, timeout=60)
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert says in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "PROOF" not in out.stdout


def token(fields: dict | None = None, choices=(0, 1), raw=None) -> str:
    """A replay token built by hand (the format of workload.Case.token), fields overridden."""
    w = Workload().to_json() | (fields or {})
    body = raw if raw is not None else [[w[f.name] for f in dataclasses.fields(Workload)],
                                        list(choices)]
    data = zlib.compress(json.dumps(body).encode(), 9)
    return "mn1." + base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("fields,choices,raw,says", [
    ({"size": "2"}, (0,), None, "a field has the wrong type"),
    ({"waits": "yes"}, (0,), None, "waits must be true or false"),
    ({"variant": 5}, (0,), None, "variant must be a string"),
    ({"protocol": 7}, (0,), None, "protocol 7 not in"),
    ({"producers": [[[8, 0]] * 200]}, (0,), None, "200 frames: want 1..16"),
    ({"producers": [[[2**40, 0]]]}, (0,), None, f"frame length {2**40}"),
    ({"producers": [[[8, 999]]]}, (0,), None, "frame seed 999"),
    ({"producers": "abc"}, (0,), None, "corrupt replay token"),
    ({"start_index": 10**6}, (0,), None, "start_index 1000000"),
    ({"start_index": -1}, (0,), None, "start_index -1"),
    ({"lock_retries": -1}, (0,), None, "lock_retries -1"),
    ({"batch": 10**9}, (0,), None, "batch 1000000000"),
    ({}, (-1,), None, "schedule of 1 choices"),
    ({}, (2**40,), None, "schedule of 1 choices"),
    (None, (), [[1, 2], []], "corrupt replay token"),
    (None, (), {"a": 1}, "corrupt replay token"),
    (None, (), [["v2"] * 40, [0]], "corrupt replay token"),
])
def test_bad_token_fields_are_one_clear_line(fields, choices, raw, says):
    """Tokens are JSON anyone can edit: every field is checked before the model runs it."""
    out = pyharness("replay", token(fields, choices, raw), timeout=60)
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert says in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_replay_timeline_to_an_unwritable_file_is_one_line():
    good = Case(Workload(), (0, 1)).token()
    out = pyharness("replay", good, "--svg", "/dev/full", timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "cannot write the timeline to /dev/full" in out.stderr, out.stderr


def test_explore_shows_progress_on_a_terminal():
    """A long explore printed nothing for minutes; on a terminal it now shows executions, their
    rate and the time elapsed, like the other commands."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([sys.executable, "-m", "pyharness", "explore", "--protocol", "v2",
                              "--mm", "PSO", "--frames", "3", "--waits", "--preemptions", "3",
                              "--max-executions", "150000"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=slave, text=True)
        out, _ = p.communicate(timeout=300)
    finally:
        os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    err = err.decode(errors="replace")
    assert p.returncode in (0, 1), (out, err)
    assert "explore: " in err and "executions, " in err and "s elapsed" in err and "/s)" in err, err


def test_a_dpor_violation_is_named_with_its_token():
    """The DPOR log line of `report` said only 'NOT exhausted after N executions (no proof)'."""
    bug = campaign.prove_dpor(campaign.DPOR_PROOFS[0].with_(variant="v2_relaxed_publish",
                                                            memory_model="PSO"))
    lines = []
    campaign.log_dpor([bug], lines.append)
    assert bug.counterexample is not None
    prop = bug.counterexample.violation.prop
    assert f"VIOLATION {prop}" in lines[0] and "python -m pyharness replay mn1." in lines[0], lines[0]
    assert "NOT exhausted" not in lines[0]
    assert any("PROPERTY VIOLATED" in l for l in lines[1:]), lines


def test_report_ends_with_the_summary_and_the_verdict(tmp_path):
    """make report printed ~670 lines after its verdict; now the output ends with the summary,
    the verdict and the path of the report file, which holds the details."""
    out = pyharness("report", "--examples", "60", "--bound", "0", "--fuzz", "10", "--pct-runs", "3",
                    "--out", str(tmp_path), timeout=600)
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr, out.stderr[-2000:]
    lines = out.stdout.rstrip().splitlines()
    assert lines[-1] == f"details: {tmp_path / 'report.md'}", lines[-5:]
    assert lines[-2].startswith("Verdict: "), lines[-5:]
    summary = lines[lines.index("== summary"):]
    assert len(summary) <= 10, summary
    assert (tmp_path / "report.md").read_text().count("## Zoo counterexamples") == 1
    assert not (tmp_path / "report.md").read_text().count("](../"), "links leave the report's directory"


def test_cli_fuzz_summarises():
    out = pyharness("fuzz", "--max-producers", "2", "--examples", "200", "--mms", "TSO")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "| space" in out.stdout and "| none " in out.stdout


def test_cli_zoo_finds_and_summarises():
    out = pyharness("zoo", "OFF+2012", "SB+mb+nofence")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3/3 as expected" in out.stdout        # found under TSO + not found under SC
    assert "| SB+mb+nofence: consumer wakeup fence removed | TSO" in out.stdout


def test_cli_pct_prints_the_bound():
    out = pyharness("pct", "--protocol", "v2", "--mm", "TSO", "--waits", "--runs", "200")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "p >= 1/(n*k^(d-1))" in out.stdout


def test_report_renders_zoo_proofs_fuzz():
    """The campaign's pieces on a small budget, rendered as the report: verdict, proof line,
    zoo table, the counterexample's failure text and its SVG link."""
    from pyharness import report, zoo
    zrows = campaign.run_zoo((zoo.get("SB+mb+nofence"),), 2000, progress=False,
                             outdir=campaign.REPORTS / "tmp" / "test-report", log=lambda s: None)
    fam = campaign.Family("tiny", sizes=(2,), max_frames=1, waits=(True,))
    prows = [campaign.prove("v2", mm, 2, fam, progress=False) for mm in ("SC", "TSO")]
    frows = [campaign.fuzz(50, progress=False)]
    text = report.render(zrows, prows, frows, ["pct line"], 1.0)
    assert "Verdict: **PASS**" in text, text
    assert "v2, SC/TSO, 1 producer, size <= 2, frames <= 1, consumer sleeps, preemptions <= 2" \
        in text
    assert "PROPERTY VIOLATED: lost-wakeup" in text and "](tmp/test-report/zoo/" in text


def test_report_renders_dpor_proofs_and_fails_on_a_budget_hit():
    """The DPOR section: a proof line for an exhausted workload; a workload whose budget runs out
    is stated as no proof and turns the verdict to FAIL; a zoo variant's violation is shown."""
    from pyharness import report
    w = campaign.DPOR_PROOFS[0]
    proof = campaign.prove_dpor(w)
    assert proof.exhausted and proof.violations == 0 and proof.executions > 1, proof.statement
    text = report.render([], [], [], [], 1.0, [proof])
    assert "Verdict: **PASS**" in text and "no preemption bound (DPOR)" in text, text
    cut = campaign.prove_dpor(campaign.DPOR_PROOFS[1], max_executions=10)
    assert not cut.exhausted and "NOT exhausted" in cut.statement
    assert "Verdict: **FAIL**" in report.render([], [], [], [], 1.0, [proof, cut])
    bug = campaign.prove_dpor(w.with_(variant="v2_relaxed_publish", memory_model="PSO"))
    assert bug.violations and bug.counterexample is not None
    text = report.render([], [], [], [], 1.0, [bug])
    assert "Verdict: **FAIL**" in text and "PROPERTY VIOLATED" in text, text


def test_runs_write_outside_tracked_files():
    """`make report` and every run write under a directory git ignores (build/report/ by
    default), never over tracked files such as reports/report.md or reports/zoo/*.svg."""
    import subprocess
    root = campaign.ROOT
    out = campaign.REPORTS
    assert root / "reports" not in (out, *out.parents), out
    probe = out / "report.md"
    r = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", str(probe)])
    assert r.returncode == 0, f"{probe} is not ignored by git: runs would dirty the checkout"
    mk = (root / "Makefile").read_text()
    recipe = [l for l in mk.splitlines() if "-m pyharness report" in l]
    assert recipe and "--out $(REPORT_DIR)" in recipe[0], recipe
    assert "REPORT_DIR ?= build/report" in mk.splitlines()
