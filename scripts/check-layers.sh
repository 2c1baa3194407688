#!/usr/bin/env bash
# The layering check, both passes: the layer rules over every package's src and test
# (.dependency-cruiser.cjs), then run-time import cycles in src (.dependency-cruiser.cycles.cjs).
# The unit tier (scripts/run-tests.mjs) and `pnpm check:layers` both run this; both passes run even
# when the first fails, so one run shows every violation. The shell expands the globs: a quoted glob
# makes dependency-cruiser search from the root, through node_modules.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
status=0
pnpm exec depcruise -c .dependency-cruiser.cjs packages/*/src packages/*/test || status=1
pnpm exec depcruise -c .dependency-cruiser.cycles.cjs packages/*/src || status=1
exit "$status"
