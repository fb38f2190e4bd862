"""``oneshot train``: 1-shot (or few-shot, or full-set) GRPO with the paper's recipe as the default.

Typer only routes the command: its arguments go, untouched, to ``parsing.parse_configs``, which reads them
with TRL's ``TrlParser`` over the recipe's values (as TRL's and open-r1's scripts do). ``--help`` prints that
parser's help: every field of ``RunConfig`` and of the trainer's config, with its help and, as its default,
the value the recipe gives it.
"""

from __future__ import annotations

import typer

HELP = (
    "Train with GRPO on one example (--example-id pi1), a mix (pi1,pi13), or a whole dataset (no "
    "--example-id). Values come from the recipe, then --config YAML, then flags; every RunConfig and "
    "GRPOConfig (with --algo ppo: PPOConfig) field is an option (--field_name VALUE); see --help."
)
# Typer hands every argument over: the options are the config dataclasses' fields, parsed once by TrlParser.
CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def train(ctx: typer.Context) -> None:
    from ..parsing import train_help

    argv = list(ctx.args)
    if not argv or "--help" in argv or "-h" in argv:
        typer.echo(HELP + "\n")
        typer.echo(train_help(argv))
        return
    from ..parsing import parse_configs
    from ..train import run_training

    run, args = parse_configs(argv=argv)
    out = run_training(run, args)
    typer.echo(f"done: model and records in {out}")
