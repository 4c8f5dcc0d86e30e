# SPDX-License-Identifier: GPL-2.0
# Shortcuts for the scripts in scripts/ (see README.md).

.PHONY: test check deps base apply export build checkpatch bisect sparse b4 \
	boot rigtest clean

test:
	./scripts/run.sh test
check:
	./scripts/run.sh check
deps:
	./scripts/deps.sh
base:
	./scripts/base.sh
apply:
	./scripts/apply.sh
export:
	./scripts/export.sh
build:
	./scripts/build.sh all
checkpatch bisect sparse b4:
	./scripts/check.sh $@
boot:
	./scripts/test.sh
rigtest:
	./scripts/rigtest.sh
clean:
	rm -rf .cache/build .cache/build-rme .cache/run .cache/check .cache/rigtest
