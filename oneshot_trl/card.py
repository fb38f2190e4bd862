"""The model card of a training run: ``README.md`` in the output folder, in the Hugging Face Hub's format
(YAML metadata, then Markdown), written from the run's own records (``run.json``, ``metrics.jsonl``).

It names the base model, the example(s) trained on (id, row, problem, answer, how they were selected and
their score), the recipe and every field set on top of it, the steps run and the seed, the in-training
validation checks with their 95% intervals, and the versions of the software. ``OneShotGRPOTrainer`` writes
this card where TRL's trainer would write its own (every checkpoint save and ``push_to_hub``), so that
``--push_to_hub`` uploads it with the model.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from .records import METRICS_FILE, RUN_FILE

CARD_FILE = "README.md"
PAPER = "https://arxiv.org/abs/2504.20571"
REPO = "https://github.com/ypwang61/One-Shot-RLVR"
# Shown under "Recipe" whatever the recipe says: the settings that define a 1-shot RLVR run.
KEY_SETTINGS = (
    "algo",
    "reward",
    "prompt",
    "prompts_per_step",
    "num_generations",
    "learning_rate",
    "temperature",
    "max_completion_length",
    "beta",
    "entropy_coef",
    "max_steps",
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _hub_id(name: str | None) -> str | None:
    """``name`` when it is a Hub repository id (the metadata's ``base_model`` must be one), not a path."""
    if name and _HUB_ID.match(name) and not Path(name).exists():
        return name
    return None


def _cell(value) -> str:
    text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _validation(metrics: list[dict]) -> list[str]:
    """The in-training checks as a Markdown table: accuracy [95% interval] per benchmark, by step."""
    rows = [m for m in metrics if any(k.startswith("eval/") and k.endswith("/accuracy") for k in m)]
    if not rows:
        return ["No in-training validation was run (`--eval_every 0`)."]
    names = sorted({k.split("/")[1] for m in rows for k in m if k.startswith("eval/") and k.count("/") == 2})
    lines = [
        "Checks on held-out benchmarks during training (`--eval_every`): accuracy [95% interval over the "
        "check's problems].",
        "",
        "| step | " + " | ".join(names) + " | average |",
        "|---:|" + "---:|" * (len(names) + 1),
    ]
    for m in rows:
        cells = []
        for name in names:
            key = f"eval/{name}/accuracy"
            if key not in m:
                cells.append("")
            elif f"{key}_low" in m:
                cells.append(f"{m[key]:.3f} [{m[f'{key}_low']:.3f}, {m[f'{key}_high']:.3f}]")
            else:
                cells.append(f"{m[key]:.3f}")
        average = f"{m['eval/average']:.3f}" if "eval/average" in m else ""
        lines.append(f"| {m['step']} | " + " | ".join(cells) + f" | {average} |")
    return lines


def _examples(examples: list[dict]) -> list[str]:
    if examples and examples[0].get("id") == "full-set":
        e = examples[0]
        return [f"The whole dataset: {e['rows']} rows ({e.get('dropped_overlong', 0)} dropped as over-long)."]
    lines = []
    for e in examples:
        selection = dict(e.get("selection") or {})
        method = selection.pop("method", "not recorded")
        score = ", ".join(f"{k} {v}" for k, v in selection.items()) or "not recorded"
        lines += [
            f"**{e['id']}** (row {e['index']}; selected by {method}; score: {score})",
            "",
            *(
                f"> {line}"
                for line in str(e.get("problem", f"(sha256 {e.get('problem_sha256')})")).splitlines()
            ),
            "",
            f"Answer: `{e['answer']}`",
            "",
        ]
    return lines


def _recipe(record: dict) -> list[str]:
    config = {**record["trainer_config"], **record["run_config"]}
    source = record.get("recipe") or {}
    lines = []
    if source.get("recipe"):
        extra = f", then the config file `{source['config_file']}`" if source.get("config_file") else ""
        lines.append(f"Recipe `{source['recipe']}`{extra}. Fields set on top of it, with their values:")
        lines += ["", "| field | recipe | this run |", "|---|---|---|"]
        recipe_values = source.get("recipe_values", {})
        for key in source.get("changed", []):
            before = recipe_values.get(key, "(not set: the default)")
            if key in recipe_values and recipe_values[key] == config.get(key):
                continue  # set again to the recipe's own value
            lines.append(f"| `{key}` | {_cell(before)} | {_cell(config.get(key))} |")
    else:
        lines.append("Recipe: not recorded (configured without `oneshot_trl.parsing`).")
    lines += [
        "",
        "Key settings: " + ", ".join(f"`{k}` {config[k]}" for k in KEY_SETTINGS if k in config) + ".",
    ]
    return lines


def model_card(output_dir: str | Path, steps: int | None = None, tags: list[str] | None = None) -> str:
    """The card's text, from ``run.json`` and ``metrics.jsonl`` in ``output_dir``; ``steps`` (the steps
    trained so far) defaults to the last logged step; ``tags`` are added to the metadata's."""
    out = Path(output_dir)
    tags_given = list(tags or [])
    record = json.loads((out / RUN_FILE).read_text())
    metrics_path = out / METRICS_FILE
    metrics = (
        [json.loads(line) for line in metrics_path.open() if line.strip()] if metrics_path.exists() else []
    )
    run, trainer = record["run_config"], record["trainer_config"]
    base = run.get("model_name_or_path") or run.get("model")
    algo = run.get("algo", "grpo")
    steps = steps if steps is not None else max((m.get("step", 0) for m in metrics), default=0)
    one_shot = not (record["examples"] and record["examples"][0].get("id") == "full-set")
    name = trainer.get("hub_model_id") or out.resolve().name
    tags = ["oneshot-trl", "trl", algo, "rlvr", "math", "reasoning"] + (["1-shot-rlvr"] if one_shot else [])
    tags += [t for t in tags_given if t not in tags]
    metadata = {
        "base_model": _hub_id(base),
        "library_name": "peft" if run.get("use_peft") else "transformers",
        "pipeline_tag": "text-generation",
        "model_name": name,
        "tags": tags,
        "datasets": [run["dataset"]] if _hub_id(run.get("dataset")) else None,
    }
    metadata = {k: v for k, v in metadata.items() if v is not None}
    what = f"{len(record['examples'])} example(s)" if one_shot else "a full dataset"
    versions = record.get("versions", {})
    lines = [
        "---",
        yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# {name}",
        "",
        f"`{base}` trained with reinforcement learning from a verifiable reward ({algo.upper()}, TRL) on "
        f"{what}, as in [1-shot RLVR]({PAPER}), with oneshot-trl: {steps} steps, seed {record.get('seed')}.",
        "",
        "## Base model",
        "",
        f"`{base}`" + (f" (revision `{run['model_revision']}`)" if run.get("model_revision") else ""),
        "",
        "## Trained on",
        "",
        f"Dataset `{run.get('dataset') or 'the paper DSR-sub'}`.",
        "",
        *_examples(record["examples"]),
        "## Recipe",
        "",
        *_recipe(record),
        "",
        "## Training",
        "",
        f"- steps: {steps} (of `max_steps` {trainer.get('max_steps')})",
        f"- seed: {record.get('seed')}",
        f"- processes: {record.get('world_size', 1)}"
        + (f"; resumed from `{record['resumed_from']}`" if record.get("resumed_from") else ""),
        f"- started: {record.get('started')}",
        f"- command: `{' '.join(record.get('command', []))}`",
        "",
        "## In-training validation",
        "",
        *_validation(metrics),
        "",
        "Evaluate the model with the paper's protocol: `oneshot eval --model <this folder or repo>` "
        "(each benchmark with its 95% interval).",
        "",
        "## Versions",
        "",
        ", ".join(f"{k} {v}" for k, v in versions.items() if v)
        + (f"; oneshot-trl commit `{record['git_sha']}`" if record.get("git_sha") else ""),
        "",
        "## Citation",
        "",
        "```bibtex",  # as the authors' README gives it
        "@article{wang2025reinforcement,",
        "  title={Reinforcement Learning for Reasoning in Large Language Models with One Training Example},",
        "  author={Wang, Yiping and Yang, Qing and Zeng, Zhiyuan and Ren, Liliang and Liu, Lucas and Peng, "
        "Baolin and Cheng, Hao and He, Xuehai and Wang, Kuan and Gao, Jianfeng and Chen, Weizhu and Wang, "
        "Shuohang and Du, Simon Shaolei and Shen, Yelong},",
        "  journal={arXiv preprint arXiv:2504.20571},",
        "  year={2025}",
        "}",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_model_card(
    output_dir: str | Path, steps: int | None = None, tags: list[str] | None = None
) -> Path | None:
    """Write ``README.md`` into ``output_dir`` (atomically); None when the folder holds no ``run.json``."""
    out = Path(output_dir)
    if not (out / RUN_FILE).exists():
        return None
    tmp = out / (CARD_FILE + ".tmp")
    tmp.write_text(model_card(out, steps, tags))
    os.replace(tmp, out / CARD_FILE)
    return out / CARD_FILE


class ModelCardMixin:
    """For a TRL trainer: write this card where TRL writes its own. TRL's ``create_model_card`` runs at every
    checkpoint save (GRPO's ``_save_checkpoint``) and in ``Trainer.push_to_hub`` just before the output
    folder is uploaded, so overriding it is what makes ``--push_to_hub`` carry this card and no checkpoint
    save overwrite it. A trainer used outside ``run_training`` (no ``run.json``) keeps TRL's card."""

    def create_model_card(self, model_name=None, dataset_name=None, tags=None, **kwargs):
        if not self.is_world_process_zero():
            return
        extra = [tags] if isinstance(tags, str) else list(tags or [])
        if write_model_card(self.args.output_dir, steps=self.state.global_step, tags=extra) is None:
            super().create_model_card(model_name=model_name, dataset_name=dataset_name, tags=tags, **kwargs)
