# mnetif — top-level Makefile.
#   make            build libmnetif.so (+ every part's default artefacts)
#   make test       install what is missing, build, run every test suite (what CI runs)
#   make report     the main job: bug zoo + proofs + fuzz campaign; ends with the verdict and
#                   the path of the report ($(REPORT_DIR)/report.md; REPORT_DIR=build/report by default,
#                   never over tracked files)
#   make asan|tsan  sanitizer builds of the library and the C stress programs
#   make bench      benchmarks (a program, not a test)
# Each part adds its targets in mk/<part>.mk: ALL_TARGETS (built by `make`) and TEST_TARGETS
# (run in order by `make test`).
SHELL := /bin/bash
CC ?= gcc
PYTHON ?= python3
BUILD := build
CSTD := -std=gnu11
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
INC := -Ic/include -Ic/src
CFLAGS_BASE := $(CSTD) $(WARN) $(INC) -g -fPIC -fvisibility=default
OPT := -O2
CORE_SRCS := c/src/ring.c c/src/registry.c c/src/tx.c
CORE_HDRS := $(wildcard c/include/mnetif/*.h) c/src/compat.h
USER_SRCS := c/platform/user/user.c c/platform/user/user_tx.c
VERSION_SCRIPT := c/platform/user/libmnetif.map
LIBS_USER := -lpthread

ALL_TARGETS :=
TEST_TARGETS :=

.PHONY: all deps test test-core report asan tsan bench clean
.DEFAULT_GOAL := all

# ---- the userspace shared object: production, test (2012 zoo model compiled in), sanitizers ----
LIB := $(BUILD)/libmnetif.so
LIB_ZOO := $(BUILD)/libmnetif_zoo.so
LIB_ASAN := $(BUILD)/asan/libmnetif_zoo.so
LIB_TSAN := $(BUILD)/tsan/libmnetif_zoo.so

$(LIB): $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS) $(VERSION_SCRIPT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -shared -Wl,--version-script=$(VERSION_SCRIPT) -o $@ $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)

$(LIB_ZOO): $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS) $(VERSION_SCRIPT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -DMNETIF_WITH_2012 -shared -Wl,--version-script=$(VERSION_SCRIPT) -o $@ $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)

$(LIB_ASAN): $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS) $(VERSION_SCRIPT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -DMNETIF_WITH_2012 -shared -Wl,--version-script=$(VERSION_SCRIPT) -o $@ $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)

$(LIB_TSAN): $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS) $(VERSION_SCRIPT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 -fsanitize=thread -DMNETIF_WITH_2012 -shared -Wl,--version-script=$(VERSION_SCRIPT) -o $@ $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)

ALL_TARGETS += $(LIB) $(LIB_ZOO)

# ---- C stress programs (standalone: no sanitizer runtime preloading needed) ----
STRESS_SRCS := c/tests/stress.c c/tests/regstress.c
$(BUILD)/%: c/tests/%.c $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -DMNETIF_WITH_2012 -o $@ $< $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)
$(BUILD)/asan/%: c/tests/%.c $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -DMNETIF_WITH_2012 -o $@ $< $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)
$(BUILD)/tsan/%: c/tests/%.c $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 -fsanitize=thread -DMNETIF_WITH_2012 -o $@ $< $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)

STRESS := $(BUILD)/stress $(BUILD)/regstress $(BUILD)/zoo/stress_nolock
ASAN_BINS := $(BUILD)/asan/stress $(BUILD)/asan/regstress $(LIB_ASAN)
TSAN_BINS := $(BUILD)/tsan/stress $(BUILD)/tsan/regstress $(LIB_TSAN)
ALL_TARGETS += $(STRESS)
asan: $(ASAN_BINS)
tsan: $(TSAN_BINS)

deps:
	@bash scripts/install-deps.sh

# The parts (harness, OCaml, kernel module, benchmarks) add themselves here.
include $(sort $(wildcard mk/*.mk))

all: $(ALL_TARGETS)

# Core tests first (everything stands on them), then each part's suite in order.
test-core: all asan tsan
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/test_*.py
	bash c/tests/run_stress.sh
TEST_TARGETS := test-core $(TEST_TARGETS)

test: deps
	@$(MAKE) --no-print-directory all
	@set -e; for t in $(TEST_TARGETS); do echo "=== make $$t"; $(MAKE) --no-print-directory $$t; done

clean:
	rm -rf $(BUILD) _build

# Negative control for the stress test: the same program on v1 with the lock compiled out must FAIL.
$(BUILD)/zoo/stress_nolock: c/tests/stress.c $(CORE_SRCS) $(USER_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(OPT) -DMN_ZOO_V1_NO_LOCK -o $@ $< $(CORE_SRCS) $(USER_SRCS) $(LIBS_USER)
ALL_TARGETS += $(BUILD)/zoo/stress_nolock

# The main job: bug zoo + proofs (v1/v2 under SC/TSO/PSO) + a fuzz budget; prints a summary and
# the verdict, the details go to $(REPORT_DIR)/report.md (with the zoo's timelines). reports/ in
# the repository is a recorded run: `make report REPORT_DIR=reports` rewrites it on purpose.
REPORT_DIR ?= build/report
report: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) -m pyharness report --out $(REPORT_DIR)
