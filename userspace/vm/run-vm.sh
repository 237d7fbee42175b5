#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The flatvm VM harness, one for every VM run: `make vm-test`, `make demo`,
# `make vm-bench` (Debian's stock kernel) and `make kernel-ci` and its parts
# (the debug kernel).  Packs a busybox initramfs with vm-init.sh as /init
# and the files given, boots KERNEL in QEMU (TCG, 2 CPUs), shows the
# programs' output as it comes, and judges the console log with vmlog.py.
#
# Usage: run-vm.sh -k KERNEL -s STEPS -l LOG [-t SECONDS] [-m MEM]
#                  [-c CPU] [-x KERNEL-ARGS] [-f SRC:DEST]... [-a KEY=VAL]...
#                  [-n SUITES]
#   -s  comma-separated steps for vm-init.sh: kunit, itest, demo, fuzz,
#       stress, bench
#   -f  a file for the initramfs (ELF programs get their shared libraries);
#       /lib/flatvm/flatvm.ko is the module the steps load
#   -a  a setting for vm-init.sh (args, filter, scale, seconds, seed, calls,
#       ops, bench): fvvm_KEY=VAL on the kernel command line
#   -x  more kernel command line (e.g. quiet, or the debug kernel's own)
#   -m  guest memory (default 1024, MiB); -c QEMU CPU model (default max)
#   -t  seconds before QEMU is killed (default 900)
#   -n  number of KUnit suites expected (kunit step)
# Last line: "N passed, N failed" for the whole run.  Exit status 0 when
# every step passed and the kernel log is clean.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kernel= steps= log= timeout=900 mem=1024 cpu=max extra= suites=0
files=()
settings=()
while getopts k:s:l:t:m:c:x:f:a:n: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	s) steps=$OPTARG ;;
	l) log=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpu=$OPTARG ;;
	x) extra=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	a) settings+=("fvvm_$OPTARG") ;;
	n) suites=$OPTARG ;;
	*) exit 2 ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$steps" ] || [ -z "$log" ]; then
	echo "usage: run-vm.sh -k KERNEL -s STEPS -l LOG [...]" >&2
	exit 2
fi
for f in "$kernel" /bin/busybox "${files[@]%%:*}"; do
	[ -r "$f" ] || { echo "run-vm: cannot read $f" >&2; exit 2; }
done

root=$(mktemp -d)
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/flatvm}
chmod 755 "$root"
chmod 1777 "$root/tmp"
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
(cd "$root" && find . | timeout 120 cpio -o -H newc --quiet | gzip -1) \
	>"$root.cpio.gz"

mkdir -p "$(dirname "$log")"
# The programs' output reaches the console through the kernel log
# (vm-init.sh): polled console writes lose nothing under TCG.
cmdline="console=ttyS0 printk.devkmsg=on printk.time=1 oops=panic panic=-1 $extra"
cmdline+=" fvvm=$steps ${settings[*]}"
echo "run-vm: booting $(basename "$kernel") for $steps (timeout ${timeout}s)" >&2
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg,thread=multi -cpu "$cpu" -smp 2 \
	-m "$mem" -nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$root.cpio.gz" -append "$cmdline" \
	</dev/null 2>&1 | tee "$log" |
	sed -un 's/\r$//; s/^\[ *[0-9.]*\] fvvm: /  | /p'
qrc=${PIPESTATUS[0]}
set -e
echo "run-vm: QEMU exited $qrc after $(($(date +%s) - start)) s; log $log" >&2
python3 "$here/vmlog.py" --steps "$steps" --qemu-rc "$qrc" \
	--kunit-suites "$suites" "$log"
