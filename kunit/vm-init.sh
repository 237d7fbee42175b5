#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the debug-kernel VM (packed by kunit/run-vm.sh).  Runs the steps
# named on the kernel command line (fvci=kunit,itest,fuzz,stress), each
# bracketed by "FVCI-BEGIN <name>" and "FVCI-STEP <name> rc=<n>" lines, then
# a kmemleak scan, and ends QEMU with reboot -f (-no-reboot).
#
# Everything userspace prints goes to the kernel log as "fvci: <line>"
# (/dev/kmsg), and the host reads the console: the kernel's console writes
# are polled and lose nothing, while tty writes to the emulated UART lost
# and repeated bytes under TCG with this kernel.
#
# Command line: fvci=<steps> fvci_seconds=<fuzz seconds> fvci_seed=<seed>
#               fvci_ops=<stress ops> fvci_calls=<fuzz calls>
#               fvci_args=<flatvm.ko parameters, ',' for ' '>

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

dbg=/sys/kernel/debug
steps=
seconds=120
seed=1
ops=100000
calls=1000000
modargs=
for w in $(cat /proc/cmdline); do
	case $w in
	fvci=*) steps=$(echo "${w#fvci=}" | tr , ' ') ;;
	fvci_seconds=*) seconds=${w#fvci_seconds=} ;;
	fvci_seed=*) seed=${w#fvci_seed=} ;;
	fvci_ops=*) ops=${w#fvci_ops=} ;;
	fvci_calls=*) calls=${w#fvci_calls=} ;;
	fvci_args=*) modargs=$(echo "${w#fvci_args=}" | tr , ' ') ;;
	esac
done

# Reports from before the tests (boot) are not ours.  No automatic scans:
# they take the CPUs for tens of seconds at moments that vary from run to
# run; the two scans at the end see everything.
echo clear > $dbg/kmemleak 2>/dev/null
echo scan=off > $dbg/kmemleak 2>/dev/null

to_kmsg() {
	local line
	while IFS= read -r line; do
		printf '<6>fvci: %s\n' "$line" >/dev/kmsg
	done
}

step() {
	echo "FVCI-STEP $1 rc=$2"
}

# fault_set <failslab|fail_page_alloc> <attr> <value>
fault_set() {
	echo "$3" > "$dbg/$1/$2"
}

# Fault injection that fails only tasks flagged make-it-fail (vmstress
# flags its threads around each ioctl and sets the probability): quiet,
# every allocation eligible.
fault_quiet() {
	for f in failslab fail_page_alloc; do
		fault_set $f probability 0
		fault_set $f verbose 0
		fault_set $f times -1
		fault_set $f interval 1
		fault_set $f space 0
		fault_set $f ignore-gfp-wait N
	done
	fault_set fail_page_alloc ignore-gfp-highmem N
	fault_set fail_page_alloc min-order 0
}

load_flatvm() {
	insmod /lib/flatvm/flatvm.ko $modargs || return 1
	[ -c /dev/flatvm ] || mdev -s
	chmod 666 /dev/flatvm
}

# The core's invariant checker, then rmmod.  Exiting processes pin the
# module until their mm is gone (after an RCU grace period): retry a while.
unload_flatvm() {
	local out i
	out=$(cat $dbg/flatvm/check 2>&1)
	echo "flatvm check: $out"
	for i in $(seq 50); do
		rmmod flatvm 2>/dev/null && break
		sleep 0.2
	done
	if grep -q '^flatvm ' /proc/modules; then
		echo "FAIL rmmod flatvm"
		return 1
	fi
	[ "$out" = ok ]
}

run_kunit() {
	insmod /lib/flatvm/flatvm_kunit.ko || return 1
	rmmod flatvm_kunit
}

run_itest() {
	local rc=0 t
	load_flatvm || return 1
	# A quarter of the concurrency iterations: vmstress covers them here.
	FLATVM_ITEST_SCALE=25 /bin/flatvm-itest || rc=1
	unload_flatvm || rc=1
	return $rc
}

run_fuzz() {
	local rc=0
	load_flatvm || return 1
	/bin/vmfuzz -t "$seconds" -s "$seed" -n "$calls" -p 4 || rc=1
	unload_flatvm || rc=1
	return $rc
}

run_stress() {
	local rc=0
	load_flatvm || return 1
	fault_quiet
	/bin/vmstress -n "$ops" -s "$seed" -f $dbg -P 16 -T 4 || rc=1
	unload_flatvm || rc=1
	return $rc
}

main() {
	for s in $steps; do
		echo "FVCI-BEGIN $s"
		case $s in
		kunit) run_kunit ;;
		itest) run_itest ;;
		fuzz) run_fuzz ;;
		stress) run_stress ;;
		*) false ;;
		esac
		step "$s" $?
	done

	# kmemleak reports objects unreferenced for 5 s or more: wait, scan twice.
	if [ -e $dbg/kmemleak ]; then
		sleep 6
		echo scan > $dbg/kmemleak
		echo scan > $dbg/kmemleak
		echo "FVCI-KMEMLEAK-BEGIN"
		cat $dbg/kmemleak
		echo "FVCI-KMEMLEAK-END"
	fi
	echo "FVCI-END"
}

main 2>&1 | to_kmsg
reboot -f
