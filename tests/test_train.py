"""``oneshot train`` through the real CLI on the tiny model: records, mixes, full set, LoRA, entropy-only,
resume after SIGKILL, bad input; and the trainer's contract with TRL (hooks, entropy bonus, pg_coef)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from oneshot_trl.cli import main

from conftest import jsonl

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def train(tmp_path, tiny_model, dsr, *extra, name="run", expect=0, capsys=None):
    out = tmp_path / name
    argv = [
        "train",
        "--model",
        str(tiny_model),
        "--dataset",
        str(dsr),
        "--recipe",
        "tiny-cpu",
        "--output-dir",
        str(out),
        *extra,
    ]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == expect
    return out


@pytest.fixture
def small_set(tmp_path):
    path = tmp_path / "small.jsonl"
    rows = [{"problem": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(8)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_single_example_records_everything(tmp_path, tiny_model, dsr):
    out = train(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "3", "--seed", "7")
    record = json.loads((out / "run.json").read_text())
    [example] = record["examples"]
    assert example == {
        "id": "pi1",
        "index": 124,
        "answer": "12.8",
        "problem_sha256": example["problem_sha256"],
        "problem": example["problem"],
        # how it was chosen and its score, from the paper's ranking and DSR-sub's own columns
        "selection": {
            "method": "historical variance of training accuracy (the paper's π ranking)",
            "hv_rank": 1,
            "hv_std": example["selection"]["hv_std"],
            "hv_mean_acc": example["selection"]["hv_mean_acc"],
            "hv_n_epochs": example["selection"]["hv_n_epochs"],
        },
    }
    assert len(example["problem_sha256"]) == 16 and example["problem"].startswith("The pressure")
    assert example["selection"]["hv_std"] > 0.4
    # the recipe and what the command line set on top of it (the model card lists these)
    assert record["recipe"]["recipe"] == "tiny-cpu"
    assert {"example_id", "max_steps", "seed", "model_name_or_path"} <= set(record["recipe"]["changed"])
    assert (out / "README.md").read_text().startswith("---\n")
    assert record["seed"] == 7 and record["trainer_config"]["seed"] == 7
    assert record["run_config"]["example_id"] == "pi1" and record["trainer_config"]["entropy_coef"] == 0.001
    assert {
        "python",
        "torch",
        "trl",
        "transformers",
        "peft",
        "accelerate",
        "deepspeed",
        "math-verify",
    } <= set(record["versions"])
    assert "git_sha" in record and record["command"]
    metrics = jsonl(out / "metrics.jsonl")
    assert [m["step"] for m in metrics] == [1, 2, 3]
    for key in (
        "reward",
        "entropy",
        "kl",
        "oneshot/train_accuracy",
        "oneshot/distinct_answers",
        "oneshot/distinct_2",
        "oneshot/reflection_rate",
        "oneshot/mean_response_tokens",
        "math_reward/no_answer_rate",
    ):
        assert key in metrics[0], key
    history = jsonl(out / "history.jsonl")
    assert [(h["step"], h["index"], h["total"]) for h in history] == [(s, 124, 16) for s in (1, 2, 3)]
    config = json.loads((out / "config.json").read_text())
    assert config.get("dtype", config.get("torch_dtype")) == "float32"  # the training dtype, saved
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=3, do_sample=False).shape[1] >= 4


def test_saved_config_carries_bf16_training_dtype(tmp_path, tiny_model, dsr):
    out = train(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "1", "--dtype", "bfloat16")
    config = json.loads((out / "config.json").read_text())
    assert config.get("dtype", config.get("torch_dtype")) == "bfloat16"


def test_few_shot_mix_splits_copies_and_logs_each_example(tmp_path, tiny_model, dsr):
    out = train(tmp_path, tiny_model, dsr, "--example-id", "pi1,pi13", "--max-steps", "2")
    history = jsonl(out / "history.jsonl")
    assert [(h["step"], h["index"], h["total"]) for h in history] == [
        (1, 124, 8),
        (1, 682, 8),
        (2, 124, 8),
        (2, 682, 8),
    ]
    metrics = jsonl(out / "metrics.jsonl")
    assert "oneshot/accuracy/pi1" in metrics[0] and "oneshot/accuracy/pi13" in metrics[0]


def test_full_set_run_records_per_epoch_history(tmp_path, tiny_model, small_set):
    out = train(tmp_path, tiny_model, small_set, "--max-steps", "4")  # 4 prompts/step, 8 problems: 2 epochs
    history = jsonl(out / "history.jsonl")
    assert len(history) == 16
    per_index = {}
    for h in history:
        per_index.setdefault(h["index"], []).append(h["step"])
        assert h["total"] == 4
    assert sorted(per_index) == list(range(8)) and all(len(steps) == 2 for steps in per_index.values())
    from oneshot_trl.history import read_history

    assert all(len(v) == 2 for v in read_history(out / "history.jsonl").values())


def test_lora_saves_adapters_and_merges(tmp_path, tiny_model, dsr):
    out = train(
        tmp_path,
        tiny_model,
        dsr,
        "--example-id",
        "pi1",
        "--max-steps",
        "2",
        "--use-peft",
        "--lora-r",
        "4",
        "--lora-target-modules",
        "q_proj,v_proj",
        "--merge-lora",
    )
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and set(adapter["target_modules"]) == {"q_proj", "v_proj"}
    from transformers import AutoModelForCausalLM

    merged = AutoModelForCausalLM.from_pretrained(out / "merged")
    assert not any("lora" in name for name, _ in merged.named_parameters())


def test_entropy_only_training_has_no_policy_gradient(tmp_path, tiny_model, dsr):
    out = train(
        tmp_path,
        tiny_model,
        dsr,
        "--example-id",
        "pi1",
        "--max-steps",
        "2",
        "--reward",
        "none",
        "--pg-coef",
        "0",
        "--entropy-coef",
        "0.01",
        "--beta",
        "0",
    )
    metrics = jsonl(out / "metrics.jsonl")
    assert all(m["policy_loss"] == 0 for m in metrics)  # TRL's policy_loss holds the KL term too: beta 0 here
    assert all(m["loss"] == pytest.approx(-0.01 * m["entropy"], rel=1e-4) for m in metrics)
    assert all(m["entropy_coef"] == 0.01 for m in metrics)
    assert "oneshot/train_accuracy" in metrics[0]  # accuracy is still measured
    assert len(jsonl(out / "history.jsonl")) == 2


def test_existing_run_is_not_overwritten(tmp_path, tiny_model, dsr, capsys):
    out = train(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "1")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    train(tmp_path, tiny_model, dsr, "--example-id", "pi13", "--max-steps", "1", expect=2)
    assert "already holds a run; pass --resume" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    train(tmp_path, tiny_model, dsr, "--example-id", "pi13", "--max-steps", "1", "--overwrite")
    assert jsonl(out / "history.jsonl")[0]["index"] == 682


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--model", "/nonexistent/model"], "model path not found: /nonexistent/model"),
        (
            ["--recipe", "nope"],
            "unknown recipe 'nope'; shipped recipes: paper-llama-3.2-3b-instruct, "
            "paper-llama-3.2-3b-instruct-dsr-sub, "
            "paper-ppo-qwen2.5-math-1.5b, paper-qwen2.5-math-1.5b, paper-qwen2.5-math-1.5b-dsr-sub, "
            "paper-qwen2.5-math-7b, paper-qwen2.5-math-7b-dsr-sub, paper-r1-distill-qwen-1.5b, "
            "paper-r1-distill-qwen-1.5b-dsr-sub, ppo-tiny-cpu, testbed-cpu, tiny-cpu",
        ),
        (["--config", "{bad_yaml}"], "unknown config key(s) 'lerning_rate' in"),
        (
            ["--per_device_train_batch_size", "5"],
            "16 completions per step (4 prompts × 4 generations) is not divisible by 1 device(s) × 5 per "
            "device",
        ),
        (["--example-id", "pi0"], "unknown example id 'pi0'; valid ids"),
        (["--not_a_field", "3"], "unknown option(s) --not_a_field 3"),
        (["--prompt", "chat"], "unknown prompt template 'chat'; choose train, qwen25-math-cot, bare"),
        (["--max_step", "3"], "unknown option(s) --max_step 3"),  # no abbreviation of --max_steps
        (["--eval-samples", "x"], "--eval-samples: invalid int value: 'x'"),
        (["--dtype", "float8"], "unknown --dtype 'float8'"),
        (["--resume", "--overwrite"], "--resume and --overwrite contradict each other"),
        (["--reward", "exact"], "unknown --reward 'exact'; choose one of math, format, none"),
    ],
)
def test_bad_input_is_one_line(tmp_path, tiny_model, dsr, capsys, extra, message):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("lerning_rate: 0.1\n")
    extra = [e.format(bad_yaml=bad_yaml) for e in extra]
    if "--example-id" not in extra:
        extra += ["--example-id", "pi1"]
    train(tmp_path, tiny_model, dsr, *extra, name="bad", expect=2)
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "bad" / "run.json").exists()


def _cli(out, tiny_model, dsr, *extra):
    return [
        sys.executable,
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
        "--output-dir",
        str(out),
        "--max-steps",
        "8",
        "--save_steps",
        "2",
        "--seed",
        "3",
        *extra,
    ]


def assert_same_run(straight: Path, resumed: Path) -> None:
    """A resumed run equals the uninterrupted one: the same history rows, the same metrics (timings aside)
    within float tolerance, and the same final weights."""
    from safetensors.torch import load_file

    assert jsonl(resumed / "history.jsonl") == jsonl(straight / "history.jsonl")
    rows_a, rows_b = jsonl(straight / "metrics.jsonl"), jsonl(resumed / "metrics.jsonl")
    assert [m["step"] for m in rows_a] == [m["step"] for m in rows_b]
    for a, b in zip(rows_a, rows_b, strict=True):
        for key, value in a.items():
            # eps: episodes/s
            timing = key == "eps" or any(w in key for w in ("time", "per_second", "runtime", "flos"))
            if isinstance(value, (int, float)) and not timing:
                assert b[key] == pytest.approx(value, rel=1e-4, abs=1e-6), (a["step"], key)
    weights_a, weights_b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert weights_a.keys() == weights_b.keys()
    for name in weights_a:
        torch.testing.assert_close(weights_b[name], weights_a[name], rtol=1e-5, atol=1e-6, msg=name)


def kill_at_a_random_step(cmd: list[str], out: Path, env: dict, last_step: int) -> int:
    """Start a run and SIGKILL it once a random step past the first checkpoint has started."""
    import random

    kill_after = random.randint(3, last_step - 2)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        history = out / "history.jsonl"
        if (
            any(out.glob("checkpoint-*"))
            and history.exists()
            and history.read_text().count("\n") >= kill_after
        ):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / f"checkpoint-{last_step}").exists(), "the run finished before it could be killed"
    return kill_after


def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path, tiny_model, dsr):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    straight = tmp_path / "straight"
    subprocess.run(_cli(straight, tiny_model, dsr), check=True, env=env, capture_output=True)
    killed = tmp_path / "killed"
    step = kill_at_a_random_step(_cli(killed, tiny_model, dsr), killed, env, last_step=8)
    subprocess.run(_cli(killed, tiny_model, dsr, "--resume"), check=True, env=env, capture_output=True)
    assert json.loads((killed / "run.json").read_text())["resumed_from"].rsplit("-", 1)[1] in ("2", "4", "6")
    assert [m["step"] for m in jsonl(killed / "metrics.jsonl")] == list(range(1, 9)), (
        f"killed after step {step}"
    )
    assert_same_run(straight, killed)


@pytest.mark.ppo
def test_ppo_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path, tiny_model, dsr):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [
        sys.executable,
        "-m",
        "oneshot_trl",
        "train",
        "--algo",
        "ppo",
        "--model",
        str(tiny_model),
        "--dataset",
        str(dsr),
        "--recipe",
        "ppo-tiny-cpu",
        "--example-id",
        "pi1",
        "--max-steps",
        "6",
        "--save_steps",
        "2",
        "--seed",
        "3",
    ]
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    subprocess.run(cmd + ["--output-dir", str(straight)], check=True, env=env, capture_output=True)
    step = kill_at_a_random_step(cmd + ["--output-dir", str(killed)], killed, env, last_step=6)
    subprocess.run(cmd + ["--output-dir", str(killed), "--resume"], check=True, env=env, capture_output=True)
    assert [m["step"] for m in jsonl(killed / "metrics.jsonl")] == list(range(1, 7)), (
        f"killed after step {step}"
    )
    assert_same_run(straight, killed)


# --- the trainer's contract with TRL ---------------------------------------------------------------------


def _trainers(tiny_model, tmp_path, **config):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    from oneshot_trl.modeling import load_tokenizer
    from oneshot_trl.rewards import math_reward
    from oneshot_trl.trainers.grpo import OneShotGRPOConfig, OneShotGRPOTrainer

    tok = load_tokenizer(tiny_model)
    data = Dataset.from_list([{"prompt": "1+1=", "answer": "2"}] * 4)
    common = dict(
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
        use_cpu=True,
        report_to="none",
        loss_type="grpo",
        beta=0.0,
        **config,
    )
    plain = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model),
        reward_funcs=[math_reward],
        args=GRPOConfig(
            output_dir=str(tmp_path / "a"), **{k: v for k, v in common.items() if k != "pg_coef"}
        ),
        train_dataset=data,
        processing_class=tok,
    )
    ours = OneShotGRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny_model),
        reward_funcs=[math_reward],
        args=OneShotGRPOConfig(output_dir=str(tmp_path / "b"), **common),
        train_dataset=data,
        processing_class=tok,
    )
    return plain, ours


def test_the_micro_batch_does_not_change_the_gradient(tmp_path, tiny_model, dsr):
    """The other models' recipes halve or quarter the micro-batch (issue 28, docs/verl_parity.md): with
    ``loss_type: dapo`` the loss is divided by the whole generation batch's token count, so the step's 16
    completions (of varied lengths) in 2 accumulated micro-batches of 8 or in 4 of 4 give the same gradient:
    its norm, logged before clipping, agrees within 0.2% (a per-micro-batch scale would change it 2x)."""
    grads = {}
    for per_device in ("8", "4"):
        out = train(
            tmp_path,
            tiny_model,
            dsr,
            "--example-id",
            "pi1",
            "--max-steps",
            "1",
            "--seed",
            "2",
            "--save_strategy",
            "no",
            "--max_completion_length",
            "48",
            "--per_device_train_batch_size",
            per_device,
            name=per_device,
        )
        record = json.loads((out / "run.json").read_text())
        assert record["trainer_config"]["gradient_accumulation_steps"] == 16 // int(per_device)
        step = next(m for m in jsonl(out / "metrics.jsonl") if "grad_norm" in m)
        assert step["completions/min_length"] < step["completions/mean_length"]  # lengths vary
        grads[per_device] = step["grad_norm"]
    assert grads["8"] > 0 and grads["8"] == pytest.approx(grads["4"], rel=2e-3)


@pytest.mark.parametrize("decay_all", [True, False])
def test_decay_all_parameters_decays_biases_and_norms_as_verl(tiny_model, tmp_path, decay_all):
    """verl's AdamW decays every parameter (issue 28); transformers' rule leaves biases and norms out."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM

    from oneshot_trl.modeling import load_tokenizer
    from oneshot_trl.rewards import math_reward
    from oneshot_trl.trainers.grpo import OneShotGRPOConfig, OneShotGRPOTrainer

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    args = OneShotGRPOConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
        use_cpu=True,
        report_to="none",
        weight_decay=0.01,
        decay_all_parameters=decay_all,
    )
    data = Dataset.from_list([{"prompt": "1+1=", "answer": "2"}] * 4)
    trainer = OneShotGRPOTrainer(
        model=model,
        reward_funcs=[math_reward],
        args=args,
        train_dataset=data,
        processing_class=load_tokenizer(tiny_model),
    )
    decay = {id(p): g["weight_decay"] for g in trainer.create_optimizer().param_groups for p in g["params"]}
    names = {id(p): n for n, p in model.named_parameters()}
    undecayed = sorted(names[i] for i, wd in decay.items() if wd == 0.0)
    assert len(decay) == len(names)  # every parameter is in a group
    if decay_all:
        assert undecayed == []
    else:  # the q/k/v biases and the RMSNorm weights
        assert any(n.endswith("q_proj.bias") for n in undecayed)
        assert any(n.endswith("input_layernorm.weight") for n in undecayed)
        assert all(n.endswith("bias") or "norm" in n for n in undecayed)


def _inputs():
    torch.manual_seed(0)
    return {
        "prompt_ids": torch.randint(3, 100, (4, 5)),
        "prompt_mask": torch.ones(4, 5, dtype=torch.long),
        "completion_ids": torch.randint(3, 100, (4, 6)),
        "completion_mask": torch.ones(4, 6, dtype=torch.long),
        "advantages": torch.tensor([1.0, -0.5, 0.25, -0.75]),
    }


def _loss(trainer):
    trainer.current_gradient_accumulation_steps = 1
    trainer.model.train()
    return trainer._compute_loss(trainer.model, _inputs()).item()


def test_entropy_bonus_is_trls_native_term_counted_once(tiny_model, tmp_path):
    """loss(coef) = loss(0) - coef x mean token entropy of the completions, with the entropy computed here
    from the model's own logits (not by TRL): the bonus acts, with the right sign, exactly once."""
    _, ours = _trainers(tiny_model, tmp_path, entropy_coef=0.05)
    _, ours0 = _trainers(tiny_model, tmp_path, entropy_coef=0.0)
    inputs = _inputs()
    ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], dim=1)
    with torch.no_grad():
        logits = ours0.model(input_ids=ids).logits[
            :, inputs["prompt_ids"].shape[1] - 1 : -1
        ]  # predicting completions
    logp = torch.log_softmax(logits.float(), dim=-1)
    entropy = -(logp.exp() * logp).sum(-1).mean().item()
    assert entropy > 0.1
    assert _loss(ours) == pytest.approx(_loss(ours0) - 0.05 * entropy, abs=1e-5)


def test_pg_coef_scales_only_the_policy_term(tiny_model, tmp_path):
    _, full = _trainers(tiny_model, tmp_path, pg_coef=1.0)
    _, half = _trainers(tiny_model, tmp_path, pg_coef=0.5)
    _, zero = _trainers(tiny_model, tmp_path, pg_coef=0.0)
    assert _loss(half) == pytest.approx(0.5 * _loss(full), rel=1e-5)
    assert _loss(zero) == 0.0
    _, entropy_only = _trainers(tiny_model, tmp_path, pg_coef=0.0, entropy_coef=0.1)
    assert _loss(entropy_only) < 0  # only -coef * entropy remains


def test_the_trainer_config_derives_its_own_batch_layout(tmp_path, monkeypatch):
    """The batch-layout check lives in the trainer config's ``__post_init__``: accumulation from
    prompts_per_step whatever the caller passed, the layout that cannot fit refused with its numbers, and a
    config built by hand without prompts_per_step left to TRL's own layout."""
    from oneshot_trl.errors import OneShotError
    from oneshot_trl.trainers.grpo import OneShotGRPOConfig

    common = dict(output_dir=str(tmp_path), use_cpu=True, report_to="none", num_generations=4)
    args = OneShotGRPOConfig(
        prompts_per_step=6, per_device_train_batch_size=8, gradient_accumulation_steps=1, **common
    )
    assert args.gradient_accumulation_steps == 3  # 24 completions / (1 device x 8)
    assert args.generation_batch_size == 24  # one optimizer step consumes one generation batch
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(
        OneShotError,
        match=r"24 completions .* not divisible by 2 device\(s\) × 8 per device; "
        r"per-device sizes that fit: 1, 2, 3, 4, 6, 12",
    ):
        OneShotGRPOConfig(prompts_per_step=6, per_device_train_batch_size=8, **common)
    monkeypatch.delenv("WORLD_SIZE")
    plain = OneShotGRPOConfig(per_device_train_batch_size=8, gradient_accumulation_steps=5, **common)
    assert plain.prompts_per_step is None and plain.gradient_accumulation_steps == 5


def test_recipe_then_yaml_then_flags(tmp_path):
    from oneshot_trl.parsing import parse_configs

    config = tmp_path / "run.yaml"
    config.write_text("learning_rate: 0.5\ntemperature: 0.3\nbeta: 0.2\ntop_p: 0.9\n")
    run, args = parse_configs("tiny-cpu", config, {"temperature": 0.7}, argv=["--beta", "0.05"])
    assert args.learning_rate == 0.5  # YAML over the recipe (1e-4)
    assert args.temperature == 0.7  # flag over YAML
    assert args.beta == 0.05  # a passthrough GRPOConfig flag over YAML
    assert args.top_p == 0.9 and args.max_completion_length == 16  # YAML-only and recipe-only values survive
    assert args.prompts_per_step == 4 and args.gradient_accumulation_steps == 4  # 16 rollouts / (1 x 4)
    _, paper = parse_configs(None, overrides={"bf16": False})
    assert (
        paper.learning_rate,
        paper.beta,
        paper.entropy_coef,
        paper.temperature,
        paper.max_completion_length,
        paper.loss_type,
        paper.save_steps,
        paper.max_steps,
    ) == (1e-6, 0.001, 0.001, 0.6, 3072, "dapo", 20, 2000)


def test_yaml_null_and_command_line_none_mean_none(tmp_path):
    from oneshot_trl.errors import OneShotError
    from oneshot_trl.parsing import parse_configs

    config = tmp_path / "run.yaml"
    config.write_text("min_p: null\nmax_completion_length: null\n")
    _, args = parse_configs("tiny-cpu", config)
    assert args.min_p is None and args.max_completion_length is None  # the recipe's 16 is overridden by null
    _, args = parse_configs("tiny-cpu", argv=["--min_p", "0.1", "--max_completion_length", "None"])
    assert args.min_p == 0.1 and args.max_completion_length is None
    # an int field: 0 disables it, None is no value; refused from the command line and from YAML alike
    with pytest.raises(OneShotError, match="^--top_k: cannot be null"):
        parse_configs("tiny-cpu", argv=["--top_k", "None"])
    config.write_text("top_k: null\n")
    with pytest.raises(OneShotError, match="^--top_k cannot be null \\(None\\) in .*run.yaml"):
        parse_configs("tiny-cpu", config)


def test_ds_accelerator_cpu_leaves_a_single_process_alone(monkeypatch):
    from oneshot_trl.parsing import parse_configs

    monkeypatch.setenv("DS_ACCELERATOR", "cpu")
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    _, args = parse_configs("tiny-cpu")  # failed with "Default process group has not been initialized"
    assert args.ddp_backend is None  # one process: no process group to give a backend to
    # (2 processes under DeepSpeed ZeRO-2/3 with gloo: tests/test_scale.py)


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            ["--algo", "ppo", "--recipe", "ppo-tiny-cpu", "--use-peft"],
            "--use-peft is supported with --algo grpo only",
        ),
        (["--load-in-4bit"], "--load_in_4bit/--load_in_8bit are not supported"),
        (["--eval-every", "1", "--eval-benchmarks", "gsm8k"], "unknown benchmark(s) gsm8k"),
    ],
)
def test_errors_with_overwrite_leave_the_existing_run(tmp_path, tiny_model, dsr, capsys, extra, message):
    out = train(tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "1")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    train(
        tmp_path, tiny_model, dsr, "--example-id", "pi1", "--max-steps", "1", "--overwrite", *extra, expect=2
    )
    assert message in capsys.readouterr().err
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
