# fieldkit build and test entry points. Every target that builds or tests runs
# scripts/setup.sh first (fast when everything is installed).
#
# Nothing here downloads at build or test time: trunk runs --offline with the
# tool versions pinned in Trunk.toml, found on the PATH below.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/tests/e2e/node_modules/binaryen/bin:$(PATH)
# trunk would otherwise ask crates.io for a newer version at every start.
export TRUNK_SKIP_VERSION_CHECK := true
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# The CLI tests read exports with pandas from here (scripts/setup.sh installs it).
export FIELDKIT_PYTHON := $(CURDIR)/.tools/readers/bin/python
export FIELDKIT_REQUIRE_PANDAS := 1

TRUNK_BUILD := trunk build --release --offline
# wasm tests run in headless chromium through chromedriver; webdriver.json
# (repo root = the crate root, the runner's working directory) sets the flags.
# Chromedriver leaves each browser profile behind in TMPDIR; keep them under
# target/ and remove them after the run.
WASM_TEST_TMP := $(CURDIR)/target/wasm-test-tmp
WASM_TEST_ENV := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 TMPDIR=$(WASM_TEST_TMP)
WASM_TESTS := mkdir -p $(WASM_TEST_TMP); \
	$(WASM_TEST_ENV) cargo test -p fieldkit-app --target wasm32-unknown-unknown --tests && status=0 || status=$$?; \
	rm -rf $(WASM_TEST_TMP); exit $$status

.PHONY: setup build serve test lint test-native test-wasm test-e2e bundle-size clean

setup:
	scripts/setup.sh

build: setup
	$(TRUNK_BUILD)

serve: setup
	trunk serve --release --offline --address 127.0.0.1 --port 8080

# The whole suite, in order: domain + CLI, wasm in a browser, release build,
# end-to-end against dist/.
test: setup lint
	scripts/check-core-purity.sh
	cargo test -p fieldkit-core -p fieldkit-cli -p fieldkit-sheets -p fieldkit-interop
	$(WASM_TESTS)
	$(TRUNK_BUILD)
	node --test --test-concurrency=1 tests/e2e/*.test.mjs

# Formatting (rustfmt.toml) and clippy with warnings as errors (allow-list in Cargo.toml).
lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# The split build's code (src/parts.rs with feature `split`), as make build compiles it.
	cargo clippy --target wasm32-unknown-unknown -p fieldkit-app --features split -- -D warnings

# The same layers one at a time, for development.
test-native: setup
	cargo test -p fieldkit-core -p fieldkit-cli -p fieldkit-sheets -p fieldkit-interop

test-wasm: setup
	$(WASM_TESTS)

test-e2e: build
	node --test --test-concurrency=1 tests/e2e/*.test.mjs

bundle-size:
	scripts/bundle-size.sh dist

clean:
	rm -rf dist tests/e2e/artifacts
	cargo clean
