#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the kernel tree's current checkout, out of tree and incrementally:
# Image, exported headers, the KVM selftests linked statically, and
# kvmtool with its realm test (scripts/kvmtool.sh).
#
#   build.sh [kernel|selftests|kvmtool|all]     (default: all)
#   build.sh rme-image CPIO DIR          Image with CPIO built in, in DIR
#
# O=DIR overrides the build directory (default $KBUILD). RIG_DEBUG=1 builds
# the debug host kernel (selftests/kvm-host-debug.config on top), in
# $CACHE/build-debug by default.
# RIG_DEBUG_NOHZ=1 with it adds selftests/kvm-host-debug-nohz.config, in
# $CACHE/build-debug-nohz.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
frags=("$TOP/selftests/kvm-host.config")
if [ "${RIG_DEBUG:-0}" = 1 ] && [ "${RIG_DEBUG_NOHZ:-0}" = 1 ]; then
	frags+=("$TOP/selftests/kvm-host-debug.config"
		"$TOP/selftests/kvm-host-debug-nohz.config")
	out=${O:-$CACHE/build-debug-nohz}
elif [ "${RIG_DEBUG:-0}" = 1 ]; then
	frags+=("$TOP/selftests/kvm-host-debug.config")
	out=${O:-$CACHE/build-debug}
else
	out=${O:-$KBUILD}
fi
mkdir -p "$out"
kmake() { make -s -C "$KTREE" O="$out" -j"$JOBS" "$@"; }

configure() {
	# Reconfigure only when the fragments or the Kconfig files changed.
	local stamp=$out/.rig-config-stamp
	local sum
	sum=$( (cat "${frags[@]}"; cd "$KTREE" && git ls-files -z -- '*Kconfig*' |
		xargs -0 cat) | sha256sum | cut -d' ' -f1)
	if [ -f "$out/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	log "configuring $out (allnoconfig + $(basename -a "${frags[@]}" | paste -sd' '))"
	kmake allnoconfig >/dev/null
	(cd "$KTREE" && KCONFIG_CONFIG=$out/.config \
		scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
	kmake olddefconfig >/dev/null
	# Every option the fragments ask for must have survived.
	local missing
	missing=$(cat "${frags[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' | while read -r l; do
		grep -qxF "$l" "$out/.config" || echo "$l"; done)
	[ -z "$missing" ] || die "options not set after olddefconfig: $missing"
	echo "$sum" >"$stamp"
}

build_kernel() {
	configure
	log "building Image in $out"
	kmake Image
	kmake headers_install INSTALL_HDR_PATH="$out/hdr" >/dev/null
}

build_selftests() {
	[ -d "$out/hdr/include" ] || kmake headers_install INSTALL_HDR_PATH="$out/hdr" >/dev/null
	# The tests in the lists (SELFTESTS=all: every arm64 KVM selftest).
	local progs=
	if [ "${SELFTESTS:-}" != all ]; then
		local lists=("${TESTS_LIST:-$TOP/selftests/tests.list}")
		[ "${NO_RMM_TESTS_LIST:-}" = none ] ||
			lists+=("${NO_RMM_TESTS_LIST:-$TOP/selftests/tests-no-rmm.list}")
		# (kvmtool/ tests come from scripts/kvmtool.sh)
		progs=$(grep -hv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "${lists[@]}" |
			awk -v o="$out/kselftest/" '$1 !~ /^kvmtool\// {print o $1}' |
			sort -u | tr '\n' ' ')
	fi
	local sel=()
	[ -n "$progs" ] && sel=("TEST_GEN_PROGS=$progs")
	log "building KVM selftests in $out/kselftest (${progs:-all})"
	mkdir -p "$out/kselftest"
	make -s -C "$KTREE/tools/testing/selftests/kvm" -j"$JOBS" \
		ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
		OUTPUT="$out/kselftest" LDFLAGS=-static \
		KHDR_INCLUDES="-isystem $out/hdr/include" \
		EXTRA_CFLAGS=-Werror "${sel[@]}" all
}

# An Image for firmware that cannot load an initrd: the tip's config with
# the initramfs built in, in its own build directory.
build_rme_image() {
	local cpio=$1 dir=$2
	[ -f "$out/.config" ] || die "build the kernel first"
	# Start from a copy of the warm build: only the initramfs, the command
	# line and what depends on them are rebuilt.
	if [ ! -f "$dir/.config" ]; then
		mkdir -p "$dir"
		cp -a "$out/." "$dir/"
		rm -rf "$dir/kselftest" "$dir/hdr"
	fi
	if ! cmp -s <(grep -vE 'INITRAMFS|CMDLINE' "$out/.config") \
		<(grep -vE 'INITRAMFS|CMDLINE' "$dir/.config" 2>/dev/null); then
		cp "$out/.config" "$dir/.config"
	fi
	sed -i -e '/CONFIG_INITRAMFS_SOURCE/d' -e '/CONFIG_CMDLINE/d' "$dir/.config"
	# Nothing passes a command line either: build it in.
	printf 'CONFIG_INITRAMFS_SOURCE="%s"\nCONFIG_CMDLINE="%s"\nCONFIG_CMDLINE_FORCE=y\n' \
		"$cpio" "${CMDLINE:-console=ttyAMA0 rdinit=/init panic=-1 loglevel=4}" >>"$dir/.config"
	make -s -C "$KTREE" O="$dir" -j"$JOBS" olddefconfig >/dev/null
	log "building Image with built-in initramfs in $dir"
	make -s -C "$KTREE" O="$dir" -j"$JOBS" Image
}

case $what in
rme-image) build_rme_image "$2" "$3" ;;
kernel) build_kernel ;;
selftests) build_selftests ;;
kvmtool) O=$out "$TOP/scripts/kvmtool.sh" bundle ;;
all) build_kernel && build_selftests && O=$out "$TOP/scripts/kvmtool.sh" bundle ;;
*) die "usage: build.sh [kernel|selftests|kvmtool|all]" ;;
esac
