#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply the series onto the base: branch "series" of $KTREE becomes
# base + `git am` of every patch named in ./series.
#
# Refuses to throw away commits on "series" that are not in patches/
# (export them first, or pass --force).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

force=0
[ "${1:-}" = --force ] && force=1

"$TOP/scripts/base.sh"
cd "$KTREE"

git am --abort >/dev/null 2>&1 || true
if [ $force -eq 0 ] && git rev-parse -q --verify refs/heads/$SERIES_BRANCH >/dev/null; then
	# Unexported work: commits on series whose patch-id is not in patches/.
	ids=$(series_files | xargs -r cat | git patch-id --stable | cut -d' ' -f1 | sort)
	for c in $(git rev-list --no-merges "base..$SERIES_BRANCH"); do
		id=$(git show "$c" | git patch-id --stable | cut -d' ' -f1)
		[ -z "$id" ] && continue
		echo "$ids" | grep -qx "$id" ||
			die "branch series has commit $(git log -1 --format='%h %s' "$c") that is not in patches/: run scripts/export.sh first, or apply.sh --force"
	done
fi
[ -z "$(git status --porcelain --untracked-files=no)" ] || {
	[ $force -eq 1 ] || die "$KTREE has uncommitted changes (apply.sh --force discards them)"
}

# Already applied (same patches, same order, clean tree): keep the tree as
# it is, so that the warm build stays warm.
if [ $force -eq 0 ] && git rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null &&
	[ "$(git symbolic-ref -q --short HEAD)" = "$SERIES_BRANCH" ]; then
	# What export would write from the branch, against what is in patches/.
	tmp=$(mktemp -d)
	git format-patch -q --zero-commit --no-signature --cover-letter \
		--subject-prefix=PATCH -o "$tmp" "base..$SERIES_BRANCH"
	rm -f "$tmp/0000-cover-letter.patch"
	want=$(series_files | xargs -r cat | sha256sum)
	have=$( { cat "$tmp"/*.patch 2>/dev/null || true; } | sha256sum)
	rm -rf "$tmp"
	if [ "$want" = "$have" ]; then
		log "series already applied: $KTREE branch $SERIES_BRANCH at $(git log -1 --format=%h)"
		exit 0
	fi
fi

git checkout -q -f -B "$SERIES_BRANCH" base
n=0
for p in $(series_files); do
	[ -f "$p" ] || die "series names $(basename "$p"), which is not in patches/"
	if ! git am -q --keep-cr "$p" >"$CACHE/am.log" 2>&1; then
		cat "$CACHE/am.log" >&2
		git am --abort >/dev/null 2>&1 || true
		die "patch $(basename "$p") does not apply (after $n applied)"
	fi
	n=$((n + 1))
done
log "applied $n patches: $KTREE branch $SERIES_BRANCH at $(git log -1 --format=%h)"
