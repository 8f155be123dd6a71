#!/usr/bin/env bash
# Print the gzipped size (gzip -9) of every .wasm, .js and .css file in the
# trunk output folder, and the total: what a first visit downloads.
# Usage: scripts/bundle-size.sh [dist-dir]
set -euo pipefail

DIST="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist}"
[[ -d "$DIST" ]] || { echo "no $DIST: run 'make build' first" >&2; exit 1; }

total=0
printf '%10s %10s  %s\n' "raw B" "gzip B" "file"
while IFS= read -r -d '' f; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '%10d %10d  %s\n' "$raw" "$gz" "${f#"$DIST"/}"
done < <(find "$DIST" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0 | sort -z)
printf '%10s %10d  %s (%d KiB)\n' "" "$total" "total gzipped" $(((total + 1023) / 1024))
