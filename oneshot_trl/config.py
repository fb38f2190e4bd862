"""The run's configuration: ``RunConfig`` (what to train on: TRL's ``ModelConfig``, oneshot's own fields, and
the in-training validation settings made from ``EvalConfig``), the shipped recipes, and the checks each config
makes of itself. The trainer's config (``OneShotGRPOConfig`` or ``OneShotPPOConfig``) lives beside its trainer
in ``trainers/``; ``parsing.py`` reads recipe, YAML and flags into both with TRL's ``TrlParser``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from trl import ModelConfig

from .errors import OneShotError
from .evaluation.callback import ValidationArguments
from .trainers.grpo import OneShotGRPOConfig

RECIPE_DIR = "recipes"
DEFAULT_RECIPES = {"grpo": "paper-qwen2.5-math-1.5b", "ppo": "paper-ppo-qwen2.5-math-1.5b"}
DEFAULT_RECIPE = DEFAULT_RECIPES["grpo"]
REWARDS = ("math", "format", "none")
ALGOS = tuple(DEFAULT_RECIPES)
# ModelConfig's list fields, which the command line also takes as a comma list (q_proj,v_proj).
COMMA_LISTS = ("lora_target_modules", "lora_target_parameters", "lora_modules_to_save")


@dataclass
class RunConfig(ValidationArguments, ModelConfig):
    """What to train on, and how to load and save it: TRL's ``ModelConfig`` (the model, its dtype, LoRA
    through ``use_peft`` and ``lora_*``, as in TRL's and open-r1's scripts), what 1-shot RLVR adds, and the
    in-training validation (``ValidationArguments``: ``eval_every``, ``eval_config()``)."""

    _argument_group_name = "the run (RunConfig: model, data, example, reward, LoRA, validation)"  # --help

    # ModelConfig's fields that oneshot reads differently: the model also answers to --model; dtype "auto"
    # follows --bf16 (TRL's "auto" takes the checkpoint's); LoRA covers every linear layer unless told
    # otherwise.
    model_name_or_path: str = field(
        default="Qwen/Qwen2.5-Math-1.5B",
        metadata={"help": "Hub id or local path of the policy.", "aliases": ["--model"]},
    )
    dtype: str = field(
        default="auto",
        metadata={
            "help": "Dtype to save the trained model in (training keeps float32 master weights): auto "
            "(bfloat16 when --bf16, else float32), bfloat16, float16 or float32. Saved configs carry it."
        },
    )
    lora_target_modules: list[str] | None = field(
        default_factory=lambda: ["all-linear"],
        metadata={"help": "Module names LoRA adapts (with --use_peft), or all-linear."},
    )

    algo: str = field(
        default="grpo", metadata={"help": "grpo (the paper's main runs) or ppo (learned critic, Tab. 4)."}
    )
    example_id: str | None = field(
        default=None,
        metadata={
            "help": "pi1, π1, a row index, or a comma list (few-shot mix). Unset: train on the whole dataset."
        },
    )
    dataset: str | None = field(
        default=None,
        metadata={"help": "Hub id, URL or local .jsonl/.json/.parquet. Default: the paper's DSR-sub."},
    )
    problem_key: str = field(default="problem", metadata={"help": "Column holding the problem text."})
    answer_key: str = field(default="answer", metadata={"help": "Column holding the gold answer."})
    split: str = field(default="train", metadata={"help": "Split of a Hub dataset."})
    prompt: str = field(
        default="train",
        metadata={
            "help": "Prompt template: train (the paper's: the problem, then its step-by-step and "
            "boxed-answer instruction), bare (the problem alone) or qwen25-math-cot. In-training "
            "validation uses it too."
        },
    )
    max_prompt_length: int = field(
        default=1024,
        metadata={
            "help": "Examples whose prompt has more tokens are refused (1-shot) or dropped (full set)."
        },
    )
    reward: str = field(
        default="math",
        metadata={
            "help": "math: 0/1 verifiable reward; format: 1 when a boxed answer parses (the paper's format "
            "baseline); none: no reward signal (entropy-only training). Accuracy is logged in every case."
        },
    )
    merge_lora: bool = field(
        default=False,
        metadata={"help": "With --use_peft: after training, also save the merged model to <output>/merged."},
    )
    resume: bool = field(
        default=False, metadata={"help": "Continue the run in --output-dir from its latest checkpoint."}
    )
    overwrite: bool = field(
        default=False, metadata={"help": "Replace a different run found in --output-dir."}
    )

    def __post_init__(self):
        for name in COMMA_LISTS:  # before ModelConfig's, which turns a one-item list into its item
            value = getattr(self, name)
            if isinstance(value, list):
                setattr(
                    self,
                    name,
                    [part.strip() for item in value for part in str(item).split(",") if part.strip()],
                )
        super().__post_init__()
        self.check()

    def check(self) -> None:
        """The run's own options, checked before anything about the trainer."""
        if self.reward not in REWARDS:
            raise OneShotError(f"unknown --reward {self.reward!r}; choose one of {', '.join(REWARDS)}")
        if self.algo not in ALGOS:
            raise OneShotError(f"unknown --algo {self.algo!r}; choose one of {', '.join(ALGOS)}")
        if self.dtype not in ("auto", "bfloat16", "float16", "float32"):
            raise OneShotError(f"unknown --dtype {self.dtype!r}; choose auto, bfloat16, float16 or float32")
        if self.resume and self.overwrite:
            raise OneShotError("--resume and --overwrite contradict each other: pick one")
        if self.algo == "ppo" and self.use_peft:
            raise OneShotError(
                "--use-peft is supported with --algo grpo only (TRL's PPO adapters share no value head)"
            )
        if self.load_in_4bit or self.load_in_8bit:
            raise OneShotError(
                "--load_in_4bit/--load_in_8bit are not supported: oneshot trains float32 master weights "
                "(a 1e-6 learning rate vanishes in lower precision); use --use_peft without quantization"
            )

    @property
    def model(self) -> str:
        return self.model_name_or_path


def recipe_names() -> list[str]:
    return sorted(
        p.name[: -len(".yaml")]
        for p in resources.files("oneshot_trl").joinpath(RECIPE_DIR).iterdir()
        if p.name.endswith(".yaml")
    )


def read_yaml(path: str | Path, what: str) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise OneShotError(f"{what} not found: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        where = f"{path}:{line + 1}" if line is not None else str(path)
        raise OneShotError(f"{where}: malformed YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(data, dict):
        raise OneShotError(f"{path}: expected a mapping of config keys, got {type(data).__name__}")
    return data


def load_recipe(name: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A shipped recipe by name (``paper-qwen2.5-math-1.5b``), or a YAML path. ``extends: OTHER`` starts from
    another recipe and changes only the keys it names (a model's recipe from the 1.5B one, a full-set
    twin)."""
    if name in _seen:
        raise OneShotError(f"recipe {name!r} extends itself ({' -> '.join([*_seen, name])})")
    if name.endswith((".yaml", ".yml")):
        data = read_yaml(name, "recipe file")
    elif name not in recipe_names():
        raise OneShotError(
            f"unknown recipe {name!r}; shipped recipes: {', '.join(recipe_names())} (or a .yaml path)"
        )
    else:
        with resources.as_file(resources.files("oneshot_trl").joinpath(RECIPE_DIR, f"{name}.yaml")) as path:
            data = read_yaml(path, "recipe")
    parent = data.pop("extends", None)
    return {**load_recipe(parent, (*_seen, name)), **data} if parent else data


def trainer_config_class(algo: str):
    if algo == "grpo":
        return OneShotGRPOConfig
    if algo == "ppo":
        from .trainers.ppo import OneShotPPOConfig, ppo_classes

        ppo_classes()  # a TRL without PPO fails here, with the TRL to install
        return OneShotPPOConfig
    raise OneShotError(f"unknown --algo {algo!r}; choose one of {', '.join(ALGOS)}")


def check_vllm() -> None:
    """vLLM is an optional GPU extra: refuse --use-vllm in one line when it is not installed."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise OneShotError(
            "--use-vllm needs vLLM (GPU only): pip install 'oneshot-trl[vllm]', or drop --use-vllm"
        )
