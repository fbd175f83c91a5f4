#!/usr/bin/env bash
# `npm test`: installs the real tools the tests drive when missing, type-checks, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
npx tsc --noEmit
npx vitest run "$@"
