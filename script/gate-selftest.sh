#!/usr/bin/env bash
# Proves that the gate can fail: every command `make test` and `make lint` rely on must exit non-zero
# on a planted failure (and zero on the same project without it, so the check is not vacuous).
# Planted in throwaway projects under a temp directory, never in the repository:
#   - a failing Solidity test          -> forge test
#   - a Solidity compile error         -> forge build
#   - unformatted Solidity             -> forge fmt --check
#   - a gas figure off its snapshot,
#     or one never committed          -> script/check-gas.sh (the Makefile's gas gate, copied)
#   - a failing Rust test              -> cargo test
#   - a missing platform package       -> script/foundry names the package and exits non-zero
# Runs in about 20 s (each forge step compiles one tiny file with the pinned solc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FORGE="${FORGE:-$ROOT/script/bin/forge}"
CARGO="${CARGO:-cargo}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

# expect <0|nonzero> <what> <command...>: runs the command (output to a log), judges its exit status.
expect() {
  local want="$1" what="$2" status=0
  shift 2
  checks=$((checks + 1))
  "$@" >"$work/last.log" 2>&1 || status=$?
  if { [[ "$want" == 0 && $status -eq 0 ]] || [[ "$want" == nonzero && $status -ne 0 ]]; }; then
    printf '  ok    %-58s exit %d\n' "$what" "$status"
  else
    printf '  FAIL  %-58s exit %d, expected %s\n' "$what" "$status" "$want"
    sed 's/^/        | /' "$work/last.log" | tail -n 20
    failures=$((failures + 1))
  fi
}

# A throwaway Foundry project with the repository's compiler settings (the pinned solc shim).
new_project() {
  local dir="$work/$1"
  mkdir -p "$dir/src" "$dir/test" "$dir/snapshots" "$dir/script"
  cat >"$dir/foundry.toml" <<TOML
[profile.default]
src = "src"
test = "test"
out = "out"
cache_path = "cache"
libs = []
solc = "$(sed -n 's/^solc = "\(.*\)"/\1/p' "$ROOT/foundry.toml" | sed "s#^script/#$ROOT/script/#")"
offline = true
evm_version = "prague"
gas_snapshot_check = false
[fmt]
line_length = 120
TOML
  echo "$dir"
}

echo "gate self-test: planted failures must fail the commands"

# 1. forge test: a passing test passes, a failing test fails the command.
p="$(new_project tests)"
cat >"$p/test/Pass.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

contract PassTest {
    function test_passes() public pure {}
}
SOL
cat >"$p/test/Fail.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

contract FailTest {
    function test_plantedFailure() public pure {
        revert("planted failure");
    }
}
SOL
expect 0 "forge test (passing test)" bash -c "cd '$p' && '$FORGE' test --match-contract PassTest"
expect nonzero "forge test (planted failing test)" bash -c "cd '$p' && '$FORGE' test"

# 2. forge build: a compile error fails the command.
p="$(new_project build)"
printf '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.30;\n\ncontract Good {}\n' >"$p/src/Good.sol"
expect 0 "forge build (compiles)" bash -c "cd '$p' && '$FORGE' build"
printf '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.30;\n\ncontract Broken {\n    function f( {}\n}\n' >"$p/src/Broken.sol"
expect nonzero "forge build (planted compile error)" bash -c "cd '$p' && '$FORGE' build"

# 3. forge fmt --check: a formatting difference fails the command.
p="$(new_project fmt)"
printf '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.30;\n\ncontract Tidy {}\n' >"$p/src/Tidy.sol"
expect 0 "forge fmt --check (formatted)" bash -c "cd '$p' && '$FORGE' fmt --check"
printf '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.30;\ncontract   Untidy{uint x ;}\n' >"$p/src/Untidy.sol"
expect nonzero "forge fmt --check (planted formatting difference)" bash -c "cd '$p' && '$FORGE' fmt --check"

# 4. The gas gate: script/check-gas.sh, copied into a project whose snapshot is off by one.
p="$(new_project gas)"
mkdir -p "$p/contracts/test/gas"
cp "$ROOT/script/check-gas.sh" "$p/script/check-gas.sh"
sed -i 's#^test = "test"#test = "contracts/test"#' "$p/foundry.toml"
cat >"$p/contracts/test/gas/Counter.gas.t.sol" <<'SOL'
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

interface Vm {
    function snapshotGasLastCall(string calldata group, string calldata name) external returns (uint256);
}

contract Counter {
    uint256 public count;

    function bump() external {
        ++count;
    }
}

contract CounterGasTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    Counter internal counter;

    function setUp() public {
        counter = new Counter();
    }

    function test_bump() public {
        counter.bump();
        vm.snapshotGasLastCall("Counter", "bump");
    }
}
SOL
# Record the true figure, then check it (passes), then plant a difference (must fail).
expect 0 "forge snapshot write (gas suite)" bash -c "cd '$p' && FORGE_SNAPSHOT_CHECK=false '$FORGE' test --isolate --match-path 'contracts/test/gas/*'"
expect 0 "script/check-gas.sh (figures match)" bash -c "cd '$p' && FORGE='$FORGE' script/check-gas.sh"
if [[ -f "$p/snapshots/Counter.json" ]]; then
  sed -i -E 's/"bump": "?([0-9]+)"?/"bump": "1"/' "$p/snapshots/Counter.json"
fi
expect nonzero "script/check-gas.sh (planted snapshot difference)" bash -c "cd '$p' && grep -q '\"1\"' snapshots/Counter.json && FORGE='$FORGE' script/check-gas.sh"
# A figure that was never committed (forge would write it and exit 0) must fail the gate too.
echo '{}' >"$p/snapshots/Counter.json"
expect nonzero "script/check-gas.sh (figure missing from snapshots/)" bash -c "cd '$p' && FORGE='$FORGE' script/check-gas.sh"
expect 0 "script/check-gas.sh left snapshots/ as committed" grep -qx '{}' "$p/snapshots/Counter.json"

# 5. cargo test: a failing Rust test fails the command (cargo propagates; keep it that way).
c="$work/cargo"
mkdir -p "$c/src"
printf '[package]\nname = "gate-selftest"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n' >"$c/Cargo.toml"
printf '#[test]\nfn passes() {}\n' >"$c/src/lib.rs"
expect 0 "cargo test (passing test)" "$CARGO" test --offline --quiet --manifest-path "$c/Cargo.toml" --target-dir "$c/target"
printf '#[test]\nfn passes() {}\n#[test]\nfn planted_failure() { panic!("planted failure") }\n' >"$c/src/lib.rs"
expect nonzero "cargo test (planted failing test)" "$CARGO" test --offline --quiet --manifest-path "$c/Cargo.toml" --target-dir "$c/target"

# 6. The launcher on a machine whose platform package is missing: a clear error naming it.
l="$work/launcher"
mkdir -p "$l/script/bin" "$l/node_modules" "$l/empty-path"
cp "$ROOT/script/foundry" "$l/script/foundry"
ln -s ../foundry "$l/script/bin/forge"
cp "$ROOT/package.json" "$l/package.json"
expect nonzero "script/foundry without the platform package" env -u FOUNDRY_BIN_DIR PATH="$l/empty-path:/usr/bin:/bin" "$l/script/bin/forge" --version
if ! grep -q "@foundry-rs/forge-" "$work/last.log"; then
  echo "  FAIL  the launcher's error does not name the missing @foundry-rs/forge-<platform> package"
  failures=$((failures + 1))
fi
# ... and a Foundry of the pinned version on PATH is used instead (exit status passed through).
printf '#!/bin/sh\nif [ "$1" = --version ]; then echo "forge Version: 1.7.1"; exit 0; fi\nexit 42\n' >"$l/empty-path/forge"
chmod +x "$l/empty-path/forge"
expect nonzero "script/foundry runs a pinned forge from PATH (exit 42)" env -u FOUNDRY_BIN_DIR PATH="$l/empty-path:/usr/bin:/bin" "$l/script/bin/forge" test
if [[ "$(env -u FOUNDRY_BIN_DIR PATH="$l/empty-path:/usr/bin:/bin" "$l/script/bin/forge" test >/dev/null 2>&1; echo $?)" != 42 ]]; then
  echo "  FAIL  script/foundry did not pass the PATH forge's exit status (42) through"
  failures=$((failures + 1))
fi

if [[ $failures -gt 0 ]]; then
  echo "gate self-test: $failures of $checks checks FAILED: a failure would not stop make test / CI" >&2
  exit 1
fi
echo "gate self-test: all $checks checks behaved (failures fail, passes pass)"
