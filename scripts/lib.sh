# SPDX-License-Identifier: GPL-2.0
# Common settings for the rig's scripts. Sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
CACHE=${CACHE:-$TOP/.cache}
# The kernel git tree: branch "base" is v7.3, branch "series" carries the patches.
KTREE=${KTREE:-$CACHE/linux}
# Out-of-tree build directory for the series tip, kept warm between runs.
KBUILD=${KBUILD:-$CACHE/build}
# The series: patch files, their order, and the branch they make in $KTREE.
PATCHES_DIR=${PATCHES_DIR:-$TOP/patches}
SERIES_FILE=${SERIES_FILE:-$TOP/series}
SERIES_BRANCH=${SERIES_BRANCH:-series}
ARCH=arm64
CROSS_COMPILE=${CROSS_COMPILE:-aarch64-linux-gnu-}
JOBS=${JOBS:-$(nproc)}
BASE_DEB_NAME=linux-source-7.3_7.3.4-1~bpo13+1_all.deb
BASE_DEB_VERSION=7.3.4-1~bpo13+1
export ARCH CROSS_COMPILE

log() { printf '%s\n' "[$(date +%H:%M:%S)] $*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# series_files: the patch files in apply order, as paths.
series_files() {
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$SERIES_FILE" |
		sed -e 's#^patches/##' -e "s#^#$PATCHES_DIR/#"
}

# stage NAME CMD...: run one stage, print its duration, keep its status.
stage() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	log "stage $name: start"
	"$@"
	rc=$?
	printf 'stage %-12s %4ds  %s\n' "$name" $(($(date +%s) - t0)) \
		"$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")" | tee -a "$CACHE/stages.log" >&2
	return $rc
}

# arm64_busybox: the static arm64 busybox of busybox-static:arm64
arm64_busybox() {
	local b
	b=$(dpkg -L busybox-static:arm64 2>/dev/null | grep '/bin/busybox$' | head -1)
	[ -n "$b" ] && file -L "$b" | grep -q aarch64 ||
		die "no arm64 busybox (apt-get install busybox-static:arm64)"
	echo "$b"
}

ktree_git() { git -C "$KTREE" "$@"; }

# The base commit is always branch "base" of $KTREE.
base_rev() { echo base; }
