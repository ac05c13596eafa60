# rhyve - a bhyve-style hypervisor for RISC-V guests.
#
#   make            build build/rhyve
#   make run        set up, then boot the default guest with the debug server
#   make test       set up, then run every test (plain, ASan+UBSan, TSan)
#   make bench      rhyve side by side with qemu-system-riscv64
#   make install    PREFIX=/usr/local DESTDIR=
#
# Variants: BUILD=build/asan SAN=asan, BUILD=build/tsan SAN=tsan.

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
SAN	?=
CC	?= cc
OPT	?= -O2
LD	?= ld
OBJCOPY	?= objcopy

ifeq ($(SAN),asan)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT	:= -O1
endif
ifeq ($(SAN),tsan)
SANFLAGS := -fsanitize=thread
OPT	:= -O1
endif

CFLAGS	?=
CFLAGS	+= -std=gnu11 $(OPT) -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -pthread -D_GNU_SOURCE -I. $(SANFLAGS)
LDFLAGS	+= -pthread $(SANFLAGS)
LIBS	:= -lfdt -lelf -lseccomp -lm -lslirp

# The vmm ("kernel") is linked into one relocatable object whose symbols
# are all local except the vmmdev_* entry points: userland can only reach
# it through the ioctl-shaped boundary, and libvmmapi's vm_suspend_cpu()
# does not collide with the kernel's.
VMM_SRCS	:= $(sort $(wildcard vmm/*.c vmm/hart/*.c vmm/jit/*.c)) vmmapi/vmm_dev.c
API_SRCS	:= vmmapi/vmmapi.c
RHYVE_SRCS	:= $(sort $(filter-out rhyve/main.c,$(wildcard rhyve/*.c rhyve/gdb/*.c rhyve/qmp/*.c rhyve/replay/*.c)))

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
VMM_OBJS	:= $(call obj,$(VMM_SRCS))
API_OBJS	:= $(call obj,$(API_SRCS))
RHYVE_OBJS	:= $(call obj,$(RHYVE_SRCS))
MAIN_OBJ	:= $(call obj,rhyve/main.c)

.PHONY: all run test test-unit test-integration bench install uninstall clean \
	guests setup linux-guest unit-bins
all: $(BUILD)/rhyve $(BUILD)/rhyvectl

$(BUILD)/obj/vmm/%.o: vmm/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=hidden -MMD -MP -c -o $@ $<

$(BUILD)/obj/vmm/hart/fpu.o: CFLAGS += -frounding-math -fsignaling-nans -fno-math-errno

$(BUILD)/obj/vmmapi/vmm_dev.o: vmmapi/vmm_dev.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=hidden -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/vmm.o: $(VMM_OBJS)
	$(LD) -r -o $(BUILD)/vmm-r.o $(VMM_OBJS)
	$(OBJCOPY) --localize-hidden $(BUILD)/vmm-r.o $@

$(BUILD)/rhyve: $(MAIN_OBJ) $(RHYVE_OBJS) $(API_OBJS) $(BUILD)/vmm.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# rhyvectl(8): a QMP client; it shares only the JSON code and the socket
# path rule with rhyve.
RHYVECTL_OBJS	:= $(call obj,rhyvectl/rhyvectl.c rhyve/qmp/json.c rhyve/qmp/qmp_path.c)
$(BUILD)/rhyvectl: $(RHYVECTL_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

# ---- tests ---------------------------------------------------------------
# tests/unit/vmm_*.c are white-box tests of vmm internals: they link the
# raw vmm objects.  Every other tests/unit/*.c tests through vmmapi and
# links the sealed vmm.o plus rhyve's objects (without main).  Tests use
# Criterion, except the concurrency tests (conc_*.c) that also run under
# TSan: Criterion cannot start under TSan, so they use cmocka.
UNIT_VMM_SRCS	:= $(sort $(wildcard tests/unit/vmm_*.c))
UNIT_API_SRCS	:= $(sort $(filter-out $(UNIT_VMM_SRCS),$(wildcard tests/unit/*.c)))
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_VMM_SRCS) $(UNIT_API_SRCS))
TEST_LIBS	:= -lcriterion $(LIBS)
# Shared test helpers (tests/lib/), an archive so each binary takes what it uses.
TEST_HELPER_OBJS := $(call obj,$(sort $(wildcard tests/lib/*.c)))
TEST_HELPERS	:= $(BUILD)/libtesthelpers.a

$(TEST_HELPERS): $(TEST_HELPER_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# Test sources record the headers they include (-MMD) like everything else.
$(BUILD)/tests/vmm_%: tests/unit/vmm_%.c $(VMM_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d -o $@ $(filter %.c %.o %.a,$^) $(LDFLAGS) $(TEST_LIBS)

$(BUILD)/tests/conc_%: tests/unit/conc_%.c $(TEST_HELPERS) $(RHYVE_OBJS) $(API_OBJS) $(BUILD)/vmm.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d -o $@ $(filter %.c %.o %.a,$^) $(LDFLAGS) -lcmocka $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_HELPERS) $(RHYVE_OBJS) $(API_OBJS) $(BUILD)/vmm.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $@.d -o $@ $(filter %.c %.o %.a,$^) $(LDFLAGS) $(TEST_LIBS)

unit-bins: $(UNIT_BINS)

# Benchmarks built from C (bench/*.c), linked like the vmmapi-level tests.
BENCH_BINS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

$(BUILD)/bench/%: bench/%.c $(TEST_HELPERS) $(API_OBJS) $(BUILD)/vmm.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS)

# Guest programs (rv64, bare metal, for QEMU virt's memory map).
RV_CC		?= riscv64-unknown-elf-gcc
RV_CFLAGS	:= -march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -nostartfiles \
		   -ffreestanding -O2 -g -Wall -Itests/guests -T tests/guests/virt.ld \
		   -Wl,--no-warn-rwx-segments
GUEST_SRCS	:= $(sort $(wildcard tests/guests/*.S tests/guests/*/*.S))
GUEST_ELFS	:= $(patsubst tests/guests/%.S,$(BUILD)/guests/%.elf,$(GUEST_SRCS))

$(BUILD)/guests/%.elf: tests/guests/%.S tests/guests/virt.ld $(wildcard tests/guests/*.h)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -o $@ $<

BENCH_GUEST_ELFS := $(patsubst bench/guests/%.S,$(BUILD)/bench/guests/%.elf,$(wildcard bench/guests/*.S))

# A bench guest may include any other (compute_short.S is compute.S).
$(BUILD)/bench/guests/%.elf: bench/guests/%.S tests/guests/virt.ld $(wildcard tests/guests/*.h) \
    $(wildcard bench/guests/*.inc bench/guests/*.S)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -o $@ $<

guests: $(GUEST_ELFS)

setup:
	@scripts/setup.sh

# Debian 13's riscv64 kernel and busybox for the Linux tests and
# benchmarks, cached outside the tree (make run does not need them).
linux-guest: setup
	@scripts/fetch-linux.sh

run: setup all
	@scripts/run-default-guest.sh

test: setup linux-guest
	@tests/run.sh

bench: setup linux-guest all guests $(BENCH_BINS) $(BENCH_GUEST_ELFS)
	@bench/run.sh

install: $(BUILD)/rhyve $(BUILD)/rhyvectl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/rhyve $(DESTDIR)$(PREFIX)/bin/rhyve
	install -m 0644 man/rhyve.8 $(DESTDIR)$(PREFIX)/share/man/man8/rhyve.8
	install -m 0755 $(BUILD)/rhyvectl $(DESTDIR)$(PREFIX)/bin/rhyvectl
	install -m 0644 man/rhyvectl.8 $(DESTDIR)$(PREFIX)/share/man/man8/rhyvectl.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rhyve $(DESTDIR)$(PREFIX)/share/man/man8/rhyve.8
	rm -f $(DESTDIR)$(PREFIX)/bin/rhyvectl $(DESTDIR)$(PREFIX)/share/man/man8/rhyvectl.8

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

# ---- fuzzing -------------------------------------------------------------
# libFuzzer harnesses (tests/fuzz/fuzz_*.c, see docs/fuzzing.md), built
# with clang and ASan+UBSan from the same sources into build/fuzz: "make
# fuzz" re-runs make with BUILD=build/fuzz so that every vmm, vmmapi and
# rhyve object is compiled with the fuzzer's coverage instrumentation,
# then links each harness against them (without rhyve/main.c).
# fuzz_jit_diff shares its program generator with the unit test
# vmm_jit_diff (tests/unit/rv_gen.h).
FUZZ_BUILD	:= build/fuzz
FUZZ_CC		?= clang
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,\
		   $(sort $(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: fuzz fuzz-bins
# (clang flags libseccomp's SCMP_A*() macros, which leave datum_b to its
# zero default positionally: -Wno-missing-field-initializers.)
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 \
	    SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -Wno-missing-field-initializers" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) \
	    tests/unit/rv_gen.h $(RHYVE_OBJS) $(API_OBJS) $(BUILD)/vmm.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) \
	    $(LDFLAGS) -fsanitize=fuzzer $(LIBS)
# ---- fuzzing (end) -------------------------------------------------------
