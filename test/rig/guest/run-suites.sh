#!/bin/sh
# Runs device suites one after another in this guest, each in its own node process with its own time
# limit, between marker lines that the host's device-test runner parses (suite-results.mjs).
# Usage: run-suites.sh SECONDS_PER_SUITE SUITE...
limit=$1
shift
for suite in "$@"; do
	echo "=== rig suite $suite"
	timeout --kill-after=5 "$limit" node "$suite"
	echo "=== rig suite $suite exit $?"
done
