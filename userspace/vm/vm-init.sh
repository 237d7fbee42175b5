#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of every flatvm VM (packed by userspace/vm/run-vm.sh), on the stock
# kernel as on the debug kernel.  Runs the steps named on the kernel command
# line (fvvm=kunit,itest,demo,fuzz,stress,bench,latency), each bracketed by
# "FVVM-BEGIN <name>" and "FVVM-STEP <name> rc=<n>" lines and each but kunit
# loading flatvm.ko first and unloading it after (retrying: exiting
# processes pin the module briefly), then a kmemleak scan where the kernel
# has kmemleak ("FVVM-KMEMLEAK-NONE" otherwise), and ends QEMU with
# reboot -f (QEMU runs with -no-reboot).
#
# Everything userspace prints goes to the kernel log as "fvvm: <line>"
# (/dev/kmsg), and the host reads the console: the kernel's console writes
# are polled and lose nothing, while tty writes to the emulated UART lost
# and repeated bytes under TCG with the debug kernel.
#
# Command line: fvvm=<steps>  fvvm_args=<flatvm.ko parameters, ',' for ' '>
#   fvvm_filter=<itest name filter>  fvvm_scale=<itest concurrency %>
#   fvvm_seconds=<fuzz seconds>  fvvm_seed=<seed>  fvvm_calls=<fuzz calls>
#   fvvm_ops=<stress ops>  fvvm_bench=<vm-bench arguments, ',' for ' '>
#   fvvm_shmap=<shmap_bench arguments in the demo, '~' for ' '>

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmpfs /tmp
# Our lines are KERN_INFO: show them even after a "quiet" boot.
echo 7 > /proc/sys/kernel/printk

dbg=/sys/kernel/debug
steps=
modargs=
filter=
scale=100
seconds=120
seed=1
ops=100000
calls=1000000
bench=
shmap="--seconds 1 --readers 1,2,4"
for w in $(cat /proc/cmdline); do
	case $w in
	fvvm=*) steps=$(echo "${w#fvvm=}" | tr , ' ') ;;
	fvvm_args=*) modargs=$(echo "${w#fvvm_args=}" | tr , ' ') ;;
	fvvm_filter=*) filter=${w#fvvm_filter=} ;;
	fvvm_scale=*) scale=${w#fvvm_scale=} ;;
	fvvm_seconds=*) seconds=${w#fvvm_seconds=} ;;
	fvvm_seed=*) seed=${w#fvvm_seed=} ;;
	fvvm_ops=*) ops=${w#fvvm_ops=} ;;
	fvvm_calls=*) calls=${w#fvvm_calls=} ;;
	fvvm_bench=*) bench=$(echo "${w#fvvm_bench=}" | tr , ' ') ;;
	fvvm_shmap=*) shmap=$(echo "${w#fvvm_shmap=}" | tr '~' ' ') ;;
	esac
done

# Reports from before the steps (boot) are not ours.  No automatic scans:
# they take the CPUs for tens of seconds at moments that vary from run to
# run; the two scans at the end see everything.
echo clear > $dbg/kmemleak 2>/dev/null
echo scan=off > $dbg/kmemleak 2>/dev/null

to_kmsg() {
	local line
	while IFS= read -r line; do
		printf '<6>fvvm: %s\n' "$line" >/dev/kmsg
	done
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

# Set by run_fuzz: the command insmod and rmmod run under (vmfuzz -R, which
# prints the coverage of the module's init and exit code).
kcov_wrap=

load_flatvm() {
	# shellcheck disable=SC2086
	$kcov_wrap insmod /lib/flatvm/flatvm.ko $modargs || return 1
	[ -c /dev/flatvm ] || mdev -s
	chmod 666 /dev/flatvm
}

# The core's invariant checker, then rmmod.  Only open files and mapped
# windows pin the module, and every user has exited: rmmod must succeed at
# once (a retry loop would hide teardown left to asynchronous work).
unload_flatvm() {
	local out
	out=$(cat $dbg/flatvm/check 2>&1)
	echo "flatvm check: $out"
	# Traced by KCOV when run_fuzz set kcov_wrap (vmfuzz -R).
	if ! $kcov_wrap rmmod flatvm; then
		echo "FAIL rmmod flatvm (right after the last user exited)"
		return 1
	fi
	[ "$out" = ok ]
}

# A loop device over a tmpfs file, for the O_DIRECT test, when the VM has
# the loop driver (the stock kernel's module is packed as loop.ko).
setup_blockdev() {
	[ -f /lib/flatvm/loop.ko ] || return 0
	insmod /lib/flatvm/loop.ko 2>/dev/null
	[ -b /dev/loop0 ] || mdev -s
	dd if=/dev/zero of=/tmp/blk.img bs=1M count=4 2>/dev/null
	losetup /dev/loop0 /tmp/blk.img &&
		export FLATVM_ITEST_BLKDEV=/dev/loop0
}

# with_flatvm <command...>: load, run, unload; fails when any part does.
with_flatvm() {
	local rc=0
	load_flatvm || return 1
	"$@" || rc=1
	unload_flatvm || rc=1
	return $rc
}

run_kunit() {
	insmod /lib/flatvm/flatvm_kunit.ko || return 1
	rmmod flatvm_kunit
}

# The integration tests, then (when packed, and no filter is given)
# libflatvm's tests against the module and the flatvm command's test.
itest_programs() {
	local rc=0
	# shellcheck disable=SC2086
	/bin/flatvm-itest $filter || rc=1
	[ -n "$filter" ] && return $rc
	if [ -x /bin/flatvm-libtest ]; then
		/bin/flatvm-libtest || rc=1
	fi
	if [ -x /bin/vm_tooltest.sh ]; then
		/bin/vm_tooltest.sh || rc=1
	fi
	return $rc
}

run_itest() {
	setup_blockdev
	export FLATVM_ITEST_SCALE=$scale
	with_flatvm itest_programs
}

# The demo programs print no counts of their own: each one's exit status
# is its result.  The walk-through, then the application (shmap_bench:
# flatvm against a memfd with offsets and a pipe copy) when packed.
demo_programs() {
	local p=0 f=0
	if /bin/flatvm-demo; then p=$((p + 1)); else f=$((f + 1)); fi
	if [ -x /bin/shmap_bench ]; then
		# shellcheck disable=SC2086
		if /bin/shmap_bench $shmap; then
			p=$((p + 1))
		else
			f=$((f + 1))
		fi
	fi
	echo "demo: $p passed, $f failed"
	[ $f -eq 0 ]
}

run_demo() {
	with_flatvm demo_programs
}

# The fuzzer under fault injection (fail-nth only: quiet, every allocation
# eligible, kmemleak's caches spared), the driver's trace events on when the
# kernel has them, a loop device for O_DIRECT, and insmod and rmmod traced
# by KCOV.
run_fuzz() {
	local blk= rc
	fault_quiet
	fault_set failslab cache-filter Y
	if [ -b /dev/loop0 ] && dd if=/dev/zero of=/tmp/fuzz.img bs=64k \
		count=16 2>/dev/null && losetup /dev/loop0 /tmp/fuzz.img; then
		blk="-b /dev/loop0"
	fi
	[ -e $dbg/kcov ] && kcov_wrap="/bin/vmfuzz -R --"
	load_flatvm || return 1
	if [ -d /sys/kernel/tracing/events/flatvm ]; then
		echo 1 > /sys/kernel/tracing/events/flatvm/enable
	fi
	# shellcheck disable=SC2086
	/bin/vmfuzz -t "$seconds" -s "$seed" -n "$calls" -p 4 $blk
	rc=$?
	if [ -d /sys/kernel/tracing/events/flatvm ]; then
		echo 0 > /sys/kernel/tracing/events/flatvm/enable
		echo > /sys/kernel/tracing/trace
	fi
	unload_flatvm || rc=1
	kcov_wrap=
	[ -n "$blk" ] && losetup -d /dev/loop0
	return $rc
}

run_stress() {
	fault_quiet
	with_flatvm /bin/vmstress -n "$ops" -s "$seed" -f $dbg -P 16 -T 4
}

run_latency() {
	# shellcheck disable=SC2086
	with_flatvm /bin/flatvm-latency $bench
}

run_bench() {
	# shellcheck disable=SC2086
	with_flatvm /bin/vm-bench $bench
}

main() {
	echo "FVVM-KERNEL $(uname -r)"
	for s in $steps; do
		echo "FVVM-BEGIN $s"
		case $s in
		kunit) run_kunit ;;
		itest) run_itest ;;
		demo) run_demo ;;
		fuzz) run_fuzz ;;
		stress) run_stress ;;
		bench) run_bench ;;
		latency) run_latency ;;
		*) false ;;
		esac
		echo "FVVM-STEP $s rc=$?"
	done

	# kmemleak reports objects unreferenced for 5 s or more: wait, scan twice.
	if [ -e $dbg/kmemleak ]; then
		sleep 6
		echo scan > $dbg/kmemleak
		echo scan > $dbg/kmemleak
		echo "FVVM-KMEMLEAK-BEGIN"
		cat $dbg/kmemleak
		echo "FVVM-KMEMLEAK-END"
	else
		echo "FVVM-KMEMLEAK-NONE"
	fi
	echo "FVVM-END"
}

main 2>&1 | to_kmsg
reboot -f
