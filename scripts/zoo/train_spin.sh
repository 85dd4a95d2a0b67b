#!/usr/bin/env bash
# Trains the shipped 'spin' model (spin-lcnet): GA-SPIN (colour transform + TPS) trained from its identity
# start, with the BiLSTM + attention decoder taken from rare's phase 1 (scripts/zoo/train_rare.sh, run
# 'rare') and PP-OCRv4's backbone kept frozen. Needs .zoo/runs/rare/weights. Same command again = resume.
set -euo pipefail
test -f .zoo/runs/rare/weights/model.json || { echo "train_spin.sh: run scripts/zoo/train_rare.sh's phase 1 first (.zoo/runs/rare/weights)" >&2; exit 2; }
export ZOO_STEPS=${ZOO_STEPS:-250} ZOO_LR=${ZOO_LR:-3e-4} ZOO_WARMUP=${ZOO_WARMUP:-25} ZOO_BATCH=${ZOO_BATCH:-16} ZOO_EVAL_EVERY=${ZOO_EVAL_EVERY:-125} ZOO_CKPT_EVERY=${ZOO_CKPT_EVERY:-50} ZOO_VAL_LIMIT=${ZOO_VAL_LIMIT:-300}
exec bash "$(dirname "$0")/train.sh" spin-lcnet spin --freeze backbone --synth-style rich --init .zoo/runs/rare/weights "$@"
