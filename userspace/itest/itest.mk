# flatvm integration tests and demo, run inside the dev VM (vm/vm.mk).
# Included by userspace/Makefile; paths are relative to userspace/.  The
# programs are static: the VM's initramfs has no C library.
ITEST_BIN	:= itest/build/flatvm-itest
DEMO_BIN	:= itest/build/flatvm-demo
COMPAT32_BIN	:= itest/build/flatvm-compat32
ITEST_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread \
		   -Ilib -I$(TOP)/include/uapi
ITEST_HDRS	:= $(wildcard itest/*.h) $(LIB_HDRS)
ITEST_SRCS	:= itest/itest_main.c itest/itest_lib.c itest/tracefs.c \
		   $(wildcard itest/t_*.c)

# The device through libflatvm (lib/lib.mk, included before this file).
# The 32-bit program is embedded (compat32_blob.S) and run from a memfd.
$(ITEST_BIN): $(ITEST_SRCS) $(ITEST_HDRS) itest/compat32_blob.S $(COMPAT32_BIN) \
		$(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ITEST_CFLAGS) -DCOMPAT32_BIN='"$(COMPAT32_BIN)"' -o $@ \
		$(ITEST_SRCS) itest/compat32_blob.S $(LIB_A)

$(DEMO_BIN): itest/demo.c itest/tracefs.c $(ITEST_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ITEST_CFLAGS) -o $@ itest/demo.c itest/tracefs.c $(LIB_A)

# A 32-bit caller for t_compat_rejected, assembled without any libc
# (named .S: Kbuild's clean deletes *.s under the module's tree).
$(COMPAT32_BIN): itest/compat32.S
	@mkdir -p $(dir $@)
	$(CC) -m32 -nostdinc -c -o $@.o $<
	ld -m elf_i386 -static -o $@ $@.o

.PHONY: itest
itest: $(ITEST_BIN) $(DEMO_BIN) $(COMPAT32_BIN)
all: itest
