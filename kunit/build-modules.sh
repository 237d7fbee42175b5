#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the out-of-tree modules against the debug kernel, each in its own
# directory of symlinks under OUT so that no object lands in the work tree
# (module/ also builds against Debian's stock kernel):
#
#   OUT/kunit/flatvm_kunit.ko   kunit/*.c + kunit/core/ + the core's own
#                               files + module/flatvm_args.[ch]
#   OUT/flatvm/flatvm.ko        the driver, from the top-level Kbuild
#
# Both are built with W=1 and sparse (C=2) and any compiler or sparse
# warning fails the build (the debug kernel's config enables code paths,
# lockdep and KASAN annotations, that the stock build does not see).
#
# When the kernel has KCOV, flatvm.ko (and only it: never the stock
# `make module`) is built with KCOV_INSTRUMENT=y, so that each of its basic
# blocks reports itself to a task tracing coverage (vmfuzz), and with debug
# info (-g: the kernel's own is off), so that the host can place each block
# in the source (userspace/vmfuzz/cov/vmfuzz-cov.py), and without sibling
# calls: a block ending in a tail call of __sanitizer_cov_trace_pc() would
# report its caller's return address, not its own.
#
# Usage: build-modules.sh KDIR OUT [kunit|flatvm]... [-- make args]
# Prints the paths of the modules built, one a line.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
shift 2
which=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	which+=("$1")
	shift
done
[ "${1:-}" = "--" ] && shift
[ ${#which[@]} -gt 0 ] || which=(kunit flatvm)

# Refreshes a symlink farm of sources only: objects `make module` left in
# module/ (built for the stock kernel) must not be linked in.  Drops links
# whose target went away or that are not sources, then links every source
# (cp -s never copies contents).
farm() {
	local dir=$1
	shift
	mkdir -p "$dir"
	find "$dir" -type l \( -xtype l -o ! \( -name '*.[chS]' -o \
		-name Kbuild \) \) -delete
	cp -rsf "$@" "$dir/"
	find "$dir" -type l ! \( -name '*.[chS]' -o -name Kbuild \) -delete
}

# With generic KASAN every object compiled with it must carry the kernel's
# shadow offset.
kasan_ok() {
	local bad

	grep -qx 'CONFIG_KASAN_GENERIC=y' "$kdir/.config" || return 0
	bad=$(find "$1" -name '.*.o.cmd' \
		-exec grep -l -e '-fsanitize=kernel-address' {} + |
		xargs -r grep -L -e '-fasan-shadow-offset=')
	[ -z "$bad" ]
}

for m in "${which[@]}"; do
	case $m in
	kunit)
		farm "$out/kunit" "$repo"/kunit/Kbuild "$repo"/kunit/*.c \
			"$repo"/kunit/core "$repo"/module/fv_*.c "$repo"/module/fv_*.h \
			"$repo"/module/flatvm_args.c "$repo"/module/flatvm_args.h \
			"$repo"/include
		ko=$out/kunit/flatvm_kunit.ko
		;;
	flatvm)
		farm "$out/flatvm" "$repo"/Kbuild "$repo"/module "$repo"/include
		ko=$out/flatvm/flatvm.ko
		;;
	*)
		echo "build-modules: unknown module $m" >&2
		exit 2
		;;
	esac
	log=$out/$m.build.log
	# Objects built with warnings last time are rebuilt to show them again.
	if [ -f "$log" ] && grep -qE 'warning:|error:' "$log"; then
		make -C "$kdir" M="$(dirname "$ko")" clean >/dev/null 2>&1
	fi
	lint=(W=1)
	command -v sparse >/dev/null && lint+=(C=2 CHECK=sparse)
	cov=()
	if [ "$m" = flatvm ] && grep -qx 'CONFIG_KCOV=y' "$kdir/.config"; then
		cov=(KCOV_INSTRUMENT=y
		     "KCFLAGS=-g -fno-optimize-sibling-calls")
	fi
	for try in 1 2; do
		if ! make -C "$kdir" M="$(dirname "$ko")" "${lint[@]}" \
			"${cov[@]}" "$@" modules \
			>"$log" 2>&1 || grep -qE 'warning:|error:' "$log"; then
			grep -E 'warning:|error:' "$log" >&2 ||
				tail -20 "$log" >&2
			echo "build-modules: $m failed (log $log)" >&2
			exit 1
		fi
		kasan_ok "$(dirname "$ko")" && break
		# Kbuild's cc-option probes failed once on a loaded host: the
		# objects had KASAN without its shadow offset (userspace's
		# 0x7fff8000) and the module crashed at its first stack frame.
		echo "build-modules: $m built without the KASAN shadow offset: rebuilding" >&2
		make -C "$kdir" M="$(dirname "$ko")" clean >/dev/null 2>&1
		[ "$try" = 2 ] && exit 1
	done
	echo "$ko"
done
