"""The same GRPO step on two TRL versions gives the same numbers: step-1 loss, KL and entropy, and the trained
model's per-token log-probabilities (TRL 1.15+ computes log-probs through a fused LM head; this checks that
the paper recipe's arithmetic did not move with it).

The other TRL is another environment's Python, named by ONESHOT_PARITY_PYTHON (scripts/test.sh points it at
.venv-ppo, TRL 1.12, while the suite runs on the newest TRL); without it the test is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import jsonl

pytestmark = [pytest.mark.slow, pytest.mark.trl_compat]
OTHER = os.environ.get("ONESHOT_PARITY_PYTHON")
# float32 on CPU; the two versions' kernels may sum in another order
METRIC_TOLERANCE, LOGPROB_TOLERANCE = 1e-5, 1e-4


def _trl_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import trl; print(trl.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _one_step(python: str, tiny_model, dsr, out) -> None:
    cmd = [
        python,
        "-m",
        "oneshot_trl",
        "train",
        "--model",
        str(tiny_model),
        "--dataset",
        str(dsr),
        "--recipe",
        "tiny-cpu",
        "--example-id",
        "pi1",
        "--max-steps",
        "1",
        "--save_strategy",
        "no",
        "--seed",
        "7",
        "--output-dir",
        str(out),
    ]
    proc = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.skipif(
    not OTHER, reason="set ONESHOT_PARITY_PYTHON to another TRL's environment (scripts/test.sh does)"
)
def test_step_one_agrees_across_trl_versions(tiny_model, dsr, tmp_path):
    versions = {"here": _trl_version(sys.executable), "there": _trl_version(OTHER)}
    assert versions["here"] != versions["there"], f"both environments have TRL {versions['here']}"
    for name, python in (("here", sys.executable), ("there", OTHER)):
        _one_step(python, tiny_model, dsr, tmp_path / name)
    rows = {name: jsonl(tmp_path / name / "metrics.jsonl")[0] for name in ("here", "there")}
    for key in ("loss", "kl", "entropy", "reward", "completions/mean_length"):
        assert rows["here"][key] == pytest.approx(rows["there"][key], abs=METRIC_TOLERANCE), (
            key,
            versions,
            rows,
        )
    from transformers import AutoModelForCausalLM

    ids = torch.arange(3, 60).unsqueeze(0)
    logprobs = {}
    for name in ("here", "there"):
        model = AutoModelForCausalLM.from_pretrained(tmp_path / name, dtype="float32").eval()
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, :-1]
        logprobs[name] = torch.log_softmax(logits, -1).gather(-1, ids[0, 1:, None]).squeeze(-1)
    assert torch.allclose(logprobs["here"], logprobs["there"], atol=LOGPROB_TOLERANCE), versions
    print(
        json.dumps(
            {
                "versions": versions,
                "max_logprob_diff": float((logprobs["here"] - logprobs["there"]).abs().max()),
            }
        )
    )
