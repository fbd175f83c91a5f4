#!/usr/bin/env bash
# `npm test`: installs the real tools the tests drive when missing, type-checks, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
npx tsc --noEmit
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# One plain closing line for CI logs: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
