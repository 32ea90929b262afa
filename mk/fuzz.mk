# Continuous fuzzing (fuzz/fuzz_schedules.py: libFuzzer via atheris drives the harness's Hypothesis
# strategy; .clusterfuzzlite/ builds it for ClusterFuzzLite). docs/harness.md "Continuous fuzzing".
#   make test-fuzz   tests/fuzz: the 2012 lost update found + replayed, the fixed build clean (~1 min)
#   make fuzz-libs   the model builds the target loads (what .clusterfuzzlite/build.sh builds)
#   make fuzz FUZZ_ARGS="-max_total_time=600"   a local campaign (default: the fixed build)
# The model libraries are named in recipes, not prerequisites: harness.mk defines them and is
# included after this file.
.PHONY: test-fuzz fuzz-libs fuzz
FUZZ_ARGS ?= -max_total_time=60

fuzz-libs:
	@$(MAKE) --no-print-directory $(MODEL_LIB) $(MODEL_VARIANT_LIBS)

test-fuzz: fuzz-libs
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/fuzz

fuzz: fuzz-libs
	$(PYTHON) fuzz/fuzz_schedules.py $(FUZZ_ARGS)

TEST_TARGETS += test-fuzz
