#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Renders each man page given as argument with groff (-ww: every warning)
# and man -l (--warnings), and fails when either prints anything on
# standard error or fails.  Prints "N passed, N failed".
set -u
passed=0 failed=0
for page in "$@"; do
	err=$(groff -man -Tutf8 -ww -z "$page" 2>&1 >/dev/null) || err="groff failed: $err"
	if [ -z "$err" ]; then
		err=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null) ||
			err="man failed: $err"
	fi
	if [ -n "$err" ]; then
		echo "FAIL man $page"
		echo "$err" | sed 's/^/    /'
		failed=$((failed + 1))
	else
		echo "PASS man $page"
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
