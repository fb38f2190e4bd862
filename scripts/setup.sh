#!/usr/bin/env bash
# Create the two environments oneshot-trl is tested in (idempotent: skips one whose pyproject.toml is unchanged):
#   .venv      the newest supported TRL: everything (GRPO, evaluation, demo); `--algo ppo` refuses in one line
#   .venv-ppo  TRL 1.12.x, the last series with PPOTrainer (the `ppo` extra): `--algo ppo`
# SETUP_ENVS="main" builds only .venv; "demo" builds only .venv with the runtime (no test extras: what the
# demo needs, in less time); `bash scripts/test.sh` later adds the test extras to it.
# torch is pinned in every pip call that installs it: a bare `torch` requirement would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

make_env() {  # make_env DIR EXTRAS (EXTRAS empty: the runtime only)
  local dir=$1 extras=$2
  [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
  local hash
  hash=$(sha1sum pyproject.toml | cut -c1-12)
  local stamp="$dir/.installed-$hash-${extras:-runtime}"
  # Done when these extras were installed from this pyproject.toml; the runtime is part of every install.
  [ -f "$stamp" ] && return
  [ -z "$extras" ] && compgen -G "$dir/.installed-$hash-*" > /dev/null && return
  local torch="torch==${TORCH_VERSION:-2.13.0}"
  if [[ ",$extras," == *,test,* ]]; then
    # DeepSpeed (in the test extra) ships only a source archive: build it first, against the torch above, not
    # in an isolated build env (which would download a CUDA torch); the extra then finds it installed.
    # Its ops compile on first use; the CPU tests use none.
    "$dir/bin/python" -m pip install -q "$torch"
    "$dir/bin/python" -m pip install -q setuptools wheel
    "$dir/bin/python" -m pip install -q --no-build-isolation "deepspeed>=0.16"
  fi
  # The pinned torch in the same resolve as the package: nothing can pull another torch in (one pip call also
  # saves a resolve, ~10 s of the demo's set-up).
  "$dir/bin/python" -m pip install -q "$torch" -e ".${extras:+[$extras]}"
  find "$dir" -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete  # an older pyproject's
  rm -f "$dir/.trl-newest"
  touch "$stamp"
}

if [ "${SETUP_ENVS:-all}" = demo ]; then
  make_env .venv ""
else
  make_env .venv test
fi
# An older .venv keeps the TRL it has while it satisfies the bounds; the main environment is the newest TRL.
[ -f .venv/.trl-newest ] || { .venv/bin/python -m pip install -q --upgrade --upgrade-strategy only-if-needed \
  "$(.venv/bin/python -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"] if d.startswith("trl")))')" \
  && touch .venv/.trl-newest; }
if [ "${SETUP_ENVS:-all}" = all ]; then
  make_env .venv-ppo test,ppo
fi
