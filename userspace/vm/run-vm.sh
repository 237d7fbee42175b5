#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots Debian's stock kernel in QEMU (TCG, 2 CPUs) with a busybox initramfs
# holding flatvm.ko and the VM programs, runs them (userspace/vm/init.sh),
# and judges the console log: the programs' summary, rmmod, and a kernel
# log free of WARN/BUG/Oops/"general protection".
#
# Usage: run-vm.sh -m test|demo -k VMLINUZ -f FLATVM_KO -l LOG
#                  [-p PROGRAM]... [-a MODARGS] [-t SECONDS] [-F FILTER]
# Prints the console as it goes (prefixed "  | ") and, for -m test, the
# verdict ending with a bare "N passed, N failed" line (the programs' tests,
# insmod, rmmod, exit status, clean kernel log).  Exit status 0 when all
# passed.
set -euo pipefail

mode=test kernel= ko= log= args= timeout=900 filter=
progs=()
while getopts m:k:f:l:p:a:t:F: opt; do
	case $opt in
	m) mode=$OPTARG ;;
	k) kernel=$OPTARG ;;
	f) ko=$OPTARG ;;
	l) log=$OPTARG ;;
	p) progs+=("$OPTARG") ;;
	a) args=$OPTARG ;;
	t) timeout=$OPTARG ;;
	F) filter=$OPTARG ;;
	*) exit 2 ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$ko" ] || [ -z "$log" ]; then
	echo "usage: run-vm.sh -m test|demo -k VMLINUZ -f KO -l LOG [-p PROG]..." >&2
	exit 2
fi
for f in "$kernel" "$ko" /bin/busybox "${progs[@]}"; do
	[ -r "$f" ] || { echo "run-vm: cannot read $f" >&2; exit 2; }
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/flatvm}
chmod 755 "$root"
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
cp "$ko" "$root/lib/flatvm/flatvm.ko"
for p in "${progs[@]}"; do
	cp "$p" "$root/bin/"
done
(cd "$root" && find . | timeout 60 cpio -o -H newc --quiet | gzip -1) \
	>"$root.cpio.gz"

mkdir -p "$(dirname "$log")"
cmdline="console=ttyS0 quiet loglevel=4 panic=-1 fvvm=$mode"
cmdline+=" fvvm_timeout=$((timeout - 120))"
[ -n "$args" ] && cmdline+=" fvvm_args=${args// /,}"
[ -n "$filter" ] && cmdline+=" fvvm_filter=$filter"
echo "run-vm: booting $(basename "$kernel") mode=$mode (timeout ${timeout}s)" >&2
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$root.cpio.gz" -append "$cmdline" \
	</dev/null 2>&1 | tee "$log" |
	sed -un '/FVVM-BEGIN/,/FVVM-DMESG-BEGIN/{s/\r$//;s/^.*FVVM-BEGIN/FVVM-BEGIN/;s/^/  | /p}'
qrc=${PIPESTATUS[0]}
set -e
echo "run-vm: QEMU exited $qrc after $(($(date +%s) - start)) s; log $log" >&2

# Judge the log.
tr -d '\r' <"$log" >"$log.txt"
passed=0 failed=0
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log.txt" | tail -1 || true)
if [ "$mode" = test ]; then
	if [ -n "$summary" ]; then
		passed=$((passed + $(echo "$summary" | cut -d' ' -f1)))
		failed=$((failed + $(echo "$summary" | cut -d' ' -f3)))
	else
		echo "FAIL itest summary missing (crash or timeout)"
		failed=$((failed + 1))
	fi
fi
for t in insmod rmmod; do
	if grep -q "^PASS $t$" "$log.txt"; then
		passed=$((passed + 1))
	else
		echo "FAIL $t"
		failed=$((failed + 1))
	fi
done
if ! grep -q '^FVVM-RC rc=0$' "$log.txt"; then
	echo "FAIL programs exit status: $(grep '^FVVM-RC' "$log.txt" || echo none)"
	failed=$((failed + 1))
fi
bad='WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|UBSAN|KASAN|possible (recursive|circular) locking|INFO: task .* blocked'
if ! grep -q '^FVVM-DMESG-END' "$log.txt"; then
	echo "FAIL kernel log not dumped (the VM did not finish: rc $qrc)"
	failed=$((failed + 1))
elif sed -n '/^FVVM-DMESG-BEGIN/,/^FVVM-DMESG-END/p' "$log.txt" |
	grep -E "$bad"; then
	echo "FAIL kernel log has warnings (above)"
	failed=$((failed + 1))
else
	echo "PASS kernel log clean"
	passed=$((passed + 1))
fi
echo "vm-$mode: $passed passed, $failed failed"
[ "$mode" = test ] && echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
