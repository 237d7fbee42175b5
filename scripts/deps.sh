#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages given as arguments that are missing, without
# their recommends (they pull GTK, ffmpeg and mesa through qemu and gnuplot;
# nothing here needs them), when run as root; otherwise prints the exact
# command and fails.  When linux-image-amd64 is asked for, so is the image
# matching the newest linux-headers-*-amd64 (the dev VM boots it).
set -euo pipefail

newest_headers() {
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
		sed 's|.*/linux-headers-||' | sort -V | tail -1 || true
}

missing=() image=
for p in "$@"; do
	[ "$p" = linux-image-amd64 ] && image=1
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
kver=$(newest_headers)
if [ -n "$image" ] && [ -n "$kver" ] && [ ! -r "/boot/vmlinuz-$kver" ]; then
	missing+=("linux-image-$kver")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install() {
	apt-get -o DPkg::Lock::Timeout=1200 install -y -q \
		--no-install-recommends "$@"
}

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=1200 update -q
	apt_install "${missing[@]}"
	# The headers may have brought a newer kernel version: its image too.
	kver=$(newest_headers)
	if [ -n "$image" ] && [ ! -r "/boot/vmlinuz-$kver" ]; then
		apt_install "linux-image-$kver"
	fi
else
	echo "deps: missing packages; run:"
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi
