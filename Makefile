# dao-primitives: the README's commands.
#   make demo   the main job on a local anvil chain, from a fresh clone
#   make test   every test (forge, bindings drift, cargo)
# Everything the commands need is installed by the project's own files: npm (forge, anvil, cast,
# solc, Solidity libraries) and cargo (Rust). Nothing is downloaded by hand.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# forge, cast and anvil run through script/foundry (script/bin/*), which execs the pinned platform
# binary from node_modules/@foundry-rs/<tool>-<os>-<arch> and so returns the tool's own exit status.
# Never node_modules/.bin/forge: that npm wrapper always exits 0, so failures would look green.
TOOL_BIN := $(CURDIR)/script/bin
FORGE    := $(TOOL_BIN)/forge
ANVIL    := $(TOOL_BIN)/anvil
CARGO    ?= cargo
export PATH := $(TOOL_BIN):$(PATH)
# A native solc of the pinned version is used when one is on PATH; otherwise the wasm shim.
SOLC_VERSION := 0.8.30
NATIVE_SOLC := $(shell command -v solc 2>/dev/null)
ifneq ($(NATIVE_SOLC),)
ifneq ($(findstring $(SOLC_VERSION),$(shell solc --version 2>/dev/null)),)
export FOUNDRY_SOLC ?= $(NATIVE_SOLC)
endif
endif
VENV := $(CURDIR)/.venv
SERVE ?= 0

.PHONY: help deps browser-deps build test gate-selftest test-forge test-rust bindings bindings-check snapshot demo bench fmt fmt-check lint slither clean

help:
	@echo "make demo      deploy the example DAO on a local anvil chain and run its story through daoctl"
	@echo "               (make demo SERVE=1: then keep its dashboard open at http://127.0.0.1:8787/)"
	@echo "make test      install what is missing, then run every test (forge, bindings drift, cargo, the dashboard in headless Chromium)"
	@echo "make bench     indexer throughput, then the API over an index of 1,000,000 events"
	@echo "make fmt       format Solidity and Rust"
	@echo "make lint      forge fmt check, cargo fmt check, clippy -D warnings, slither"
	@echo "make snapshot  rewrite the committed gas snapshots (snapshots/*.json)"
	@echo "make bindings  refresh the Foundry artifacts the Rust bindings are built from"

# Install the locked versions when node_modules is missing or older than the lockfile. Not `npm ci`:
# its strict lock check wants every platform's optional forge/anvil/cast binary package in the lock,
# and registries that carry only some platforms make it fail. `npm install --no-save` installs the
# exact locked versions (integrity-checked) and never rewrites package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-save --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.package-lock.json
	$(CARGO) fetch --locked

# Debian's headless Chromium, for the dashboard's browser test (crates/cli/tests/serve.rs drives it
# through playwright-core, which downloads no browser). Installed when missing: as root directly,
# otherwise through sudo.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Debian's chromium for the dashboard's browser test"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	  else echo "error: $(CHROMIUM) is missing and there is no sudo: install Debian's chromium as root (apt-get install chromium), or set CHROMIUM=/path/to/chromium" >&2; exit 1; fi; \
	fi

build: deps
	$(FORGE) build
	$(CARGO) build --workspace --locked

test: deps browser-deps gate-selftest test-forge bindings-check test-rust

# Proves the gate can fail: planted failures (a failing Solidity test, a compile error, a formatting
# difference, a gas snapshot difference, a failing cargo test, a missing platform package) must each
# make the corresponding command exit non-zero. Throwaway projects in a temp dir; about 15 s.
gate-selftest: node_modules/.package-lock.json
	FORGE=$(FORGE) CARGO=$(CARGO) script/gate-selftest.sh

# Gas suites (contracts/test/gas) run under --isolate, so each top-level call is its own
# transaction, and their vm.snapshotGas* figures must match the committed snapshots/ files.
test-forge: node_modules/.package-lock.json
	$(FORGE) build
	$(FORGE) test --no-match-path 'contracts/test/gas/*'
	FORGE=$(FORGE) script/check-gas.sh

test-rust: deps browser-deps
	CHROMIUM=$(CHROMIUM) $(CARGO) test --workspace --locked

# Bindings are built from artifacts committed in crates/bindings/artifacts so that cargo needs no forge.
bindings: node_modules/.package-lock.json
	$(FORGE) build
	script/export-artifacts.sh

bindings-check: node_modules/.package-lock.json
	$(FORGE) build
	script/export-artifacts.sh --check

snapshot: node_modules/.package-lock.json
	FORGE_SNAPSHOT_CHECK=false $(FORGE) test --isolate --match-path 'contracts/test/gas/*'

# The story of examples/riverside.toml on a local anvil (script/demo.sh starts and stops it).
# SERVE=1 keeps the dashboard of the demo chain open at http://127.0.0.1:8787/ until Ctrl-C.
demo: deps
	$(FORGE) build
	$(CARGO) build --workspace --locked
	SERVE=$(SERVE) script/demo.sh

# Indexer throughput: builds >= 100,000 Roles events on anvil (batchMintRoles) and prints events/s for
# decode+apply in memory, with SQLite, end to end from anvil's RPC, opening the index, and the read-only
# audit of that index (every log proven against a fresh fetch), plus peak memory.
# BENCH_EVENTS=1000000 make bench for a bigger history. Then the API (crates/serve/benches/api.rs): an
# index of BENCH_API_EVENTS (default 1,000,000) events folded and committed as the indexer does, the
# snapshot built from it and advanced by a block, then p50/p99 of the main routes under 50 concurrent
# clients and the dashboard's first load.
bench: deps
	$(CARGO) bench -p dao-indexer --bench throughput --locked
	$(CARGO) bench -p dao-serve --bench api --locked

fmt: node_modules/.package-lock.json
	$(FORGE) fmt
	$(CARGO) fmt --all

fmt-check: node_modules/.package-lock.json
	$(FORGE) fmt --check
	$(CARGO) fmt --all -- --check

lint: fmt-check slither
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

$(VENV)/bin/slither:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r script/requirements-lint.txt

slither: node_modules/.package-lock.json $(VENV)/bin/slither
	FORGE=$(FORGE) SLITHER=$(VENV)/bin/slither script/slither.sh

clean:
	rm -rf out cache target
