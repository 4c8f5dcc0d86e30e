#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kvmtool with the realm support of vmm/kvmtool/, and what the realm_linux
# test needs next to it.
#
#   kvmtool.sh build    extract ../shared/kvmtool's snapshot (checked
#                       against its SHA256SUMS), apply vmm/kvmtool/series,
#                       build a static lkvm for arm64, in $CACHE/kvmtool
#   kvmtool.sh bundle   build, then put the realm_linux test in
#                       $KBUILD/kselftest/kvmtool/ with, in realm_linux.d/,
#                       lkvm, the guest Image (the build's own, which has
#                       no initramfs built in) and the guest's initramfs
#   kvmtool.sh tree DIR     a git tree of the snapshot in DIR, branch
#                           "realm" with the series applied (git am), to
#                           work on
#   kvmtool.sh export DIR   the commits of DIR's branch "realm" since the
#                           snapshot, as vmm/kvmtool/'s patches and series
#
# O=DIR: the kernel build whose Image the guest boots (default $KBUILD).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-bundle}
kdir=$SHARED/kvmtool
tarball=$kdir/kvmtool-b48735e5.tar.gz
work=$CACHE/kvmtool
src=$work/src
series=$TOP/vmm/kvmtool/series
kst=${KSELFTEST_DIR:-$KBUILD/kselftest}
guest_image=${O:-$KBUILD}/arch/arm64/boot/Image

# vmm/kvmtool/series: the patch files, in order, relative to vmm/kvmtool/
patches() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$series" | sed "s#^#$TOP/vmm/kvmtool/#"; }

prepare() {
	local sum
	[ -f "$tarball" ] || die "no kvmtool source at $tarball (put ../shared/ beside the checkout)"
	sum=$( (sha256sum "$tarball" | cut -d' ' -f1; patches | xargs cat) | sha256sum | cut -d' ' -f1)
	if [ -x "$src/lkvm-static" ] && [ "$(cat "$work/stamp" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	(cd "$kdir" && sha256sum --quiet -c SHA256SUMS) || die "$tarball does not match its SHA256SUMS"
	log "kvmtool: extracting $(basename "$tarball") and applying $(patches | wc -l) patches"
	rm -rf "$src" "$work/stamp"
	mkdir -p "$src"
	tar xzf "$tarball" -C "$src" --strip-components=1
	patches | while read -r p; do
		patch -d "$src" -p1 -s --no-backup-if-mismatch <"$p" ||
			die "kvmtool: $(basename "$p") does not apply"
	done
	echo "$sum" >"$work/stamp.pending"
}

build() {
	prepare
	log "kvmtool: building lkvm-static"
	make -s -C "$src" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" LDFLAGS=-static \
		-j"$JOBS" lkvm-static >"$work/build.log" 2>&1 ||
		{ tail -20 "$work/build.log" >&2; die "kvmtool does not build (log: $work/build.log)"; }
	[ -f "$work/stamp.pending" ] && mv "$work/stamp.pending" "$work/stamp"
	return 0
}

# The guest's initramfs: busybox and guest-init
guest_initramfs() {
	local out=$1 root=$work/guest-root a
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp "$(arm64_busybox)" "$root/bin/busybox"
	for a in sh mount cat echo grep sed awk cut dmesg sleep nproc taskset \
		dd md5sum cmp poweroff; do
		ln -sf busybox "$root/bin/$a"
	done
	cp "$TOP/selftests/kvmtool/guest-init" "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out"
}

bundle() {
	local dest=$kst/kvmtool
	build
	[ -f "$guest_image" ] || die "no guest kernel at $guest_image (run scripts/build.sh kernel)"
	mkdir -p "$dest/realm_linux.d"
	cp "$TOP/selftests/kvmtool/realm_linux" "$dest/realm_linux"
	cp "$src/lkvm-static" "$dest/realm_linux.d/lkvm"
	cp "$guest_image" "$dest/realm_linux.d/Image"
	guest_initramfs "$dest/realm_linux.d/initramfs.cpio"
	log "kvmtool: realm_linux and its guest in $dest"
}

tree() {
	local dir=$1
	[ ! -e "$dir" ] || die "$dir exists"
	mkdir -p "$dir"
	tar xzf "$tarball" -C "$dir" --strip-components=1
	git -C "$dir" init -q -b snapshot
	git -C "$dir" add -A
	git -C "$dir" commit -q -m "kvmtool $(basename "$tarball" .tar.gz | sed 's/^kvmtool-//')"
	git -C "$dir" checkout -q -b realm
	# shellcheck disable=SC2046
	git -C "$dir" am -q $(patches)
	log "kvmtool: $dir, branch realm, $(patches | wc -l) patches on the snapshot"
}

export_series() {
	local dir=$1 out=$TOP/vmm/kvmtool
	rm -f "$out"/*.patch
	git -C "$dir" format-patch -q --no-signature -o "$out" snapshot..realm
	(echo "# kvmtool's realm support, in order, on ../shared/kvmtool's snapshot";
	 cd "$out" && ls -1 [0-9]*.patch) >"$series"
	log "kvmtool: exported $(patches | wc -l) patches to $out"
}

case $what in
build) build ;;
bundle) bundle ;;
tree) tree "${2:?usage: kvmtool.sh tree DIR}" ;;
export) export_series "${2:?usage: kvmtool.sh export DIR}" ;;
*) die "usage: kvmtool.sh [build|bundle|tree DIR|export DIR]" ;;
esac
