#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the flatvm dev VM (packed by userspace/vm/run-vm.sh).  Loads
# flatvm.ko, runs the mode named on the kernel command line, unloads the
# module, dumps the kernel log between markers for the host to judge, and
# ends QEMU with reboot -f (QEMU runs with -no-reboot).
#
# Command line: fvvm=test|demo  fvvm_args=<flatvm.ko parameters, ',' for ' '>
#               fvvm_timeout=<seconds for the programs>
#               fvvm_filter=<run only the tests whose name contains it>

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

mode=test
modargs=
filter=
limit=600
for w in $(cat /proc/cmdline); do
	case $w in
	fvvm=*) mode=${w#fvvm=} ;;
	fvvm_args=*) modargs=$(echo "${w#fvvm_args=}" | tr , ' ') ;;
	fvvm_timeout=*) limit=${w#fvvm_timeout=} ;;
	fvvm_filter=*) filter=${w#fvvm_filter=} ;;
	esac
done

rc=0
echo "FVVM-BEGIN mode=$mode kernel=$(uname -r)"
# shellcheck disable=SC2086
if insmod /lib/flatvm/flatvm.ko $modargs; then
	echo "PASS insmod"
	case $mode in
	# shellcheck disable=SC2086
	test) timeout "$limit" /bin/flatvm-itest $filter || rc=$? ;;
	demo) timeout "$limit" /bin/flatvm-demo || rc=$? ;;
	*) echo "unknown mode $mode"; rc=2 ;;
	esac
	# Processes that used flatvm pin it until their mm is gone, which the
	# kernel finishes after an RCU grace period: allow a few seconds.
	unloaded=0
	for i in $(seq 50); do
		if rmmod flatvm 2>/dev/null; then
			unloaded=1
			break
		fi
		sleep 0.2
	done
	if [ $unloaded = 1 ]; then
		echo "PASS rmmod"
	else
		echo "FAIL rmmod"
		rmmod flatvm
		rc=1
	fi
else
	echo "FAIL insmod"
	rc=1
fi
echo "FVVM-RC rc=$rc"
echo "FVVM-DMESG-BEGIN"
dmesg
echo "FVVM-DMESG-END"
sync
reboot -f
