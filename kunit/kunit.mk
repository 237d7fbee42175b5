# SPDX-License-Identifier: GPL-2.0
#
# Kernel CI on the flatvm debug kernel; included by the top-level Makefile
# (paths are relative to the top of the tree).
#
#   make debug-kernel     build (once, cached in /var/cache/flatvm) the
#                         KUnit/KASAN/lockdep/kmemleak kernel
#   make kunit            the KUnit suites (flatvm_kunit.ko) in that kernel
#   make vm-debug-itest   the integration tests with flatvm.ko in that kernel
#   make vm-fuzz          the coverage-guided fuzzer (FUZZ_SECONDS, FUZZ_SEED,
#                         FUZZ_CALLS: stops at whichever of the time or the
#                         ioctl count comes first), then its coverage figure
#   make vm-stress        the stress run + fault injection (STRESS_OPS, STRESS_SEED)
#   make kernel-ci        all four in one boot of the VM (what `make check` runs;
#                         its fuzz step: CI_FUZZ_SECONDS, CI_FUZZ_CALLS)
#
# Each VM run (userspace/vm/run-vm.sh, the harness of every VM run) prints
# its own "N passed, N failed" line last and fails on any kernel report
# (KASAN, lockdep, DEBUG_VM, WARN, BUG, kmemleak).  Logs go to
# kunit/build/logs/; a run with the fuzzer also writes <log>.coverage.txt
# (userspace/vmfuzz/cov/vmfuzz-cov.py: flatvm.ko's blocks reached, per
# file, and those never reached).

FV_CI_DIR	:= kunit
FV_CI_OUT	:= $(FV_CI_DIR)/build
FV_CI_LOGS	:= $(FV_CI_OUT)/logs
FV_CI_BIN	:= $(FV_CI_OUT)/bin
FV_CI_KDIR	= $(shell cat $(FV_CI_OUT)/kdir)
FV_CI_BZIMAGE	= $(FV_CI_KDIR)/arch/x86/boot/bzImage
FV_CI_SUITES	= $(shell grep -c '^static struct kunit_suite ' $(FV_CI_DIR)/*.c \
		    $(FV_CI_DIR)/core/*.c | \
		    awk -F: '{ n += $$2 } END { print n }')
FV_CI_DEBS	:= qemu-system-x86 busybox-static cpio python3 gcc make \
		   libc6-dev linux-source-6.1 bc bison flex libelf-dev \
		   libssl-dev xz-utils
FV_CI_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -O2 -static \
		   -Iinclude/uapi

FUZZ_SECONDS	?= 120
FUZZ_SEED	?= 1
FUZZ_CALLS	?= 1000000
# kernel-ci's fuzz step (make check): 10^5 ioctls, or 300 s if the machine
# is so loaded that they take longer (~500 ioctls/s: ~200 s).
CI_FUZZ_SECONDS	?= 300
CI_FUZZ_CALLS	?= 100000
STRESS_OPS	?= 100000
STRESS_SEED	?= 1
# A quarter of the itest concurrency iterations: vmstress covers them here.
FV_CI_SCALE	?= 25

FV_ITEST_BIN	?= userspace/itest/flatvm-itest

.PHONY: kunit-deps debug-kernel kunit vm-debug-itest vm-fuzz vm-stress \
	kernel-ci

# Missing Debian packages: installed when root, else the command is shown.
kunit-deps:
	@scripts/deps.sh $(FV_CI_DEBS)

# Always asks the script, which answers at once when the cache is valid.
debug-kernel: kunit-deps
	@mkdir -p $(FV_CI_OUT)
	@$(FV_CI_DIR)/build-debug-kernel.sh > $(FV_CI_OUT)/kdir.new
	@tail -1 $(FV_CI_OUT)/kdir.new > $(FV_CI_OUT)/kdir && rm $(FV_CI_OUT)/kdir.new
	@echo "debug-kernel: $$(cat $(FV_CI_OUT)/kdir)"

FV_FUZZ_SRC	:= $(wildcard userspace/vmfuzz/*.c)
$(FV_CI_BIN)/vmfuzz: $(FV_FUZZ_SRC) userspace/vmfuzz/vmfuzz.h \
		include/uapi/linux/flatvm.h
	@mkdir -p $(@D)
	$(CC) $(FV_CI_CFLAGS) -pthread -o $@ $(FV_FUZZ_SRC)

# vmstress calls the device through libflatvm (built by userspace/).
FV_CI_LIBFLATVM	:= userspace/build/lib/libflatvm.a
$(FV_CI_LIBFLATVM): FORCE
	@$(MAKE) --no-print-directory -C userspace lib >/dev/null

$(FV_CI_BIN)/vmstress: userspace/stress/vmstress.c include/uapi/linux/flatvm.h \
		$(FV_CI_LIBFLATVM)
	@mkdir -p $(@D)
	$(CC) $(FV_CI_CFLAGS) -Iuserspace/lib -pthread -o $@ $< $(FV_CI_LIBFLATVM)

# fv_ci_modules,<which>: build modules against the debug kernel.
fv_ci_modules = $(FV_CI_DIR)/build-modules.sh $(FV_CI_KDIR) $(FV_CI_OUT) $(1) \
		>/dev/null

# The debug kernel's command line: every message on the console, KASAN
# reports all shown, and failslab (with cache-filter=Y) allowed to fail
# every slab cache but kmemleak's own: a failed kmemleak_object allocation
# drains kmemleak's emergency pool and, once it is empty, disables leak
# detection for the rest of the run.
FV_CI_CMDLINE	:= loglevel=7 kasan_multi_shot \
		   slub_debug=A;-,kmemleak_object,kmemleak_scan_area

# fv_ci_run,<steps>,<timeout>,<files and -a settings>
fv_ci_run = @mkdir -p $(FV_CI_LOGS) && \
	userspace/vm/run-vm.sh -k $(FV_CI_BZIMAGE) -s $(1) -t $(2) \
		-l $(FV_CI_LOGS)/$(subst $(comma),-,$(1)).log \
		-x '$(FV_CI_CMDLINE)' -n $(FV_CI_SUITES) $(3)
comma := ,

# fv_ci_cov,<steps>: the coverage figure of the fuzz step of that run's log.
fv_ci_cov = python3 userspace/vmfuzz/cov/vmfuzz-cov.py \
	--ko $(FV_CI_OUT)/flatvm/flatvm.ko --root . \
	--out $(FV_CI_LOGS)/$(subst $(comma),-,$(1)).coverage.txt \
	$(FV_CI_LOGS)/$(subst $(comma),-,$(1)).log

kunit: debug-kernel
	@$(call fv_ci_modules,kunit)
	$(call fv_ci_run,kunit,900,\
		-f $(FV_CI_OUT)/kunit/flatvm_kunit.ko:/lib/flatvm/flatvm_kunit.ko)

vm-debug-itest: debug-kernel $(FV_ITEST_BIN)
	@$(call fv_ci_modules,flatvm)
	$(call fv_ci_run,itest,900,\
		-f $(FV_CI_OUT)/flatvm/flatvm.ko:/lib/flatvm/flatvm.ko \
		-f $(FV_ITEST_BIN):/bin/flatvm-itest -a scale=$(FV_CI_SCALE))

vm-fuzz: debug-kernel $(FV_CI_BIN)/vmfuzz
	@$(call fv_ci_modules,flatvm)
	$(call fv_ci_run,fuzz,$(shell echo $$(($(FUZZ_SECONDS) + 600))),\
		-f $(FV_CI_OUT)/flatvm/flatvm.ko:/lib/flatvm/flatvm.ko \
		-f $(FV_CI_BIN)/vmfuzz:/bin/vmfuzz \
		-a seconds=$(FUZZ_SECONDS) -a seed=$(FUZZ_SEED) \
		-a calls=$(FUZZ_CALLS)); rc=$$?; \
	$(call fv_ci_cov,fuzz); exit $$rc

vm-stress: debug-kernel $(FV_CI_BIN)/vmstress
	@$(call fv_ci_modules,flatvm)
	$(call fv_ci_run,stress,1800,\
		-f $(FV_CI_OUT)/flatvm/flatvm.ko:/lib/flatvm/flatvm.ko \
		-f $(FV_CI_BIN)/vmstress:/bin/vmstress \
		-a ops=$(STRESS_OPS) -a seed=$(STRESS_SEED))

# One boot for all four saves three boots and kmemleak scans (~25 s each).
kernel-ci: debug-kernel $(FV_ITEST_BIN) $(FV_CI_BIN)/vmfuzz $(FV_CI_BIN)/vmstress
	@$(call fv_ci_modules,kunit flatvm)
	$(call fv_ci_run,kunit$(comma)itest$(comma)fuzz$(comma)stress,\
		$(shell echo $$(($(CI_FUZZ_SECONDS) + 3000))),\
		-f $(FV_CI_OUT)/kunit/flatvm_kunit.ko:/lib/flatvm/flatvm_kunit.ko \
		-f $(FV_CI_OUT)/flatvm/flatvm.ko:/lib/flatvm/flatvm.ko \
		-f $(FV_ITEST_BIN):/bin/flatvm-itest \
		-f $(FV_CI_BIN)/vmfuzz:/bin/vmfuzz \
		-f $(FV_CI_BIN)/vmstress:/bin/vmstress \
		-a seconds=$(CI_FUZZ_SECONDS) -a seed=$(FUZZ_SEED) \
		-a calls=$(CI_FUZZ_CALLS) -a ops=$(STRESS_OPS) \
		-a scale=$(FV_CI_SCALE)); rc=$$?; \
	$(call fv_ci_cov,kunit$(comma)itest$(comma)fuzz$(comma)stress); \
	exit $$rc

CHECK_STEPS	+= kernel-ci
