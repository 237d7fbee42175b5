# flatvm integration tests and demo, run inside the dev VM (vm/vm.mk).
# Included by userspace/Makefile; paths are relative to userspace/.  The
# programs are static: the VM's initramfs has no C library.
ITEST_BIN	:= itest/build/flatvm-itest
DEMO_BIN	:= itest/build/flatvm-demo
ITEST_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread \
		   -I$(TOP)/include/uapi
ITEST_HDRS	:= $(wildcard itest/*.h) $(TOP)/include/uapi/linux/flatvm.h
ITEST_SRCS	:= itest/itest_main.c itest/itest_lib.c $(wildcard itest/t_*.c)

$(ITEST_BIN): $(ITEST_SRCS) $(ITEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ITEST_CFLAGS) -o $@ $(ITEST_SRCS)

$(DEMO_BIN): itest/demo.c itest/itest_lib.c $(ITEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ITEST_CFLAGS) -o $@ itest/demo.c itest/itest_lib.c

.PHONY: itest
itest: $(ITEST_BIN) $(DEMO_BIN)
all: itest
