"""Shared helpers of the property suites: run a Case and fail READABLY (property, step table,
replay token, SVG timeline under build/report/tmp/failures/)."""
from __future__ import annotations

from pyharness import campaign, runtime, svg
from pyharness.failure import describe
from pyharness.workload import Case

# campaign.REPORTS (build/report/ in a checkout) is ignored by git: failure timelines are per-run artefacts
FAILURES = campaign.REPORTS / "tmp" / "failures"


def failure_message(ex) -> str:
    path = svg.write(ex, FAILURES / campaign.svg_name(ex.case.token()))
    return f"\n{describe(ex)}\ntimeline: {path}"


def assert_holds(case: Case):
    """Runs case on the model; any oracle violation fails the test with the full failure text."""
    ex = runtime.run(case, trace=False)
    if ex.violation is not None:
        ex = runtime.run(case)          # again with the step table, for the message
    assert ex.violation is None, failure_message(ex)
    return ex
