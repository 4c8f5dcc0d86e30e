#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built kernel under QEMU and run the tests in selftests/tests.list.
#
# Prints each test's result and, last, "N passed, N failed, N skipped".
# Exits non-zero on any failure, on a kernel that does not boot, or on a
# run that never reaches the tests. The console log is kept in $RUNDIR.
#
# Inputs (environment):
#   TESTS_LIST    list of tests (default selftests/tests.list)
#   RME_FIRMWARE  a TF-A flash image that carries an RMM: boot a realm-capable
#                 host on QEMU's RME machine. Without it, realm tests SKIP.
#   RME_KERNEL_ADDR  where the firmware expects the kernel (default 0x60000000:
#                 TF-A's qemu platform built with ARM_LINUX_KERNEL_AS_BL33=1
#                 and PRELOADED_BL33_BASE at that address). The Image carries
#                 its initramfs and command line; QEMU makes the DTB.
#   QEMU_EXTRA    more QEMU options
#   BOOT_TIMEOUT  seconds for the whole boot and run (default: sum of the
#                 test timeouts + 300)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TESTS_LIST=${TESTS_LIST:-$TOP/selftests/tests.list}
RUNDIR=$(realpath -m "${RUNDIR:-$CACHE/run}")
image=${IMAGE:-$KBUILD/arch/arm64/boot/Image}
kst=${KSELFTEST_DIR:-$KBUILD/kselftest}

[ -f "$image" ] || die "no kernel image at $image (run scripts/build.sh)"
[ -f "$TESTS_LIST" ] || die "no test list $TESTS_LIST"
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR"

# --- initramfs --------------------------------------------------------------
busybox=$(dpkg -L busybox-static:arm64 2>/dev/null | grep '/bin/busybox$' | head -1)
[ -n "$busybox" ] && file -L "$busybox" | grep -q aarch64 ||
	die "no arm64 busybox (apt-get install busybox-static:arm64)"
root=$RUNDIR/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,kselftest}
cp "$busybox" "$root/bin/busybox"
for a in sh mount umount cat echo grep sed awk cut dmesg timeout poweroff \
	sync uname nproc ls sleep mkdir dirname basename true false tee; do
	ln -sf busybox "$root/bin/$a"
done
cp "$TOP/selftests/init" "$root/init"
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$TESTS_LIST" >"$root/tests.list"
while read -r t _; do
	if [ -f "$kst/$t" ]; then
		mkdir -p "$root/kselftest/$(dirname "$t")"
		cp "$kst/$t" "$root/kselftest/$t"
	else
		log "warning: $t is not built ($kst/$t)"
	fi
done <"$root/tests.list"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$RUNDIR/initramfs.cpio"

# --- QEMU -------------------------------------------------------------------
total=$(awk '{s += $2} END {print s + 0}' "$root/tests.list")
BOOT_TIMEOUT=${BOOT_TIMEOUT:-$((total + 300))}
console=$RUNDIR/console.log
results=$RUNDIR/results.log
: >"$results"

qemu=(qemu-system-aarch64 -nographic -no-reboot -smp 2
	-monitor none -serial "file:$console"
	-device virtio-serial-pci
	-chardev "file,id=results,path=$results" -device virtconsole,chardev=results
	-object memory-backend-ram,id=ivshm,size=1M -device ivshmem-plain,memdev=ivshm)
append="console=ttyAMA0 rdinit=/init panic=-1 loglevel=4"
if [ -n "${RME_FIRMWARE:-}" ]; then
	[ -f "$RME_FIRMWARE" ] || die "RME_FIRMWARE=$RME_FIRMWARE does not exist"
	# The firmware cannot load an initrd for us: rebuild the Image with the
	# initramfs built in, in its own build directory.
	rme_build=${RME_BUILD:-$CACHE/build-rme}
	CMDLINE=$append "$TOP/scripts/build.sh" rme-image "$RUNDIR/initramfs.cpio" "$rme_build"
	qemu+=(-M virt,secure=on,virtualization=on,gic-version=3,acpi=off
		-cpu max,x-rme=on,pauth-impdef=on -m 3G
		-bios "$RME_FIRMWARE" -serial "file:$RUNDIR/secure.log"
		-device "loader,file=$rme_build/arch/arm64/boot/Image,addr=${RME_KERNEL_ADDR:-0x60000000}")
	log "booting an RME host with $(basename "$RME_FIRMWARE")"
else
	qemu+=(-M virt,virtualization=on,gic-version=3 -cpu max -m 2G
		-kernel "$image" -initrd "$RUNDIR/initramfs.cpio" -append "$append")
	log "booting (no RMM: realm tests will SKIP)"
fi
# shellcheck disable=SC2206
qemu+=(${QEMU_EXTRA:-})

log "QEMU timeout ${BOOT_TIMEOUT}s; console: $console"
set +e
timeout -s KILL "$BOOT_TIMEOUT" "${qemu[@]}" </dev/null >"$RUNDIR/qemu.out" 2>&1
qrc=$?
set -e
[ $qrc -eq 137 ] && log "QEMU killed after ${BOOT_TIMEOUT}s"
[ $qrc -ne 0 ] && [ $qrc -ne 137 ] && { log "QEMU exited $qrc:"; cat "$RUNDIR/qemu.out" >&2; }

# --- results ----------------------------------------------------------------
"$TOP/scripts/tap-summary.sh" "$results" "$console"
