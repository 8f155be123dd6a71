#!/usr/bin/env bash
# Print the gzipped size (gzip -9) of every file a visit downloads from the
# release build, then:
#   - the first visit: index.html, the app's main module and its JS, the CSS,
#     the service worker and the web manifest (the studies list and a study's
#     overview need nothing else);
#   - each part of the app (scripts/build-app.sh), loaded when one of its
#     screens is first opened: its own file plus the shared chunks it needs;
#     (team sync's part also loads PouchDB and public/sync.js);
#   - participant mode in all (first visit + its part), the files worker (loaded
#     when an XLSX or REFI-QDA file is made or read), and the total of every file.
# Usage: scripts/bundle-size.sh [dist-dir]
set -euo pipefail

DIST="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist}"
[[ -d "$DIST" ]] || { echo "no $DIST: run 'make build' first" >&2; exit 1; }

python3 - "$DIST" <<'EOF'
import gzip, os, re, sys

dist = sys.argv[1]
def gz(path):
    with open(path, 'rb') as f:
        data = f.read()
    return len(data), len(gzip.compress(data, 9, mtime=0))

files = {}
for root, _, names in os.walk(dist):
    if '/.stage' in root:
        continue
    for name in names:
        if name.endswith(('.wasm', '.js', '.css', '.html', '.webmanifest')):
            path = os.path.join(root, name)
            files[os.path.relpath(path, dist)] = gz(path)

print(f"{'raw B':>10} {'gzip B':>10}  file")
for name in sorted(files):
    raw, packed = files[name]
    print(f"{raw:10d} {packed:10d}  {name}")

app_dirs = sorted({n.split('/')[0] for n in files if n.startswith('app-')})
if len(app_dirs) != 1:
    sys.exit(f"expected one app-<hash> folder in {dist}, found {app_dirs}")
app = app_dirs[0]
link = open(os.path.join(dist, app, '__wasm_split.js'), encoding='utf-8').read()

# A part is `export const __wasm_split_load_<part> = ...("./split_<part>.wasm") ..., [__chunk_N, ...]`.
parts = {}
for m in re.finditer(r'__wasm_split_load_(\w+) = .*?"\./(split_\w+\.wasm)".*?\[([^\]]*)\]\)\);', link, re.S):
    chunks = [f"chunk_{n}.wasm" for n in re.findall(r'__chunk_(\d+)', m.group(3))]
    parts[m.group(1)] = [m.group(2)] + chunks
in_parts = {f"{app}/{f}" for fs in parts.values() for f in fs}
on_demand = {n for n in files if 'files-worker' in n}
# Team sync's scripts (PouchDB and the app's calls into it) load with its part.
sync_scripts = [f"{app}/pouchdb.min.js", f"{app}/sync.js"]
on_demand_sync = {n for n in sync_scripts if n in files}
first = [n for n in files if n not in in_parts and n not in on_demand and n not in on_demand_sync]

def total(names):
    return sum(files[n][1] for n in names)
def line(value, what):
    print(f"{'':10s} {value:10d}  {what} ({(value + 1023) // 1024} KiB)")

line(total(first), f"first visit, gzipped: {', '.join(sorted(first))}")
for part, fs in sorted(parts.items()):
    extra = sorted(on_demand_sync) if part == 'sync_part' else []
    scripts = f" + {', '.join(os.path.basename(n) for n in extra)}" if extra else ""
    line(total([f"{app}/{f}" for f in fs] + extra), f"part {part}, gzipped ({fs[0]} + {len(fs) - 1} shared chunks{scripts})")
if 'participant_part' in parts:
    line(total(first) + total(f"{app}/{f}" for f in parts['participant_part']),
         "participant mode in all (first visit + its part), gzipped")
line(total(on_demand), "on demand (files worker), gzipped")
line(total(files), "total, every file once, gzipped")
EOF
