#!/usr/bin/env bash
# The offline demo: set up, then `oneshot demo` — build (or reuse) the testbed base model, record histories
# with full-set GRPO, pick π1 by historical variance, train 1-shot on π1, the format-reward baseline and
# full-set GRPO over 2 seeds, evaluate each, print the table and the computed conclusion, write plots.
# No GPU, no Hub. Extra arguments go to `oneshot demo` (e.g. --seeds 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_ENVS=demo bash scripts/setup.sh  # the demo needs only the main environment, without test extras
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
.venv/bin/oneshot demo "$@"
