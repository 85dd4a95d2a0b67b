#!/usr/bin/env bash
# Trains the shipped 'rare' model (rare-lcnet). Same command again = resume. Env: ZOO_STEPS, ZOO_BATCH, ZOO_OUT, ZOO_SYNTH, ZOO_LR… (scripts/zoo/train.sh).
set -euo pipefail

exec bash "$(dirname "$0")/train.sh" rare-lcnet rare "$@"
