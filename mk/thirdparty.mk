# Third-party rings on rt (issue 12 items 2, 7, 8; docs/thirdparty.md): one shared object per
# (ring, build), compiled from the header the ring's users install (Debian's libck-dev, libxen-dev)
# or from a build-time copy of it with one scripted edit (c/model/thirdparty/edit.py + a .edit
# file: a reverted upstream fix, a weakened barrier). Each links rt (c/model/rt), the tp layer
# (c/model/thirdparty/common) and the ring's scenarios, whose translation unit is compiled with
# GCC's -fsanitize=thread instrumentation and NO sanitizer runtime: common/plain.c turns the
# instrumented plain accesses into rt operations.
#   build/model/tp/libtp_<build>.so        loaded by pyharness/thirdparty.py
#   build/model/tp/libtp_<build>.manifest  what went into it (pyharness replay --emit-c reads it)
#   make test-thirdparty                   python3 -m pyharness thirdparty + tests/thirdparty
TP_DIR := $(MODEL_DIR)/thirdparty
TP_OUT := $(BUILD)/model/tp
TP_RT_SRCS := $(wildcard $(MODEL_DIR)/rt/*.c) $(MODEL_DIR)/rt/switch.S
TP_RT_HDRS := $(wildcard $(MODEL_DIR)/rt/*.h)
TP_COMMON_SRCS := $(TP_DIR)/common/tp.c $(TP_DIR)/common/plain.c
TP_COMMON_HDRS := $(TP_DIR)/common/tp.h
TP_CFLAGS := $(CSTD) $(WARN) -g $(OPT) -fPIC -I$(MODEL_DIR)
# The ring's translation unit: every plain access becomes a call into common/plain.c.
TP_PLAIN_FLAGS := -fsanitize=thread --param tsan-instrument-func-entry-exit=0
TP_EDIT := $(TP_DIR)/edit.py
# The calls to the string functions the instrumentation leaves to a runtime go to the bridge.
TP_REDEFINE := --redefine-sym memcpy=tp_memcpy --redefine-sym memmove=tp_memmove \
	--redefine-sym memset=tp_memset --redefine-sym memcmp=tp_memcmp

# dpkg's version of a package, or a loud failure naming the install command.
tp_pkg_version = $(shell dpkg-query -W -f='$${Version}' $(1) 2>/dev/null)

# $(call TP_BUILD,name,ring source,package (empty: none),installed header,edit file or empty,shim dir or empty,
#   extra defines,installed headers the edited copy includes by relative path)
# An edited copy lives at build/model/tp/include/<name>/<the header's path under /usr/include>,
# found before /usr/include; the companions are copied next to it, unchanged.
define TP_BUILD
TP_BUILDS += $(1)
TP_LIB_$(1) := $(TP_OUT)/libtp_$(1).so
TP_INC_$(1) := $(if $(5),-I$(TP_OUT)/include/$(1)) $(if $(6),-I$(6)) -I$(TP_DIR)/common
TP_DEF_$(1) := -DTP_SOURCE='"$(1): $(if $(3),$(3) $$(call tp_pkg_version,$(3)) $(4)$(if $(5), with $(5)),$(2))$(if $(7), $(7))"' $(7)
TP_COPY_$(1) := $(if $(5),$(TP_OUT)/include/$(1)/$(patsubst /usr/include/%,%,$(4)) \
	$(foreach h,$(8),$(TP_OUT)/include/$(1)/$(patsubst /usr/include/%,%,$(h))))

$(TP_OUT)/include/$(1)/$(patsubst /usr/include/%,%,$(4)): $(4) $(5) $(TP_EDIT)
	@mkdir -p $$(@D)
	$(PYTHON) $(TP_EDIT) $(4) $$@ $(5)
$(foreach h,$(8),$(eval $(call TP_COMPANION,$(1),$(h))))

$(TP_OUT)/obj/$(1)/ring.o: $(2) $(TP_COMMON_HDRS) $(TP_RT_HDRS) $(wildcard $(dir $(2))*.h) \
		$$(TP_COPY_$(1))
	@mkdir -p $$(@D)
	$(if $(3),@dpkg-query -W $(3) >/dev/null 2>&1 || { echo "$(3) is not installed: run scripts/install-deps.sh (apt-get install $(3))"; exit 1; })
	$(CC) $(TP_CFLAGS) $(TP_PLAIN_FLAGS) $$(TP_INC_$(1)) $$(TP_DEF_$(1)) -MD -MF $$@.d -c -o $$@ $(2)
	objcopy $(TP_REDEFINE) $$@

$(TP_OUT)/libtp_$(1).so: $(TP_OUT)/obj/$(1)/ring.o $(TP_RT_SRCS) $(TP_RT_HDRS) $(TP_COMMON_SRCS) $(TP_COMMON_HDRS)
	$(CC) $(TP_CFLAGS) -shared -Wl,-z,defs -Wl,-Bsymbolic -o $$@ $(TP_OUT)/obj/$(1)/ring.o $(TP_COMMON_SRCS) $(TP_RT_SRCS)
	@{ echo "build = $(1)"; echo "ring = $(2)"; echo "package = $(3)"; \
	   echo "version = $$(call tp_pkg_version,$(3))"; echo "header = $(4)"; echo "edit = $(5)"; \
	   echo "shim = $(6)"; echo "defines = $(7)"; echo "companions = $(8)"; \
	   echo "plain_flags = $(TP_PLAIN_FLAGS)"; echo "cflags = $(CSTD) $(WARN) -g $(OPT)"; \
	   echo "redefine = $(TP_REDEFINE)"; \
	   echo "deps = $$$$(sed -e 's/^[^:]*://' -e 's/\\$$$$//' $(TP_OUT)/obj/$(1)/ring.o.d | tr '\n' ' ')"; \
	 } > $(TP_OUT)/libtp_$(1).manifest
endef
define TP_COMPANION
$(TP_OUT)/include/$(1)/$(patsubst /usr/include/%,%,$(2)): $(2)
	@mkdir -p $$(@D)
	cp $(2) $$@
endef

CK_H := /usr/include/ck_ring.h
XEN_H := /usr/include/xen/io/ring.h
$(eval $(call TP_BUILD,ck,$(TP_DIR)/ck/ck.c,libck-dev,$(CK_H),,$(TP_DIR)/ck,))
$(eval $(call TP_BUILD,ck_pr102,$(TP_DIR)/ck/ck.c,libck-dev,$(CK_H),$(TP_DIR)/ck/pr102-revert.edit,$(TP_DIR)/ck,))
$(eval $(call TP_BUILD,ck_scfence,$(TP_DIR)/ck/ck.c,libck-dev,$(CK_H),$(TP_DIR)/ck/sc-fence.edit,$(TP_DIR)/ck,))
XEN_COMPAT := /usr/include/xen/xen-compat.h
$(eval $(call TP_BUILD,xen,$(TP_DIR)/xen/xen.c,libxen-dev,$(XEN_H),,$(TP_DIR)/xen,))
$(eval $(call TP_BUILD,xen_pushwmb,$(TP_DIR)/xen/xen.c,libxen-dev,$(XEN_H),$(TP_DIR)/xen/push-wmb.edit,$(TP_DIR)/xen,,$(XEN_COMPAT)))
$(eval $(call TP_BUILD,xen_finalwmb,$(TP_DIR)/xen/xen.c,libxen-dev,$(XEN_H),$(TP_DIR)/xen/final-wmb.edit,$(TP_DIR)/xen,,$(XEN_COMPAT)))# A backend written from the XSA-155 advisory on the installed ring.h: in place, and with RING_COPY_REQUEST.
$(eval $(call TP_BUILD,xsa155,$(TP_DIR)/xsa155/xsa155.c,libxen-dev,$(XEN_H),,$(TP_DIR)/xen,))
$(eval $(call TP_BUILD,xsa155_copy,$(TP_DIR)/xsa155/xsa155.c,libxen-dev,$(XEN_H),,$(TP_DIR)/xen,-DTP_XSA155_COPY))

# Written from public descriptions (no package): as described, and with the fix's fence removed.
$(eval $(call TP_BUILD,notify,$(TP_DIR)/notify/notify.c,,,,,))
$(eval $(call TP_BUILD,notify_nofence,$(TP_DIR)/notify/notify.c,,,,,-DTP_NO_FENCE))
# The bridge's own tests (tests/thirdparty/test_bridge.py).
$(eval $(call TP_BUILD,bridge,$(TP_DIR)/selftest/bridge.c,,,,,))

TP_LIBS := $(foreach b,$(TP_BUILDS),$(TP_LIB_$(b)))
ALL_TARGETS += $(TP_LIBS)

.PHONY: test-thirdparty
test-thirdparty: $(TP_LIBS)
	$(PYTHON) -m pyharness thirdparty
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/thirdparty
TEST_TARGETS += test-thirdparty
