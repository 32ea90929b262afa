"""The CLI (python -m pyharness): explore proves / finds, fuzz and zoo run and summarise, a bad
token is a clear error. Each runs the real command in a subprocess."""
import subprocess
import sys

import pytest

from pyharness import campaign

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
])
def test_bad_input_is_one_clear_line_and_status_2(args, says):
    """Bad input never ends in a traceback (or, worse, a vacuous 'PROOF' of zero frames)."""
    out = pyharness(*args, timeout=60)
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-2000:])
    assert says in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "PROOF" not in out.stdout


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
