#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The rig tests itself: each case feeds a scripts/ job a known fault and
# checks that the job fails and names the cause. Prints TAP, then
# "N passed, N failed, N skipped".
#
# Uses the kernel tree and the warm build; leaves both on branch "series"
# (the next build recompiles the one file a case touched).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

W=$CACHE/rigtest
rm -rf "$W"
mkdir -p "$W"
n=0 P=0 F=0

cleanup() {
	git -C "$KTREE" am --abort >/dev/null 2>&1
	git -C "$KTREE" checkout -q -f series 2>/dev/null
	git -C "$KTREE" branch -q -D rigtest 2>/dev/null
	true
}
trap cleanup EXIT

# result NAME STATUS: one TAP line.
result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n $1"
		P=$((P + 1))
	else
		echo "not ok $n $1"
		F=$((F + 1))
	fi
}

# expect_fail NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_fail() {
	local name=$1 pat=$2 out=$W/$1.log
	shift 2
	if "$@" >"$out" 2>&1; then
		echo "# $name: the job passed; it should have failed"
		result "$name" 1
	elif ! grep -qE -- "$pat" "$out"; then
		echo "# $name: the job failed without naming the cause /$pat/:"
		tail -n 5 "$out" | sed 's/^/#   /'
		result "$name" 1
	else
		result "$name" 0
	fi
}

# commit PARENT FILE SED-EXPR SUBJECT: a commit on PARENT that edits FILE
# with sed, made without touching any work tree. Prints its id.
commit() {
	local parent=$1 file=$2 expr=$3 subject=$4 blob tree
	blob=$(git -C "$KTREE" show "$parent:$file" | sed "$expr" |
		git -C "$KTREE" hash-object -w --stdin)
	tree=$(export GIT_INDEX_FILE=$W/index
		git -C "$KTREE" read-tree "$parent" &&
		git -C "$KTREE" update-index --cacheinfo "100644,$blob,$file" &&
		git -C "$KTREE" write-tree)
	printf '%s\n\n%s\n\nSigned-off-by: %s <%s>\n' "$subject" \
		"A fault the rig must catch; never part of the series." \
		"$(git config user.name)" "$(git config user.email)" |
		git -C "$KTREE" commit-tree "$tree" -p "$parent"
}

# series_of NAME COMMIT...: patches/ and series for those commits, in $W/NAME.
series_of() {
	local d=$W/$1 last
	shift
	mkdir -p "$d/patches"
	last=${!#}
	git -C "$KTREE" format-patch -q --zero-commit -o "$d/patches" "base..$last"
	(cd "$d/patches" && ls) >"$d/series"
	echo "$d"
}

with_series() {
	local d=$1
	shift
	PATCHES_DIR=$d/patches SERIES_FILE=$d/series SERIES_BRANCH=rigtest "$@"
}

echo "TAP version 13"
file=arch/arm64/kvm/reset.c

# 1. A patch that does not apply: its context is not in the base.
c1=$(commit base "$file" '1s/^/\/\/ rig: line one\n/' "KVM: arm64: rig fault: context")
c2=$(commit "$c1" "$file" 's/^\/\/ rig: line one$/\/\/ rig: line two/' "KVM: arm64: rig fault: needs the previous patch")
d=$(series_of noapply "$c2")
sed -i '1d' "$d/series"
expect_fail apply-names-patch-that-does-not-apply \
	"patch 0002-KVM-arm64-rig-fault-needs-the-previous-patch.patch does not apply" \
	with_series "$d" "$TOP/scripts/apply.sh" --force

# 1b. A fresh tree: the branch exists, checked out, with no commit yet.
d=$(series_of fresh "$c1")
git -C "$KTREE" checkout -q -f -B rigtest base
if with_series "$d" "$TOP/scripts/apply.sh" >"$W/fresh.log" 2>&1 &&
	[ "$(git -C "$KTREE" rev-list --count base..rigtest)" -eq 1 ]; then
	result apply-onto-fresh-branch 0
else
	sed 's/^/# /' "$W/fresh.log"
	result apply-onto-fresh-branch 1
fi
cleanup

# 2. A checkpatch error (trailing white space) in the second patch.
c1=$(commit base "$file" '$s/$/\n\/* rig: clean *\//' "KVM: arm64: rig fault: clean patch")
c2=$(commit "$c1" "$file" '$s/$/   /' "KVM: arm64: rig fault: trailing white space")
d=$(series_of checkpatch "$c2")
expect_fail checkpatch-names-patch \
	"0002-KVM-arm64-rig-fault-trailing-white-space.patch is not clean" \
	with_series "$d" "$TOP/scripts/check.sh" checkpatch

# 3. A patch that does not build alone: it uses what the next one defines.
c1=$(commit base "$file" 's/^void kvm_reset_vcpu(struct kvm_vcpu \*vcpu)$/static int __maybe_unused rig_use(void) { return RIG_DEFINED_LATER; }\n&/' \
	"KVM: arm64: rig fault: use before definition")
c2=$(commit "$c1" "$file" '1s/^/#define RIG_DEFINED_LATER 0\n/' "KVM: arm64: rig fault: definition")
d=$(series_of bisect "$c2")
if with_series "$d" "$TOP/scripts/apply.sh" --force >"$W/bisect-apply.log" 2>&1; then
	expect_fail bisect-names-patch-that-does-not-build \
		"patch 1 \([0-9a-f]+ KVM: arm64: rig fault: use before definition\) does not build" \
		with_series "$d" "$TOP/scripts/check.sh" bisect
else
	cat "$W/bisect-apply.log" | sed 's/^/# /'
	result bisect-names-patch-that-does-not-build 1
fi
cleanup

# 4. A sparse warning that the base does not have.
c1=$(commit base "$file" '$s/$/\nint rig_sparse_probe;/' "KVM: arm64: rig fault: sparse warning")
d=$(series_of sparse "$c1")
if with_series "$d" "$TOP/scripts/apply.sh" --force >"$W/sparse-apply.log" 2>&1; then
	expect_fail sparse-names-new-warning \
		"sparse: new: arch/arm64/kvm/reset.c: warning: symbol 'rig_sparse_probe' was not declared" \
		with_series "$d" "$TOP/scripts/check.sh" sparse
else
	sed 's/^/# /' "$W/sparse-apply.log"
	result sparse-names-new-warning 1
fi
cleanup

# 5. The test runner: a failing selftest, and a kernel that never boots.
cat >"$W/rig_failing_test.c" <<'C'
#include <stdio.h>
int main(void)
{
	printf("TAP version 13\n1..2\nok 1 fine\nnot ok 2 rig_expected_failure\n");
	return 1;
}
C
mkdir -p "$W/kst"
if "${CROSS_COMPILE}gcc" -static -o "$W/kst/rig_failing_test" "$W/rig_failing_test.c"; then
	echo "rig_failing_test 60" >"$W/tests.list"
	expect_fail runner-names-failing-test \
		"^FAIL +rig_failing_test .*1 passed, 1 failed" \
		env KSELFTEST_DIR="$W/kst" TESTS_LIST="$W/tests.list" RUNDIR="$W/run-fail" \
		RME_FIRMWARE=none NO_RMM_TESTS_LIST=none "$TOP/scripts/test.sh"
else
	result runner-names-failing-test 1
fi
head -c 1M /dev/urandom >"$W/garbage-Image"
expect_fail runner-catches-kernel-that-does-not-boot \
	"FAIL the kernel never reached the tests" \
	env IMAGE="$W/garbage-Image" BOOT_TIMEOUT=20 KSELFTEST_DIR="$W/kst" \
	TESTS_LIST="$W/tests.list" RUNDIR="$W/run-noboot" RME_FIRMWARE=none \
	NO_RMM_TESTS_LIST=none "$TOP/scripts/test.sh"

# 5b. RME firmware from shared/ that does not match its checksum.
mkdir -p "$W/shared/rme"
cp "$SHARED/rme/SHA256SUMS" "$W/shared/rme/"
head -c 4K /dev/urandom >"$W/shared/rme/flash.bin"
expect_fail runner-checks-firmware-checksum "flash.bin does not match .*SHA256SUMS" \
	env SHARED="$W/shared" KSELFTEST_DIR="$W/kst" TESTS_LIST="$W/tests.list" \
	RUNDIR="$W/run-fw" "$TOP/scripts/test.sh"

# 6. The result parser on its own.
summary() { "$TOP/scripts/tap-summary.sh" "$@"; }
printf 'RIG-BEGIN\nRIG-START a\nok 1 x\nok 2 y # SKIP no z\nRIG-RC 0\nRIG-END a 1.0\nRIG-DONE\n' >"$W/r-ok"
out=$(summary "$W/r-ok")
echo "$out" | tail -1 | grep -qx '1 passed, 0 failed, 1 skipped'
result parser-counts-pass-and-skip $?
printf 'RIG-BEGIN\nRIG-START a\nok 1 x\nRIG-RC 0\nRIG-END a 1.0\n' >"$W/r-cut"
expect_fail parser-catches-run-that-stopped "stopped before its end" summary "$W/r-cut"
printf 'RIG-BEGIN\nRIG-START a\nok 1 x\nRIG-RC 0\nRIG-END a 1.0\nRIG-KERNEL WARNING: CPU: 0 PID: 1 at x.c:1\nRIG-DONE\n' >"$W/r-warn"
expect_fail parser-catches-kernel-warning "kernel reported warnings" summary "$W/r-warn"
# A warning the base kernel makes itself is listed, not counted; any other
# still fails the run, its call trace line included.
printf 'RIG-BEGIN\nRIG-START a\nok 1 x\nRIG-RC 0\nRIG-END a 1.0\nRIG-KERNEL [ 1.0] WARNING: arch/arm64/kvm/trace_arm.h:226 at get_timer_map+0x230/0x440\nRIG-KERNEL [ 1.1] Call trace:\nRIG-DONE\n' >"$W/r-known"
out=$(KNOWN_WARNINGS="$TOP/selftests/known-warnings-nohz.txt" summary "$W/r-known")
echo "$out" | tail -1 | grep -qx '1 passed, 0 failed, 0 skipped' &&
	echo "$out" | grep -q 'known warnings of the base kernel'
result parser-lists-known-warnings-apart $?
cat "$W/r-known" >"$W/r-known-new"
printf 'RIG-KERNEL [ 2.0] WARNING: arch/arm64/kernel/rmi_trace.h:26 at __rmi_trace_call+0x134/0x40c\nRIG-KERNEL [ 2.1] Call trace:\nRIG-DONE\n' >>"$W/r-known-new"
expect_fail parser-counts-other-warnings "rmi_trace.h" \
	env KNOWN_WARNINGS="$TOP/selftests/known-warnings-nohz.txt" "$TOP/scripts/tap-summary.sh" "$W/r-known-new"
printf 'RIG-BEGIN\nRIG-START a\nok 1 x\nRIG-RC 1\nRIG-END a 1.0\nRIG-DONE\n' >"$W/r-rc"
expect_fail parser-catches-bad-exit-code "FAIL +a .*\\(exit 1\\)" summary "$W/r-rc"
# A program that ran no test, as a filter that matches nothing makes it
printf 'RIG-BEGIN\nRIG-START a\nTAP version 13\n1..0\n# PASSED: 0 / 0 tests passed.\nRIG-RC 0\nRIG-END a 1.0\nRIG-DONE\n' >"$W/r-none"
expect_fail parser-catches-program-that-ran-no-test "ran no test" summary "$W/r-none"
printf 'RIG-BEGIN\nRIG-START a\nTAP version 13\n1..0 # SKIP no such device\nRIG-RC 4\nRIG-END a 1.0\nRIG-DONE\n' >"$W/r-none-skip"
out=$(summary "$W/r-none-skip")
echo "$out" | tail -1 | grep -qx '0 passed, 0 failed, 1 skipped'
result parser-counts-skipped-program-as-skip $?

# 7. SKIPs and the host's RMM: they must agree.
rmm='RIG-DMESG [    0.1] RMI: using RMI 2.0 (RMM implements up to 2.0), RMM activated with 4KB granules'
normm='RIG-DMESG [    0.1] RMI: FEAT_RME not implemented, Realms not available'
printf 'RIG-BEGIN\n%s\nRIG-START a\nok 1 x # SKIP no RMM: KVM_CAP_ARM_RMI is 0\nRIG-RC 0\nRIG-END a 1.0\nRIG-DONE\n' "$rmm" >"$W/r-skip-rmm"
expect_fail parser-catches-no-rmm-skip-on-rmm-host "the host activated an RMM" summary "$W/r-skip-rmm"
printf 'RIG-BEGIN\n%s\nRIG-START a\nok 1 x # SKIP an RMM is present: KVM_CAP_ARM_RMI is 1\nRIG-RC 0\nRIG-END a 1.0\nRIG-DONE\n' "$normm" >"$W/r-skip-normm"
expect_fail parser-catches-rmm-skip-on-plain-host "the host has no RMM" summary "$W/r-skip-normm"
printf 'RIG-BEGIN\n%s\nRIG-START a\nok 1 x # SKIP no RMM: KVM_CAP_ARM_RMI is 0\nRIG-RC 0\nRIG-END a 1.0\nRIG-DONE\n' "$normm" >"$W/r-skip-ok"
out=$(summary "$W/r-skip-ok")
echo "$out" | grep -q 'skip: ok 1 x # SKIP no RMM' &&
	echo "$out" | tail -1 | grep -qx '0 passed, 0 failed, 1 skipped'
result parser-lists-skip-reasons $?
expect_fail parser-catches-rmm-not-activated "booted with an RMM but did not activate it" \
	env EXPECT_RMM=1 "$TOP/scripts/tap-summary.sh" "$W/r-skip-ok"

echo "1..$n"
echo "$P passed, $F failed, 0 skipped"
[ "$F" -eq 0 ]
