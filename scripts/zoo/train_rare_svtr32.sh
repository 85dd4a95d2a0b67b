#!/usr/bin/env bash
# Trains 'rare' at 32×128 (preset rare-svtr32: rare-svtr's small TPS → PPLCNetV3 + PP-OCRv4's SVTR neck →
# BiLSTM(96)×2 → GRU attention 96 on 0.53× the pixels; issue 17's ≥ 50 words/s). Starts from rare-svtr
# (scripts/zoo/train_rare_svtr.sh's output, shipped as public/models/rare at commit f02984b; every tensor has
# the same name and shape, since only the input size and the final pool's kernel change). Without
# ZOO_RARE_INIT (a weights folder) it comes out of git into .zoo/init/. One phase, run 'rare-svtr32':
# everything trained with BatchNorm statistics frozen, Adam at ZOO_LR (default 1e-4), batch 16, a
# ZOO_STEPS-step cosine (default 1100) stopped after ZOO_UNTIL. Same command again = resume from the
# checkpoint. Output: .zoo/runs/rare-svtr32/weights.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/zoo/from_git.sh
rare=${ZOO_RARE_INIT:-.zoo/init/rare-svtr}
[ -n "${ZOO_RARE_INIT:-}" ] || from_git f02984b rare "$rare"
steps=${ZOO_STEPS:-1100}
ZOO_STEPS=$steps ZOO_LR=${ZOO_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_WIDTH=128 ZOO_EVAL_EVERY=250 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=9 \
  exec bash scripts/zoo/train.sh rare-svtr32 rare-svtr32 --bn frozen --until "${ZOO_UNTIL:-$steps}" --synth-style rich \
  --init "$rare" "$@"
