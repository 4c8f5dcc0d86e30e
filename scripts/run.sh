#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The two jobs the README names:
#
#   run.sh test    install what is missing, apply, build, boot, run the tests
#   run.sh check   all of that, plus checkpatch, bisect build, sparse, b4
#                  and the rig's own tests
#   run.sh debug   install, apply, build the selftests and the debug host
#                  kernel (KASAN, lockdep, kmemleak, ...), boot it and run
#                  the tests: any kernel report fails the run
#
# Prints each stage's duration, and last "N passed, N failed, N skipped"
# over everything that ran. Exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

job=${1:-test}
case $job in test | check | debug) ;; *) die "usage: run.sh test|check|debug" ;; esac

mkdir -p "$CACHE"
: >"$CACHE/stages.log"
P=0 F=0 S=0
t_start=$(date +%s)

# A stage that is one check: counts as one pass or one failure.
one() {
	if stage "$@"; then P=$((P + 1)); else F=$((F + 1)); fi
}
# A stage that prints its own "N passed, N failed, N skipped": add it up.
counted() {
	local name=$1 out=$CACHE/$1.out rc
	shift
	stage "$name" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
	if [ -n "$line" ]; then
		set -- $line
		P=$((P + $1)) F=$((F + $3)) S=$((S + $5))
		[ "$rc" -ne 0 ] && [ "$3" -eq 0 ] && F=$((F + 1))
	else
		F=$((F + 1))
	fi
	return 0
}
finish() {
	echo
	echo "stage durations:"
	cat "$CACHE/stages.log"
	printf 'total %ds\n' $(($(date +%s) - t_start))
	echo "$P passed, $F failed, $S skipped"
	[ "$F" -eq 0 ]
	exit
}

stage deps "$TOP/scripts/deps.sh" || { F=$((F + 1)); finish; }
stage apply "$TOP/scripts/apply.sh" || { F=$((F + 1)); finish; }
if [ "$job" = check ]; then
	one checkpatch "$TOP/scripts/check.sh" checkpatch
	one b4 "$TOP/scripts/check.sh" b4
	# The bisect build ends at the tip, so it also warms the build of
	# the tip: on a fresh tree the first commit that touches the kernel
	# is the one full build of the run.
	one bisect "$TOP/scripts/check.sh" bisect
fi
if [ "$job" = debug ]; then
	stage build "$TOP/scripts/build.sh" selftests || { F=$((F + 1)); finish; }
	stage debug-build env RIG_DEBUG=1 "$TOP/scripts/build.sh" kernel ||
		{ F=$((F + 1)); finish; }
	counted debug-test env RIG_DEBUG=1 "$TOP/scripts/test.sh"
	finish
fi
stage build "$TOP/scripts/build.sh" all || { F=$((F + 1)); finish; }
counted test "$TOP/scripts/test.sh"
if [ "$job" = check ]; then
	one sparse "$TOP/scripts/check.sh" sparse
	# sparse may have visited the base (when scripts/sparse-base.txt is
	# stale): the rig's self-tests build from the tip.
	stage rebuild "$TOP/scripts/build.sh" all || F=$((F + 1))
	counted rigtest "$TOP/scripts/rigtest.sh"
fi
finish
