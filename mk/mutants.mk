# Mutants of the shipped ring code as scripted edits (issue 12 item 7; docs/thirdparty.md): a
# build-time copy of c/src/ring.c with one c/model/thirdparty/mutants/<name>.edit applied by the
# third-party edit script (an edit that no longer matches ring.c fails the build, naming the
# block), compiled like a zoo variant into build/model/libmnetif_model_<name>.so, so that
# pyharness's variant=<name> (model.VARIANTS) runs it. tests/model/test_hostile_peer.py checks
# that the hostile-peer oracles catch each one.
MUTANT_DIR := $(MODEL_DIR)/thirdparty/mutants
MUTANTS := $(patsubst $(MUTANT_DIR)/%.edit,%,$(wildcard $(MUTANT_DIR)/*.edit))
MUTANT_EDIT := $(MODEL_DIR)/thirdparty/edit.py

$(BUILD)/model/mutants/%/ring.c: c/src/ring.c $(MUTANT_DIR)/%.edit $(MUTANT_EDIT)
	@mkdir -p $(@D)
	$(PYTHON) $(MUTANT_EDIT) c/src/ring.c $@ $(MUTANT_DIR)/$*.edit

# Explicit per-mutant rules (they take precedence over harness.mk's zoo pattern rule).
define MUTANT_LIB
$(BUILD)/model/libmnetif_model_$(1).so: $(BUILD)/model/mutants/$(1)/ring.c $(MODEL_SRCS) $(MODEL_HDRS) \
		$(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $$(@D)
	$(CC) $(MODEL_CFLAGS) -DMN_MODEL_MUTANT='"$(1)"' -shared -o $$@ $(MODEL_SRCS) \
		$(BUILD)/model/mutants/$(1)/ring.c $(filter-out c/src/ring.c,$(CORE_SRCS))
endef
$(foreach m,$(MUTANTS),$(eval $(call MUTANT_LIB,$(m))))

MUTANT_LIBS := $(foreach m,$(MUTANTS),$(BUILD)/model/libmnetif_model_$(m).so)
ALL_TARGETS += $(MUTANT_LIBS)
test-model: $(MUTANT_LIBS)

# The same mutants under ASan + UBSan for test-model-asan (it runs the tests that load them).
define MUTANT_ASAN_LIB
$(MODEL_ASAN_DIR)/model/libmnetif_model_$(1).so: $(BUILD)/model/mutants/$(1)/ring.c $(MODEL_SRCS) \
		$(MODEL_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $$(@D)
	$(CC) $(MODEL_ASAN_CFLAGS) -DMN_MODEL_MUTANT='"$(1)"' -shared -o $$@ $(MODEL_SRCS) \
		$(BUILD)/model/mutants/$(1)/ring.c $(filter-out c/src/ring.c,$(CORE_SRCS))
endef
$(foreach m,$(MUTANTS),$(eval $(call MUTANT_ASAN_LIB,$(m))))
test-model-asan: $(foreach m,$(MUTANTS),$(MODEL_ASAN_DIR)/model/libmnetif_model_$(m).so)
