# Host unit tests of the allocator core, built with ASan + UBSan and run by
# `make check` (target host-test).  Included by userspace/Makefile; paths
# are relative to userspace/.
FVT_BIN		:= tests/build/host-test
FVT_SRCS	:= $(wildcard tests/*.c)
FVT_HDRS	:= $(wildcard tests/*.h)

$(FVT_BIN): $(FVT_SRCS) $(FVT_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_CFLAGS) -Itests -o $@ $(FVT_SRCS) $(CORE_SRCS)

.PHONY: host-test
host-test: $(FVT_BIN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 $(FVT_BIN)

all: $(FVT_BIN)
CHECK_TARGETS	+= host-test
