#!/usr/bin/env bash
# Trains the shipped 'spin' model (spin-lcnet). Same command again = resume. Env: ZOO_STEPS, ZOO_BATCH, ZOO_OUT, ZOO_SYNTH, ZOO_LR… (scripts/zoo/train.sh).
set -euo pipefail
# spin-lcnet aborts tfjs-wasm at batch 16 (memory access out of bounds; batch 8 runs): 8 until that is fixed.
export ZOO_BATCH=${ZOO_BATCH:-8}
exec bash "$(dirname "$0")/train.sh" spin-lcnet spin "$@"
