#!/usr/bin/env bash
# The gas gate: runs the gas suites (contracts/test/gas) under --isolate and fails when any figure
# differs from the committed snapshots/*.json.
#   - A figure that differs: forge (1.7.1, run through script/foundry) exits 1 with "Snapshots differ".
#   - A figure or a group missing from snapshots/: forge writes it and still exits 0, so this script
#     compares snapshots/ before and after the run and fails when the run added or changed anything
#     (the figure was never committed), restoring the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."
forge_bin=${FORGE:-script/bin/forge}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p snapshots
cp -a snapshots "$work/before"

status=0
FORGE_SNAPSHOT_CHECK=true "$forge_bin" test --isolate --match-path 'contracts/test/gas/*' 2>&1 | tee "$work/log" ||
  status=${PIPESTATUS[0]}

if grep -q "Snapshots differ" "$work/log"; then
  echo "gas: figures differ from snapshots/ (above). If the change is intended, run 'make snapshot' and commit snapshots/." >&2
  exit 1
fi
if ! diff -r "$work/before" snapshots >"$work/diff"; then
  echo "gas: the run wrote figures that snapshots/ does not hold (new gas tests or groups):" >&2
  cat "$work/diff" >&2
  rm -rf snapshots && cp -a "$work/before" snapshots
  echo "Fix: run 'make snapshot' and commit snapshots/." >&2
  exit 1
fi
if [[ $status -ne 0 ]]; then
  echo "gas: forge test exited $status (a gas test failed or did not compile; above)" >&2
fi
exit "$status"
