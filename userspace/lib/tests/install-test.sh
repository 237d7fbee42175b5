#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into a staging directory (DESTDIR), then a program built
# against it with pkg-config only, shared and static, and run.  Argument:
# the make command.  Run from userspace/.  Prints "N passed, N failed".
set -u
make=${1:-make}
stage=$(mktemp -d /tmp/flatvm-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/flatvm
root=$stage$prefix
passed=0 failed=0

step() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "PASS install.$name"
		passed=$((passed + 1))
	else
		echo "FAIL install.$name"
		echo "$out" | sed 's/^/    /' | tail -20
		failed=$((failed + 1))
	fi
}

files_present() {
	local f missing=0
	for f in lib/libflatvm.so.0.1.0 lib/libflatvm.so.0 lib/libflatvm.so \
		 lib/libflatvm.a lib/pkgconfig/libflatvm.pc include/libflatvm.h \
		 include/linux/flatvm.h share/man/man3/libflatvm.3 \
		 "$@"; do
		if [ ! -e "$root/$f" ]; then
			echo "missing $prefix/$f"
			missing=1
		fi
	done
	# The library exports the API and nothing else.
	if nm -D --defined-only "$root/lib/libflatvm.so" | awk '$2 == "T" { print $3 }' |
	   grep -v '^flatvm_'; then
		echo "symbols outside flatvm_* exported"
		missing=1
	fi
	return $missing
}

export PKG_CONFIG_LIBDIR=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
step make_install $make --no-print-directory install PREFIX=$prefix DESTDIR="$stage"
extra=()
[ -d tools ] && extra+=(bin/flatvm share/man/man8/flatvm.8)
step files files_present "${extra[@]}"
step pkg_config pkg-config --exists --print-errors 'libflatvm >= 0.1'
step build_shared sh -c "cc -std=c11 -Wall -Werror \$(pkg-config --cflags libflatvm) \
	-o '$stage/hello' lib/tests/install_hello.c \$(pkg-config --libs libflatvm)"
step run_shared sh -c "LD_LIBRARY_PATH='$root/lib' '$stage/hello' &&
	LD_LIBRARY_PATH='$root/lib' ldd '$stage/hello' | grep -q '$root/lib/libflatvm.so.0'"
step build_static sh -c "cc -std=c11 -Wall -Werror -static \$(pkg-config --cflags libflatvm) \
	-o '$stage/hello-static' lib/tests/install_hello.c \$(pkg-config --static --libs libflatvm)"
step run_static "$stage/hello-static"
step header_cxx sh -c "echo '#include <libflatvm.h>' | c++ -x c++ -fsyntax-only -Wall -Werror \
	\$(pkg-config --cflags libflatvm) -"
if [ -d tools ]; then
	step run_tool sh -c "'$root/bin/flatvm' --version | grep -q '^flatvm 0.1'"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
