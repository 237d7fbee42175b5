# flatvm dev VM: Debian's stock kernel in QEMU (TCG) with a busybox
# initramfs holding flatvm.ko and the programs, through the one VM harness
# (vm/run-vm.sh, also used by kunit/kunit.mk for the debug kernel).
# Included by userspace/Makefile; paths are relative to userspace/.
#
#   make vm-test   the integration tests; last line "N passed, N failed"
#                  (VM_FILTER=name runs only the tests whose name has it)
#   make vm-demo   the demo: two processes, one pointer; then shmap_bench
#                  (the shared hash map against memfd and pipe; SHMAP_ARGS
#                  replaces its arguments, "--seconds 1 --readers 1,2,4")
#   make vm-bench  flatvm against mmap and memfd, one boot (vm-bench lines)
#   make vm-latency a bystander's latency under each attack (issue 11)
#
# flatvm.ko is built by the top-level Makefile (`make module`) against
# VM_KVER's headers; the VM boots the matching /boot/vmlinuz.
VM_KVER		?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		     sed 's|.*/linux-headers-||' | sort -V | tail -1)
VM_KERNEL	?= /boot/vmlinuz-$(VM_KVER)
VM_KO		?= $(TOP)/flatvm.ko
VM_LOGS		:= vm/build
VM_TIMEOUT	?= 900
VM_MODARGS	?=
VM_FILTER	?=
# The loop driver of the stock kernel, for the O_DIRECT test.
VM_LOOP_KO	:= $(wildcard /lib/modules/$(VM_KVER)/kernel/drivers/block/loop.ko)

# vm-bench: caps and quotas raised for 2,000,000 one-page ranges in one
# process, and the memory they need (8 GiB of pages, plus the core's
# records).
VMBENCH_BIN	:= vmbench/build/vm-bench
VMBENCH_ARGS	?=
VMBENCH_MEM	?= 10240
VMBENCH_MODARGS	?= max_pages=2100000 max_user_pages=2100000 \
		   max_user_ranges=2100000 max_user_records=2100000
SHMAP_ARGS	?=

vm_empty	:=
vm_space	:= $(vm_empty) $(vm_empty)
vm_comma	:= ,
# vm_run,<steps>,<log>,<timeout>,<more run-vm.sh options>
vm_run = vm/run-vm.sh -k $(VM_KERNEL) -s $(1) -l $(VM_LOGS)/$(2).log \
	-t $(3) -c qemu64 -x quiet -f $(VM_KO):/lib/flatvm/flatvm.ko $(4)
vm_args = $(subst $(vm_space),$(vm_comma),$(strip $(1)))

.PHONY: vm-test vm-demo vm-bench vm-ko
vm-ko:
	@test -r $(VM_KO) || { echo "vm: $(VM_KO) missing: run make module at the top"; exit 1; }
	@test -r $(VM_KERNEL) || { echo "vm: $(VM_KERNEL) missing: apt-get install linux-image-$(VM_KVER)"; exit 1; }

# itest.mk is included after this file: build its programs from the recipe.
# lib.mk and tools.mk add libflatvm's test and the flatvm command's.
vm-test: vm-ko
	@$(MAKE) --no-print-directory itest lib-vm tools-vm >/dev/null
	@$(call vm_run,itest,vm-test,$(VM_TIMEOUT),\
		-f $(ITEST_BIN):/bin/flatvm-itest \
		-f $(LIB_VMTEST):/bin/flatvm-libtest \
		-f $(TOOL_STATIC):/bin/flatvm \
		-f tools/tests/vm_tooltest.sh:/bin/vm_tooltest.sh \
		$(if $(VM_LOOP_KO),-f $(VM_LOOP_KO):/lib/flatvm/loop.ko) \
		$(if $(strip $(VM_MODARGS)),-a args=$(call vm_args,$(VM_MODARGS))) \
		$(if $(VM_FILTER),-a filter=$(VM_FILTER)))

vm-demo: vm-ko
	@$(MAKE) --no-print-directory itest examples >/dev/null
	@$(call vm_run,demo,vm-demo,1800,-f $(DEMO_BIN):/bin/flatvm-demo \
		-f $(EX_STATIC):/bin/shmap_bench \
		$(if $(strip $(VM_MODARGS)),-a args=$(call vm_args,$(VM_MODARGS))) \
		$(if $(strip $(SHMAP_ARGS)),-a shmap=$(subst $(vm_space),~,$(strip $(SHMAP_ARGS)))))

$(VMBENCH_BIN): vmbench/vm-bench.c $(LIB_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread \
		-Ilib -I$(TOP)/include/uapi -o $@ $< $(LIB_A)

vm-bench: vm-ko $(VMBENCH_BIN)
	@$(call vm_run,bench,vm-bench,3600,-m $(VMBENCH_MEM) \
		-f $(VMBENCH_BIN):/bin/vm-bench \
		-a args=$(call vm_args,$(VMBENCH_MODARGS)) \
		$(if $(strip $(VMBENCH_ARGS)),-a bench=$(call vm_args,$(VMBENCH_ARGS))))

all: $(VMBENCH_BIN)

# vm-latency: a bystander's ALLOC+RELEASE latency while a hostile process
# runs each attack of issue 11 (stress/latency.c); LATENCY_ARGS e.g. -d 5.
LATENCY_BIN	:= stress/build/flatvm-latency
LATENCY_ARGS	?=

$(LATENCY_BIN): stress/latency.c $(TOP)/include/uapi/linux/flatvm.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static \
		-I$(TOP)/include/uapi -o $@ $<

.PHONY: vm-latency
vm-latency: vm-ko $(LATENCY_BIN)
	@$(call vm_run,latency,vm-latency,900,-f $(LATENCY_BIN):/bin/flatvm-latency \
		$(if $(strip $(LATENCY_ARGS)),-a bench=$(call vm_args,$(LATENCY_ARGS))))

all: $(LATENCY_BIN)
