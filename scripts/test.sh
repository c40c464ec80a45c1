#!/usr/bin/env bash
# `npm test`: sets up what the tests need on a fresh machine, checks format and types, runs every
# test (native ones on virtual displays included), and ends with the line CI counts:
# `tests: N passed, N failed[, N skipped]`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh || exit 1

status=0
echo "== format (prettier --check)"
npx prettier --check . --log-level warn || status=1
echo "== types (tsc --noEmit)"
npx tsc -p . || status=1

report=$(mktemp -t deskpilot-vitest-XXXXXX.json)
echo "== tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=1

node scripts/test-summary.mjs "$report" || status=1
rm -f "$report"
exit $status
