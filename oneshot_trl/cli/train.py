"""``oneshot train``: 1-shot (or few-shot, or full-set) GRPO with the paper's recipe as the default.

Its options are generated from the config dataclasses (``RunConfig``, which is TRL's ``ModelConfig`` plus
ours, and ``OneShotGRPOConfig``): each option's help is its field's, and no default is written here. Every
field of ``RunConfig`` and every field ``OneShotGRPOConfig`` adds has an option; the most used
``GRPOConfig`` fields too; any other trainer field passes through as ``--field_name VALUE``. Built on demand
(``command()``): importing the config classes imports TRL and torch, which the other subcommands do not need.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Optional

import typer

from .options import field_parameter

HELP = (
    "Train with GRPO on one example (--example-id pi1), a mix (pi1,pi13), or a whole dataset (no "
    "--example-id). Values come from the recipe, then --config YAML, then flags; any GRPOConfig (with "
    "--algo ppo: PPOConfig) field can be passed as --field_name VALUE besides the options below."
)
RUN, MODEL, ALGO, EVAL, OUT, LORA = (
    "Run",
    "Model",
    "Algorithm",
    "Validation",
    "Output",
    "LoRA (TRL's ModelConfig)",
)
# Panel of each option, in the order --help shows them. RunConfig's and OneShotGRPOConfig's own fields not
# named here still get an option (in "Run"): a new field is never left off the command line.
PANELS = {
    RUN: ["example_id", "dataset", "problem_key", "answer_key", "split", "prompt", "algo", "reward"],
    MODEL: [
        "model_name_or_path",
        "model_revision",
        "dtype",
        "attn_implementation",
        "max_prompt_length",
        "load_in_4bit",
        "load_in_8bit",
        "bnb_4bit_quant_type",
        "use_bnb_nested_quant",
        "bnb_4bit_quant_storage",
    ],
    ALGO: [
        "max_steps",
        "learning_rate",
        "prompts_per_step",
        "num_generations",
        "max_completion_length",
        "temperature",
        "seed",
        "beta",
        "entropy_coef",
        "pg_coef",
        "reward_timeout",
        "think",
        "use_vllm",
        "vllm_mode",
    ],
    EVAL: [
        "eval_every",
        "eval_benchmarks",
        "eval_limit",
        "eval_data_dir",
        "eval_max_tokens",
        "eval_samples",
        "eval_batch_size",
        "eval_prompt",
        "eval_before_train",
    ],
    OUT: ["output_dir", "resume", "overwrite"],
    LORA: [
        "use_peft",
        "lora_r",
        "lora_alpha",
        "lora_dropout",
        "lora_target_modules",
        "lora_target_parameters",
        "lora_modules_to_save",
        "lora_task_type",
        "use_rslora",
        "use_dora",
        "merge_lora",
    ],
}
FLAGS = {"model_name_or_path": "--model"}  # the field's alias (RunConfig), as users type it


def option_fields() -> dict[str, tuple[type, str]]:
    """Every option of ``oneshot train``: field name -> (the dataclass that documents it, panel)."""
    from dataclasses import fields

    from ..config import RunConfig
    from ..trainers.grpo import OneShotGRPOConfig

    run_fields = {f.name for f in fields(RunConfig)}
    own_fields = {f.name for f in fields(OneShotGRPOConfig)} - {
        f.name for f in fields(OneShotGRPOConfig.__mro__[1])
    }
    chosen = {
        name: (RunConfig if name in run_fields else OneShotGRPOConfig, panel)
        for panel, names in PANELS.items()
        for name in names
    }
    for name in sorted((run_fields | own_fields) - set(chosen)):
        chosen[name] = (RunConfig if name in run_fields else OneShotGRPOConfig, RUN)
    return chosen


def _train(ctx: typer.Context, recipe: Optional[str] = None, config: Optional[str] = None, **options) -> None:
    from ..config import resolve
    from ..train import run_training

    overrides = {name: value for name, value in options.items() if value is not None}
    for name, value in overrides.items():
        if isinstance(value, list):  # repeated, or a comma list
            overrides[name] = [part.strip() for item in value for part in item.split(",") if part.strip()]
    if overrides.get("use_vllm") and "vllm_mode" not in overrides:
        # in the training processes; "server" needs a separate `trl vllm-serve`
        overrides["vllm_mode"] = "colocate"
    run, args = resolve(recipe, config, overrides, extra_args=list(ctx.args))
    out = run_training(run, args)
    typer.echo(f"done: model and records in {out}")


def train_function():
    """``_train`` with one keyword parameter per config field (Typer reads options from the signature)."""
    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
        inspect.Parameter(
            "recipe",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Optional[str],
                typer.Option(
                    help="Shipped recipe name or YAML path. Default: the paper's recipe for the algorithm.",
                    rich_help_panel=RUN,
                ),
            ],
        ),
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Optional[str],
                typer.Option(help="User YAML of config fields; overrides the recipe.", rich_help_panel=RUN),
            ],
        ),
    ]
    parameters += [
        field_parameter(cls, name, panel, FLAGS.get(name)) for name, (cls, panel) in option_fields().items()
    ]

    def train(ctx: typer.Context, **options) -> None:
        _train(ctx, **options)

    train.__signature__ = inspect.Signature(parameters)
    return train


def command():
    """The click command of ``oneshot train``."""
    app = typer.Typer(rich_markup_mode="rich", add_completion=False)
    app.command(
        "train",
        help=HELP,
        no_args_is_help=True,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(train_function())
    return typer.main.get_command(app)
