"""docs/verl_parity.md is checked against the shipped recipe: every row that names a recipe field holds the
value the recipe (or, where it sets none, the config default) gives that field."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from oneshot_trl.config import RunConfig, load_recipe
from oneshot_trl.trainers.grpo import OneShotGRPOConfig
from oneshot_trl.trainers.ppo import OneShotPPOConfig

TABLE = Path(__file__).resolve().parents[1] / "docs" / "verl_parity.md"
GRPO = "GRPO (`paper-qwen2.5-math-1.5b`)"
PPO = "PPO (`paper-ppo-qwen2.5-math-1.5b`)"


def _rows(section: str) -> list[list[str]]:
    text = TABLE.read_text().split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    lines = [
        line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| verl knob")
    ]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    assert rows and all(len(r) == 5 for r in rows), "a table row without its five columns"
    return rows


def mismatches(recipe: dict, section: str = GRPO) -> list[str]:
    """Rows whose 'our value' is not what ``recipe`` (or the config default) gives the named field."""
    config = OneShotPPOConfig if section == PPO else OneShotGRPOConfig
    defaults = {
        f.name: f.default
        for cls in (RunConfig, config)
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING
    }
    wrong = []
    for verl_knob, _authors, field, ours, _note in _rows(section):
        if field == "—":
            continue
        name = re.fullmatch(r"`(\w+)`", field).group(1)
        shipped = recipe[name] if name in recipe else defaults[name]
        if shipped != yaml.safe_load(ours):
            wrong.append(f"{verl_knob}: table {name} = {ours}, recipe {shipped!r}")
    return wrong


def test_grpo_table_matches_the_paper_recipe():
    recipe = load_recipe("paper-qwen2.5-math-1.5b")
    assert mismatches(recipe) == []
    named = {re.fullmatch(r"`(\w+)`", r[2]).group(1) for r in _rows(GRPO) if r[2] != "—"}
    # every knob that changes the optimisation has its row
    assert {
        "learning_rate",
        "beta",
        "use_bias_correction_kl",
        "epsilon",
        "max_grad_norm",
        "entropy_coef",
        "loss_type",
        "num_generations",
        "prompts_per_step",
        "temperature",
        "max_completion_length",
        "scale_rewards",
        "vllm_importance_sampling_correction",
        "decay_all_parameters",
    } <= named
    # and a changed value, in the recipe or left to a default, is caught
    assert len(mismatches({**recipe, "use_bias_correction_kl": True, "learning_rate": 2e-6})) == 2
    # weight_decay left to TRL's default (0.0) is caught too
    assert len(mismatches({k: v for k, v in recipe.items() if k != "weight_decay"})) == 1


def test_the_paper_recipe_turns_off_trls_vllm_importance_sampling():
    """verl has no such correction (issue 28): TRL's default (on) with --use_vllm optimises another loss."""
    assert OneShotGRPOConfig.__dataclass_fields__["vllm_importance_sampling_correction"].default is True
    recipe = load_recipe("paper-qwen2.5-math-1.5b")
    assert recipe["vllm_importance_sampling_correction"] is False
    left_to_trl = {k: v for k, v in recipe.items() if k != "vllm_importance_sampling_correction"}
    assert mismatches(left_to_trl) == [
        "vLLM importance-sampling correction: table vllm_importance_sampling_correction = false, recipe True"
    ]


def test_ppo_table_matches_the_paper_ppo_recipe():
    recipe = load_recipe("paper-ppo-qwen2.5-math-1.5b")
    assert mismatches(recipe, PPO) == []
    assert len(mismatches({**recipe, "kl_estimator": "k3", "cliprange_value": 0.2}, PPO)) == 2
    for verl_like in ("decay_all_parameters", "critic_mini_batches"):  # each left to its default is caught
        assert len(mismatches({k: v for k, v in recipe.items() if k != verl_like}, PPO)) == 1, verl_like
