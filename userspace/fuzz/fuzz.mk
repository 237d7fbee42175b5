# Differential fuzzer of the allocator core (fuzz/fvz_*.c): a libFuzzer
# build when clang is there, and a standalone deterministic driver that
# needs only the C compiler.  `make check` runs both for FUZZ_SECONDS in
# total (fuzz-check); `make fuzz FUZZ_SECONDS=N` runs them for longer.
# Included by userspace/Makefile; paths are relative to userspace/.
FUZZ_SECONDS	?= 60
FVZ_CLANG	?= clang
FVZ_BUILD	:= fuzz/build
# The reference model is the core test cases' own (kunit/core/fvt_model.c).
FVZ_MODEL_DIR	:= $(TOP)/kunit/core
FVZ_SRCS	:= fuzz/fvz_diff.c $(FVZ_MODEL_DIR)/fvt_model.c
FVZ_HDRS	:= fuzz/fvz.h $(FVZ_MODEL_DIR)/fvt_model.h $(FVZ_MODEL_DIR)/fvt_fault.h
FVZ_STANDALONE	:= $(FVZ_BUILD)/fvz-standalone
FVZ_LIBFUZZER	:= $(FVZ_BUILD)/fvz-libfuzzer
FVZ_DEPS	:= $(FVZ_SRCS) $(FVZ_HDRS) $(CORE_SRCS) $(CORE_HDRS)

$(FVZ_STANDALONE): fuzz/fvz_standalone.c $(FVZ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) $(SAN_CFLAGS) -Ifuzz -I$(FVZ_MODEL_DIR) -o $@ fuzz/fvz_standalone.c \
		$(FVZ_SRCS) $(CORE_SRCS)

$(FVZ_LIBFUZZER): fuzz/fvz_libfuzzer.c $(FVZ_DEPS)
	@mkdir -p $(dir $@)
	$(FVZ_CLANG) $(CORE_CFLAGS) $(SAN_CFLAGS) -fsanitize=fuzzer -Ifuzz \
		-I$(FVZ_MODEL_DIR) \
		-o $@ fuzz/fvz_libfuzzer.c $(FVZ_SRCS) $(CORE_SRCS)

# clang and the libFuzzer runtime, installed when missing and run as root
# (scripts/deps.sh: without recommends; else it prints the command).
.PHONY: fuzz-deps
fuzz-deps:
	@if ! command -v $(FVZ_CLANG) >/dev/null 2>&1 || \
	    ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
		>/dev/null 2>&1; then \
		$(TOP)/scripts/deps.sh clang libclang-rt-14-dev || \
			echo "fuzz: no clang/libFuzzer: standalone driver only"; \
	fi

# Build the libFuzzer binary only where clang can link it.
.PHONY: fuzz-bins
fuzz-bins: fuzz-deps $(FVZ_STANDALONE)
	@if command -v $(FVZ_CLANG) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(FVZ_LIBFUZZER); \
	fi

.PHONY: fuzz fuzz-check
fuzz fuzz-check: fuzz-bins
	fuzz/run.sh $(FUZZ_SECONDS) $(FVZ_STANDALONE) $(FVZ_LIBFUZZER) fuzz/corpus $(FVZ_BUILD)

all: $(FVZ_STANDALONE)
CHECK_TARGETS	+= fuzz-check
