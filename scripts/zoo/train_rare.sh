#!/usr/bin/env bash
# Trains the shipped 'rare' model (rare-lcnet) in three phases on PP-OCRv4's frozen backbone:
#  1. run 'rare': BiLSTM + attention decoder, TPS held at its identity start (fast: no backward through
#     the backbone), ZOO_P1_STEPS steps;
#  2. run 'rare-tps': from phase 1's weights, the TPS trained too (its gradient passes back through the
#     frozen backbone: ~4× slower per sample), ZOO_P2_STEPS steps at batch 16;
#  3. run 'rare-dec': from phase 2's weights, the learned TPS held fixed and the decoder trained on
#     (fast again), ZOO_P3_STEPS steps, another seed (a fresh sample stream);
#  4. run 'rare-tps2': from phase 3's weights, the TPS and the decoder trained together again at a lower
#     rate, ZOO_P4_STEPS steps at batch 16;
#  5. run 'rare-ft': from phase 4's weights, everything trained, the backbone too, with BatchNorm statistics
#     frozen (--bn frozen), the cosine schedule of ZOO_P5_STEPS steps at batch 16 stopped after ZOO_P5_UNTIL.
# The same command again resumes whichever phase is unfinished. Output: .zoo/runs/rare-ft/weights;
# phase 1's weights are the "without TPS training" line of the card's ablation.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
here=$(dirname "$0")
ZOO_STEPS=${ZOO_P1_STEPS:-2000} ZOO_LR=${ZOO_P1_LR:-1e-3} ZOO_EVAL_EVERY=500 \
  bash "$here/train.sh" rare-lcnet rare --freeze transform,backbone --synth-style rich "$@"
ZOO_STEPS=${ZOO_P2_STEPS:-250} ZOO_LR=${ZOO_P2_LR:-3e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=125 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 \
  bash "$here/train.sh" rare-lcnet rare-tps --freeze backbone --synth-style rich --init .zoo/runs/rare/weights "$@"
ZOO_STEPS=${ZOO_P3_STEPS:-2000} ZOO_LR=${ZOO_P3_LR:-3e-4} ZOO_WARMUP=50 ZOO_EVAL_EVERY=250 ZOO_SEED=3 \
  bash "$here/train.sh" rare-lcnet rare-dec --freeze transform,backbone --synth-style rich --init .zoo/runs/rare-tps/weights "$@"
ZOO_STEPS=${ZOO_P4_STEPS:-300} ZOO_LR=${ZOO_P4_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=150 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=4 \
  bash "$here/train.sh" rare-lcnet rare-tps2 --freeze backbone --synth-style rich --init .zoo/runs/rare-dec/weights "$@"
ZOO_STEPS=${ZOO_P5_STEPS:-1200} ZOO_LR=${ZOO_P5_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=200 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=5 \
  exec bash "$here/train.sh" rare-lcnet rare-ft --bn frozen --until "${ZOO_P5_UNTIL:-756}" --synth-style rich --init .zoo/runs/rare-tps2/weights "$@"
