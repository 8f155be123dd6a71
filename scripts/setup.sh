#!/usr/bin/env bash
# Install everything the build and the tests need, from package registries
# only (crates.io, Debian, npm). Idempotent: each step first checks what is
# already there, so a second run takes a second or two.
#
# After this, builds and tests download nothing: trunk runs --offline and finds
# wasm-bindgen and wasm-opt on PATH at the versions pinned in Trunk.toml.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/tests/e2e/node_modules/binaryen/bin:$PATH"

TRUNK_VERSION=0.21.14
# wasm-split-cli, from the crate wasm_split_cli_support: cuts the app into parts
# (scripts/build-app.sh). 0.2.3 is the first that works with wasm-bindgen 0.2.128+.
WASM_SPLIT_VERSION=0.2.4
say() { printf '[setup] %s\n' "$*"; }

# --- Rust: the wasm target (the toolchain itself is the machine's stable) ----
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "installing rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- Rust: rustfmt and clippy for `make lint` (in rustup's default profile) --
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "installing rust component $component"
    rustup component add "$component"
  fi
done

# --- trunk --------------------------------------------------------------------
if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION (cargo install, takes ~7 min)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# --- wasm-split-cli -----------------------------------------------------------
if [[ ! -x "$HOME/.cargo/bin/wasm-split-cli" ]] \
   || ! grep -q "wasm_split_cli_support $WASM_SPLIT_VERSION " "$HOME/.cargo/.crates.toml" 2>/dev/null; then
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (cargo install, takes ~1 min)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
fi

# --- wasm-bindgen-cli: must match the wasm-bindgen crate exactly -------------
# Cargo.lock is the truth; before it exists, the `=X` pin in Cargo.toml.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock 2>/dev/null || true)"
if [[ -z "$WB_VERSION" ]]; then
  WB_VERSION="$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)"
fi
[[ -n "$WB_VERSION" ]] || { echo "[setup] cannot tell the wasm-bindgen version" >&2; exit 1; }
if ! grep -q "wasm_bindgen = \"$WB_VERSION\"" Trunk.toml; then
  echo "[setup] Trunk.toml [tools] wasm_bindgen must be \"$WB_VERSION\" (the version in Cargo.lock)" >&2
  exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]] \
   || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WB_VERSION (wasm-bindgen + wasm-bindgen-test-runner)"
  # Without --locked: the measured way that builds on this toolchain.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# --- Debian: chromium + chromedriver for browser tests, xmllint ---------------
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]] || ! command -v xmllint >/dev/null \
   || ! command -v Rscript >/dev/null; then
  say "installing apt packages: chromium chromium-driver libxml2-utils r-base-core"
  SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver libxml2-utils
  # R, to read the survey exports with read.csv as an R user would (tests only).
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends r-base-core
fi

# --- npm: playwright-core (driver only, no browser download) + binaryen -------
e2e_deps_ok() {
  # Every pinned devDependency installed at exactly its pinned version?
  (cd tests/e2e && node -e '
    const deps = require("./package.json").devDependencies;
    for (const [name, want] of Object.entries(deps)) {
      let have; try { have = require(`./node_modules/${name}/package.json`).version; } catch { process.exit(1); }
      if (have !== want) process.exit(1);
    }') 2>/dev/null
}
if ! e2e_deps_ok; then
  say "installing npm packages in tests/e2e"
  # playwright-core downloads nothing itself; the variable is a safety net.
  if [[ -f tests/e2e/package-lock.json ]]; then
    (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  else
    (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
  fi
fi
if [[ "$(wasm-opt --version 2>/dev/null || true)" != *"(version_132)"* ]]; then
  echo "[setup] wasm-opt on PATH is not binaryen version_132 (Trunk.toml pins it)" >&2
  exit 1
fi

# --- PyPI: pandas, python-docx, pypdf: the exports read as their users would -
READERS="$ROOT/.tools/readers"
if ! "$READERS/bin/python" -c 'import pandas' 2>/dev/null \
   || ! diff -q <("$READERS/bin/pip" freeze 2>/dev/null | sort) <(grep -E '^[a-z]' tests/readers-requirements.txt | sort) >/dev/null; then
  say "installing the export readers (pandas, python-docx, pypdf) into .tools/readers (pinned in tests/readers-requirements.txt)"
  if ! python3 -m venv "$READERS"; then
    # Debian's own python3 needs its venv module from apt.
    SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
    python3 -m venv --clear "$READERS"
  fi
  "$READERS/bin/pip" install --quiet --disable-pip-version-check -r tests/readers-requirements.txt
fi

# --- crates: trunk --offline passes --offline to cargo, so fetch them now -----
# (all targets, wasm32 included; instant when everything is cached)
cargo fetch --quiet

say "ready: $(trunk --version), wasm-split-cli $WASM_SPLIT_VERSION, $(wasm-bindgen --version), $(wasm-opt --version | cut -d' ' -f1-3)," \
    "$(/usr/bin/chromium --version 2>/dev/null | cut -d' ' -f1-2), $(/usr/bin/chromedriver --version | cut -d' ' -f1-2)"
