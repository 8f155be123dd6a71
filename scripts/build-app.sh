#!/usr/bin/env bash
# Builds the app's wasm cut into parts that load on first use, and puts it in
# the dist folder trunk is assembling. Trunk runs this as its post_build hook
# (Trunk.toml); trunk itself still builds the files worker, the CSS and the
# static files. Trunk cannot run wasm-split (its issue 1022), hence this script.
#
#   1. cargo builds the app with feature `split` (the `wasm_split` points in
#      src/parts.rs) and relocations kept in the wasm (--emit-relocs);
#   2. wasm-split-cli (crate wasm_split_cli_support, pinned in scripts/setup.sh)
#      moves each part's code into its own wasm file, and code shared by parts
#      into chunk files, leaving the main module with what the first visit runs;
#   3. wasm-bindgen makes the JS glue for the main module, keeping the exports
#      the parts link against (--keep-lld-exports);
#   4. wasm-opt -Oz shrinks every file.
#
# Every file of one build goes into one folder named by a hash of the build,
# dist/app-<hash>/, so a page only ever loads parts of its own build and a new
# release replaces all parts together. index.html gets the module script and
# the list of parts (for the service worker's offline copy).
#
# Usage: scripts/build-app.sh [dist-dir]  (default: $TRUNK_STAGING_DIR, else dist)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/tests/e2e/node_modules/binaryen/bin:$PATH"
DIST="${1:-${TRUNK_STAGING_DIR:-$ROOT/dist}}"
[[ -f "$DIST/index.html" ]] || { echo "[build-app] no index.html in $DIST (run through trunk: make build)" >&2; exit 1; }

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
RAW="$TARGET_DIR/wasm32-unknown-unknown/release/fieldkit-app.wasm"
WORK="$TARGET_DIR/split-app"

say() { printf '[build-app] %s\n' "$*"; }

say "cargo: fieldkit-app (release, feature split)"
# `cargo rustc` gives the link flag to the app's own link step only, so the
# dependencies' build fingerprints stay those of every other wasm build.
cargo rustc --release --offline --target wasm32-unknown-unknown --bin fieldkit-app --features split \
  -- -Clink-args=--emit-relocs

rm -rf "$WORK" && mkdir -p "$WORK/split" "$WORK/out"
say "wasm-split"
wasm-split-cli "$RAW" "$WORK/split" --out-name fieldkit-app --target web
say "wasm-bindgen"
wasm-bindgen --target web --keep-lld-exports --no-demangle --out-name fieldkit-app \
  --out-dir "$WORK/out" "$WORK/split/fieldkit-app.wasm"
rm -f "$WORK/out"/*.d.ts
mv "$WORK/out/fieldkit-app_bg.wasm" "$WORK/out/fieldkit-app.wasm"
cp "$WORK/split/__wasm_split.js" "$WORK/split"/split_*.wasm "$WORK/out/"
cp "$WORK/split"/chunk_*.wasm "$WORK/out/" 2>/dev/null || true

say "wasm-opt -Oz"
# FIELDKIT_KEEP_NAMES=1 keeps the functions' names, for CPU profiles (see
# tests/e2e/bench/browser-bench.mjs, CPU_PROFILE); a release build strips them.
NAMES="--strip-debug"
[[ "${FIELDKIT_KEEP_NAMES:-}" == 1 ]] && NAMES="-g"
for f in "$WORK/out"/*.wasm; do
  wasm-opt -Oz $NAMES --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$f" -o "$f" &
  # Two at a time: the machine this is measured on has two cores.
  while (( $(jobs -rp | wc -l) >= 2 )); do wait -n; done
done
wait

# Team sync: PouchDB (pinned in tests/e2e/package-lock.json, never fetched at run
# time) and the app's calls into it, loaded only when a study syncs.
POUCHDB="$ROOT/tests/e2e/node_modules/pouchdb/dist/pouchdb.min.js"
[[ -f "$POUCHDB" ]] || { echo "[build-app] $POUCHDB is missing (scripts/setup.sh installs it)" >&2; exit 1; }
cp "$POUCHDB" "$ROOT/public/sync.js" "$WORK/out/"

HASH="$(cat "$WORK/out"/* | sha256sum | cut -c1-16)"
APP_DIR="app-$HASH"
rm -rf "$DIST"/app-*
mkdir -p "$DIST/$APP_DIR"
cp "$WORK/out"/* "$DIST/$APP_DIR/"

# The module that starts the app: a file, since the Content-Security-Policy allows
# no inline script.
# Paths relative to this file, so the build folder carries no name of its own.
cat > "$DIST/$APP_DIR/start.js" <<'JS'
import init from './fieldkit-app.js';
const wasm = await init({ module_or_path: new URL('./fieldkit-app.wasm', import.meta.url) });
// The first screen is up: now the service worker may fetch the parts.
window.dispatchEvent(new CustomEvent('fieldkit-started', { detail: { wasm } }));
JS

# The parts' files, for the service worker: it copies them for offline use in
# the background once the first screen has shown.
PARTS="$(cd "$DIST/$APP_DIR" && ls split_*.wasm chunk_*.wasm pouchdb.min.js sync.js 2>/dev/null | sed "s|^|\"/$APP_DIR/|; s|$|\"|" | paste -sd, -)"
HEAD="    <link rel=\"modulepreload\" href=\"/$APP_DIR/fieldkit-app.js\">
    <link rel=\"modulepreload\" href=\"/$APP_DIR/__wasm_split.js\">
    <link rel=\"preload\" href=\"/$APP_DIR/fieldkit-app.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>
    <script type=\"application/json\" id=\"fieldkit-parts\">[$PARTS]</script>
    <script type=\"module\" src=\"/$APP_DIR/start.js\"></script>"
python3 - "$DIST/index.html" "$HEAD" <<'EOF'
import sys
path, head = sys.argv[1], sys.argv[2]
html = open(path, encoding='utf-8').read()
if '</head>' not in html:
    sys.exit('[build-app] index.html has no </head>')
open(path, 'w', encoding='utf-8').write(html.replace('</head>', head + '\n</head>', 1))
EOF
say "done: $DIST/$APP_DIR ($(ls "$DIST/$APP_DIR" | wc -l) files)"
