# The demo application (examples/): shmap_bench, a pointer-linked hash map
# shared by one writer and several readers through flatvm, against a memfd
# with offsets and a copy over a pipe.  Included by userspace/Makefile;
# paths are relative to userspace/.
#
#   make examples        build/examples/shmap_bench (host) and
#                        build/examples/static/shmap_bench (for the VM)
#   make examples-check  the memfd and pipe variants on the host, and the
#                        flatvm variant on the fake device, small, under
#                        ASan+UBSan, output checked (part of `make check`)
#   make shmap-host      the host comparison at full size (memfd, pipe):
#                        table, examples/results/shmap-host.{csv,png}
#   make shmap-plot LOG=file   the PNG from the "shmap-csv:" lines of a
#                        run's output (the VM's console log)
EX_BUILD	:= build/examples
EX_SRCS		:= examples/shmap_bench.c examples/shmap.c
EX_HDRS		:= examples/shmap.h $(LIB_HDRS)
EX_CFLAGS	:= $(LIB_WFLAGS) -g -Iexamples -Ilib -I$(TOP)/include/uapi
EX_BIN		:= $(EX_BUILD)/shmap_bench
EX_STATIC	:= $(EX_BUILD)/static/shmap_bench
EX_FAKE		:= $(EX_BUILD)/shmap_bench-fake
EX_RESULTS	:= examples/results

$(EX_BIN): $(EX_SRCS) $(EX_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(EX_CFLAGS) -O2 -o $@ $(EX_SRCS) $(LIB_A) -pthread

$(EX_STATIC): $(EX_SRCS) $(EX_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(EX_CFLAGS) -O2 -static -o $@ $(EX_SRCS) $(LIB_A) -pthread

$(EX_FAKE): $(EX_SRCS) $(EX_HDRS) $(LIB_SRCS) lib/tests/fake_dev.c \
		examples/tests/fake_init.c
	@mkdir -p $(dir $@)
	$(CC) $(EX_CFLAGS) -Ilib/tests $(SAN_CFLAGS) -pthread -o $@ $(EX_SRCS) \
		$(LIB_SRCS) lib/tests/fake_dev.c examples/tests/fake_init.c

.PHONY: examples examples-check shmap-host shmap-plot
examples: $(EX_BIN) $(EX_STATIC)
all: examples

examples-check: $(EX_FAKE)
	@examples/tests/shmap-test.sh $(EX_FAKE)
CHECK_TARGETS	+= examples-check

shmap-host: $(EX_BIN)
	@mkdir -p $(EX_RESULTS)
	$(EX_BIN) --host --csv $(EX_RESULTS)/shmap-host.csv | tee $(EX_RESULTS)/shmap-host.txt
	examples/plot.sh $(EX_RESULTS)/shmap-host.csv $(EX_RESULTS)/shmap-host.png

LOG		?=
shmap-plot:
	@test -n "$(LOG)" || { echo "shmap-plot: give LOG=file (a run's output)"; exit 2; }
	@mkdir -p $(EX_RESULTS)
	sed -n 's/^.*shmap-csv: //p' $(LOG) > $(EX_RESULTS)/shmap.csv
	examples/plot.sh $(EX_RESULTS)/shmap.csv $(EX_RESULTS)/shmap.png
