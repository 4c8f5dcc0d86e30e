#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Summarise the results the test initramfs wrote (see selftests/init).
#
#   tap-summary.sh RESULTS.log [CONSOLE.log]
#
# Counts the top-level TAP results of every test program ("ok", "not ok",
# "# SKIP"); a program that exits with a failure but printed no failing
# result, or printed no TAP at all, counts by its exit code (0 pass, 4 skip).
# A program that plans no test ("1..0") and does not say it skipped fails.
# Kernel warnings, BUGs and oopses seen during the run count as failures.
# Every SKIP is listed with its reason.
#
# The host's boot log says whether it found and activated an RMM. A SKIP
# that contradicts it counts as a failure: "no RMM" on a host that activated
# one, "an RMM is present" on a host that has none. EXPECT_RMM=1 (or 0)
# also fails the run when the host did not (or did) activate an RMM.
set -uo pipefail

results=$1
console=${2:-}

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
# KNOWN_WARNINGS: a file of extended regular expressions, one per line (#
# for comments), for kernel warnings the base kernel makes itself: they are
# listed apart and not counted, nor the call trace line after each.
known=
if [ -n "${KNOWN_WARNINGS:-}" ] && [ -f "$KNOWN_WARNINGS" ]; then
	known=$(grep -v -e '^#' -e '^[[:space:]]*$' "$KNOWN_WARNINGS" | paste -sd'|')
fi

awk -v console="$console" -v expect="${EXPECT_RMM:-}" -v known="$known" '
# A SKIP line: listed with its test; a failure when it contradicts the host.
function skipped(line) {
	if (host == "rmm" && line ~ /no RMM/) {
		nf++; fl[++nfl] = line "  <- the host activated an RMM"
		return
	}
	if (host == "none" && line ~ /an RMM is present/) {
		nf++; fl[++nfl] = line "  <- the host has no RMM"
		return
	}
	ns++; sl[++nsl] = line
}
function finish(   r) {
	if (name == "")
		return
	if (rc == "")
		rc = "killed"
	if (np + nf + ns == 0) {
		if (rc == 0) np = 1
		else if (rc == 4) ns = 1
		else nf = 1
	} else if (rc != 0 && rc != 4 && nf == 0) {
		nf = 1
	}
	r = nf ? "FAIL" : (np ? "PASS" : "SKIP")
	printf "%-4s %-40s %6ss  %d passed, %d failed, %d skipped%s\n", r, name, secs, np, nf, ns, \
		(rc != 0 && rc != 4) ? "  (exit " rc ")" : ""
	for (i = 1; i <= nfl; i++)
		printf "       %s\n", fl[i]
	for (i = 1; i <= nsl; i++)
		printf "       skip: %s\n", sl[i]
	P += np; F += nf; S += ns
	name = ""
}
{ sub(/\r$/, "") }
/^RIG-BEGIN/ { begun = 1 }
/^RIG-START / { finish(); name = $2; rc = ""; secs = "?"; np = nf = ns = nfl = nsl = 0; next }
/^RIG-RC / { rc = $2; next }
/^RIG-END / { secs = $3; finish(); next }
/^RIG-RESULT / { name = $2; rc = $3; secs = $4; np = nf = ns = nfl = nsl = 0; finish(); next }
/^RIG-DMESG .*RMI: using RMI .*RMM activated/ { host = "rmm" }
/^RIG-DMESG .*RMI: .*Realms not available/ { host = "none" }
/^RIG-DMESG .*(RMI|RMM|[Rr]ealm)/ { sub(/^RIG-DMESG \[[ 0-9.]*\] /, ""); print "host: " $0; next }
/^RIG-KERNEL / {
	sub(/^RIG-KERNEL /, "")
	if (known != "" && $0 ~ known) { kn[++nkn] = $0; after_known = 1; next }
	if (after_known && $0 ~ /Call trace:/) { after_known = 0; next }
	after_known = 0
	kern[++nk] = $0
	next
}
/^RIG-DONE/ { done = 1; next }
name != "" && /^ok [0-9]+/ {
	if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skipped($0); else np++
	next
}
name != "" && /^1\.\.0 .*# *[Ss][Kk][Ii][Pp]/ { skipped($0); next }
# A plan of no test that is no SKIP: a filter that matches nothing
name != "" && /^1\.\.0[[:space:]]*$/ {
	nf++; fl[++nfl] = "1..0: the program ran no test (does a filter of the tests list match none?)"
	next
}
name != "" && /^not ok [0-9]+/ {
	if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) { skipped($0); next }
	nf++; fl[++nfl] = $0
	next
}
END {
	finish()
	if (!begun) {
		print "FAIL the kernel never reached the tests"
		F++
	} else if (!done) {
		print "FAIL the run stopped before its end (crash, hang or timeout)"
		F++
	}
	if (begun && expect == "1" && host != "rmm") {
		print "FAIL the host was booted with an RMM but did not activate it"
		F++
	} else if (begun && expect == "0" && host == "rmm") {
		print "FAIL the host was booted without an RMM but says it activated one"
		F++
	}
	for (i = 1; i <= nkn; i++) {
		if (i == 1) print "known warnings of the base kernel, not counted:"
		print "       " kn[i]
	}
	for (i = 1; i <= nk; i++) {
		if (i == 1) print "FAIL kernel reported warnings during the run:"
		print "       " kern[i]
	}
	if (nk) F++
	if (F && console != "")
		print "console log: " console
	printf "%d passed, %d failed, %d skipped\n", P, F, S
	exit F ? 1 : 0
}' "$results" >"$summary"
rc=$?
if [ $rc -ne 0 ] && [ -n "$console" ] && [ -f "$console" ]; then
	echo "--- last lines of the console log ---"
	tail -n 30 "$console"
	echo "---"
fi
cat "$summary"
exit $rc
