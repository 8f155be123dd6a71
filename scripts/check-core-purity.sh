#!/usr/bin/env bash
# The domain core must stay free of browser and UI crates, on every target, so
# that all of its rules are tested natively. Fails if any appears in its tree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bad='leptos|web-sys|js-sys|wasm-bindgen|gloo'
for target in x86_64-unknown-linux-gnu wasm32-unknown-unknown; do
  found="$(cargo tree -p fieldkit-core -e normal --target "$target" --prefix none | grep -E "^($bad)" || true)"
  if [[ -n "$found" ]]; then
    echo "fieldkit-core depends on browser/UI crates for $target:" >&2
    echo "$found" >&2
    exit 1
  fi
done
echo "fieldkit-core: no leptos, web-sys, js-sys, wasm-bindgen or gloo in its dependency tree"
