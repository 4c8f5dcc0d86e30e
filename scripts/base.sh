#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the kernel git tree the series applies to, once, in $KTREE.
#
# Sources, first that applies:
#  - KSRC: a user's own mainline git tree; its tag v7.3 is the base.
#  - ../shared/base/: Debian's linux-source-7.3 package, checksummed.
#  - Debian's archive (trixie-backports), mirror from the apt config.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if ktree_git rev-parse -q --verify "$(base_rev)^{commit}" >/dev/null 2>&1; then
	log "base tree ready: $KTREE ($(base_rev))"
	exit 0
fi

mkdir -p "$CACHE"

if [ -n "${KSRC:-}" ]; then
	git -C "$KSRC" rev-parse -q --verify 'v7.3^{commit}' >/dev/null ||
		die "KSRC=$KSRC has no tag v7.3"
	log "cloning v7.3 from $KSRC"
	rm -rf "$KTREE"
	git clone -q --shared --no-checkout "$KSRC" "$KTREE"
	ktree_git branch base v7.3
	ktree_git checkout -q -b series base
	exit 0
fi

deb=$SHARED/base/$BASE_DEB_NAME
if [ -f "$deb" ]; then
	(cd "$SHARED/base" && sha256sum --quiet -c SHA256SUMS) ||
		die "$deb does not match SHA256SUMS"
else
	log "no $deb: downloading linux-source-7.3=$BASE_DEB_VERSION"
	mkdir -p "$CACHE/deb"
	grep -rqs 'trixie-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
		"$TOP/scripts/deps.sh" --add-suite trixie-backports
	(cd "$CACHE/deb" && apt-get download "linux-source-7.3=$BASE_DEB_VERSION")
	deb=$(ls "$CACHE"/deb/linux-source-7.3_*.deb)
fi

tmp=$CACHE/base-unpack
rm -rf "$tmp" "$KTREE"
mkdir -p "$tmp"
log "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/linux-source-7.3.tar.xz
tar -xf "$tmp/usr/src/linux-source-7.3.tar.xz" -C "$tmp"
mv "$tmp/linux-source-7.3" "$KTREE"
rm -rf "$tmp"

# Debian's .gitignore ends by ignoring every top-level entry (its packaging
# repository carries only debian/). Drop that block so that new files in the
# tree can be added; the patches never touch .gitignore.
sed -i '/^# Debian packaging: ignore everything at the top level/,$d' "$KTREE/.gitignore"
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$KTREE/.gitignore"
sed -i '$ { /^#$/d }' "$KTREE/.gitignore"

log "committing the base tree"
cd "$KTREE"
git init -q -b base
export GIT_AUTHOR_NAME=base GIT_AUTHOR_EMAIL=base@localhost
export GIT_COMMITTER_NAME=base GIT_COMMITTER_EMAIL=base@localhost
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git add -f -A
git commit -q -m "Linux 7.3.4 (Debian linux-source-7.3 $BASE_DEB_VERSION)"
git checkout -q -b series
git tag -f v7.3-base >/dev/null
log "base tree ready: $KTREE"
