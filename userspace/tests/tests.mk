# Host build of the core's test cases: the KUnit suites of kunit/core/
# (the same files flatvm_kunit.ko runs in the debug kernel), compiled with
# the KUnit shim kunit_host.[ch] and the core's host build, with ASan and
# UBSan; run by `make check` (target host-test); and the lock-free look-up's
# stress test (target lockless-stress, below).  Included by
# userspace/Makefile; paths are relative to userspace/.
FVT_DIR		:= $(TOP)/kunit/core
FVT_BIN		:= tests/build/host-test
FVT_SRCS	:= $(wildcard $(FVT_DIR)/*.c) tests/kunit_host.c
FVT_HDRS	:= $(wildcard $(FVT_DIR)/*.h) tests/kunit_host.h

$(FVT_BIN): $(FVT_SRCS) $(FVT_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_CFLAGS) -I$(FVT_DIR) -I$(TOP)/module \
		-Itests -o $@ $(FVT_SRCS) $(CORE_SRCS)

.PHONY: host-test
host-test: $(FVT_BIN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 $(FVT_BIN)

all: $(FVT_BIN)
CHECK_TARGETS	+= host-test

# The core's lock-free look-up against concurrent writers (tests/lockless):
# the core built with a threaded compat (a real mutex, the kernel's seqcount
# ordering, grace periods), with ASan and UBSan; fails on any look-up of a
# page its domain holds that is refused or wrong.  LOCKLESS_SECS: how long.
LL_DIR		:= tests/lockless
LL_BIN		:= tests/build/lockless-stress
LOCKLESS_SECS	?= 10

$(LL_BIN): $(LL_DIR)/lockless_stress.c $(LL_DIR)/fv_host_compat.h \
		harness/fv_host_common.h \
		$(filter $(TOP)/%,$(CORE_SRCS) $(CORE_HDRS))
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -I$(LL_DIR) -I$(TOP)/include/flatvm -Wall -Wextra \
		-Werror -Wno-unused-parameter -pthread $(SAN_CFLAGS) -o $@ \
		$(LL_DIR)/lockless_stress.c $(filter $(TOP)/%,$(CORE_SRCS))

.PHONY: lockless-stress
lockless-stress: $(LL_BIN)
	$(LL_BIN) $(LOCKLESS_SECS) 2

all: $(LL_BIN)
CHECK_TARGETS	+= lockless-stress
