"""The pytest plugin (entry point `pytest11: mnetif`, active once the package is installed):
check your own C ring code from your test suite (docs/plugin.md).

    def test_my_ring(mnetif_workload):
        ring = mnetif_workload(["ring.c", "workload.c"], include=["."])   # paths: the test's dir
        ring.prove(("SC", "TSO", "PSO"), bound=2)    # fails with the step table + replay token

`pytest --mnetif-replay TOKEN` reruns the one execution a failure printed: every workload built by
the fixture from the same sources and defines replays it instead of searching, and the test fails
with its step table while it still violates the property."""
from __future__ import annotations

from pathlib import Path

import pytest

from .usercheck import Outcome, UserWorkload


def pytest_addoption(parser):
    g = parser.getgroup("mnetif", "mnetif: checking C ring code on the harness's checker")
    g.addoption("--mnetif-replay", metavar="TOKEN", default=None,
                help="rerun the one execution of a usercheck replay token (mnu1.…) and show it")


class _Replaying(UserWorkload):
    """A workload that, under --mnetif-replay, replays the token when the token is its own."""
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

    def prove(self, memory_models=("SC", "TSO", "PSO"), bound: int = 2, max_executions: int = 0):
        try:
            return super().prove(memory_models, bound, max_executions)
        except AssertionError as e:
            pytest.fail(str(e), pytrace=False)

    def with_defines(self, *defines: str) -> "_Replaying":
        w = _Replaying([str(s) for s in self.sources], [str(i) for i in self.include],
                       self.defines + defines, self.base, self.cache, self.cc)
        w.replay_token = self.replay_token
        return w


@pytest.fixture
def mnetif_workload(request):
    """mnetif_workload(sources, include=(), defines=()) -> a UserWorkload (paths relative to the
    test file's directory) with explore / dpor / prove / replay."""
    base = Path(str(request.node.fspath)).parent
    token = request.config.getoption("--mnetif-replay")

    def make(sources, include=(), defines=()):
        w = _Replaying(sources, include, defines, base=base)
        w.replay_token = token or ""
        return w
    return make
