#!/usr/bin/env bash
# Create .venv with everything oneshot-trl needs (idempotent: skips when pyproject.toml is unchanged).
# torch goes first, pinned: a bare `torch` requirement would pull a multi-GB CUDA build on a CPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==${TORCH_VERSION:-2.13.0}"
  # DeepSpeed (in the test extra) ships only a source archive: build it first, against the torch above, not
  # in an isolated build env (which would download a CUDA torch); the extra then finds it installed.
  # Its ops compile on first use; the CPU tests use none.
  .venv/bin/python -m pip install -q setuptools wheel
  .venv/bin/python -m pip install -q --no-build-isolation "deepspeed>=0.16"
  .venv/bin/python -m pip install -q -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
