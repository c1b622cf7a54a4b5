#!/usr/bin/env bash
# The whole default suite: type check, lint, then unit and integration tests in one node:test run
# (one summary). Integration tests start their own Temporal, MinIO and emulator on free loopback
# ports and stop them; `bash scripts/bootstrap.sh` must have run (npm test does that first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== type check"
npx --no-install tsc --noEmit -p .
echo "== lint"
npx --no-install eslint .
echo "== tests"
# One file at a time: integration files each run a full stack and the machine has 2 cores.
# A test file that hangs fails after 10 minutes (the longest takes about 3) instead of holding CI
# until its own limit, and a file whose tests are done exits even if something it started still
# holds the event loop (the Temporal runtime's signal handlers would outlive the runner's SIGTERM).
exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-force-exit test/unit/*.test.ts test/integration/*.test.ts
