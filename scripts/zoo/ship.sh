#!/usr/bin/env bash
# Copies a zoo run's float16 weights into the served, committed folder of a shipped model:
#   bash scripts/zoo/ship.sh crnn .zoo/runs/crnn/weights
# then `npm run models` lists it in models/index.json (size, SHA-256). The registry entry
# (src/recognize/registry.ts) carries its accuracy and CI gate, measured by scripts/zoo/measure.sh.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1
src=$2
test -f "$src/model.json" || { echo "ship.sh: $src/model.json not found" >&2; exit 2; }
size=$(du -cb "$src"/* | tail -1 | cut -f1)
if [ "$size" -gt 8000000 ]; then echo "ship.sh: $src is $size bytes (> 8 MB: train with --float16)" >&2; exit 2; fi
rm -rf "public/models/$name.tmp" && mkdir -p "public/models/$name.tmp"
cp "$src"/* "public/models/$name.tmp/"
printf '# `%s` weights\n\nTrained by webstr (float16 tf.io weights + webstr metadata). Model card — data, initialisation, the command that reproduces these weights, measured accuracy and speed: [docs/models/%s.md](../../../docs/models/%s.md).\n' "$name" "$name" "$name" > "public/models/$name.tmp/README.md"
rm -rf "public/models/$name" && mv "public/models/$name.tmp" "public/models/$name"
echo "public/models/$name: $(ls "public/models/$name" | tr '\n' ' ')($size bytes)"
