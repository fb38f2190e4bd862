#!/usr/bin/env bash
# Set up and run the whole test suite (extra arguments go to pytest), on both supported TRLs:
#   1. every test on the newest TRL (.venv); the PPO tests skip there (no PPOTrainer after TRL 1.12), and the
#      step-1 parity test compares this TRL with 1.12 (.venv-ppo);
#   2. the PPO tests and TRL's contract with this package (hooks) on TRL 1.12 (.venv-ppo).
# Two more checks, each in an environment of its own (CI runs all three: .ci/run):
#   bash scripts/test.sh --lowest  the lowest versions pyproject.toml allows (uv's lowest-direct resolution:
#       each declared dependency at its floor) in .venv-lowest, then the CLI, data and reward tests there;
#   bash scripts/test.sh --wheel   the wheel installed as users install it (not editable, today's releases) in
#       a new .venv-wheel, then the CLI from outside the checkout: every --help, `examples list`, and one
#       `tiny-cpu` training step from the recipe in the installed package.
# torch is pinned everywhere (a bare `torch` requirement pulls a multi-GB CUDA build) and installed by pip, which
# finds this machine's CPU build; uv then keeps that torch.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
PYTHON=${PYTHON:-python3}
TORCH="torch==${TORCH_VERSION:-2.13.0}"

new_env() {  # new_env DIR: a fresh venv with the pinned torch and uv
  rm -rf "$1"
  "$PYTHON" -m venv "$1"
  # torch alone, not byte-compiled (that was 85 s of pip's 105 s here; the tests here import little of it); uv
  # installs its dependencies, compiled (sympy, imported uncompiled by each reward worker, outlasted the
  # workers' 1 s checks on a busy machine; PYTHONDONTWRITEBYTECODE may keep Python from caching it)
  "$1/bin/python" -m pip install -q --no-compile --no-deps "$TORCH" uv
}

uv_install() {  # uv_install DIR ARGS...: uv pip install into DIR's venv, keeping its torch build
  local torch_built
  torch_built=$("$1/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))')
  "$1/bin/uv" pip install -q --compile-bytecode --python "$1/bin/python" "torch==$torch_built" "${@:2}"
}

case "${1:-}" in
--lowest)
  shift
  stamp=".venv-lowest/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    new_env .venv-lowest
    # pytest and hypothesis at the test extra's floors too
    mapfile -t test_tools < <("$PYTHON" -c 'import tomllib
for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["test"]:
    if d.startswith(("pytest", "hypothesis")): print(d)')
    uv_install .venv-lowest --resolution lowest-direct -e . "${test_tools[@]}"
    touch "$stamp"
  fi
  echo "== the CLI, data and reward tests on the lowest versions allowed (.venv-lowest):"
  .venv-lowest/bin/python -c 'import importlib.metadata as m
print(", ".join(f"{p} {m.version(p)}" for p in ("torch", "trl", "transformers", "datasets", "peft", "accelerate",
      "math-verify", "typer", "click", "rich", "numpy", "matplotlib", "pyyaml", "requests")))'
  .venv-lowest/bin/python -m pytest tests/test_cli.py tests/test_cli_errors.py tests/test_data_url.py \
    tests/test_examples_data.py tests/test_rewards.py tests/test_rewards_faults.py tests/test_rewards_fuzz.py \
    tests/test_rewards_soundness.py "$@"
  ;;
--wheel)
  shift
  new_env .venv-wheel
  rm -rf build/wheel
  .venv-wheel/bin/uv build -q --wheel --out-dir build/wheel .
  wheel=$(ls build/wheel/oneshot_trl-*.whl)
  # Every file of the package in the checkout is in the wheel (the recipes, and any data file added later).
  git ls-files oneshot_trl | "$PYTHON" -c 'import sys, zipfile
inside = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [f for f in sys.stdin.read().split() if f not in inside]
sys.exit(f"not in the wheel (add them to package-data in pyproject.toml): {missing}" if missing else 0)' "$wheel"
  uv_install .venv-wheel "$wheel"
  echo "== the wheel $wheel, installed in .venv-wheel, run from outside the checkout"
  bin=$PWD/.venv-wheel/bin
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cd "$work"
  export HF_HUB_OFFLINE=1
  "$bin/python" -c 'import oneshot_trl, sys; sys.exit(None if "/site-packages/" in oneshot_trl.__file__ else
                    f"oneshot_trl imported from {oneshot_trl.__file__}, not from the installed wheel")'
  "$bin/oneshot" --help > /dev/null
  "$bin/python" -m oneshot_trl --help > /dev/null
  for command in train "examples list" "examples show" select-examples eval "eval compare" "testbed build" \
      "testbed tiny" demo; do
    # shellcheck disable=SC2086  # the command's words
    "$bin/oneshot" $command --help > /dev/null
  done
  "$bin/oneshot" examples list | grep -q pi1209
  "$bin/oneshot" testbed tiny model > /dev/null
  printf '{"problem": "What is 1+1?", "answer": "2"}\n' > problems.jsonl
  "$bin/oneshot" train --recipe tiny-cpu --model model --dataset problems.jsonl --example-id 0 --max-steps 1 \
    --output-dir run
  test -s run/history.jsonl && test -s run/run.json
  echo "wheel check passed: every --help, examples list, one tiny-cpu step (recipe from the installed package)"
  ;;
*)
  bash scripts/setup.sh
  echo "== the suite on TRL $(.venv/bin/python -c 'import trl; print(trl.__version__)') (.venv)"
  ONESHOT_PARITY_PYTHON="$PWD/.venv-ppo/bin/python" .venv/bin/python -m pytest "$@"
  echo "== the PPO tests and the TRL contract on TRL $(.venv-ppo/bin/python -c 'import trl; print(trl.__version__)') (.venv-ppo)"
  .venv-ppo/bin/python -m pytest -m "ppo or trl_compat" "$@"
  ;;
esac
