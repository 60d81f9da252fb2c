#!/usr/bin/env bash
# Static analysis of contracts/src with slither (pinned in script/requirements-lint.txt).
# A medium or high finding fails the run unless it is triaged with a reason, either
#   - for a whole detector: listed in slither.config.json "detectors_to_exclude" AND given a reason
#     in slither.triage.json ({"detector": "reason"}), or
#   - for one line: `// slither-disable-next-line <detector> -- <reason>` above it.
# This script refuses triage without a reason before running slither.
set -euo pipefail
cd "$(dirname "$0")/.."
slither_bin=${SLITHER:-.venv/bin/slither}
forge_bin=${FORGE:-script/bin/forge}
# crytic-compile asks `forge config` even with --ignore-compile: put the pinned forge first on PATH.
export PATH="$(cd "$(dirname "$forge_bin")" && pwd):$PATH"

python3 - <<'PY'
import json, re, sys, pathlib
cfg = json.load(open("slither.config.json"))
excluded = [d for d in cfg.get("detectors_to_exclude", "").split(",") if d.strip()]
triage = json.load(open("slither.triage.json"))
bad = [d for d in excluded if not str(triage.get(d.strip(), "")).strip()]
for path in pathlib.Path("contracts/src").rglob("*.sol"):
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = re.search(r"slither-disable-(?:next-line|line|start)\s+([\w,-]+)(.*)", line)
        if m and not re.search(r"--\s*\S", m.group(2)):
            bad.append(f"{path}:{n}: slither-disable without '-- <reason>'")
if bad:
    print("slither triage without a reason:\n  " + "\n  ".join(bad), file=sys.stderr)
    print("Fix: give every excluded detector a reason in slither.triage.json,"
          " and every inline disable a '-- reason'.", file=sys.stderr)
    sys.exit(1)
PY

# A dedicated, fresh output dir: incremental builds leave build-info files in out/ that point at
# outputs no longer there, and crytic-compile reads every one of them.
export FOUNDRY_OUT=out/slither FOUNDRY_CACHE_PATH=cache/slither
rm -rf "$FOUNDRY_OUT" "$FOUNDRY_CACHE_PATH"
"$forge_bin" build --build-info --skip 'contracts/test/**' --skip 'script/**' >/dev/null
exec "$slither_bin" . --config-file slither.config.json --ignore-compile --foundry-out-directory "$FOUNDRY_OUT"
