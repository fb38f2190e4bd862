"""Scale-out: PPO with a learned critic, and GRPO/PPO under DeepSpeed ZeRO-2/3 with 2 CPU processes (gloo)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from oneshot_trl.cli import main

from conftest import jsonl

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def ppo(tmp_path, tiny_model, dsr, *extra, expect=0):
    out = tmp_path / "ppo"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "train",
                "--algo",
                "ppo",
                "--model",
                str(tiny_model),
                "--dataset",
                str(dsr),
                "--recipe",
                "ppo-tiny-cpu",
                "--output-dir",
                str(out),
                *extra,
            ]
        )
    assert info.value.code == expect
    return out


@pytest.mark.ppo
def test_verifiable_reward_model_grades_decoded_responses(tiny_model):
    from oneshot_trl.modeling import load_tokenizer
    from oneshot_trl.trainers.ppo import VerifiableRewardModel

    tok = load_tokenizer(tiny_model)
    prompt = tok("Q: 12.8?", add_special_tokens=False)["input_ids"]
    rm = VerifiableRewardModel(tok, {tuple(prompt): {"answer": "12.8", "index": 124, "example_id": "pi1"}})
    good = prompt + tok(" so \\boxed{\\frac{64}{5}}", add_special_tokens=False)["input_ids"]
    bad = prompt + tok(" so \\boxed{13}", add_special_tokens=False)["input_ids"]
    pad = tok.pad_token_id
    width = max(len(good), len(bad)) + 2
    ids = torch.tensor([[pad] * (width - len(good)) + good, bad + [pad] * (width - len(bad))])
    from trl.experimental.utils import get_reward

    _, scores, _ = get_reward(rm, ids, pad, len(prompt))  # TRL's own call path
    assert scores.tolist() == [1.0, 0.0]
    assert [p["correct"] for p in rm.pending] == [True, False]


@pytest.mark.ppo
def test_ppo_trains_with_records_and_resumes(tmp_path, tiny_model, dsr):
    out = ppo(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "2")
    record = json.loads((out / "run.json").read_text())
    assert record["run_config"]["algo"] == "ppo" and record["trainer_config"]["gamma"] == 1.0
    metrics = jsonl(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2]
    assert "oneshot/train_accuracy" in metrics[0] and "loss/value_avg" in metrics[0]
    history = jsonl(out / "history.jsonl")
    assert [(h["step"], h["index"], h["total"]) for h in history] == [(1, 124, 8), (2, 124, 8)]
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=2, do_sample=False).shape[1] >= 4
    # resume: a 4-step run continues from checkpoint-2 and numbers its steps 3 and 4
    with pytest.raises(SystemExit) as info:
        main(
            [
                "train",
                "--algo",
                "ppo",
                "--model",
                str(tiny_model),
                "--dataset",
                str(dsr),
                "--recipe",
                "ppo-tiny-cpu",
                "--output-dir",
                str(out),
                "--example-id",
                "pi1",
                "--max-steps",
                "4",
                "--resume",
            ]
        )
    assert info.value.code == 0
    assert [m["step"] for m in jsonl(out / "metrics.jsonl")] == [1, 2, 3, 4]
    assert [h["step"] for h in jsonl(out / "history.jsonl")] == [1, 2, 3, 4]


@pytest.mark.ppo
def test_ppo_resume_without_a_critic_is_one_line_and_keeps_the_record(tmp_path, tiny_model, dsr, capsys):
    """A PPO checkpoint with no critic (what a run under DeepSpeed saves) cannot resume: say so before
    anything is rewritten, instead of calling it 'not a oneshot PPO checkpoint'."""
    out = ppo(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "2")
    (out / "checkpoint-2" / "value_model.safetensors").unlink()
    record, metrics = (out / "run.json").read_text(), (out / "metrics.jsonl").read_text()
    capsys.readouterr()
    ppo(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "4", "--resume", expect=2)
    err = capsys.readouterr().err
    assert (
        "no complete checkpoint" in err
        and "PPO under DeepSpeed saves no critic" in err
        and "--overwrite" in err
    )
    assert (out / "run.json").read_text() == record and (out / "metrics.jsonl").read_text() == metrics


def test_ppo_without_trl_ppo_fails_with_one_line(monkeypatch, capsys):
    import builtins

    import oneshot_trl.trainers.ppo  # noqa: F401  (imported with TRL's PPO in place: its config class must not change for later tests)

    real_import = builtins.__import__

    def no_ppo(name, *args, **kwargs):
        if name.startswith("trl.experimental.ppo"):
            raise ImportError("no PPO in this TRL")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ppo)
    with pytest.raises(SystemExit) as info:
        main(["train", "--algo", "ppo", "--model", "x", "--example-id", "pi1"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert (
        "needs TRL 1.12.x" in err and "pip install 'oneshot-trl[ppo]'" in err and len(err.splitlines()) == 1
    )
    # the run's own option errors come first: a LoRA request is refused for what it is
    with pytest.raises(SystemExit) as info:
        main(["train", "--algo", "ppo", "--model", "x", "--example-id", "pi1", "--use-peft"])
    assert info.value.code == 2
    assert "--use-peft is supported with --algo grpo only" in capsys.readouterr().err


requires_deepspeed = pytest.mark.skipif(
    importlib.util.find_spec("deepspeed") is None, reason="the deepspeed extra is not installed"
)


def launch_two_processes(config: str, out: Path, port: int, *train_args: str, env_extra: dict | None = None):
    env = dict(os.environ, OMP_NUM_THREADS="1", MASTER_PORT=str(port), **(env_extra or {}))
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or "accelerate"
    cmd = [
        accelerate,
        "launch",
        "--config_file",
        str(ROOT / "accelerate_configs" / "cpu" / config),
        str(ROOT / "cli.py"),
        "train",
        "--output-dir",
        str(out),
        *train_args,
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


@requires_deepspeed
@pytest.mark.parametrize("stage", [2, 3])
@pytest.mark.parametrize("algo", ["grpo", pytest.param("ppo", marks=pytest.mark.ppo)])
def test_deepspeed_zero_on_two_cpu_processes(tmp_path, tiny_model, dsr, shared_data, stage, algo):
    """2 processes under ZeRO-2/3; the GRPO runs also validate in training every step (every rank takes
    part: under ZeRO-3 validation on rank 0 alone never finished)."""
    out = tmp_path / f"{algo}-zero{stage}"
    recipe = "tiny-cpu" if algo == "grpo" else "ppo-tiny-cpu"
    validation = (
        [
            "--eval-every",
            "1",
            "--eval-benchmarks",
            "math500",
            "--eval-limit",
            "3",
            "--eval-data-dir",
            str(shared_data),
            "--eval_max_tokens",
            "4",
        ]
        if algo == "grpo"
        else []
    )
    proc = launch_two_processes(
        f"zero{stage}.yaml",
        out,
        29500 + stage + (10 if algo == "ppo" else 0),
        "--algo",
        algo,
        "--model",
        str(tiny_model),
        "--dataset",
        str(dsr),
        "--recipe",
        recipe,
        "--example-id",
        "pi1",
        "--max-steps",
        "2",
        "--per_device_train_batch_size",
        "4",
        *validation,
        env_extra={"DS_ACCELERATOR": "cpu"},
    )
    # Judge by artefacts, not only the exit code (a rare teardown abort was seen after a finished run).
    assert (out / "run.json").exists(), proc.stderr[-4000:]
    metrics = jsonl(out / "metrics.jsonl")
    # one writer: no duplicated rows; with validation, step 0 is the check before training
    assert [m["step"] for m in metrics] == ([0, 1, 2] if validation else [1, 2]), proc.stderr[-4000:]
    history = jsonl(out / "history.jsonl")
    assert [h["step"] for h in history] == [1, 2]
    # Each step's history holds both ranks' rollouts
    assert all(h["total"] == 16 if algo == "grpo" else h["total"] == 8 for h in history)
    assert json.loads((out / "run.json").read_text())["world_size"] == 2
    if validation:
        assert all(0.0 <= m["eval/math500/accuracy"] <= 1.0 for m in metrics), metrics
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=2, do_sample=False).shape[1] >= 4


def test_in_training_validation_under_ddp_on_two_cpu_processes(tmp_path, tiny_model, dsr, shared_data):
    """Plain DDP on CPU: torchrun with 2 processes over gloo (accelerate's MULTI_CPU launch starts one)."""
    out = tmp_path / "ddp"
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    cmd = [
        torchrun,
        "--nproc_per_node",
        "2",
        "--master_port",
        "29530",
        str(ROOT / "cli.py"),
        "train",
        "--output-dir",
        str(out),
        "--model",
        str(tiny_model),
        "--dataset",
        str(dsr),
        "--recipe",
        "tiny-cpu",
        "--example-id",
        "pi1",
        "--max-steps",
        "2",
        "--per_device_train_batch_size",
        "4",
        "--ddp_backend",
        "gloo",
        "--use_cpu",
        "true",
        "--eval-every",
        "1",
        "--eval-benchmarks",
        "math500",
        "--eval-limit",
        "3",
        "--eval-data-dir",
        str(shared_data),
        "--eval_max_tokens",
        "4",
    ]
    proc = subprocess.run(
        cmd, env=dict(os.environ, OMP_NUM_THREADS="1"), capture_output=True, text=True, timeout=900
    )
    metrics = jsonl(out / "metrics.jsonl") if (out / "metrics.jsonl").exists() else []
    assert [m["step"] for m in metrics] == [0, 1, 2], proc.stderr[-4000:]  # step 0: the check before training
    assert json.loads((out / "run.json").read_text())["world_size"] == 2
    assert all("eval/math500/accuracy" in m for m in metrics)


def test_use_vllm_without_vllm_fails_with_one_line(capsys, tmp_path):
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here")
    with pytest.raises(SystemExit) as info:
        main(
            [
                "train",
                "--model",
                "x",
                "--example-id",
                "pi1",
                "--recipe",
                "tiny-cpu",
                "--use-vllm",
                "--output-dir",
                str(tmp_path / "v"),
            ]
        )
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--use-vllm needs vLLM (GPU only): pip install 'oneshot-trl[vllm]'" in err
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize("flags, expected", [([], "colocate"), (["--vllm-mode", "server"], "server")])
def test_vllm_flags_map_onto_grpo_config(monkeypatch, flags, expected):
    """What `oneshot train --use-vllm [--vllm-mode M]` puts in the config: colocate unless told otherwise (no
    `trl vllm-serve` to start), and any GRPOConfig vLLM field."""
    import importlib.util

    import oneshot_trl.train as train

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "vllm" else real_find_spec(name, *a)
    )
    seen = {}

    def stop(run, args):
        seen["args"] = args
        raise SystemExit(0)

    monkeypatch.setattr(train, "run_training", stop)
    with pytest.raises(SystemExit):
        main(
            [
                "train",
                "--model",
                "x",
                "--recipe",
                "tiny-cpu",
                "--use-vllm",
                *flags,
                "--vllm_server_port",
                "8123",
            ]
        )
    args = seen["args"]
    assert args.use_vllm is True and args.vllm_mode == expected and args.vllm_server_port == 8123
