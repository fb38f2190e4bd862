"""The CLI surface: help, the examples commands, and one-line errors (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import run_cli


def test_help_lists_every_subcommand(capsys):
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    listed = {
        line.split("│")[1].split()[0]
        for line in out.splitlines()
        if line.startswith("│ ") and line.split("│")[1].strip()
    }
    assert {"train", "eval", "select-examples", "examples", "testbed", "demo"} <= listed
    assert "not implemented" not in out.lower()


def test_examples_list(capsys):
    code, out, _ = run_cli(["examples", "list"], capsys)
    assert code == 0
    assert "pi1209" in out and "789" in out and "124" in out


def test_examples_show_prints_problem_answer_and_exact_prompt(capsys, shared_data, tiny_model):
    code, out, _ = run_cli(
        [
            "examples",
            "show",
            "pi1",
            "--dataset",
            str(shared_data / "dsr_sub_1209.jsonl"),
            "--tokenizer",
            str(tiny_model),
        ],
        capsys,
    )
    assert code == 0
    assert "12.8" in out and "pressure" in out
    assert "<|im_start|>user" in out and "within \\boxed{}.<|im_end|>" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["examples", "show", "pi99", "--dataset", "{dsr}"], "unknown example id 'pi99'; valid ids: pi1"),
        (["examples", "show", "5000", "--dataset", "{dsr}"], "only 1209 rows"),
        (["examples", "show", "pi1", "--dataset", "/nonexistent/x.jsonl"], "dataset file not found"),
        (["examples", "show", "pi1", "--dataset", "{bad}"], "bad.jsonl:2: malformed JSON"),
        (
            ["examples", "show", "pi1", "--dataset", "{dsr}", "--answer-key", "solution"],
            "no column 'solution'",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, message, capsys, shared_data, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "a", "answer": "1"}\n{oops\n')
    argv = [a.format(dsr=shared_data / "dsr_sub_1209.jsonl", bad=bad) for a in argv]
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_console_script_and_cli_py_run_the_same_app():
    for cmd in ([sys.executable, "-m", "oneshot_trl", "--help"], [sys.executable, "cli.py", "--help"]):
        out = subprocess.run(
            cmd, capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[1])
        )
        assert out.returncode == 0, out.stderr
        assert "examples" in out.stdout and "train" in out.stdout


# --- one place for each option: the CLI's options are the config dataclasses' fields
# --------------------------


def _options(command) -> dict:
    """A click command's options by parameter name (Typer ships its own copy of click: no isinstance)."""
    return {p.name: p for p in command.params if p.param_type_name == "option"}


def test_train_help_shows_every_config_field_with_its_help_and_the_recipes_value(capsys):
    """`oneshot train --help` is the parser's: every RunConfig field (the in-training validation's included)
    and every field OneShotGRPOConfig adds, with its help, and the recipe's value as the default shown."""
    from dataclasses import fields

    from oneshot_trl.config import RunConfig, load_recipe
    from oneshot_trl.trainers.grpo import OneShotGRPOConfig

    code, out, _ = run_cli(["train", "--recipe", "tiny-cpu", "--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    bare = "".join(out.split())  # argparse wraps at hyphens too ("all-" / "linear")
    own = {f.name for f in fields(OneShotGRPOConfig)} - {f.name for f in fields(OneShotGRPOConfig.__mro__[1])}
    documented = {
        f.name: f.metadata["help"]
        for cls in (RunConfig, OneShotGRPOConfig)
        for f in fields(cls)
        if f.name in own or cls is RunConfig
    }
    assert {
        "use_peft",
        "lora_r",
        "model_revision",
        "think",
        "reward_timeout",
        "dtype",
        "eval_max_tokens",
    } <= set(documented)
    for name, help_text in documented.items():
        assert f"--{name} " in flat, f"RunConfig/OneShotGRPOConfig.{name} has no option in `oneshot train`"
        assert "".join(help_text.split()) in bare, name
    assert "--model MODEL_NAME_OR_PATH" in flat  # RunConfig's alias of TRL's field
    recipe = load_recipe("tiny-cpu")
    for name in ("max_steps", "learning_rate", "prompts_per_step", "max_completion_length"):
        help_text = next(
            f.metadata["help"]
            for cls in (RunConfig, OneShotGRPOConfig)
            for f in fields(cls)
            if f.name == name
        )
        assert "".join(f"{help_text} (default: {recipe[name]})".split()) in bare, name


def test_train_options_reach_the_configs(capsys, tmp_path, monkeypatch):
    # A flag lands in its field, dashed or not; a list option takes commas; --model is the alias.
    seen = {}
    monkeypatch.setattr(
        "oneshot_trl.train.run_training", lambda run, args: seen.update(run=run, args=args) or tmp_path
    )
    code, _, err = run_cli(
        [
            "train",
            "--recipe",
            "tiny-cpu",
            "--model",
            "m/x",
            "--use-peft",
            "--lora-r",
            "4",
            "--lora-target-modules",
            "q_proj,v_proj",
            "--think",
            "--reward-timeout",
            "2.5",
            "--eval-max-tokens",
            "77",
            "--model-revision",
            "v1",
            "--beta",
            "0.02",
        ],
        capsys,
    )
    assert code == 0, err
    run, args = seen["run"], seen["args"]
    assert (run.model_name_or_path, run.model_revision, run.use_peft, run.lora_r) == ("m/x", "v1", True, 4)
    assert sorted(run.lora_target_modules) == ["q_proj", "v_proj"] and run.eval_max_tokens == 77
    assert (args.think, args.reward_timeout, args.beta) == (True, 2.5, 0.02)


def test_eval_demo_and_select_examples_show_the_library_defaults():
    import inspect

    import typer

    from oneshot_trl.cli import app
    from oneshot_trl.demo import DemoConfig
    from oneshot_trl.evaluation.evaluator import EvalConfig

    group = typer.main.get_command(app)
    evaluate = _options(group.commands["eval"])
    defaults = EvalConfig()
    for name in (
        "n",
        "temperature",
        "top_p",
        "top_k",
        "extraction",
        "seed",
        "batch_size",
        "think",
        "limit",
        "data_dir",
    ):
        assert evaluate[name].default == getattr(defaults, name), name
    assert evaluate["k"].default == ",".join(map(str, defaults.ks))
    assert evaluate["dtype"].default is None  # the preset's dtype rule decides (harness for the paper's)
    demo = _options(group.commands["demo"])
    for name in (
        "output_dir",
        "seeds",
        "steps",
        "workers",
        "cache",
        "eval_problems",
        "eval_samples",
        "select",
    ):
        assert demo[name].default == getattr(DemoConfig(), name), name
    assert demo["base_seed"].default == DemoConfig().testbed.seed
    select = _options(group.commands["select-examples"])
    from oneshot_trl.learnability import SamplingConfig
    from oneshot_trl.selection import rank

    assert select["method"].default == inspect.signature(rank).parameters["method"].default
    assert (select["samples"].default, select["dtype"].default) == (
        SamplingConfig().samples,
        SamplingConfig().dtype,
    )
