#!/usr/bin/env bash
# Print the gzipped size (gzip -9) of every .wasm, .js and .css file in the
# trunk output folder, the total a first visit downloads, and what is loaded only
# on demand (web workers, e.g. the XLSX writer, fetched when a workbook is made).
# Usage: scripts/bundle-size.sh [dist-dir]
set -euo pipefail

DIST="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist}"
[[ -d "$DIST" ]] || { echo "no $DIST: run 'make build' first" >&2; exit 1; }

total=0
on_demand=0
printf '%10s %10s  %s\n' "raw B" "gzip B" "file"
while IFS= read -r -d '' f; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  case "$f" in
    *-worker*) on_demand=$((on_demand + gz)) ;;
    *) total=$((total + gz)) ;;
  esac
  printf '%10d %10d  %s\n' "$raw" "$gz" "${f#"$DIST"/}"
done < <(find "$DIST" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0 | sort -z)
printf '%10s %10d  %s (%d KiB)\n' "" "$total" "first visit, gzipped" $(((total + 1023) / 1024))
printf '%10s %10d  %s (%d KiB)\n' "" "$on_demand" "on demand (workers), gzipped" $(((on_demand + 1023) / 1024))
