#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel code's build and lint step: flatvm.ko built from clean with
# W=1 (no warning allowed), sparse over every file (C=2, no warning
# allowed), checkpatch.pl --strict on every kernel source and header.
# checkpatch comes from Debian's linux-source, extracted once under
# LINUX_SRC (outside the work tree).  One line per check, then
# "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${KDIR:?KDIR unset}
src=${LINUX_SRC:-/var/cache/flatvm/linux-source-6.1}
out=$top/build/module-check
mkdir -p "$out"
passed=0 failed=0

result() {	# result <name> <ok?> [details file]
	if [ "$2" = 0 ]; then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		[ -n "${3:-}" ] && sed 's/^/    /' "$3" | head -40
		failed=$((failed + 1))
	fi
}

kmake() {
	timeout 900 make -C "$kdir" M="$top" "$@"
}

# Recompile every object of flatvm.ko (not `make clean`: with M= at the top
# of the tree it would delete every *.[aios] file of the repository).
rm -f "$top"/module/*.o "$top"/module/.*.o.cmd "$top"/flatvm.o \
	"$top"/flatvm.ko "$top"/flatvm.mod.o
kmake W=1 modules >"$out/w1.log" 2>&1
rc=$?
grep -E 'warning:|error:' "$out/w1.log" >"$out/w1.warn"
[ $rc -eq 0 ] && [ ! -s "$out/w1.warn" ]
result "build flatvm.ko W=1 (no warnings)" $? "$out/w1.warn"

kmake C=2 CHECK=sparse W=1 modules >"$out/sparse.log" 2>&1
rc=$?
grep -E 'warning:|error:' "$out/sparse.log" >"$out/sparse.warn"
[ $rc -eq 0 ] && [ ! -s "$out/sparse.warn" ] &&
	grep -q '^ *CHECK ' "$out/sparse.log"
result "sparse C=2 (no warnings)" $? "$out/sparse.warn"

checkpatch=$src/scripts/checkpatch.pl
if [ ! -x "$checkpatch" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1)
	if [ -n "$tarball" ]; then
		mkdir -p "$(dirname "$src")"
		base=$(basename "$tarball" .tar.xz)
		timeout 600 tar xf "$tarball" -C "$(dirname "$src")" \
			"$base/scripts/checkpatch.pl" "$base/scripts/spelling.txt" \
			"$base/scripts/const_structs.checkpatch" 2>/dev/null
		[ "$(dirname "$src")/$base" = "$src" ] || checkpatch=$(dirname "$src")/$base/scripts/checkpatch.pl
	fi
fi
if [ ! -x "$checkpatch" ]; then
	echo "no checkpatch.pl (install linux-source)" >"$out/cp.log"
	result "checkpatch.pl available" 1 "$out/cp.log"
else
	cd "$top" || exit 1
	for f in module/*.c module/*.h include/flatvm/*.h \
		 include/uapi/linux/flatvm.h kunit/*.c kunit/core/*.[ch]; do
		[ -e "$f" ] || continue
		"$checkpatch" --strict --no-tree --show-types \
			-f "$f" >"$out/cp.log" 2>&1
		rc=$?
		grep -q "^total: 0 errors, 0 warnings, 0 checks" "$out/cp.log" &&
			[ $rc -eq 0 ]
		result "checkpatch --strict $f" $? "$out/cp.log"
	done
fi
echo "module-check: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
