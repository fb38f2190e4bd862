#!/usr/bin/env bash
# Create the two environments oneshot-trl is tested in (idempotent: skips one whose pyproject.toml is unchanged):
#   .venv      the newest supported TRL: everything (GRPO, evaluation, demo); `--algo ppo` refuses in one line
#   .venv-ppo  TRL 1.12.x, the last series with PPOTrainer (the `ppo` extra): `--algo ppo`
# SETUP_ENVS="main" builds only .venv (what the demo needs).
# torch goes first, pinned: a bare `torch` requirement would pull a multi-GB CUDA build on a CPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

make_env() {  # make_env DIR EXTRAS
  local dir=$1 extras=$2
  [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
  local stamp="$dir/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q "torch==${TORCH_VERSION:-2.13.0}"
    # DeepSpeed (in the test extra) ships only a source archive: build it first, against the torch above, not
    # in an isolated build env (which would download a CUDA torch); the extra then finds it installed.
    # Its ops compile on first use; the CPU tests use none.
    "$dir/bin/python" -m pip install -q setuptools wheel
    "$dir/bin/python" -m pip install -q --no-build-isolation "deepspeed>=0.16"
    "$dir/bin/python" -m pip install -q -e ".[$extras]"
    rm -f "$dir"/.installed-* "$dir"/.trl-newest
    touch "$stamp"
  fi
}

make_env .venv test
# An older .venv keeps the TRL it has while it satisfies the bounds; the main environment is the newest TRL.
[ -f .venv/.trl-newest ] || { .venv/bin/python -m pip install -q --upgrade --upgrade-strategy only-if-needed \
  "$(.venv/bin/python -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"] if d.startswith("trl")))')" \
  && touch .venv/.trl-newest; }
if [ "${SETUP_ENVS:-all}" = all ]; then
  make_env .venv-ppo test,ppo
fi
