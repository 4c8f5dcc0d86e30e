#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the rig needs from Debian's archive, once. Idempotent.
#
#   deps.sh                  install the packages below where missing
#   deps.sh --add-suite S    add Debian suite S (e.g. trixie-backports)
#
# The mirror is the one the machine's apt configuration already uses.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# The first Debian mirror named in the apt configuration.
apt_mirror() {
	local m
	m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
		grep -v security | head -1)
	[ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{print $2}' | grep -v security | grep -i debian | head -1)
	[ -n "$m" ] || die "no Debian mirror in the apt configuration"
	echo "$m"
}

add_suite() {
	local suite=$1 f=/etc/apt/sources.list.d/rig-$1.sources
	if grep -rqs -- "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	log "adding apt suite $suite"
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$(apt_mirror)" "$suite" | $SUDO tee "$f" >/dev/null
	$SUDO apt-get update -qq
}

if [ "${1:-}" = --add-suite ]; then
	add_suite "$2"
	exit 0
fi

PKGS="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	make flex bison bc libssl-dev libelf-dev cpio xz-utils rsync kmod
	sparse b4 perl python3 python3-ply python3-git git file"

missing=
for p in $PKGS; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
need_qemu=1
if command -v qemu-system-aarch64 >/dev/null; then
	v=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge 10 ] && need_qemu=0
fi
# arm64 packages (multiarch): busybox for the test initramfs, libfdt for
# the static kvmtool.
ARM64_PKGS="busybox-static:arm64 libfdt-dev:arm64"
missing_arm64=
for p in $ARM64_PKGS; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing_arm64="$missing_arm64 $p"
done

if [ -z "$missing" ] && [ $need_qemu -eq 0 ] && [ -z "$missing_arm64" ]; then
	log "dependencies present"
	exit 0
fi

. /etc/os-release
updated=0
if [ -n "$missing" ]; then
	log "installing:$missing"
	$SUDO apt-get update -qq && updated=1
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
if [ $need_qemu -eq 1 ]; then
	# QEMU 10 (FEAT_RME emulation) comes from bookworm-backports on Debian 12.
	[ "${VERSION_CODENAME:-}" = bookworm ] && add_suite bookworm-backports
	[ $updated -eq 1 ] || { $SUDO apt-get update -qq && updated=1; }
	log "installing qemu-system-arm"
	if [ "${VERSION_CODENAME:-}" = bookworm ]; then
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-t bookworm-backports qemu-system-arm >/dev/null
	else
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null
	fi
fi
if [ -n "$missing_arm64" ]; then
	dpkg --print-foreign-architectures | grep -qx arm64 || {
		$SUDO dpkg --add-architecture arm64
		updated=0
	}
	[ $updated -eq 1 ] || $SUDO apt-get update -qq
	log "installing:$missing_arm64"
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing_arm64 >/dev/null
fi
log "dependencies installed"
