# The OCaml shim (issue 6): dune builds everything under ocaml_shim/ into _build (incremental,
# so the recipe runs every time and is cheap when nothing changed); the shared objects Python loads
# are copied to build/ocaml/.
#   build/ocaml/mnetif_ocaml.so   OCaml runtime + production shim + Netif + entry points (real mode)
#                                 + the model build of the ring port (model mode, with build/model/)
# `make test-ocaml`: the OCaml unit/differential tests (dune test) and the pytest suite tests/ocaml.
# `make bench-ocaml`: the OCaml consumer figures (ocaml_shim/bench, see ocaml_shim/RESULTS.md).
DUNE ?= dune
OCAML_DIR := $(BUILD)/ocaml
OCAML_SO := $(OCAML_DIR)/mnetif_ocaml.so
DUNE_SO := _build/default/ocaml_shim/embed/mnetif_ocaml.so
# Safe under `make -j` (issue 11, item 15): dune 2.9 takes no lock on _build, and two dune
# processes on it at once fail (or corrupt it). So ONE recipe builds (ocaml-dune: every OCaml
# target, the VM's kdevtest included), other targets copy from its _build, and every dune command
# (build, test, exec) holds one lock file, also against a second make running at the same time.
DUNE_LOCKED = mkdir -p $(BUILD) && flock $(BUILD)/.dune.lock $(DUNE)

.PHONY: ocaml-dune test-ocaml bench-ocaml
ocaml-dune:
	$(DUNE_LOCKED) build --root . --display quiet 2>&1
	@mkdir -p $(OCAML_DIR)
	cp -f $(DUNE_SO) $(OCAML_SO)

$(OCAML_SO): ocaml-dune

ALL_TARGETS += $(OCAML_SO)

# tests/ocaml/test_model_mode.py runs the OCaml consumer inside the model runtime (mk/harness.mk).
test-ocaml: $(OCAML_SO) $(LIB) $(MODEL_LIB) $(MODEL_VARIANT_LIBS)
	$(DUNE_LOCKED) test --root . --display quiet --force 2>&1
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/ocaml
TEST_TARGETS += test-ocaml

# A program that prints figures (not a test); results and the command in ocaml_shim/RESULTS.md.
bench-ocaml: ocaml-dune $(MODEL_LIB)
	$(DUNE_LOCKED) exec --root . --display quiet ocaml_shim/bench/bench.exe
	$(PYTHON) ocaml_shim/bench/model_rate.py
bench: bench-ocaml

# The OCaml consumer of /dev/mnetif, static, for the VM test's initramfs (mk/kmod.mk, issue 4).
# Built by ocaml-dune (dune's default target is every executable); copied only when it changed,
# so the initramfs is not rebuilt by every make.
KDEVTEST_EXE := _build/default/ocaml_shim/kdev/test/kdevtest.exe
# $(call ocaml_static,EXE): refuse EXE unless static (the VM has no libc); copy it to $@ only when
# it changed.
define ocaml_static
	@ldd $(1) 2>&1 | grep -q 'not a dynamic executable' || { echo "$(1) is not static: the VM has no libc"; exit 1; }
	@mkdir -p $(@D)
	@cmp -s $(1) $@ || cp -f $(1) $@
endef
$(BUILD)/kdevtest: ocaml-dune
	$(call ocaml_static,$(KDEVTEST_EXE))

# The Mirage_net.S responder (ARP + ICMP echo), static, for the VM's ping test (issue 15); built by
# ocaml-dune like kdevtest.
RESPONDER_EXE := _build/default/ocaml_shim/mirage/responder/mirage_responder.exe
$(BUILD)/mirage_responder: ocaml-dune
	$(call ocaml_static,$(RESPONDER_EXE))

# Figures of the Mirage_net.S netif against the real ping (RTT p50/p99, ping -f), vs the kernel's
# own stack on the same veth; root. Results and the command in ocaml_shim/RESULTS.md.
.PHONY: bench-ping
bench-ping: ocaml-dune
	$(PYTHON) ocaml_shim/bench/ping_bench.py
bench: bench-ping
