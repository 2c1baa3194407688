#!/usr/bin/env bash
# Makes a fresh clone ready to run: pnpm (the version package.json pins), dependencies, a build.
# Idempotent and quick when already done; every README command calls it first.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing pnpm $want with npm" >&2
  npm install --global --no-fund --no-audit "pnpm@$want" >&2
fi

# A CI machine has no TTY: --frozen-lockfile keeps the install exactly what was committed.
pnpm install --frozen-lockfile --reporter=silent >&2
pnpm exec tsc -b >&2
