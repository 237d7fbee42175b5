# The flatvm command (tools/): flatvm stats|query|ranges|holders|free|check.
# Included by userspace/Makefile; paths are relative to userspace/.
#
#   make tools        build/tools/flatvm (libflatvm linked in), and
#                     build/tools/static/flatvm for the VM
#   make tools-check  parser unit tests, the command on recorded debugfs
#                     text (tables and JSON checked), error exits, man page
#                     (ASan+UBSan; part of `make check`)
TOOLS_BUILD	:= build/tools
TOOLS_SRCS	:= tools/flatvm.c tools/dbgfs.c tools/out.c
TOOLS_HDRS	:= $(wildcard tools/*.h) $(LIB_HDRS)
TOOLS_CFLAGS	:= $(LIB_WFLAGS) -g -Itools -Ilib -I$(TOP)/include/uapi
TOOL_BIN	:= $(TOOLS_BUILD)/flatvm
TOOL_STATIC	:= $(TOOLS_BUILD)/static/flatvm
TOOL_ASAN	:= $(TOOLS_BUILD)/flatvm-asan
TOOL_UNIT	:= $(TOOLS_BUILD)/dbgfs-test
TOOL_FAKE	:= $(TOOLS_BUILD)/flatvm-fake

$(TOOL_BIN): $(TOOLS_SRCS) $(TOOLS_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -O2 -o $@ $(TOOLS_SRCS) $(LIB_A) -pthread

$(TOOL_STATIC): $(TOOLS_SRCS) $(TOOLS_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -O2 -static -o $@ $(TOOLS_SRCS) $(LIB_A) -pthread

$(TOOL_ASAN): $(TOOLS_SRCS) $(TOOLS_HDRS) $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) $(SAN_CFLAGS) -pthread -o $@ $(TOOLS_SRCS) $(LIB_SRCS)

$(TOOL_UNIT): tools/tests/dbgfs_test.c tools/dbgfs.c tools/out.c $(TOOLS_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) $(SAN_CFLAGS) -o $@ tools/tests/dbgfs_test.c \
		tools/dbgfs.c tools/out.c

.PHONY: tools tools-check tools-unit tools-cli tools-man-check tools-install
tools: $(TOOL_BIN) $(TOOL_STATIC)
all: tools

tools-unit: $(TOOL_UNIT)
	ASAN_OPTIONS=detect_leaks=1 $(TOOL_UNIT)

tools-cli: $(TOOL_ASAN) $(TOOL_FAKE)
	ASAN_OPTIONS=detect_leaks=1 python3 tools/tests/cli_test.py $(TOOL_ASAN) \
		$(TOOL_FAKE) tools/tests/fixtures

tools-man-check:
	@lib/tests/man-check.sh tools/flatvm.8

tools-check: tools-unit tools-cli tools-man-check
CHECK_TARGETS	+= tools-check

tools-install: $(TOOL_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(TOOL_BIN) $(DESTDIR)$(PREFIX)/bin/flatvm
	install -m 0644 tools/flatvm.8 $(DESTDIR)$(MANDIR)/man8/
INSTALL_TARGETS	+= tools-install

# The command with the fake device (lib/tests/fake_dev.c) for its stats and
# query tests on the host.
$(TOOL_FAKE): $(TOOLS_SRCS) $(TOOLS_HDRS) $(LIB_SRCS) lib/tests/fake_dev.c \
		tools/tests/fake_shim.c
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -Ilib/tests $(SAN_CFLAGS) -pthread -o $@ \
		$(TOOLS_SRCS) $(LIB_SRCS) lib/tests/fake_dev.c tools/tests/fake_shim.c

# The command's test in the VM (tools/tests/vm_tooltest.sh) needs, in the
# initramfs's /bin: flatvm (this static build), flatvm-libtest (lib-vm) and
# the script itself.
.PHONY: tools-vm
tools-vm: $(TOOL_STATIC) $(LIB_VMTEST)
all: tools-vm
