#!/usr/bin/env bash
# Trains rare or spin on a smaller input: scripts/zoo/train_small.sh rare|spin 32|40|40h [extra `webstr train` options].
# 32: presets rare-svtr32 / spin-svtr32, 32×128 crops (0.53× the pixels of 48×160; PPLCNetV3's final pool 2×2).
# 40: presets rare-svtr40 / spin-svtr40, 40×128 crops (0.67× the pixels; the final pool stays 3×2).
# 40h (spin only): preset spin-svtr40h, spin-svtr40 with GA-SPIN's localisation network on the 20×64
#   average-pooled crop; give it ZOO_INIT=<spin-svtr40 weights> (same tensors).
# Both are rare-svtr's TPS or spin-svtr's GA-SPIN → PPLCNetV3 + PP-OCRv4's SVTR neck → BiLSTM(96)×2 → GRU
# attention 96 (issue 17's ≥ 50 words/s). Each starts from the 48×160 model shipped as public/models/<rare|spin>
# at commit f02984b (scripts/zoo/train_rare_svtr.sh's and train_spin_svtr.sh's outputs; every tensor has the
# same name and shape, since only the input size and the final pool's kernel change). Without ZOO_INIT (a
# weights folder) it comes out of git into .zoo/init/. One phase, run '<rare|spin>-svtr<size>': everything
# trained with BatchNorm statistics frozen, Adam at ZOO_LR (default 1e-4), batch 16, a ZOO_STEPS-step cosine
# (default 1100) stopped after ZOO_UNTIL. Same command again = resume from the checkpoint.
# Output: .zoo/runs/<rare|spin>-svtr<size>/weights (ZOO_OUT overrides the run folder).
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-}
case "$model" in
  rare) seed=9 ;;
  spin) seed=10 ;;
  *) echo "train_small.sh: expected rare or spin, got '$model' (--help)" >&2; exit 2 ;;
esac
size=${2:-}
case "$size" in
  32) ;;
  40) seed=$((seed + 3)) ;;
  40h)
    [ "$model" = spin ] || { echo "train_small.sh: 40h is a spin preset (spin-svtr40h)" >&2; exit 2; }
    seed=$((seed + 6)) ;;
  *) echo "train_small.sh: expected the input height 32 or 40, or 40h, got '$size' (--help)" >&2; exit 2 ;;
esac
shift 2
source scripts/zoo/from_git.sh
init=${ZOO_INIT:-.zoo/init/$model-svtr}
[ -n "${ZOO_INIT:-}" ] || from_git f02984b "$model" "$init"
steps=${ZOO_STEPS:-1100}
ZOO_STEPS=$steps ZOO_LR=${ZOO_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_WIDTH=128 ZOO_EVAL_EVERY=250 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=$seed \
  exec bash scripts/zoo/train.sh "$model-svtr$size" "$model-svtr$size" --bn frozen --until "${ZOO_UNTIL:-$steps}" --synth-style rich \
  --init "$init" "$@"
