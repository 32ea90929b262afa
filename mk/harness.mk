# The interleaving harness's model build (c/model/, issue 3): the SAME core sources compiled with
# -DMNETIF_MODEL (every ordering-layer call is a visible operation of the model runtime), one
# shared object per bug-zoo variant, and the exhaustive-search benchmark.
#   build/model/libmnetif_model.so              fixed protocols (+ the 2012 model)
#   build/model/libmnetif_model_<variant>.so    one MN_ZOO_* switch each (see pyharness/model.py)
#   build/model/bench_explore                   prints exhaustive executions/s
MODEL_DIR := c/model
# rt/: the generic checker; mnetif/: the mnetif workload and its API (model.h); litmus/: litmus
# programs on rt; ordering.c: the ordering layer (atomic.h, MNETIF_MODEL) onto rt.
MODEL_PARTS := $(MODEL_DIR) $(MODEL_DIR)/rt $(MODEL_DIR)/mnetif $(MODEL_DIR)/litmus
MODEL_SRCS := $(filter-out $(MODEL_DIR)/bench_explore.c,$(wildcard $(addsuffix /*.c,$(MODEL_PARTS)))) \
	$(MODEL_DIR)/rt/switch.S
MODEL_HDRS := $(wildcard $(addsuffix /*.h,$(MODEL_PARTS)))
# rt and the litmus workload alone, with no mnetif header on the include path (the layering)
RT_SRCS := $(wildcard $(MODEL_DIR)/rt/*.c $(MODEL_DIR)/litmus/*.c) $(MODEL_DIR)/rt/switch.S
RT_HDRS := $(wildcard $(MODEL_DIR)/rt/*.h $(MODEL_DIR)/litmus/*.h)
RT_CFLAGS := $(CSTD) $(WARN) -g $(OPT) -I$(MODEL_DIR)
RT_SELFTEST := $(BUILD)/model/rt_selftest
MODEL_CFLAGS := $(CFLAGS_BASE) $(OPT) -I$(MODEL_DIR) -DMNETIF_MODEL -DMNETIF_WITH_2012 -DMN_MAX_PLUGS=4
MODEL_VARIANTS := v1_no_lock tas_plain v2_relaxed_publish no_prod_fence no_cons_fence \
                  unplug_no_wait 2012_same_offset wake_eq v2_relaxed_consume cons_wmb_release \
                  prod_relaxed_cons fadd_acqrel
MODEL_LIB := $(BUILD)/model/libmnetif_model.so
MODEL_VARIANT_LIBS := $(foreach v,$(MODEL_VARIANTS),$(BUILD)/model/libmnetif_model_$(v).so)
MODEL_BENCH := $(BUILD)/model/bench_explore

$(MODEL_LIB): $(MODEL_SRCS) $(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(MODEL_CFLAGS) -shared -o $@ $(MODEL_SRCS) $(CORE_SRCS)

$(BUILD)/model/libmnetif_model_%.so: $(MODEL_SRCS) $(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(MODEL_CFLAGS) -DMN_ZOO_$(shell echo $* | tr a-z A-Z) -shared -o $@ $(MODEL_SRCS) $(CORE_SRCS)

$(MODEL_BENCH): $(MODEL_DIR)/bench_explore.c $(MODEL_SRCS) $(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(MODEL_CFLAGS) -o $@ $< $(MODEL_SRCS) $(CORE_SRCS)

$(RT_SELFTEST): $(MODEL_DIR)/tests/rt_selftest.c $(RT_SRCS) $(RT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -o $@ $< $(RT_SRCS)

ALL_TARGETS += $(MODEL_LIB) $(MODEL_VARIANT_LIBS) $(MODEL_BENCH) $(RT_SELFTEST)

.PHONY: test-model bench-model test-litmus
test-model: $(MODEL_LIB) $(MODEL_VARIANT_LIBS) $(MODEL_BENCH) $(RT_SELFTEST)
	$(PYTHON) -m pytest -q -p no:cacheprovider -n 2 tests/model
TEST_TARGETS += test-model

# The litmus suite (docs/memory-models.md): SC/TSO/PSO/ARM outcome sets vs herd7's, as a user
# runs it; exits 1 on any difference. (tests/model/test_arm.py also checks that breaking the
# model is noticed.)
test-litmus: $(MODEL_LIB)
	set -o pipefail; $(PYTHON) -m pyharness litmus | tail -n 1
TEST_TARGETS += test-litmus

bench-model: $(MODEL_BENCH)
	$(MODEL_BENCH)
bench: bench-model

# The runtime and the core under ASan + UBSan (fibers included: stacks are ordinary mmap'ed memory,
# so detect_stack_use_after_return stays off; fiber.c unpoisons a stack before each execution).
# Part of `make test` (~2 min): the whole tests/model, DPOR included, on the sanitized builds.
MODEL_ASAN_DIR := $(BUILD)/model-asan
MODEL_ASAN_CFLAGS := $(subst $(OPT),-O1,$(MODEL_CFLAGS)) -fsanitize=address,undefined -fno-omit-frame-pointer
MODEL_ASAN_LIBS := $(MODEL_ASAN_DIR)/model/libmnetif_model.so \
	$(foreach v,$(MODEL_VARIANTS),$(MODEL_ASAN_DIR)/model/libmnetif_model_$(v).so) \
	$(MODEL_ASAN_DIR)/model/rt_selftest

$(MODEL_ASAN_DIR)/model/libmnetif_model.so: $(MODEL_SRCS) $(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(MODEL_ASAN_CFLAGS) -shared -o $@ $(MODEL_SRCS) $(CORE_SRCS)

$(MODEL_ASAN_DIR)/model/libmnetif_model_%.so: $(MODEL_SRCS) $(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(MODEL_ASAN_CFLAGS) -DMN_ZOO_$(shell echo $* | tr a-z A-Z) -shared -o $@ $(MODEL_SRCS) $(CORE_SRCS)

$(MODEL_ASAN_DIR)/model/rt_selftest: $(MODEL_DIR)/tests/rt_selftest.c $(RT_SRCS) $(RT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(subst $(OPT),-O1,$(RT_CFLAGS)) -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -o $@ $< $(RT_SRCS)

.PHONY: test-model-asan
test-model-asan: $(MODEL_ASAN_LIBS)
	MNETIF_BUILD=$(MODEL_ASAN_DIR) ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	$(PYTHON) -m pytest -q -p no:cacheprovider -n 2 tests/model
TEST_TARGETS += test-model-asan
