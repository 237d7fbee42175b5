#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The flatvm command against the real module, inside the dev VM (busybox
# sh; /bin/flatvm is build/tools/static/flatvm, /bin/flatvm-libtest is
# build/lib/flatvm-libtest).  A helper (flatvm-libtest hold) holds two
# ranges, one shared with a child; every command must accept the module's
# real debugfs text and show them.  Then the error exits: no debugfs
# directory, debugfs unmounted.  Prints "PASS name" / "FAIL name" and
# "N passed, N failed"; exit status 0 when all passed.
PATH=/bin:$PATH
passed=0
failed=0
out=/tmp/flatvm-tooltest.out

ok() {
	echo "PASS tool_$1"
	passed=$((passed + 1))
}

bad() {
	echo "FAIL tool_$1: $2"
	sed 's/^/    /' $out | head -20
	failed=$((failed + 1))
}

# expect NAME RC COMMAND...: COMMAND exits RC (output in $out)
expect() {
	name=$1 want=$2
	shift 2
	"$@" >$out 2>&1
	rc=$?
	if [ $rc -eq $want ]; then ok "$name"; else bad "$name" "exit $rc, want $want"; fi
}

# has NAME PATTERN: $out has a line matching PATTERN (grep -E)
has() {
	if grep -Eq -- "$2" $out; then ok "$1"; else bad "$1" "no line matching '$2'"; fi
}

flatvm-libtest hold >/tmp/hold.txt &
holder=$!
i=0
while [ ! -s /tmp/hold.txt ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
read -r a1 a2 child </tmp/hold.txt
if [ -z "$child" ]; then
	echo "FAIL tool_setup: flatvm-libtest hold printed nothing"
	echo "0 passed, 1 failed"
	exit 1
fi

expect stats 0 flatvm stats
has stats_ranges '^ranges +2$'
expect stats_json 0 flatvm --json stats
has stats_json_ranges '"ranges": 2,'
has stats_json_users '"uid": 0,'
expect ranges 0 flatvm ranges
has ranges_shared "^$a1 .* 8\\.0 KiB .*pid $holder rw-, pid $child r--\$|^$a1 .* 8\\.0 KiB .*pid $child r--, pid $holder rw-\$"
has ranges_lazy "^$a2 .* 1\\.0 MiB .*pid $holder r--\$"
expect ranges_json 0 flatvm --json ranges
has ranges_json_pid "\"pid\": $child,"
expect holders 0 flatvm holders
has holders_child "^ *[0-9]+ +$child +2 +8\\.0 KiB +1 +mapped\$"
expect holders_json 0 flatvm --json holders
expect free 0 flatvm free
has free_summary '^[0-9]+ free extents?, .* free, largest '
expect free_json 0 flatvm --json free
expect check 0 flatvm check
has check_ok '^ok$'
# QUERY describes a page only to its holders: this shell holds none (the
# output of a holder's query is tested on a fake device, cli_test.py).
expect query_not_holder 1 flatvm query "$a1"
has query_not_holder_msg 'does not hold the page'
expect query_json_not_holder 1 flatvm --json query "$a2"
expect query_free 1 flatvm query 0x1000

kill "$holder"
wait "$holder" 2>/dev/null
expect no_module_dir 3 flatvm --debugfs /sys/kernel/debug/nothing ranges
if umount /sys/kernel/debug; then
	expect debugfs_unmounted 4 flatvm ranges
	has debugfs_unmounted_msg 'mount -t debugfs'
	mount -t debugfs debugfs /sys/kernel/debug
else
	bad debugfs_unmounted "cannot unmount debugfs"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
