#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages given as arguments that are missing, plus the
# kernel image matching the newest linux-headers-*-amd64 (the dev VM boots
# it), when run as root; otherwise prints the exact command and fails.
set -euo pipefail

missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
	sed 's|.*/linux-headers-||' | sort -V | tail -1 || true)
if [ -n "$kver" ] && [ ! -r "/boot/vmlinuz-$kver" ]; then
	missing+=("linux-image-$kver")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=1200 update -q
	apt-get -o DPkg::Lock::Timeout=1200 install -y -q "${missing[@]}"
	# The headers may have brought a newer kernel version: its image too.
	kver=$(ls -d /usr/src/linux-headers-*-amd64 |
		sed 's|.*/linux-headers-||' | sort -V | tail -1)
	if [ ! -r "/boot/vmlinuz-$kver" ]; then
		apt-get -o DPkg::Lock::Timeout=1200 install -y -q \
			"linux-image-$kver"
	fi
else
	echo "deps: missing packages; run:"
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
	exit 1
fi
