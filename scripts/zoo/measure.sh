#!/usr/bin/env bash
# The numbers of a zoo model's card and registry entry, with webstr's own eval (lowercase alnum, exact
# match, every sample): the three shared test sets and the held-out validation set in full, and the first
# $GATE crops of each test set (the browser gate of e2e/zoo.spec.ts). JSON reports go to $OUT.
#   bash scripts/zoo/measure.sh crnn            # a shipped name, or a weights folder
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1
OUT=${OUT:-.zoo/measure/$(basename "$model")}
GATE=${GATE:-200}
L=../shared/data/lmdb
mkdir -p "$OUT"
node cli/webstr.mjs eval --model "$model" --data $L/iiit5k_3000 $L/svt_647 $L/ic15_2077 .zoo/data/zoo_val --json "$OUT/full.json" "${@:2}"
node cli/webstr.mjs eval --model "$model" --data $L/iiit5k_3000 $L/svt_647 $L/ic15_2077 --limit "$GATE" --json "$OUT/gate.json" "${@:2}"
node -e '
const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const g = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const rows = (r) => (r.datasets ?? r.summary?.datasets ?? []).map((d) => `${d.dataset}: ${d.accuracy.toFixed(2)} (${d.samples})`).join(", ");
console.log("full: " + rows(f));
console.log("gate: " + rows(g));
' "$OUT/full.json" "$OUT/gate.json"
