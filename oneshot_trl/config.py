"""Configuration: ``RunConfig`` (what to train on) and the trainer's config (``OneShotGRPOConfig`` or
``OneShotPPOConfig``, each beside its trainer in ``trainers/``), resolved from a shipped recipe, a user YAML
and explicit flags, in that order of precedence (as TRL's ``TrlParser``): every trainer config field is
reachable.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import yaml
from transformers import HfArgumentParser

from trl import ModelConfig

from .errors import OneShotError
from .trainers.grpo import OneShotGRPOConfig

RECIPE_DIR = "recipes"
DEFAULT_RECIPES = {"grpo": "paper-qwen2.5-math-1.5b", "ppo": "paper-ppo-qwen2.5-math-1.5b"}
DEFAULT_RECIPE = DEFAULT_RECIPES["grpo"]
REWARDS = ("math", "format", "none")
ALGOS = tuple(DEFAULT_RECIPES)


@dataclass
class RunConfig(ModelConfig):
    """What to train on, and how to load and save it: TRL's ``ModelConfig`` (the model, its dtype, LoRA
    through ``use_peft`` and ``lora_*``, as in TRL's and open-r1's scripts) plus what 1-shot RLVR adds."""

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
    lora_target_modules: Optional[list[str]] = field(
        default_factory=lambda: ["all-linear"],
        metadata={"help": "Module names LoRA adapts (with --use_peft), or all-linear."},
    )

    algo: str = field(
        default="grpo", metadata={"help": "grpo (the paper's main runs) or ppo (learned critic, Tab. 4)."}
    )
    example_id: Optional[str] = field(
        default=None,
        metadata={
            "help": "pi1, π1, a row index, or a comma list (few-shot mix). Unset: train on the whole dataset."
        },
    )
    dataset: Optional[str] = field(
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
            "boxed-answer "
            "instruction), bare (the problem alone) or qwen25-math-cot. In-training validation uses it too."
        },
    )
    prompts_per_step: int = field(
        default=128,
        metadata={
            "help": "Prompts per optimizer step, each its own group of num_generations completions. In "
            "1-shot "
            "these are copies of the example (the paper: 128)."
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
    eval_every: int = field(
        default=0, metadata={"help": "Validate every N steps with the evaluator (0: never)."}
    )
    eval_benchmarks: str = field(
        default="math500", metadata={"help": "Benchmarks for in-training validation."}
    )
    eval_limit: Optional[int] = field(
        default=None, metadata={"help": "First N problems of each validation benchmark."}
    )
    eval_data_dir: Optional[str] = field(
        default=None, metadata={"help": "Folder of eval_<benchmark>.jsonl (offline)."}
    )
    eval_max_tokens: int = field(default=3072, metadata={"help": "New tokens per validation completion."})
    eval_samples: int = field(
        default=1,
        metadata={
            "help": "Samples per validation problem: 1 is greedy (the paper's "
            "validation); more are drawn at temperature 1 (sampled accuracy)."
        },
    )
    eval_batch_size: int = field(
        default=16,
        metadata={
            "help": "Completions per generate call in validation; a chunk's samples are seeded by its "
            "position, so changing it draws other samples."
        },
    )
    eval_prompt: Optional[str] = field(
        default=None,
        metadata={
            "help": "Prompt template of validation problems "
            "(default: the training prompt); the authors validate on the raw problem: bare."
        },
    )
    eval_before_train: bool = field(
        default=True,
        metadata={
            "help": "With --eval_every, also validate before the first "
            "step, logged as step 0 (verl's val_before_train; skipped on --resume)."
        },
    )
    resume: bool = field(
        default=False, metadata={"help": "Continue the run in --output-dir from its latest checkpoint."}
    )
    overwrite: bool = field(
        default=False, metadata={"help": "Replace a different run found in --output-dir."}
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


def _canonical(values: dict[str, Any]) -> dict[str, Any]:
    """Keys given by a field's alias (``model``) under the field's name (``model_name_or_path``), so that each
    layer of the configuration overrides the one below whichever name it used."""
    aliases = {
        alias.lstrip("-"): f.name for f in fields(RunConfig) for alias in f.metadata.get("aliases", [])
    }
    return {aliases.get(key, key): value for key, value in values.items()}


def _check_keys(values: dict[str, Any], source: str, config_cls) -> None:
    known = {f.name for cls in (RunConfig, config_cls) for f in fields(cls) if f.init}
    unknown = sorted(set(values) - known)
    if unknown:
        raise OneShotError(
            f"unknown config key(s) {', '.join(map(repr, unknown))} in {source}; keys are RunConfig and "
            f"{config_cls.__mro__[1].__name__} field names (see `oneshot train --help`)"
        )


def _to_args(values: dict[str, Any]) -> list[str]:
    args = []
    for key, value in values.items():
        if isinstance(value, (list, tuple)):
            args += [f"--{key}", *map(str, value)]
        elif isinstance(value, dict):
            import json

            args += [f"--{key}", json.dumps(value)]
        else:
            args += [f"--{key}", str(value)]
    return args


def _split_nulls(argv: list[str]) -> tuple[list[str], set[str]]:
    """``--field None`` (or null) on the command line: the field names, and argv without them."""
    kept, nulls, i = [], set(), 0
    while i < len(argv):
        if argv[i].startswith("--") and i + 1 < len(argv) and argv[i + 1] in ("None", "null", "~"):
            nulls.add(argv[i][2:].replace("-", "_"))
            i += 2
            continue
        kept.append(argv[i])
        i += 1
    return kept, nulls


def _apply_nulls(nulls: set[str], *configs) -> None:
    """Set fields given as null (YAML) or None (command line) to None, where the field allows it."""
    for name in sorted(nulls):
        owner = next((c for c in configs if any(f.name == name for f in dataclasses.fields(c))), None)
        if owner is None:
            raise OneShotError(f"unknown option --{name} (given as null)")
        # The declared annotation (HfArgumentParser rewrites ``field.type``, dropping the Optional).
        field_type = typing.get_type_hints(type(owner)).get(name)
        default = next(f.default for f in dataclasses.fields(owner) if f.name == name)
        if default is not None and type(None) not in typing.get_args(field_type):
            raise OneShotError(f"--{name} cannot be null (None): give a value")
        setattr(owner, name, None)


def _one_line_errors(parser):
    """argparse answers a bad value (``--max_steps x``) with its whole usage and an exit; here, one line."""

    def error(message: str):
        raise OneShotError(f"invalid configuration: {message}")

    parser.error = error
    return parser


def _pre_parse(argv: list[str], defaults: dict[str, Any]):
    """The algorithm and batch-layout values only, read before the trainer config validates them (its own
    errors lack the numbers)."""
    import argparse

    base = {f.name: f.default for cls in (RunConfig, OneShotGRPOConfig) for f in fields(cls)}
    # allow_abbrev off: --prompt is not --prompts_per_step
    layout = _one_line_errors(argparse.ArgumentParser(add_help=False, allow_abbrev=False))
    layout.add_argument("--algo", default=defaults.get("algo", "grpo"))
    for name in ("prompts_per_step", "num_generations", "per_device_train_batch_size", "max_steps"):
        layout.add_argument(f"--{name}", type=int, default=base[name])
    known, _ = layout.parse_known_args(argv)
    return known


def resolve(
    recipe: str | None = None,
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    extra_args: list[str] | None = None,
):
    """Merge recipe < YAML file < overrides (< extra ``--field value`` args) into ``(RunConfig, trainer
    config)``.

    The algorithm (``algo``: grpo or ppo) picks the trainer config class and the default recipe.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))  # set by accelerate launch / torchrun
    explicit = _canonical({k: v for k, v in (overrides or {}).items() if v is not None})
    user = _canonical(read_yaml(config_file, "config file")) if config_file else {}
    base = _canonical(load_recipe(recipe)) if recipe else {}
    chosen = explicit.get("algo", user.get("algo", base.get("algo", "grpo")))
    algo = _pre_parse(list(extra_args or []), {"algo": chosen}).algo
    if algo == "ppo":
        from .trainers.ppo import ppo_available, ppo_hint

        if not ppo_available():  # the run's own options are still checked first, then the TRL to install
            _run_options_only(
                {**(base or _canonical(load_recipe(DEFAULT_RECIPES["ppo"]))), **user, **explicit}, extra_args
            )
            raise OneShotError(ppo_hint())
    config_cls = trainer_config_class(algo)
    values: dict[str, Any] = {}
    if not recipe:
        recipe = DEFAULT_RECIPES[algo]
        base = _canonical(load_recipe(recipe))
    _check_keys(base, f"recipe {recipe}", config_cls)
    values.update(base)
    _check_keys(user, str(config_file), config_cls)
    values.update(user)
    _check_keys(explicit, "the command line", config_cls)
    values.update(explicit)
    values["algo"] = algo
    values.setdefault("output_dir", "runs/oneshot")
    if os.environ.get("DS_ACCELERATOR") == "cpu" and world_size > 1:
        # DeepSpeed on CPU: accelerate picks no process-group backend without a GPU and then counts one
        # process. Only when launched distributed: a single process has no process group to give a backend to.
        values.setdefault("ddp_backend", "gloo")
    extra_args, command_line_nulls = _split_nulls(list(extra_args or []))
    command_line_nulls = set(_canonical(dict.fromkeys(command_line_nulls)))
    nulls = {k for k, v in values.items() if v is None} | command_line_nulls
    values = {k: v for k, v in values.items() if v is not None}
    argv = _to_args(values) + list(extra_args or [])
    layout = _pre_parse(argv, {})
    values["gradient_accumulation_steps"] = gradient_accumulation(
        layout.prompts_per_step, layout.num_generations, layout.per_device_train_batch_size, world_size
    )
    if algo == "ppo":  # TRL's PPO counts episodes (responses); oneshot counts optimizer steps everywhere
        values["total_episodes"] = max(1, layout.max_steps) * layout.prompts_per_step * layout.num_generations
    argv = _to_args(values) + list(extra_args or [])  # now with the layout's values
    parser = _one_line_errors(HfArgumentParser((RunConfig, config_cls)))
    # Unknown options first: building the configs runs their checks (bf16 needs a GPU), which hid a typo.
    _, rest = parser.parse_known_args(argv)
    if rest:
        raise OneShotError(
            f"unknown option(s) {' '.join(rest)}; options are RunConfig and "
            f"{config_cls.__mro__[1].__name__} field names"
        )
    try:
        run, args, rest = parser.parse_args_into_dataclasses(args=argv, return_remaining_strings=True)
    except SystemExit:
        raise OneShotError("could not parse the configuration (see the message above)") from None
    except (ValueError, TypeError) as e:
        message = str(e).splitlines()[0]
        if "bf16" in message:
            message += " (no GPU here: pass --bf16 false --use_cpu true, or --recipe tiny-cpu)"
        raise OneShotError(f"invalid configuration: {message}") from None
    if rest:
        raise OneShotError(
            f"unknown option(s) {' '.join(rest)}; options are RunConfig and "
            f"{config_cls.__mro__[1].__name__} field names"
        )
    _apply_nulls(nulls, run, args)
    check_run_options(run)
    # For run.json and the model card: the recipe, and the fields set on top of it (an attribute, not a
    # field: it is no option).
    given = {a[2:].split("=", 1)[0].replace("-", "_") for a in extra_args if a.startswith("--")}
    changed = sorted(set(_canonical(dict.fromkeys(set(user) | set(explicit) | given | command_line_nulls))))
    run.recipe_source = {
        "recipe": recipe,
        "config_file": str(config_file) if config_file else None,
        "changed": changed,
        "recipe_values": {k: base[k] for k in changed if k in base},
    }
    if getattr(args, "use_vllm", False):
        check_vllm()
    return run, args


def check_run_options(run: RunConfig) -> None:
    """Checks of the run's own options, made before anything else about the trainer."""
    if run.reward not in REWARDS:
        raise OneShotError(f"unknown --reward {run.reward!r}; choose one of {', '.join(REWARDS)}")
    if run.algo == "ppo" and run.use_peft:
        raise OneShotError(
            "--use-peft is supported with --algo grpo only (TRL's PPO adapters share no value head)"
        )
    if run.load_in_4bit or run.load_in_8bit:
        raise OneShotError(
            "--load_in_4bit/--load_in_8bit are not supported: oneshot trains float32 master weights "
            "(a 1e-6 learning rate vanishes in lower precision); use --use_peft without quantization"
        )


def _run_options_only(values: dict[str, Any], extra_args: list[str] | None) -> None:
    """Parse and check the RunConfig part of a configuration alone (its trainer config cannot be built
    here)."""
    names = {f.name for f in fields(RunConfig) if f.init}
    known = {k: v for k, v in values.items() if k in names and v is not None}
    run, _ = HfArgumentParser((RunConfig,)).parse_args_into_dataclasses(
        args=_to_args(known) + list(extra_args or []), return_remaining_strings=True
    )
    check_run_options(run)


def check_vllm() -> None:
    """vLLM is an optional GPU extra: refuse --use-vllm in one line when it is not installed."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        raise OneShotError(
            "--use-vllm needs vLLM (GPU only): pip install 'oneshot-trl[vllm]', or drop --use-vllm"
        )


def gradient_accumulation(
    prompts_per_step: int, num_generations: int, per_device: int, world_size: int
) -> int:
    """Accumulation steps so that one optimizer step consumes exactly one generation batch
    (prompts_per_step × num_generations completions), as the authors' scripts do. Refuse what cannot fit."""
    rollouts = prompts_per_step * num_generations
    if per_device < 1 or rollouts % (world_size * per_device):
        fits = [d for d in range(1, min(rollouts // world_size, 64) + 1) if rollouts % (world_size * d) == 0]
        raise OneShotError(
            f"{rollouts} completions per step ({prompts_per_step} prompts × {num_generations} generations) "
            f"is not divisible by {world_size} device(s) × {per_device} per device; "
            f"per-device sizes that fit: {', '.join(map(str, fits)) or 'none (change --prompts-per-step)'}"
        )
    return rollouts // (world_size * per_device)
