# flatvm dev VM: Debian's stock kernel in QEMU (TCG) with a busybox
# initramfs holding flatvm.ko and the programs of itest/.  Included by
# userspace/Makefile; paths are relative to userspace/.
#
#   make vm-test   the integration tests; last line "N passed, N failed"
#                  (VM_FILTER=name runs only the tests whose name has it)
#   make vm-demo   the demo (two processes, one pointer)
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

.PHONY: vm-test vm-demo vm-ko
vm-ko:
	@test -r $(VM_KO) || { echo "vm: $(VM_KO) missing: run make module at the top"; exit 1; }
	@test -r $(VM_KERNEL) || { echo "vm: $(VM_KERNEL) missing: apt-get install linux-image-$(VM_KVER)"; exit 1; }

# itest.mk is included after this file: build its programs from the recipe.
vm-test: vm-ko
	@$(MAKE) --no-print-directory itest >/dev/null
	@mkdir -p $(VM_LOGS)
	@vm/run-vm.sh -m test -k $(VM_KERNEL) -f $(VM_KO) -t $(VM_TIMEOUT) \
		-l $(VM_LOGS)/vm-test.log -p $(ITEST_BIN) -a "$(VM_MODARGS)" \
		-F "$(VM_FILTER)"

vm-demo: vm-ko
	@$(MAKE) --no-print-directory itest >/dev/null
	@mkdir -p $(VM_LOGS)
	@vm/run-vm.sh -m demo -k $(VM_KERNEL) -f $(VM_KO) -t 300 \
		-l $(VM_LOGS)/vm-demo.log -p $(DEMO_BIN) -a "$(VM_MODARGS)"
