# libflatvm (lib/): the shared and static library, its pkg-config file, its
# host tests against the fake device, and its install.  Included by
# userspace/Makefile; paths are relative to userspace/.
#
#   make lib            build/lib/libflatvm.{so*,a}, libflatvm.pc
#   make lib-check      the unit tests with ASan+UBSan, the allocator's
#                       cases again with TSan, the man page lint, the install
#                       test (part of `make check`)
#   make lib-install    into $(DESTDIR)$(PREFIX) (the top Makefile's install)
LIB_VERSION	:= 0.1.0
LIB_SONAME	:= libflatvm.so.0
LIB_BUILD	:= build/lib
LIB_SRCS	:= lib/fvl_device.c lib/fvl_share.c lib/fvl_heap.c lib/fvl_view.c
LIB_HDRS	:= lib/libflatvm.h $(TOP)/include/uapi/linux/flatvm.h
LIB_SO		:= $(LIB_BUILD)/libflatvm.so.$(LIB_VERSION)
LIB_A		:= $(LIB_BUILD)/libflatvm.a
LIB_PC		:= $(LIB_BUILD)/libflatvm.pc
LIB_WFLAGS	:= -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes
LIB_CFLAGS	:= $(LIB_WFLAGS) -O2 -g -fPIC -pthread -Ilib -I$(TOP)/include/uapi
LIB_OBJS	:= $(patsubst lib/%.c,$(LIB_BUILD)/obj/%.o,$(LIB_SRCS))

PREFIX		?= /usr/local
DESTDIR		?=
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man

$(LIB_BUILD)/obj/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) lib/libflatvm.map
	$(CC) -shared -pthread -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=lib/libflatvm.map -Wl,-z,defs \
		-o $@ $(LIB_OBJS)
	ln -sf libflatvm.so.$(LIB_VERSION) $(LIB_BUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(LIB_BUILD)/libflatvm.so

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

# The .pc names the installed paths, fixed when the file is made.
$(LIB_PC): lib/libflatvm.pc.in FORCE_PC
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		$< > $@.tmp && \
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE_PC
FORCE_PC:

.PHONY: lib lib-check lib-test lib-tsan lib-man-check lib-install-test lib-install
lib: $(LIB_SO) $(LIB_A) $(LIB_PC)
all: lib

# Host tests: the library's sources linked with the fake device.
LT_SRCS		:= $(wildcard lib/tests/lt_main.c lib/tests/t_*.c) lib/tests/fake_dev.c
LT_HDRS		:= $(wildcard lib/tests/*.h) $(LIB_HDRS)
LT_CFLAGS	:= $(LIB_WFLAGS) -g -pthread -Ilib -Ilib/tests -I$(TOP)/include/uapi
LT_ASAN		:= $(LIB_BUILD)/lt-asan
LT_TSAN		:= $(LIB_BUILD)/lt-tsan

$(LT_ASAN): $(LT_SRCS) $(LT_HDRS) $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(LT_CFLAGS) $(SAN_CFLAGS) -o $@ $(LT_SRCS) $(LIB_SRCS)

$(LT_TSAN): $(LT_SRCS) $(LT_HDRS) $(LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(LT_CFLAGS) -O1 -fsanitize=thread -o $@ $(LT_SRCS) $(LIB_SRCS)

lib-test: $(LT_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 $(LT_ASAN)

# The allocator's cases under ThreadSanitizer (the others fork, which TSan
# only tolerates).
lib-tsan: $(LT_TSAN)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(LT_TSAN) heap. view.

# The man pages render without a warning.
lib-man-check:
	@lib/tests/man-check.sh lib/libflatvm.3

# make install into a staging directory, then a program built with
# pkg-config against it, run with the installed shared library.
lib-install-test:
	@lib/tests/install-test.sh "$(MAKE)"

lib-check: lib-test lib-tsan lib-man-check lib-install-test
CHECK_TARGETS	+= lib-check

lib-install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(MANDIR)/man3
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libflatvm.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libflatvm.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(LIB_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 lib/libflatvm.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(TOP)/include/uapi/linux/flatvm.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 0644 lib/libflatvm.3 $(DESTDIR)$(MANDIR)/man3/
INSTALL_TARGETS	+= lib-install

# The tests against the real module, run in the VM (static: the VM's
# initramfs has no C library); vm/vm.mk packs it for `make vm-test`:
#   make -C userspace lib-vm   ->  build/lib/flatvm-libtest
LIB_VMTEST	:= $(LIB_BUILD)/flatvm-libtest
$(LIB_VMTEST): lib/tests/vm_libtest.c $(LIB_A) $(LIB_HDRS)
	$(CC) $(LIB_WFLAGS) -O2 -g -static -pthread -Ilib -I$(TOP)/include/uapi \
		-o $@ lib/tests/vm_libtest.c $(LIB_A)

.PHONY: lib-vm
lib-vm: $(LIB_VMTEST)
all: lib-vm
