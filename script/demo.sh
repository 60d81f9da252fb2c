#!/usr/bin/env bash
# `make demo`: a local anvil chain, the core contracts, the example DAO (examples/riverside.toml), and
# the guide's story told through daoctl. Exits 0 and leaves no process behind.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ANVIL="$ROOT/script/bin/anvil"
CAST="$ROOT/script/bin/cast"
DAOCTL="${CARGO_TARGET_DIR:-$ROOT/target}/debug/daoctl"
PORT="${DEMO_PORT:-18545}"
export DAOCTL_RPC_URL="http://127.0.0.1:$PORT"
export DAOCTL_DEPLOYMENTS="$ROOT/.devnet/deployments"
export DAOCTL_SAFE_TX_DIR="$ROOT/.devnet/safe-tx"   # Safe transaction files of this throwaway chain
export NO_COLOR=1

rm -rf "$DAOCTL_DEPLOYMENTS" "$DAOCTL_SAFE_TX_DIR"
mkdir -p "$DAOCTL_DEPLOYMENTS"
"$ANVIL" --port "$PORT" --silent &
ANVIL_PID=$!
trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ "$("$CAST" chain-id --rpc-url "$DAOCTL_RPC_URL" 2>/dev/null)" == 31337 ]] && break
  kill -0 "$ANVIL_PID" 2>/dev/null || { echo "demo: anvil did not start (port $PORT in use?)" >&2; exit 1; }
  sleep 0.1
done

say() { printf '\n== %s\n' "$*" >&2; }
show() { printf '$ daoctl'; printf ' %q' "$@"; }
run() { { show "$@"; printf '\n'; } >&2; "$DAOCTL" "$@"; }
mine() { "$CAST" rpc --rpc-url "$DAOCTL_RPC_URL" anvil_mine "$1" >/dev/null; }
# A command that must fail: prints the decoded reason, fails the demo if it succeeds.
refused() {
  { show "$@"; printf '   # must be refused\n'; } >&2
  if out="$("$DAOCTL" "$@" 2>&1)"; then
    echo "demo: expected a refusal" >&2
    exit 1
  fi
  # The decoded error, and the lines under it that say who holds the authority and how to use it.
  printf '  refused: %s\n' "$(sed -n '/^error/,$p' <<<"$out" | sed 's/^error: //; 2,$s/^/  /')" >&2
}

say "1. Deploy the core contracts and the example DAO from its design file"
run deploy examples/riverside.toml --dry-run --dev-account 0 | tail -n 3
run deploy examples/riverside.toml --dev-account 0
run deploy examples/riverside.toml --dev-account 0          # idempotent: up to date
run cell list

say "2. A contributor (dev account 6) claims the claimable contributor role of the events cell"
run role claim events.contributor --dev-account 6
run role show events.contributor

say "3. The community cell (vote-run) votes to fund its events working group"
PROPOSAL="$(run proposal create --cell community --dev-account 3 \
  --description "Fund the events cell for the spring meetup" \
  --set-budget events=2ether --allocate events=1ether)"
mine 2                                                       # past the voting delay
run proposal vote "$PROPOSAL" for --reason "we need the meetup" --dev-account 3
run proposal vote "$PROPOSAL" for --dev-account 4
run proposal sign "$PROPOSAL" for --dev-account 5 >"$ROOT/.devnet/ballot.json"
run proposal submit-vote "$ROOT/.devnet/ballot.json" --dev-account 0   # anyone relays it
refused proposal execute "$PROPOSAL" --dev-account 3                   # voting still open
mine 6                                                       # voting period over: the veto window runs
run proposal show "$PROPOSAL"
mine 6                                                       # execution delay over
run proposal execute "$PROPOSAL" --dev-account 3

say "4. Budgets flow down: the operations treasurer hands 1 ether to engineering; events pays a bounty"
run treasury allocate operations engineering 1ether --dev-account 2
TASK="$(run task create --cell events --spec-uri ipfs://bafy-meetup-poster --bounty 0.25ether \
  --role events.contributor --deadline-days 14 --dev-account 4)"
refused task claim "$TASK" --dev-account 7                             # lacks the contributor role
run task claim "$TASK" --dev-account 6
run task submit "$TASK" ipfs://bafy-poster-final --dev-account 6
run task approve "$TASK" --dev-account 4
run task list

say "5. A bad proposal passes the vote but operations (the parent cell) vetoes it in the delay"
BAD="$(run proposal create --cell community --dev-account 3 \
  --description "Pay 5 ether to the proposer" --spend 0x90F79bf6EB2c4f870365E785982E1f101E93b906=5ether)"
mine 2
run proposal vote "$BAD" for --dev-account 3
run proposal vote "$BAD" for --dev-account 4
mine 6
refused proposal veto "$BAD" --dev-account 3                           # a member is not the parent admin
run proposal veto "$BAD" --dev-account 1
mine 6
refused proposal execute "$BAD" --dev-account 3
run proposal list --cell community

say "6. The events cell moves to the organization phase and updates its charter"
run cell phase events organization --dev-account 4
run cell state set events charter ipfs://bafy-events-charter-v2 --dev-account 4
run cell decision record events --ref spring-meetup --uri ipfs://bafy-meetup-minutes --dev-account 4
refused treasury freeze operations --dev-account 6                     # not the DAO's governance

say "7. The network as it stands"
run state

say "8. A second DAO on the same core contracts: council, whose community is a 2-of-3 Safe"
run deploy examples/council.toml --dev-account 0 | tail -n 1
refused treasury set-budget dao 60ether --dao council --dev-account 7     # one owner alone
SAFE_TX="$(run treasury set-budget dao 60ether --dao council --via-safe --dev-account 7 | sed -n 1p)"   # reads it all: daoctl never writes to a closed pipe
run safe sign "$SAFE_TX" --dao council --dev-account 8             # a second owner, another process
run safe show --dao council
run safe exec "$SAFE_TX" --dao council --dev-account 9
run treasury status --cell dao --dao council

say "9. The design changes: plan and apply an edited riverside design"
EDITED="$ROOT/.devnet/riverside-v2.toml"
# The edits: the DAO budget, community's voting period and a new cell; the design also catches up
# with what the story above did (events moved to organization, its contributor claimed, its budget
# of 2 ether with 1 handed down, engineering handed 1 ether more).
sed -e 's/^amount = "50 ether"/amount = "60 ether"/' \
    -e 's/^voting_period = 5$/voting_period = 6/' \
    -e 's/^allocate = "5 ether"$/allocate = "6 ether"/' \
    -e '/^key = "events"/,$ s/^phase = "formation"/phase = "organization"/' \
    -e '/^max_supply = 50$/a wearers = ["anvil:6"]\n\n[[cells.budgets]]\namount = "2 ether"\nallocate = "1 ether"' \
    examples/riverside.toml >"$EDITED"
cat >>"$EDITED" <<'TOML'

[[cells]]
key = "outreach"
name = "Outreach"
parent = "operations"
admin = "anvil:2"
members = ["anvil:2"]
TOML
run plan "$EDITED" --dev-account 0
run apply "$EDITED" --dev-account 0          # the Safe (1 of 1) acts at once; the vote waits for a member
run apply "$EDITED" --dev-account 3          # a member of community proposes the settings change
GOV="$(run proposal list --dao riverside --cell community --json | jq -r '[.[] | select(.state == "pending" or .state == "active")][0].proposal')"
mine 2
run proposal vote "$GOV" for --dao riverside --dev-account 3
run proposal vote "$GOV" for --dao riverside --dev-account 4
mine 12
run proposal execute "$GOV" --dao riverside --dev-account 3
run apply "$EDITED" --dev-account 0          # nothing left: the record now holds the edited design
run plan "$EDITED" --dev-account 0

say "10. The dashboard: the web face of the network (daoctl serve)"
SERVE_ADDR="${SERVE_LISTEN:-127.0.0.1:8787}"
if [[ "${SERVE:-0}" == 1 ]]; then
  echo "dashboard: http://$SERVE_ADDR/ (API: http://$SERVE_ADDR/api; Ctrl-C stops it and the chain)" >&2
  run serve --dao riverside --listen "$SERVE_ADDR"
else
  echo "dashboard: run 'make demo SERVE=1' and open http://$SERVE_ADDR/ (this run exits: nothing is served)" >&2
fi
