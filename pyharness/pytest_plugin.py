"""The pytest plugin (entry point `pytest11: mnetif`, active once the package is installed):
check your own C ring code from your test suite (docs/plugin.md).

    def test_my_ring(mnetif_workload):
        ring = mnetif_workload(["ring.c", "workload.c"], include=["."])   # paths: the test's dir
        ring.prove(("SC", "TSO", "PSO"), bound=2)    # exhaustive; fails with the step table,
        ring.fuzz(("SC", "TSO", "PSO"))              # Hypothesis + PCT;  timeline and token

`pytest --mnetif-replay TOKEN` reruns the one execution a failure printed: every workload built by
the fixture from the same sources and defines replays it instead of searching, and the test fails
with its step table while it still violates the property. `--mnetif-profile dev|ci|nightly` (or
$MNETIF_PROFILE) sets fuzz()'s budgets (profiles.py); `--mnetif-out DIR` where the timelines go."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import exampledb, profiles
from .usercheck import Outcome, UserWorkload


def pytest_addoption(parser):
    g = parser.getgroup("mnetif", "mnetif: checking C ring code on the harness's checker")
    g.addoption("--mnetif-replay", metavar="TOKEN", default=None,
                help="rerun the one execution of a usercheck replay token (mnu1.…) and show it")
    g.addoption("--mnetif-profile", metavar="NAME", default=None,
                help=f"search budgets of fuzz(): {', '.join(profiles.PROFILES)} "
                     f"(default: ${profiles.ENV}, else dev)")
    g.addoption("--mnetif-out", metavar="DIR", default=None,
                help="where counterexamples' SVG timelines go (default: <basetemp>/mnetif)")


def _profile(config) -> profiles.Profile:
    name = config.getoption("--mnetif-profile")
    return profiles.selected(name, "--mnetif-profile" if name else profiles.ENV)


def pytest_configure(config):
    try:
        _profile(config)      # a wrong name is one line before any test runs
    except profiles.ProfileError as e:
        raise pytest.UsageError(str(e)) from None


def pytest_report_header(config):
    p = _profile(config)
    return (f"mnetif plugin: profile {p.name!r} ({p.examples} Hypothesis examples, "
            f"{p.pct_runs} PCT runs per memory model in fuzz())")


class _Replaying(UserWorkload):
    """A workload that, under --mnetif-replay, replays the token when the token is its own, and
    turns a failed prove/fuzz into a pytest failure showing the report (no Python traceback)."""
    replay_token: str = ""

    def _replay_or(self, search):
        if self.replay_token and self.replay_token.split(".")[1:2] == [self._key()]:
            o = self.replay(self.replay_token)
            if o.violation != "none":
                pytest.fail(o.report(), pytrace=False)
            return o
        return search()

    def explore(self, mm: str, bound: int = 2, max_executions: int = 0) -> Outcome:
        return self._replay_or(lambda: super(_Replaying, self).explore(mm, bound, max_executions))

    def dpor(self, mm: str, max_executions: int = 0) -> Outcome:
        return self._replay_or(lambda: super(_Replaying, self).dpor(mm, max_executions))

    def hypothesis(self, mm: str, examples: int | None = None, seed: int | None = None,
                   max_preemptions: int = 8) -> Outcome:
        return self._replay_or(lambda: super(_Replaying, self).hypothesis(
            mm, examples, seed, max_preemptions))

    def pct(self, mm: str, runs: int | None = None, depth: int = 2, seed: int = 0) -> Outcome:
        return self._replay_or(lambda: super(_Replaying, self).pct(mm, runs, depth, seed))

    def prove(self, memory_models=("SC", "TSO", "PSO"), bound: int = 2, max_executions: int = 0):
        try:
            return super().prove(memory_models, bound, max_executions)
        except AssertionError as e:
            report = str(e)
        pytest.fail(report, pytrace=False)    # here: not chained to the AssertionError

    def fuzz(self, memory_models=("SC", "TSO", "PSO"), examples: int | None = None,
             pct_runs: int | None = None, depth: int = 2, seed: int | None = None,
             engines=("hypothesis", "pct")):
        try:
            return super().fuzz(memory_models, examples, pct_runs, depth, seed, engines)
        except AssertionError as e:
            report = str(e)
        pytest.fail(report, pytrace=False)

    def with_defines(self, *defines: str) -> "_Replaying":
        w = super().with_defines(*defines)
        assert isinstance(w, _Replaying)
        w.replay_token = self.replay_token
        return w


@pytest.fixture(scope="session")
def _mnetif_session(request, tmp_path_factory):
    """(profile, example database, timeline directory) of the session: the database is the
    project's <rootdir>/.hypothesis/examples (plus $MNETIF_EXAMPLE_DB, exampledb.py)."""
    config = request.config
    try:
        db = exampledb.from_env(Path(config.rootpath) / ".hypothesis" / "examples")
    except exampledb.ExampleDbError as e:
        pytest.fail(str(e), pytrace=False)
    out = config.getoption("--mnetif-out")
    return (_profile(config), db,
            Path(out).resolve() if out else tmp_path_factory.getbasetemp() / "mnetif")


@pytest.fixture
def mnetif_workload(request, _mnetif_session):
    """mnetif_workload(sources, include=(), defines=()) -> a UserWorkload (paths relative to the
    test file's directory) with explore / dpor / prove, hypothesis / pct / fuzz, replay."""
    base = Path(str(request.node.fspath)).parent
    token = request.config.getoption("--mnetif-replay")
    profile, db, out = _mnetif_session

    def make(sources, include=(), defines=()):
        w = _Replaying(sources, include, defines, base=base, out=out, profile=profile,
                       database=db)
        w.replay_token = token or ""
        return w
    return make
