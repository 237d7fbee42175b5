#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots the debug kernel in QEMU (TCG) with a busybox initramfs that runs
# kunit/vm-init.sh, then judges the console log with kunit/vmlog.py.
#
# Usage: run-vm.sh -k BZIMAGE -s STEPS -l LOG [-t TIMEOUT] [-a KEY=VAL]...
#                  [-f SRC:DEST]... [-n SUITES]
#   -s  comma-separated steps for vm-init.sh (kunit, itest, fuzz, stress)
#   -f  a file to put in the initramfs (ELF programs get their libraries)
#   -a  an fvci_* command-line setting (seconds, seed, ops, args)
#   -t  seconds before QEMU is killed (default 900)
#   -n  number of KUnit suites expected (kunit step)
# Exit status: 0 when every step passed and the log is clean.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernel=
steps=
log=
timeout=900
files=()
append=()
suites=0
while getopts k:s:l:t:f:a:n: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	s) steps=$OPTARG ;;
	l) log=$OPTARG ;;
	t) timeout=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	a) append+=("fvci_$OPTARG") ;;
	n) suites=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -n "$kernel" ] && [ -n "$steps" ] && [ -n "$log" ] || {
	echo "usage: run-vm.sh -k BZIMAGE -s STEPS -l LOG [...]" >&2
	exit 2
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/flatvm}
cp /bin/busybox "$root/bin/busybox"
cp "$here/vm-init.sh" "$root/init"
chmod +x "$root/init"

# put SRC DEST: copy a file, and the shared libraries of a dynamic ELF.
put() {
	local src=$1 dest=$root/$2 lib
	mkdir -p "$(dirname "$dest")"
	cp "$src" "$dest"
	if ldd "$src" >/dev/null 2>&1; then
		for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	fi
}
for f in "${files[@]}"; do
	put "${f%%:*}" "${f#*:}"
done

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT

cmdline="console=ttyS0 loglevel=7 printk.devkmsg=on oops=panic panic=-1"
cmdline+=" kasan_multi_shot"
# failslab (with cache-filter=Y) may fail every slab cache but kmemleak's
# own: a failed kmemleak_object allocation drains kmemleak's emergency pool
# and, once it is empty, disables leak detection for the rest of the run.
cmdline+=" slub_debug=A;-,kmemleak_object,kmemleak_scan_area"
cmdline+=" fvci=$steps ${append[*]}"
echo "run-vm: booting $(basename "$kernel") for $steps (timeout ${timeout}s)" >&2
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$root.cpio.gz" -append "$cmdline" \
	</dev/null >"$log" 2>&1
qrc=$?
set -e
echo "run-vm: QEMU exited $qrc after $(($(date +%s) - start)) s; log $log" >&2
python3 "$here/vmlog.py" --steps "$steps" --qemu-rc "$qrc" \
	--kunit-suites "$suites" "$log"
