#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built kernel under QEMU and run the tests, twice:
#
#  - on QEMU's RME machine, with firmware that carries a real RMM (TF-A +
#    TF-RMM, from ../shared/rme/ by default): the tests in TESTS_LIST, realm
#    tests included, under the RMM;
#  - on the plain machine (no FEAT_RME, no RMM): the tests in
#    NO_RMM_TESTS_LIST, the cases that check what a host without an RMM
#    does.
#
# Prints each test's result, every SKIP with its reason and, last,
# "N passed, N failed, N skipped" over both boots. Exits non-zero on any
# failure, on a kernel that does not boot, on a run that never reaches the
# tests, and when the host's RMM contradicts the boot or a test's SKIP (see
# scripts/tap-summary.sh). The console logs are kept in $RUNDIR/{rme,plain}.
#
# Inputs (environment):
#   TESTS_LIST    tests for the RME boot (default selftests/tests.list)
#   NO_RMM_TESTS_LIST  tests for the plain boot (default
#                 selftests/tests-no-rmm.list; "none": no plain boot)
#   RME_FIRMWARE  the TF-A flash image with the RMM for QEMU's -bios (default
#                 ../shared/rme/flash.bin, checked against its SHA256SUMS).
#                 "none": no RME boot; TESTS_LIST then runs on the plain
#                 machine, where realm tests SKIP.
#   RME_VERBOSE=1 boot ../shared/rme/flash-verbose.bin instead, whose RMM logs
#                 every RMI and RSI call on the console (slower; for debugging)
#   RME_KERNEL_ADDR  where the firmware expects the kernel (default 0x60000000:
#                 TF-A's qemu platform built with ARM_LINUX_KERNEL_AS_BL33=1
#                 and PRELOADED_BL33_BASE at that address). The Image carries
#                 its initramfs and command line; QEMU makes the DTB.
#   QEMU_EXTRA    more QEMU options, for both boots
#   BOOT_TIMEOUT  seconds for each boot and run (default: sum of its test
#                 timeouts + 300)
#   RIG_DEBUG=1   boot the debug host kernel (scripts/build.sh with
#                 RIG_DEBUG=1: KASAN, lockdep, kmemleak, ...), with the same
#                 selftests; any report it makes fails the run. Its runs
#                 are kept in $CACHE/run-debug.
#   RIG_DEBUG_NOHZ=1  with RIG_DEBUG=1: the debug kernel with context
#                 tracking on every CPU (selftests/kvm-host-debug-nohz.config),
#                 in $CACHE/run-debug-nohz; the warnings v7.3 itself makes
#                 there (selftests/known-warnings-nohz.txt) are listed, not
#                 counted.
#   KNOWN_WARNINGS  a file of kernel warnings not to count (see
#                 scripts/tap-summary.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TESTS_LIST=${TESTS_LIST:-$TOP/selftests/tests.list}
NO_RMM_TESTS_LIST=${NO_RMM_TESTS_LIST:-$TOP/selftests/tests-no-rmm.list}
if [ "${RIG_DEBUG:-0}" = 1 ] && [ "${RIG_DEBUG_NOHZ:-0}" = 1 ]; then
	RUNDIR=$(realpath -m "${RUNDIR:-$CACHE/run-debug-nohz}")
	image=${IMAGE:-$CACHE/build-debug-nohz/arch/arm64/boot/Image}
	RME_BUILD=${RME_BUILD:-$CACHE/build-rme-debug-nohz}
	export KNOWN_WARNINGS=${KNOWN_WARNINGS:-$TOP/selftests/known-warnings-nohz.txt}
elif [ "${RIG_DEBUG:-0}" = 1 ]; then
	RUNDIR=$(realpath -m "${RUNDIR:-$CACHE/run-debug}")
	image=${IMAGE:-$CACHE/build-debug/arch/arm64/boot/Image}
	RME_BUILD=${RME_BUILD:-$CACHE/build-rme-debug}
else
	RUNDIR=$(realpath -m "${RUNDIR:-$CACHE/run}")
	image=${IMAGE:-$KBUILD/arch/arm64/boot/Image}
fi
kst=${KSELFTEST_DIR:-$KBUILD/kselftest}
append="console=ttyAMA0 rdinit=/init panic=-1 loglevel=4"

[ -f "$image" ] || die "no kernel image at $image (run scripts/build.sh)"
[ -f "$TESTS_LIST" ] || die "no test list $TESTS_LIST"
[ "$NO_RMM_TESTS_LIST" = none ] || [ -f "$NO_RMM_TESTS_LIST" ] ||
	die "no test list $NO_RMM_TESTS_LIST"
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR"

# sum_ok DIR FILE: DIR/SHA256SUMS has a line for FILE, and FILE matches it.
sum_ok() {
	local line
	line=$(awk -v f="$2" '$2 == f || $2 == "*" f' "$1/SHA256SUMS" 2>/dev/null)
	[ -n "$line" ] && (cd "$1" && echo "$line" | sha256sum --quiet -c - >/dev/null 2>&1)
}

# The firmware: ../shared/rme/'s images are checked before use.
rme_dir=$SHARED/rme
if [ -z "${RME_FIRMWARE:-}" ]; then
	if [ "${RME_VERBOSE:-0}" = 1 ]; then
		RME_FIRMWARE=$rme_dir/flash-verbose.bin
	else
		RME_FIRMWARE=$rme_dir/flash.bin
	fi
	[ -f "$RME_FIRMWARE" ] ||
		die "no RME firmware at $RME_FIRMWARE: put ../shared/ beside the checkout, name an image with RME_FIRMWARE, or run without an RMM with RME_FIRMWARE=none"
fi
if [ "$RME_FIRMWARE" != none ]; then
	[ -f "$RME_FIRMWARE" ] || die "RME_FIRMWARE=$RME_FIRMWARE does not exist"
	fw=$(realpath "$RME_FIRMWARE")
	if [ "$(dirname "$fw")" = "$(realpath -m "$rme_dir")" ]; then
		sum_ok "$rme_dir" "$(basename "$fw")" ||
			die "$fw does not match $rme_dir/SHA256SUMS"
		log "firmware $(basename "$fw") matches its SHA256SUMS"
	fi
fi

# make_initramfs LIST DIR: the test initramfs for the tests in LIST, as
# DIR/initramfs.cpio.
make_initramfs() {
	local list=$1 dir=$2 root=$2/root t busybox
	busybox=$(arm64_busybox)
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,kselftest}
	cp "$busybox" "$root/bin/busybox"
	for a in sh mount umount cat echo grep sed awk cut dmesg timeout poweroff \
		sync uname nproc ls sleep mkdir dirname basename true false tee \
		cmp dd md5sum tr wc tail; do
		ln -sf busybox "$root/bin/$a"
	done
	cp "$TOP/selftests/init" "$root/init"
	cp "$list" "$root/tests.list"
	while read -r t _; do
		if [ -f "$kst/$t" ]; then
			mkdir -p "$root/kselftest/$(dirname "$t")"
			cp "$kst/$t" "$root/kselftest/$t"
			# What the test needs beside it (kvmtool/realm_linux)
			[ ! -d "$kst/$t.d" ] || cp -r "$kst/$t.d" "$root/kselftest/$t.d"
		else
			log "warning: $t is not built ($kst/$t)"
		fi
	done <"$root/tests.list"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$dir/initramfs.cpio"
}

# boot MODE DIR LIST...: boot the RME (MODE rme) or plain (MODE plain)
# machine with the tests in the LISTs, summarise in DIR/summary.
boot() {
	local mode=$1 dir=$2 total timeout console results qrc expect
	shift 2
	mkdir -p "$dir"
	grep -hv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$@" >"$dir/tests.list" || true
	make_initramfs "$dir/tests.list" "$dir"
	total=$(awk '{s += $2} END {print s + 0}' "$dir/tests.list")
	timeout=${BOOT_TIMEOUT:-$((total + 300))}
	console=$dir/console.log
	results=$dir/results.log
	: >"$results"
	local qemu=(qemu-system-aarch64 -nographic -no-reboot -smp 2
		-monitor none -serial "file:$console"
		-device virtio-serial-pci
		-chardev "file,id=results,path=$results" -device virtconsole,chardev=results
		-object memory-backend-ram,id=ivshm,size=1M -device ivshmem-plain,memdev=ivshm)
	if [ "$mode" = rme ]; then
		# The firmware cannot load an initrd for us: rebuild the Image
		# with the initramfs built in, in its own build directory.
		local rme_build=${RME_BUILD:-$CACHE/build-rme}
		CMDLINE=$append "$TOP/scripts/build.sh" rme-image "$dir/initramfs.cpio" "$rme_build" ||
			die "cannot build the Image for the RME machine"
		qemu+=(-M virt,secure=on,virtualization=on,gic-version=3,acpi=off
			-cpu max,x-rme=on,pauth-impdef=on -m 3G
			-bios "$RME_FIRMWARE" -serial "file:$dir/secure.log"
			-device "loader,file=$rme_build/arch/arm64/boot/Image,addr=${RME_KERNEL_ADDR:-0x60000000}")
		expect=1
		log "booting the RME machine with $(basename "$RME_FIRMWARE"): $(wc -l <"$dir/tests.list") tests"
	else
		qemu+=(-M virt,virtualization=on,gic-version=3 -cpu max -m 2G
			-kernel "$image" -initrd "$dir/initramfs.cpio" -append "$append")
		expect=0
		log "booting the plain machine (no RMM): $(wc -l <"$dir/tests.list") tests"
	fi
	# shellcheck disable=SC2206
	qemu+=(${QEMU_EXTRA:-})

	log "QEMU timeout ${timeout}s; console: $console"
	set +e
	timeout -s KILL "$timeout" "${qemu[@]}" </dev/null >"$dir/qemu.out" 2>&1
	qrc=$?
	set -e
	[ $qrc -eq 137 ] && log "QEMU killed after ${timeout}s"
	[ $qrc -ne 0 ] && [ $qrc -ne 137 ] && { log "QEMU exited $qrc:"; cat "$dir/qemu.out" >&2; }
	echo "== $mode machine =="
	EXPECT_RMM=$expect "$TOP/scripts/tap-summary.sh" "$results" "$console" | tee "$dir/summary"
}

P=0 F=0 S=0
add() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1/summary" | tail -1)
	[ -n "$line" ] || { F=$((F + 1)); return; }
	set -- $line
	P=$((P + $1)) F=$((F + $3)) S=$((S + $5))
}

plain_lists=()
[ "$NO_RMM_TESTS_LIST" = none ] || plain_lists+=("$NO_RMM_TESTS_LIST")
if [ "$RME_FIRMWARE" != none ]; then
	boot rme "$RUNDIR/rme" "$TESTS_LIST" || true
	add "$RUNDIR/rme"
else
	plain_lists=("$TESTS_LIST" "${plain_lists[@]}")
fi
if [ ${#plain_lists[@]} -gt 0 ]; then
	boot plain "$RUNDIR/plain" "${plain_lists[@]}" || true
	add "$RUNDIR/plain"
fi
echo
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]

