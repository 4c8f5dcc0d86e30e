#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Review checks on the applied series (branch "series" of $KTREE):
#
#   check.sh [checkpatch|bisect|sparse|b4|all]     (default: all)
#
#  checkpatch  checkpatch.pl --strict on every patch file: no error, warning
#              or check, but for the exceptions in scripts/checkpatch.exceptions
#  bisect      every commit builds on its own (incremental, CONFIG_WERROR): the
#              kernel when it touches the kernel, the KVM selftests when it
#              touches them
#  sparse      C=2 on the kernel .c files the series touches: no sparse
#              warning that the base does not already have
#  b4          the series as one mbox, as it would be mailed, goes through
#              `b4 am` and the result applies onto the base
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
fail=0
mkdir -p "$CACHE/check"

check_checkpatch() {
	local p ign bad=0 out
	for p in $(series_files); do
		ign=$(awk -v f="$(basename "$p")" '!/^#/ && NF >= 2 && f ~ "^" $1 "$" {print $2}' \
			"$TOP/scripts/checkpatch.exceptions" | paste -sd, -)
		# PATH: spdxcheck.py needs the python3 that has Debian's ply and git.
		if ! out=$(cd "$KTREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --show-types \
			--color=never ${ign:+--ignore "$ign"} "$p" 2>&1); then
			echo "$out" | grep -E '^(ERROR|WARNING|CHECK|total)' | sed "s#^#$(basename "$p"): #"
			echo "checkpatch: $(basename "$p") is not clean"
			bad=1
		fi
	done
	[ $bad -eq 0 ] && log "checkpatch: $(series_files | wc -l) patches clean"
	return $bad
}

# Paths a commit touches, and whether they are kernel or selftest paths.
touches_kernel() {
	git -C "$KTREE" diff-tree --no-commit-id --name-only -r "$1" |
		grep -qvE '^(tools/|Documentation/|MAINTAINERS$)'
}
touches_selftests() {
	git -C "$KTREE" diff-tree --no-commit-id --name-only -r "$1" |
		grep -qE '^tools/(testing/selftests/kvm|include|arch/arm64)/'
}

# bisect and sparse move the tree's HEAD: put it back on any exit.
restore_series() {
	[ "$(git -C "$KTREE" symbolic-ref -q --short HEAD)" = "$SERIES_BRANCH" ] ||
		git -C "$KTREE" checkout -q "$SERIES_BRANCH"
}
trap restore_series EXIT

check_bisect() {
	local c n=0 bad=0 log_f=$CACHE/check/bisect.log
	[ -z "$(git -C "$KTREE" status --porcelain --untracked-files=no)" ] ||
		die "$KTREE has uncommitted changes"
	: >"$log_f"
	for c in $(git -C "$KTREE" rev-list --reverse "base..$SERIES_BRANCH"); do
		n=$((n + 1))
		git -C "$KTREE" checkout -q "$c"
		local subj
		subj=$(git -C "$KTREE" log -1 --format='%h %s' "$c")
		if touches_kernel "$c" &&
			! "$TOP/scripts/build.sh" kernel >>"$log_f" 2>&1; then
			echo "bisect: patch $n ($subj) does not build: kernel"
			bad=1
			break
		fi
		if touches_selftests "$c" &&
			! SELFTESTS=all "$TOP/scripts/build.sh" selftests >>"$log_f" 2>&1; then
			echo "bisect: patch $n ($subj) does not build: KVM selftests"
			bad=1
			break
		fi
		log "bisect: patch $n builds ($subj)"
	done
	if [ $bad -ne 0 ]; then
		grep -E 'error|Error' "$log_f" | head -20
	fi
	return $bad
}

# Kernel C files the series touches that a build of our config compiles.
sparse_files() {
	git -C "$KTREE" diff --name-only --diff-filter=AM base "$SERIES_BRANCH" -- '*.c' |
		grep -vE '^(tools|Documentation|scripts)/' |
		while read -r f; do
			[ -f "$KBUILD/${f%.c}.o" ] && echo "$f"
		done
}

# Debian 12's sparse 0.6.4 predates __typeof_unqual__, which v7.3 uses and
# which the kernel's checker-valid.sh probes for: without help the build
# turns C=2 off with a warning and checks nothing. Reading it as __typeof__
# only loses the dropping of qualifiers, and any warning that causes is in
# the base too, so it does not count.
SPARSE_CHECK=${SPARSE_CHECK:-sparse -D__typeof_unqual__=__typeof__}

sparse_run() {
	local out=$1 f log
	shift
	: >"$out"
	for f in "$@"; do
		log=$(make -s -C "$KTREE" O="$KBUILD" -j"$JOBS" C=2 CHECK="$SPARSE_CHECK" \
			"${f%.c}.o" 2>&1) || true
		if echo "$log" | grep -q 'is not available or not up to date'; then
			echo "sparse: the kernel refuses $SPARSE_CHECK: nothing was checked" >&2
			return 1
		fi
		# Only what is reported in files the series touches counts:
		# building a file's prerequisites (the vDSO) reports others.
		echo "$log" | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' |
			sed -E -e "s#^$KTREE/##" -e 's/^([^:]+):[0-9]+:[0-9]+:/\1:/' |
			grep -F -f "$CACHE/check/touched" >>"$out" || true
	done
	sort -o "$out" "$out"
}

# What the base's warnings depend on: the base tree, the files, the config
# fragment and sparse itself.
sparse_base_key() {
	{
		git -C "$KTREE" rev-parse 'base^{tree}'
		printf '%s\n' "$@"
		cat "$TOP/selftests/kvm-host.config"
		$SPARSE_CHECK --version 2>&1
	} | sha256sum | cut -d' ' -f1
}

# The base's warnings in the files: from scripts/sparse-base.txt when its key
# matches, or else by checking the base out and running sparse there, which
# costs a rebuild of the tip afterwards. SPARSE_BASE_UPDATE=1 writes the
# result back to scripts/sparse-base.txt.
SPARSE_BASE_FILE=$TOP/scripts/sparse-base.txt
sparse_base() {
	local key f existing=()
	key=$(sparse_base_key "$@")
	if [ -f "$SPARSE_BASE_FILE" ] && [ "${SPARSE_BASE_UPDATE:-0}" != 1 ] &&
		grep -qxF "# key: $key" "$SPARSE_BASE_FILE"; then
		grep -v '^#' "$SPARSE_BASE_FILE" >"$CACHE/check/sparse.base" || true
		log "sparse: base warnings from $(basename "$SPARSE_BASE_FILE") (key matches)"
		return 0
	fi
	git -C "$KTREE" checkout -q base
	for f in "$@"; do
		[ -f "$KTREE/$f" ] && existing+=("$f")
	done
	sparse_run "$CACHE/check/sparse.base" "${existing[@]}" || return 1
	git -C "$KTREE" checkout -q "$SERIES_BRANCH"
	{
		echo "# sparse warnings of the base in the kernel C files the series touches"
		echo "# (scripts/check.sh sparse; SPARSE_BASE_UPDATE=1 rewrites this file)"
		echo "# key: $key"
		cat "$CACHE/check/sparse.base"
	} >"$CACHE/check/sparse-base.txt"
	if [ "${SPARSE_BASE_UPDATE:-0}" = 1 ]; then
		cp "$CACHE/check/sparse-base.txt" "$SPARSE_BASE_FILE"
		log "sparse: wrote $(basename "$SPARSE_BASE_FILE")"
	else
		log "sparse: $(basename "$SPARSE_BASE_FILE") does not match: base checked out and checked"
	fi
}

check_sparse() {
	local files
	command -v sparse >/dev/null || die "sparse is not installed"
	mapfile -t files < <(sparse_files)
	if [ ${#files[@]} -eq 0 ]; then
		log "sparse: the series touches no kernel C file"
		return 0
	fi
	git -C "$KTREE" diff --name-only base "$SERIES_BRANCH" | sed 's/$/:/' >"$CACHE/check/touched"
	sparse_base "${files[@]}" || return 1
	sparse_run "$CACHE/check/sparse.series" "${files[@]}" || return 1
	local new
	new=$(comm -13 "$CACHE/check/sparse.base" "$CACHE/check/sparse.series")
	if [ -n "$new" ]; then
		echo "$new" | sed 's/^/sparse: new: /'
		return 1
	fi
	log "sparse: ${#files[@]} files, no new warning"
}

# The series as it would be mailed: one thread, cover letter first.
make_mbox() {
	local out=$1 p i=0 root
	root="<rig-series-0@localhost>"
	: >"$out"
	for p in "$PATCHES_DIR/0000-cover-letter.patch" $(series_files); do
		# Headers unfolded: b4 0.12 cannot copy a folded From: header.
		awk -v id="<rig-series-$i@localhost>" -v root="$root" -v i="$i" '
			hdr_done { print; next }
			/^[ \t]/ { held = held " " substr($0, 2); next }
			{ if (held != "") print held; held = "" }
			/^$/ {
				print "Message-ID: " id
				if (i > 0) { print "In-Reply-To: " root; print "References: " root }
				print
				hdr_done = 1
				next
			}
			{ held = $0 }' "$p" >>"$out"
		i=$((i + 1))
	done
}

check_b4() {
	local d=$CACHE/check/b4 out
	rm -rf "$d"
	mkdir -p "$d/out"
	make_mbox "$d/series.mbox"
	if ! out=$(b4 -q am -C -m "$d/series.mbox" -o "$d/out" -n series "<rig-series-0@localhost>" 2>&1); then
		echo "$out"
		echo "b4: b4 am failed"
		return 1
	fi
	local n_expect n_got
	n_expect=$(series_files | wc -l)
	n_got=$(grep -c '^Subject: \[PATCH' "$d/out/series.mbx" || true)
	if [ "$n_got" -ne "$n_expect" ]; then
		echo "$out"
		echo "b4: b4 am gave $n_got patches, the series has $n_expect"
		return 1
	fi
	# Apply b4's mbox onto the base in a scratch index (no checkout needed):
	# each message in turn, as git am would, then compare the trees.
	mkdir -p "$d/split"
	git mailsplit -o"$d/split" "$d/out/series.mbx" >/dev/null
	local m tree
	(
		export GIT_INDEX_FILE=$d/index
		git -C "$KTREE" read-tree base
		for m in "$d"/split/*; do
			git -C "$KTREE" mailinfo "$d/msg" "$d/patch" <"$m" >/dev/null &&
				git -C "$KTREE" apply --cached "$d/patch" ||
				{ echo "b4: message $(basename "$m") of b4's mbox does not apply onto the base"; exit 1; }
		done
		git -C "$KTREE" write-tree >"$d/tree-id"
	) || return 1
	tree=$(cat "$d/tree-id")
	if [ "$tree" != "$(git -C "$KTREE" rev-parse "$SERIES_BRANCH^{tree}")" ]; then
		echo "b4: the tree b4's mbox gives differs from branch $SERIES_BRANCH"
		return 1
	fi
	log "b4: $n_got patches through b4 am apply onto the base"
}

run() {
	if ! "check_$1"; then
		echo "check $1: FAILED"
		fail=1
	fi
}

case $what in
checkpatch | bisect | sparse | b4) run "$what" ;;
all)
	run checkpatch
	run b4
	run bisect
	run sparse
	;;
*) die "usage: check.sh [checkpatch|bisect|sparse|b4|all]" ;;
esac
exit $fail
