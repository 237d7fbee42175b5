#!/bin/sh
# The kernel sources the benchmark's peers build on the host: lib/maple_tree.c
# with its userspace shims (tools/testing/radix-tree, tools/include) and
# tools/lib/rbtree.c, from Debian's linux-source-6.1 tarball.  Extracts
# tools/, lib/, include/ and arch/x86/include once (about 20 s) into a cache
# outside the work tree, keyed by the package version, and prints its path.
# No kernel source is ever copied into the repository.
#
#   ${FV_KSRC_CACHE:-/var/cache/flatvm}/kernel-src-<version>/
#
# (userspace/build/ when that cache cannot be written.)  A tree is complete
# when it holds .flatvm-extracted (written last); an incomplete one is
# wiped and extracted again.  Extractions are serialised with flock.
# Installs linux-source-6.1 and liburcu-dev when missing and run as root.
set -eu

srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
log() { echo "kernel-src: $*" >&2; }

missing=
[ -f "$tarball" ] || missing="$missing $srcpkg"
dpkg-query -W -f='${Status}' liburcu-dev 2>/dev/null | grep -q 'ok installed' ||
	missing="$missing liburcu-dev"
# Installed without recommends when root, else the command is printed.
[ -z "$missing" ] ||
	"$(dirname "$0")/../../scripts/deps.sh" $missing >&2 || exit 1

version=$(dpkg-query -W -f='${Version}' "$srcpkg")
root=${FV_KSRC_CACHE:-/var/cache/flatvm}
if ! mkdir -p "$root" 2>/dev/null || [ ! -w "$root" ]; then
	root=$(cd "$(dirname "$0")/.." && pwd)/build
	mkdir -p "$root"
fi
dir=$root/kernel-src-$version
if [ -f "$dir/.flatvm-extracted" ]; then
	echo "$dir"
	exit 0
fi

exec 9>"$root/.kernel-src.lock"
flock 9
if [ ! -f "$dir/.flatvm-extracted" ]; then
	start=$(date +%s)
	log "extracting tools/ lib/ include/ arch/x86/include into $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	top=$(tar -tJf "$tarball" | head -n 1 | cut -d/ -f1)
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		"$top/tools" "$top/lib" "$top/include" "$top/arch/x86/include"
	touch "$dir/.flatvm-extracted"
	log "done in $(( $(date +%s) - start )) s"
fi
echo "$dir"
