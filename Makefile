# SPDX-License-Identifier: GPL-2.0
#
# flatvm: everything runs from here.
#
#   make              flatvm.ko (against Debian's headers) and the userspace
#                     programs
#   make module       flatvm.ko only (Kbuild at the top, objects in place)
#   make vm-test      the integration tests in the dev VM (stock kernel)
#   make demo         the dev VM demo: two processes pass a pointer through a
#                     shared page, STATS and debugfs before and after
#   make vm-bench     flatvm against mmap/memfd in one boot of the dev VM
#   make check        every step of CHECK_STEPS, each printing its own
#                     "N passed, N failed", then one summed line
#   make module-check flatvm.ko with W=1, sparse (C=2), checkpatch --strict
#   make bench        make fuzz: delegated to userspace/
#   make install      libflatvm, its header and pkg-config file, the flatvm
#                     command and the man pages into $(DESTDIR)$(PREFIX)
#                     (PREFIX=/usr/local by default)
#   make deps         install missing Debian packages (as root), or print the
#                     command to run
#
# Hook for later steps: fragments included at the end (kunit/kunit.mk and
# any other *.mk listed in CHECK_FRAGMENTS) define their targets and append
# them to CHECK_STEPS.  A step is a make target that prints one or more bare
# "N passed, N failed" lines (summed) and fails when anything failed.

KVER		?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		     sed 's|.*/linux-headers-||' | sort -V | tail -1)
KDIR		?= /lib/modules/$(KVER)/build
VMLINUZ		?= /boot/vmlinuz-$(KVER)
LINUX_SRC	?= /var/cache/flatvm/linux-source-6.1
STEP_TIMEOUT	?= 3600

# Every Debian package a step uses, installed in one go by `make deps`
# without recommends (scripts/deps.sh).  Who needs what:
#   build-essential         gcc, make, libc6-dev; perl for checkpatch.pl
#   linux-headers-amd64     flatvm.ko for Debian's kernel (make module)
#   linux-image-amd64       the kernel the dev VM boots (vm-test, demo)
#   linux-source-6.1        checkpatch.pl (module-check), the debug kernel,
#                           the maple tree of the benchmark's kernel peer
#   qemu-system-x86         the VMs, headless (its seabios and ipxe-qemu
#                           dependencies are all -kernel -nographic needs)
#   busybox-static cpio     the VMs' initramfs
#   sparse                  module-check, the debug-kernel module builds
#   clang libclang-rt-14-dev  the libFuzzer build of the core's fuzzer
#   python3 gnuplot-nox     the benchmark's traces and plot; kunit/vmlog.py
#   bc bison flex libelf-dev libssl-dev xz-utils  the debug kernel build
#                           (kunit/build-debug-kernel.sh asks for these)
#   liburcu-dev             the benchmark's maple-tree peer
#   pkgconf                 the install test builds against libflatvm.pc
#   man-db groff-base       man -l lint of libflatvm.3 and flatvm.8
DEB_PACKAGES	:= build-essential linux-headers-amd64 linux-image-amd64 \
		   linux-source-6.1 qemu-system-x86 busybox-static cpio \
		   sparse clang libclang-rt-14-dev python3 gnuplot-nox \
		   bc bison flex libelf-dev libssl-dev xz-utils liburcu-dev \
		   pkgconf man-db groff-base

CHECK_STEPS	:= host-check module-check vm-test
CHECK_FRAGMENTS	:= kunit/kunit.mk

# The integration tests as other fragments name them.
FV_ITEST_BIN	:= userspace/itest/build/flatvm-itest

.PHONY: all module userspace deps check host-check module-check vm-test \
	demo vm-bench vm-latency bench fuzz install clean

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace all

$(FV_ITEST_BIN): FORCE
	$(MAKE) -C userspace itest
FORCE:

# Missing packages: installed when root, else the exact command is printed.
deps:
	@scripts/deps.sh $(DEB_PACKAGES)

host-check:
	$(MAKE) -C userspace check

module-check: deps
	@KDIR=$(KDIR) LINUX_SRC=$(LINUX_SRC) scripts/module-check.sh

vm-test: deps module
	@$(MAKE) --no-print-directory -C userspace vm-test VM_KVER=$(KVER) \
		VM_KERNEL=$(VMLINUZ)

demo: deps module
	@$(MAKE) --no-print-directory -C userspace vm-demo VM_KVER=$(KVER) \
		VM_KERNEL=$(VMLINUZ)

vm-bench: deps module
	@$(MAKE) --no-print-directory -C userspace vm-bench VM_KVER=$(KVER) \
		VM_KERNEL=$(VMLINUZ)

vm-latency: deps module
	@$(MAKE) --no-print-directory -C userspace vm-latency VM_KVER=$(KVER) \
		VM_KERNEL=$(VMLINUZ)

bench:
	$(MAKE) -C userspace bench

fuzz:
	$(MAKE) -C userspace fuzz

PREFIX		?= /usr/local
DESTDIR		?=
install:
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

check: deps
	@STEP_TIMEOUT=$(STEP_TIMEOUT) scripts/check-steps.sh $(CHECK_STEPS)

# Not Kbuild's clean: with M= at the top it deletes every *.[aios] file of
# the tree, other people's included.
clean:
	rm -f module/*.o module/.*.cmd .*.cmd flatvm.o flatvm.ko flatvm.mod \
		flatvm.mod.c flatvm.mod.o Module.symvers modules.order
	rm -rf build userspace/itest/build userspace/vm/build \
		userspace/vmbench/build userspace/build/lib userspace/build/tools \
		userspace/build/examples

-include $(CHECK_FRAGMENTS)
