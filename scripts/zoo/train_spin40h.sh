#!/usr/bin/env bash
# Trains the shipped 'spin' (preset spin-svtr40h: GA-SPIN with its localisation network on the 2×2-pooled crop →
# PPLCNetV3 + PP-OCRv4's SVTR neck → BiLSTM(96)×2 → GRU attention 96, 40×128 input; issue 17) from the 48×160
# spin shipped at commit f02984b (scripts/zoo/train_spin_svtr.sh's output), in four steps, each a
# scripts/zoo/train_small.sh phase (1,100 steps × 16, Adam, cosine, BatchNorm statistics frozen):
#   1. .zoo/runs/spin-svtr40: the 48×160 weights fine-tuned at 40×128 (preset spin-svtr40, seed 13);
#   2. .zoo/runs/spin-svtr40h: step 1's weights with the half-resolution localisation network (same tensors; seed 16);
#   3. .zoo/runs/spin-svtr40hb and .zoo/runs/spin-svtr40hc: two runs from step 2's weights (seed 18 at lr 1e-4,
#      seed 19 at lr 6e-5);
#   4. .zoo/runs/spin-svtr40h-soup/weights: the mean of step 3's two weight sets (scripts/zoo/soup.ts).
# The card (docs/models/spin.md) says why the average and how it was chosen (held-out zoo_val only).
# Running it again resumes the unfinished step from its checkpoint (a finished step stops at once).
# ZOO_PARALLEL=1 runs step 3's two runs at once (one per core; ~41 min each on this 2-core machine).
# Then: bash scripts/zoo/ship.sh spin .zoo/runs/spin-svtr40h-soup/weights
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/zoo/train_small.sh spin 40
ZOO_INIT=.zoo/runs/spin-svtr40/weights ZOO_OUT=.zoo/runs/spin-svtr40h bash scripts/zoo/train_small.sh spin 40h
b() { ZOO_INIT=.zoo/runs/spin-svtr40h/weights ZOO_OUT=.zoo/runs/spin-svtr40hb bash scripts/zoo/train_small.sh spin 40h --seed 18; }
c() { ZOO_LR=6e-5 ZOO_INIT=.zoo/runs/spin-svtr40h/weights ZOO_OUT=.zoo/runs/spin-svtr40hc bash scripts/zoo/train_small.sh spin 40h --seed 19; }
if [ "${ZOO_PARALLEL:-0}" = 1 ]; then
  b &
  pb=$!
  c
  wait "$pb"
else
  b
  c
fi
node --import ./cli/register.mjs scripts/zoo/soup.ts --out .zoo/runs/spin-svtr40h-soup/weights .zoo/runs/spin-svtr40hb/weights .zoo/runs/spin-svtr40hc/weights
