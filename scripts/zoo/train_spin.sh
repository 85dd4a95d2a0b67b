#!/usr/bin/env bash
# Trains the shipped 'spin' model (spin-lcnet): GA-SPIN (colour transform + TPS) trained from its identity
# start, with the BiLSTM + attention decoder taken from rare's phase 1 (scripts/zoo/train_rare.sh, run
# 'rare') and PP-OCRv4's backbone kept frozen (run 'spin', ZOO_P1_STEPS at batch 16); then run 'spin-dec':
# the learned GA-SPIN held fixed and the decoder trained on (fast: no backward through the backbone),
# ZOO_P2_STEPS steps at batch 32, another seed; then run 'spin-tps2': GA-SPIN and the decoder trained together
# again at a lower rate, ZOO_P3_STEPS steps at batch 16; then run 'spin-ft2': GA-SPIN's colour outputs moved
# off their saturated start (scripts/zoo/colour_start.ts --scale 50 --gate=-3) and GA-SPIN + decoder trained
# together, ZOO_P4_STEPS steps at batch 16. Needs .zoo/runs/rare/weights. Same command again = resume.
# Output: .zoo/runs/spin-ft2/weights.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
test -f .zoo/runs/rare/weights/model.json || { echo "train_spin.sh: run scripts/zoo/train_rare.sh's phase 1 first (.zoo/runs/rare/weights)" >&2; exit 2; }
here=$(dirname "$0")
ZOO_STEPS=${ZOO_P1_STEPS:-250} ZOO_LR=3e-4 ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=125 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 \
  bash "$here/train.sh" spin-lcnet spin --freeze backbone --synth-style rich --init .zoo/runs/rare/weights "$@"
ZOO_STEPS=${ZOO_P2_STEPS:-2000} ZOO_LR=${ZOO_P2_LR:-3e-4} ZOO_WARMUP=50 ZOO_EVAL_EVERY=250 ZOO_SEED=3 \
  bash "$here/train.sh" spin-lcnet spin-dec --freeze transform,backbone --synth-style rich --init .zoo/runs/spin/weights "$@"
ZOO_STEPS=${ZOO_P3_STEPS:-300} ZOO_LR=${ZOO_P3_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=150 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=4 \
  bash "$here/train.sh" spin-lcnet spin-tps2 --freeze backbone --synth-style rich --init .zoo/runs/spin-dec/weights "$@"
test -f .zoo/init/spin-colour50/model.json ||
  node --import ./cli/register.mjs scripts/zoo/colour_start.ts --model .zoo/runs/spin-tps2/weights --out .zoo/init/spin-colour50 --scale 50 --gate=-3
ZOO_STEPS=${ZOO_P4_STEPS:-600} ZOO_LR=${ZOO_P4_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=150 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=5 \
  exec bash "$here/train.sh" spin-lcnet spin-ft2 --freeze backbone --synth-style rich --init .zoo/init/spin-colour50 "$@"
