#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the flatvm debug kernel once and caches it outside the work tree.
#
# Source: Debian's linux-source-6.1 tarball.  Config: `make tinyconfig`
# merged with kunit/debug-kernel.config.  The cache directory is keyed by the
# source package version and a hash of the fragment, the compiler version and
# the recipe version below, so it is rebuilt only when one of those changes:
#
#   ${FV_KERNEL_CACHE:-/var/cache/flatvm}/linux-<version>-<key>/
#
# A tree is complete when it holds .flatvm-built (written last); an
# incomplete one is wiped and rebuilt.  Builds are serialised with flock.
# The build directory is printed as the last line of stdout.
#
# Environment: FV_KERNEL_CACHE (cache root), FV_KERNEL_JOBS (make -j),
# FV_KERNEL_NICE (nice level, default 10).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
cache_root=${FV_KERNEL_CACHE:-/var/cache/flatvm}
jobs=${FV_KERNEL_JOBS:-$(nproc)}
nice_level=${FV_KERNEL_NICE:-10}
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
tools="bc bison flex gcc make libelf-dev libssl-dev xz-utils cpio"
# Bump when the way the tree is configured or built changes.
recipe=1

log() { echo "build-debug-kernel: $*" >&2; }

# Installs what is missing (as root, on a fresh machine), waiting for any
# apt run already in progress instead of failing on its lock.
ensure_packages() {
	local missing=() p
	[ -f "$tarball" ] || missing+=("$srcpkg")
	for p in $tools; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		log "missing packages: ${missing[*]} (run as root to install)"
		exit 1
	fi
	log "installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=1200 update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 \
		install -y -q "${missing[@]}" >&2
}

ensure_packages

version=$(dpkg-query -W -f='${Version}' "$srcpkg")
key=$( { cat "$frag"; echo "recipe $recipe"; gcc --version | head -1; } |
	sha256sum | cut -c1-12)
dir=$cache_root/linux-$version-$key

if [ -f "$dir/.flatvm-built" ] && [ -f "$dir/arch/x86/boot/bzImage" ]; then
	log "cached: $dir"
	echo "$dir"
	exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
# Someone else may have finished it while we waited for the lock.
if [ -f "$dir/.flatvm-built" ]; then
	echo "$dir"
	exit 0
fi

start=$(date +%s)
log "cold build in $dir ($jobs jobs, nice $nice_level)"
rm -rf "$dir"
mkdir -p "$dir"
tar -xJf "$tarball" -C "$dir" --strip-components=1
extracted=$(date +%s)

kmake() { nice -n "$nice_level" make -C "$dir" ARCH=x86_64 -j"$jobs" "$@"; }

kmake -s tinyconfig >&2
(cd "$dir" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$frag") >&2
kmake -s olddefconfig >&2

# Every option the fragment asks for must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$dir/.config" || {
			log "not applied: $line"
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		grep -q "^$sym=" "$dir/.config" && {
			log "not applied: $line"
			bad=1
		}
		;;
	esac
done <"$frag"
[ "$bad" -eq 0 ] || exit 1

log "compiling (log: $dir/.flatvm-build.log)"
if ! kmake bzImage modules modules_prepare >"$dir/.flatvm-build.log" 2>&1; then
	tail -40 "$dir/.flatvm-build.log" >&2
	log "kernel build failed"
	exit 1
fi
end=$(date +%s)

{
	echo "version=$version"
	echo "key=$key"
	echo "jobs=$jobs"
	echo "extract_seconds=$((extracted - start))"
	echo "build_seconds=$((end - extracted))"
	echo "total_seconds=$((end - start))"
} >"$dir/.flatvm-built"
log "cold build done in $((end - start)) s (extract $((extracted - start)) s)"
echo "$dir"
