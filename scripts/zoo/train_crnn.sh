#!/usr/bin/env bash
# Trains the shipped 'crnn' model (crnn-lcnet): a BiLSTM + CTC head on PP-OCRv4's backbone, kept frozen.
# Same command again = resume. Env overrides: ZOO_STEPS, ZOO_BATCH, ZOO_LR, ZOO_OUT… (scripts/zoo/train.sh).
# Output: .zoo/runs/crnn/weights (float16), copied to public/models/crnn by scripts/zoo/ship.sh.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
export ZOO_STEPS=${ZOO_STEPS:-3500} ZOO_LR=${ZOO_LR:-1e-3} ZOO_EVAL_EVERY=${ZOO_EVAL_EVERY:-500}
exec bash "$(dirname "$0")/train.sh" crnn-lcnet crnn --freeze backbone --synth-style rich "$@"
