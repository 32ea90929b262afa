# mnetif Linux kernel module (issue 4): mnetif.ko from c/src in place, and its qemu test.
#   make kmod          the module (against the installed Debian headers) + the VM's static binaries
#   make kmod-test     boot Debian's kernel under qemu TCG with a busybox initramfs and run the test
#   make kmod-test-selfcheck  the verdict's negative controls: a panic and a hang must both FAIL
#   make kmod-host-test  the userspace side on the host (uapi layouts vs mnetif/kmod.py; also
#                        in TEST_TARGETS)
KMOD_KVER := $(patsubst /boot/vmlinuz-%,%,$(lastword $(sort $(wildcard /boot/vmlinuz-*-amd64))))
KMOD_KDIR := /usr/src/linux-headers-$(KMOD_KVER)
KMOD_DIR := c/platform/linux
KMOD_TEST := $(KMOD_DIR)/test
KMOD_KO := $(BUILD)/kmod/mnetif.ko
KMOD_SRCS := $(wildcard $(KMOD_DIR)/*.c $(KMOD_DIR)/*.h) $(KMOD_DIR)/Kbuild $(CORE_SRCS) $(CORE_HDRS)
# kdevtest: the OCaml port's consumer (ocaml_shim/kdev/test, built by mk/ocaml.mk).
KMOD_VM_BINS := $(BUILD)/vmtest $(BUILD)/vmbench $(BUILD)/kdevtest $(BUILD)/vmtx $(BUILD)/mirage_responder
KMOD_INITRD := $(BUILD)/kmod-vm/initramfs.cpio.gz
KMOD_BENCH_FRAMES ?= 30000
KMOD_VM_TIMEOUT ?= 900
KMOD_USER_CFLAGS := -static -O2 $(WARN) -Ic/include -Ic/src -I$(KMOD_TEST)
KMOD_USER_COMMON := $(KMOD_TEST)/kring.c $(KMOD_TEST)/frames.c c/src/ring.c
KMOD_VMTEST_SRCS := $(KMOD_TEST)/vmtest.c $(KMOD_TEST)/vmtest_abuse.c $(KMOD_TEST)/vmtest_light.c \
	$(KMOD_TEST)/vmcheck.c

.PHONY: kmod kmod-test kmod-test-selfcheck kmod-host-test

$(KMOD_KO): $(KMOD_SRCS)
	@test -d $(KMOD_KDIR) || { echo "kmod: $(KMOD_KDIR) missing: run make deps"; exit 1; }
	$(MAKE) --no-print-directory -C $(KMOD_DIR) KDIR=$(KMOD_KDIR) OUT=$(abspath $(BUILD)/kmod) modules

# Static: the VM has no libc. Linked with c/src/ring.c for the mn_cons_* consumer.
$(BUILD)/vmtest: $(KMOD_VMTEST_SRCS) $(KMOD_USER_COMMON) $(wildcard $(KMOD_TEST)/*.h) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KMOD_USER_CFLAGS) -o $@ $(KMOD_VMTEST_SRCS) $(KMOD_USER_COMMON)
# The transmit path's checks (issue 15): a producer into the module's transmit ring, a capture on the peer.
$(BUILD)/vmtx: $(KMOD_TEST)/vmtx.c $(KMOD_TEST)/vmcheck.c $(KMOD_USER_COMMON) $(wildcard $(KMOD_TEST)/*.h) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KMOD_USER_CFLAGS) -o $@ $(KMOD_TEST)/vmtx.c $(KMOD_TEST)/vmcheck.c $(KMOD_USER_COMMON)
$(BUILD)/vmbench: $(KMOD_TEST)/vmbench.c $(KMOD_TEST)/vmbench_light.c $(KMOD_USER_COMMON) $(wildcard $(KMOD_TEST)/*.h) $(CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KMOD_USER_CFLAGS) -o $@ $(KMOD_TEST)/vmbench.c $(KMOD_TEST)/vmbench_light.c $(KMOD_USER_COMMON)

$(KMOD_INITRD): $(KMOD_KO) $(KMOD_VM_BINS) $(KMOD_TEST)/init.sh $(KMOD_TEST)/veth.sh $(KMOD_TEST)/pingtest.sh \
  $(KMOD_TEST)/mkinitramfs.sh
	@mkdir -p $(@D)
	bash $(KMOD_TEST)/mkinitramfs.sh $@ $(KMOD_KVER) $(BUILD) $(KMOD_BENCH_FRAMES)

kmod: $(KMOD_KO) $(KMOD_VM_BINS)

# pycheck.py (the Python bindings against the module) runs the host's interpreter inside the VM.
KMOD_PY_ENV = MNETIF_VM_PYTHON=$$($(PYTHON) -c 'import sys; print(sys.executable)') \
	MNETIF_VM_PYCHECK=$(abspath $(KMOD_TEST)/pycheck.py) MNETIF_VM_BUILD=$(abspath $(BUILD))
kmod-test: $(KMOD_INITRD) $(LIB)
	$(KMOD_PY_ENV) bash $(KMOD_TEST)/run-vm.sh /boot/vmlinuz-$(KMOD_KVER) $(KMOD_INITRD) $(BUILD)/kmod-vm/console.log $(KMOD_VM_TIMEOUT)

# Negative control of the byte-exact checks: a module that forgets the Ethernet header.
KMOD_ZOO_KO := $(BUILD)/kmod-zoo/mnetif.ko
KMOD_ZOO_INITRD := $(BUILD)/kmod-vm/initramfs-zoo.cpio.gz
$(KMOD_ZOO_KO): $(KMOD_SRCS)
	$(MAKE) --no-print-directory -C $(KMOD_DIR) KDIR=$(KMOD_KDIR) OUT=$(abspath $(BUILD)/kmod-zoo) \
	  MNETIF_KMOD_CFLAGS=-DMNK_ZOO_NO_MAC_HEADER modules
$(KMOD_ZOO_INITRD): $(KMOD_ZOO_KO) $(KMOD_INITRD)
	bash $(KMOD_TEST)/mkinitramfs.sh $@ $(KMOD_KVER) $(BUILD) 0 $(KMOD_ZOO_KO)

# A VM that panics must not pass (qemu exits 0 like a clean poweroff), nor one that hangs, nor a
# module that delivers frames without their Ethernet header.
kmod-test-selfcheck: $(KMOD_INITRD) $(KMOD_ZOO_INITRD) $(LIB)
	@out=$$($(KMOD_PY_ENV) MNETIF_VM_APPEND=mnetif.vmtest=exact bash $(KMOD_TEST)/run-vm.sh /boot/vmlinuz-$(KMOD_KVER) \
	        $(KMOD_ZOO_INITRD) $(BUILD)/kmod-vm/selfcheck-zoo.log 120) && rc=0 || rc=$$?; \
	if [ $$rc -ne 1 ] || ! grep -q "exact-v2-0x2048: FAIL" <<<"$$out" || ! grep -q "exact-v1-4x1024: FAIL" <<<"$$out" || \
	   ! grep -q "py-exact-auto-v2: FAIL" <<<"$$out" || ! grep -q "py-exact-user-v2: PASS" <<<"$$out"; then \
	  echo "$$out"; echo "kmod-test-selfcheck: FAIL: a module without the Ethernet header passed the byte-exact checks"; exit 1; fi; \
	echo "kmod-test-selfcheck: PASS: no-MAC-header module -> $$(grep -m1 'exact-v2-0x2048: FAIL' <<<"$$out")"; \
	echo "kmod-test-selfcheck: PASS: ... and through the Python bindings -> $$(grep -m1 'py-exact-auto-v2: FAIL' <<<"$$out")"
	@set -e; for mode in panic:60:'kernel panic' hang:25:'hang'; do \
	  sel=$${mode%%:*}; rest=$${mode#*:}; lim=$${rest%%:*}; want=$${rest#*:}; \
	  out=$$(MNETIF_VM_APPEND=mnetif.selftest=$$sel bash $(KMOD_TEST)/run-vm.sh /boot/vmlinuz-$(KMOD_KVER) \
	        $(KMOD_INITRD) $(BUILD)/kmod-vm/selfcheck-$$sel.log $$lim) && rc=0 || rc=$$?; \
	  if [ $$rc -ne 1 ] || ! grep -q -- "---- FAIL: .*$$want" <<<"$$out"; then \
	    echo "$$out"; echo "kmod-test-selfcheck: FAIL: a VM that does '$$sel' was not reported as FAIL ($$want)"; exit 1; fi; \
	  echo "kmod-test-selfcheck: PASS: '$$sel' -> $$(grep -- '---- FAIL' <<<"$$out")"; \
	done

kmod-host-test: $(KMOD_KO) $(LIB) $(BUILD)/kdevtest
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/kmod

ALL_TARGETS += kmod
TEST_TARGETS += kmod-host-test kmod-test kmod-test-selfcheck
