"""Run by test_example_db.py in a SEPARATE pytest process (not collected by `pytest
property_tests`: the name does not start with test_). The property suites' profile and example
database apply (conftest.py, MNETIF_EXAMPLE_DB / MNETIF_EXAMPLE_DIR); every example this process
runs is appended to $MNETIF_EXAMPLE_LOG as its replay token, in order, so the parent can tell
which example ran first."""
import os

from hypothesis import Phase, given, settings

from pyharness import runtime, zoo

LU = zoo.get("LU+2012")
# the control run only needs its first example
LIMIT = {"max_examples": int(os.environ["MNETIF_EXAMPLE_LIMIT"])} \
    if os.environ.get("MNETIF_EXAMPLE_LIMIT") else {}


# the profile's settings (database included) apply; no explain phase: it reruns the failure
# hundreds of times (~7 s) for a report this test does not read
@settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
          **LIMIT)
@given(LU.strategy("SC"))
def test_2012_lost_update_is_absent(case):
    # the 2012 protocol on its zoo build: the lost update IS there, so this property fails
    with open(os.environ["MNETIF_EXAMPLE_LOG"], "a") as log:
        log.write(case.token() + "\n")
    ex = runtime.run(case, trace=False)
    # a short message: shrinking raises it hundreds of times (no step table, no SVG)
    assert not LU.accept(ex), f"{ex.violation.prop}: python -m pyharness replay {case.token()}"
