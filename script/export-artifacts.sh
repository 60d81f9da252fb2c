#!/usr/bin/env bash
# Copies the Foundry artifacts the Rust bindings are built from into crates/bindings/artifacts/,
# so that `cargo build` needs no forge. Run after `forge build` (the Makefile's `bindings` target).
#
#   script/export-artifacts.sh           rewrite crates/bindings/artifacts/*.json
#   script/export-artifacts.sh --check   exit 1, naming the files, when the committed artifacts
#                                        differ from (or are missing from) a fresh `forge build`
#
# Each artifact keeps only what the bindings and the deploy tool need: the ABI, the creation
# bytecode and the runtime bytecode (with the offsets of its immutables, so deployed code can be
# checked against it), as JSON with sorted keys (deterministic, diff-friendly).
# Every core contract and every interface in contracts/src/interfaces is exported, with the Safe
# contracts; a core contract whose source is missing is an error, not a silent skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/out"
DEST="$ROOT/crates/bindings/artifacts"

# name:source-file (relative to the repository root; empty = always present, under node_modules)
CORE=(
  "Roles:contracts/src/Roles.sol"
  "CellRegistry:contracts/src/CellRegistry.sol"
  "CellGovernor:contracts/src/CellGovernor.sol"
  "CellExecutor:contracts/src/CellExecutor.sol"
  "Treasury:contracts/src/Treasury.sol"
  "TaskBoard:contracts/src/TaskBoard.sol"
  "RoleStreams:contracts/src/RoleStreams.sol"
)
EXTERNAL=(
  "Safe:Safe.sol"
  "SafeL2:SafeL2.sol"
  "SafeProxyFactory:SafeProxyFactory.sol"
  "CompatibilityFallbackHandler:CompatibilityFallbackHandler.sol"
  "MultiSendCallOnly:MultiSendCallOnly.sol"
)

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v jq >/dev/null || { echo "export-artifacts: jq is required" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export_one() { # name, artifact-dir
  local name="$1" file="$2" src="$OUT/$2/$1.json"
  if [[ ! -f "$src" ]]; then
    echo "export-artifacts: $src not found; run forge build first" >&2
    exit 2
  fi
  # immutableReferences is keyed by solc AST node ids, which shift with whatever else is in the
  # compilation (a clean build and an incremental one differ): re-key the ranges by position.
  jq -S '{abi: .abi, bytecode: {object: .bytecode.object}, deployedBytecode: {object: .deployedBytecode.object, immutableReferences: ((.deployedBytecode.immutableReferences // {}) | [to_entries[] | .value | sort_by(.start)] | sort_by(.[0].start) | to_entries | map({key: (.key | tostring), value: .value}) | from_entries)}}' \
    "$src" >"$work/$name.json"
}

for entry in "${CORE[@]}"; do
  name="${entry%%:*}" src="${entry#*:}"
  if [[ ! -f "$ROOT/$src" ]]; then
    echo "export-artifacts: $src is missing (listed in CORE); remove it from CORE if it was deleted" >&2
    exit 2
  fi
  export_one "$name" "$(basename "$src")"
done
# Interfaces (ABI only): clients call through them, so they work before every core contract lands.
shopt -s nullglob
for src in "$ROOT"/contracts/src/interfaces/I*.sol; do
  file="$(basename "$src")"
  export_one "${file%.sol}" "$file"
done
shopt -u nullglob
for entry in "${EXTERNAL[@]}"; do
  export_one "${entry%%:*}" "${entry#*:}"
done

if [[ $check -eq 0 ]]; then
  mkdir -p "$DEST"
  rm -f "$DEST"/*.json
  cp "$work"/*.json "$DEST"/
  echo "export-artifacts: wrote $(ls "$work" | wc -l) artifacts to ${DEST#"$ROOT"/}"
  exit 0
fi

stale=()
for f in "$work"/*.json; do
  n="$(basename "$f")"
  cmp -s "$f" "$DEST/$n" || stale+=("crates/bindings/artifacts/$n")
done
shopt -s nullglob
for f in "$DEST"/*.json; do
  n="$(basename "$f")"
  [[ -f "$work/$n" ]] || stale+=("crates/bindings/artifacts/$n (no longer built)")
done
if [[ ${#stale[@]} -gt 0 ]]; then
  echo "export-artifacts: the committed bindings artifacts differ from a fresh forge build:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  echo "run 'make bindings' and commit crates/bindings/artifacts" >&2
  exit 1
fi
echo "export-artifacts: crates/bindings/artifacts matches forge build"
