#!/bin/sh
# `npm test`: build + every test, and the format and lint checks beside them. Formatting and lint
# need no build, so they run at the same time as tsc and mocha, at a lower priority (nice) so the
# tests' timing is disturbed as little as possible; their output is printed after mocha's. mocha
# runs its files in two worker processes (.mocharc.parallel.cjs). Exits non-zero if any part fails.
# format:check keeps prettier's cache (node_modules/.cache/prettier, by content); lint keeps none:
# its type-aware rules read other files' types, which a per-file cache would not notice change.
set -u
lint_log=$(mktemp)
trap 'rm -f "$lint_log"' EXIT

(nice -n 10 npm run -s format:check && nice -n 10 npm run -s lint) >"$lint_log" 2>&1 &
lint=$!

tsc -p tsconfig.json && mocha --config .mocharc.parallel.cjs
tests=$?

wait "$lint"
lint_status=$?
cat "$lint_log"
if [ "$lint_status" -ne 0 ]; then echo 'npm test: prettier --check or eslint failed (output above)' >&2; fi
[ "$tests" -eq 0 ] && [ "$lint_status" -eq 0 ]
