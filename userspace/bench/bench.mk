# Trace benchmark of the allocator core against the baselines (bench/).
# Included by userspace/Makefile; paths are relative to userspace/.
#   make bench                 all workloads; tables + plot in bench/results/
#   make bench TRACE=file      the same comparison on one trace file
#   make bench-smoke           every allocator on small traces, checked
#   make bench-profile         callgrind profile of flatvm on seed-1e5
BENCH_BUILD	:= build/bench
BENCH_BIN	:= $(BENCH_BUILD)/fvbench
BENCH_SMOKE_BIN	:= $(BENCH_BUILD)/fvbench-smoke
BENCH_SRCS	:= bench/fvbench.c bench/replay.c bench/trace.c \
		   bench/bl_list.c bench/bl_bitmap.c bench/bl_buddy.c \
		   bench/bl_rbtree.c
BENCH_HDRS	:= $(wildcard bench/*.h)
BENCH_CFLAGS	:= -std=c11 -Wall -Wextra -Werror -I$(TOP)/include/flatvm \
		   -Iharness -Ibench

# The core's objects, built with the core's own flags (CORE_CFLAGS).
# $(1): build directory, $(2): extra flags, $(3): output binary.
define bench_link
	@mkdir -p $(1)
	for s in $(CORE_SRCS); do \
		$(CC) $(CORE_CFLAGS) $(2) -c $$s \
			-o $(1)/core-$$(basename $$s .c).o || exit 1; \
	done
	$(CC) $(BENCH_CFLAGS) $(2) -o $(3) $(BENCH_SRCS) $(1)/core-*.o
endef

$(BENCH_BIN): $(BENCH_SRCS) $(BENCH_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	$(call bench_link,$(BENCH_BUILD)/opt,$(OPT_CFLAGS),$@)

$(BENCH_SMOKE_BIN): $(BENCH_SRCS) $(BENCH_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	$(call bench_link,$(BENCH_BUILD)/san,$(SAN_CFLAGS),$@)

# python3 writes the workloads, gnuplot draws the scale curve; liburcu and
# linux-source-6.1 are for the maple-tree peer.  Installed without
# recommends when root (scripts/deps.sh), else the command is printed.
BENCH_DEBS	:= python3 gnuplot-nox liburcu-dev linux-source-6.1
.PHONY: bench-deps
bench-deps:
	@$(TOP)/scripts/deps.sh $(BENCH_DEBS)

.PHONY: bench bench-smoke bench-profile
bench: bench-deps $(BENCH_BIN)
	BIN=$(BENCH_BIN) BUILD=$(BENCH_BUILD) TRACE='$(TRACE)' \
		bench/run.sh

bench-smoke: $(BENCH_SMOKE_BIN)
	@command -v python3 >/dev/null || $(MAKE) bench-deps
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	BIN=$(BENCH_SMOKE_BIN) BUILD=$(BENCH_BUILD) bench/smoke.sh

bench-profile: bench-deps $(BENCH_BIN)
	@$(TOP)/scripts/deps.sh valgrind
	BIN=$(BENCH_BIN) BUILD=$(BENCH_BUILD) bench/profile.sh

all: $(BENCH_BIN)
CHECK_TARGETS	+= bench-smoke
