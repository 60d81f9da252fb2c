#!/usr/bin/env bash
# Runs the gas suites (contracts/test/gas) under --isolate and fails when any figure differs from
# the committed snapshots/*.json. forge 1.7.1 prints "Snapshots differ" but still exits 0, so the
# verdict is read from its output here.
set -uo pipefail
cd "$(dirname "$0")/.."
forge_bin=${FORGE:-node_modules/.bin/forge}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
FORGE_SNAPSHOT_CHECK=true "$forge_bin" test --isolate --match-path 'contracts/test/gas/*' 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if grep -q "Snapshots differ" "$log"; then
  echo "gas: figures differ from snapshots/ (above). If the change is intended, run 'make snapshot' and commit snapshots/." >&2
  exit 1
fi
exit "$status"
