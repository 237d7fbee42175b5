# Trace benchmark of the allocator core against its same-job peers (the
# kernel's maple tree, vmalloc's design) and the search-alone baselines
# (bench/).  Included by userspace/Makefile; paths are relative to userspace/.
#   make bench                 all workloads; tables + plot in bench/results/
#   make bench TRACE=file      the same comparison on one trace file
#   make bench-smoke           every allocator on small traces, checked
#   make bench-profile         callgrind profile of every engine
#
# The peers build kernel code on the host: lib/maple_tree.c with the
# kernel's userspace shims and tools/lib/rbtree.c, from Debian's
# linux-source-6.1, extracted once outside the work tree by
# bench/kernel-src.sh (which also installs linux-source-6.1 and liburcu-dev
# when missing).  No kernel source is in the repository.
BENCH_BUILD	:= build/bench
BENCH_BIN	:= $(BENCH_BUILD)/fvbench
BENCH_SMOKE_BIN	:= $(BENCH_BUILD)/fvbench-smoke
BENCH_SRCS	:= bench/fvbench.c bench/replay.c bench/trace.c \
		   bench/bl_list.c bench/bl_bitmap.c bench/bl_buddy.c \
		   bench/bl_rbtree.c bench/full_flatvm.c bench/peer.c
# Compiled against the kernel's tools headers.
BENCH_KSRCS	:= bench/maple_lib.c bench/kshim.c bench/peer_maple.c \
		   bench/peer_kva.c
BENCH_HDRS	:= $(wildcard bench/*.h)
BENCH_CFLAGS	:= -std=c11 -Wall -Wextra -Werror -I$(TOP)/include/flatvm \
		   -Iharness -Ibench
BENCH_LIBS	:= -lurcu -lpthread

# Where kernel-src.sh extracted the sources (rewritten only on change).
KSRC_FILE	:= $(BENCH_BUILD)/kernel-src.path
# Headers the radix-tree test Makefile would generate, and `fallthrough`,
# which the shims lack.
KINC		:= $(BENCH_BUILD)/kinc
KINC_FILES	:= $(KINC)/generated/autoconf.h $(KINC)/fallthrough.h
# $$k: the extracted tree, read from $(KSRC_FILE) in each recipe.  The
# tools headers trip -Wextra's unused-parameter, type-limits and
# sign-compare warnings; everything else stays an error.
KERN_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -Wno-type-limits -Wno-sign-compare -D_LGPL_SOURCE \
		   -include $(KINC)/fallthrough.h -I$(KINC) \
		   -I$$k/tools/testing/radix-tree -I$$k/tools/include \
		   -Iharness -Ibench -DMAPLE_TREE_C='"'$$k/lib/maple_tree.c'"'
# Timed build: -O2, no sanitizer, no CONFIG_DEBUG_MAPLE_TREE (Debian's
# kernel has none), BUG_ON()s kept as in the kernel.  Smoke build: the
# sanitizers and the maple tree's own validation (mt_validate()); its test
# helpers call test-shim functions nothing here uses, so unused sections are
# dropped at link time.
KERN_OPT	:= -O2 -g
KERN_SAN	:= $(SAN_CFLAGS) -DCONFIG_DEBUG_MAPLE_TREE -ffunction-sections

.PHONY: kernel-src
kernel-src:
	@mkdir -p $(BENCH_BUILD)
	@bench/kernel-src.sh > $(KSRC_FILE).new
	@cmp -s $(KSRC_FILE).new $(KSRC_FILE) && rm -f $(KSRC_FILE).new || \
		mv $(KSRC_FILE).new $(KSRC_FILE)

$(KSRC_FILE):
	@$(MAKE) --no-print-directory kernel-src

$(KINC)/generated/autoconf.h:
	@mkdir -p $(dir $@)
	printf '#define CONFIG_64BIT 1\n#define CONFIG_XARRAY_MULTI 1\n' > $@
	echo '#define XA_CHUNK_SHIFT 6' > $(dir $@)map-shift.h
	echo '#define CONFIG_64BIT 1' > $(dir $@)bit-length.h

$(KINC)/fallthrough.h:
	@mkdir -p $(dir $@)
	echo '#define fallthrough __attribute__((__fallthrough__))' > $@

# $(1): variant (opt, san), $(2): core/bench flags, $(3): kernel flags.
define bench_variant
$(BENCH_BUILD)/$(1)/core-%.o: $(TOP)/module/%.c $(CORE_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CORE_CFLAGS) $(2) -c $$< -o $$@

$(BENCH_BUILD)/$(1)/core-%.o: harness/%.c $(CORE_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CORE_CFLAGS) $(2) -c $$< -o $$@

$(BENCH_BUILD)/$(1)/k-%.o: bench/%.c bench/full.h bench/peer.h \
		harness/fv_slab.h $(KSRC_FILE) $(KINC_FILES)
	@mkdir -p $$(dir $$@)
	k=$$$$(cat $(KSRC_FILE)); \
	$$(CC) $$(KERN_CFLAGS) $(3) -c $$< -o $$@

$(BENCH_BUILD)/$(1)/k-rbtree.o: $(KSRC_FILE) $(KINC_FILES)
	@mkdir -p $$(dir $$@)
	k=$$$$(cat $(KSRC_FILE)); \
	$$(CC) $$(KERN_CFLAGS) $(3) -c $$$$k/tools/lib/rbtree.c -o $$@

BENCH_OBJS_$(1)	:= $$(patsubst %.c,$(BENCH_BUILD)/$(1)/core-%.o,$$(notdir $$(CORE_SRCS))) \
		   $$(patsubst bench/%.c,$(BENCH_BUILD)/$(1)/k-%.o,$$(BENCH_KSRCS)) \
		   $(BENCH_BUILD)/$(1)/k-rbtree.o
endef

$(eval $(call bench_variant,opt,$(OPT_CFLAGS),$(KERN_OPT)))
$(eval $(call bench_variant,san,$(SAN_CFLAGS),$(KERN_SAN)))

$(BENCH_BIN): $(BENCH_SRCS) $(BENCH_HDRS) $(CORE_HDRS) $(BENCH_OBJS_opt)
	$(CC) $(BENCH_CFLAGS) $(OPT_CFLAGS) -o $@ $(BENCH_SRCS) \
		$(BENCH_OBJS_opt) $(BENCH_LIBS)

$(BENCH_SMOKE_BIN): $(BENCH_SRCS) $(BENCH_HDRS) $(CORE_HDRS) $(BENCH_OBJS_san)
	$(CC) $(BENCH_CFLAGS) $(SAN_CFLAGS) -Wl,--gc-sections -o $@ \
		$(BENCH_SRCS) $(BENCH_OBJS_san) $(BENCH_LIBS)

# python3 writes the workloads, gnuplot draws the scale curve; liburcu and
# linux-source-6.1 are for the maple-tree peer (kernel-src.sh extracts what
# it needs).  Installed without recommends when root (scripts/deps.sh), else
# the command is printed.
BENCH_DEBS	:= python3 gnuplot-nox liburcu-dev linux-source-6.1
.PHONY: bench-deps
bench-deps:
	@$(TOP)/scripts/deps.sh $(BENCH_DEBS)

.PHONY: bench bench-smoke bench-profile
bench: bench-deps kernel-src
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	BIN=$(BENCH_BIN) BUILD=$(BENCH_BUILD) TRACE='$(TRACE)' \
		bench/run.sh

bench-smoke: kernel-src
	@$(MAKE) --no-print-directory $(BENCH_SMOKE_BIN)
	@command -v python3 >/dev/null || $(MAKE) bench-deps
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	BIN=$(BENCH_SMOKE_BIN) BUILD=$(BENCH_BUILD) bench/smoke.sh

bench-profile: bench-deps kernel-src
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	@$(TOP)/scripts/deps.sh valgrind
	BIN=$(BENCH_BIN) BUILD=$(BENCH_BUILD) bench/profile.sh

all: kernel-src
	@$(MAKE) --no-print-directory $(BENCH_BIN)
CHECK_TARGETS	+= bench-smoke
