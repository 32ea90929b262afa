# pyharness engines, CLI and property tests (issue 3, Python half; docs/harness.md).
#   make test-harness    property_tests/ with the fast Hypothesis profile (MNETIF_PROFILE=dev)
# `make report` (top-level Makefile) runs `python -m pyharness report`: the default campaign.
#   make bench-harness   harness figures -> reports/harness_bench.md (also part of `make bench`)
# All of them need the model builds (mk/harness.mk: MODEL_LIB, MODEL_VARIANT_LIBS).
.PHONY: test-harness bench-harness
PYHARNESS_LIBS := $(MODEL_LIB) $(MODEL_VARIANT_LIBS)

test-harness: $(PYHARNESS_LIBS)
	$(PYTHON) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile property_tests

bench-harness: $(PYHARNESS_LIBS)
	$(PYTHON) -m pyharness bench
bench: bench-harness

TEST_TARGETS += test-harness
