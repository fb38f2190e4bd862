#!/usr/bin/env bash
# Set up and run the whole test suite (extra arguments go to pytest), on both supported TRLs:
#   1. every test on the newest TRL (.venv); the PPO tests skip there (no PPOTrainer after TRL 1.12), and the
#      step-1 parity test compares this TRL with 1.12 (.venv-ppo);
#   2. the PPO tests and TRL's contract with this package (hooks) on TRL 1.12 (.venv-ppo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_NUM_THREADS=1
echo "== the suite on TRL $(.venv/bin/python -c 'import trl; print(trl.__version__)') (.venv)"
ONESHOT_PARITY_PYTHON="$PWD/.venv-ppo/bin/python" .venv/bin/python -m pytest "$@"
echo "== the PPO tests and the TRL contract on TRL $(.venv-ppo/bin/python -c 'import trl; print(trl.__version__)') (.venv-ppo)"
.venv-ppo/bin/python -m pytest -m "ppo or trl_compat" "$@"
