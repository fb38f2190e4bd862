"""``oneshot testbed``: local stand-in models for machines with no Hub access."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..testbed.build import CACHE, TestbedRecipe
from ..testbed.models import build_tiny_model
from .options import default

app = typer.Typer(help="Build local models for offline runs.", no_args_is_help=True)


@app.command("build")
def build_testbed(
    cache: Annotated[
        Path, typer.Option(help="Cache folder; the model lands in <cache>/<recipe hash>.")
    ] = CACHE,
    dev_target: Annotated[
        float,
        typer.Option(
            help="When the 95% lower bound of sampled dev accuracy reaches this, the "
            "learning rate anneals to 0 and SFT stops."
        ),
    ] = default(TestbedRecipe, "dev_target"),
    max_steps: Annotated[int, typer.Option(help="SFT step limit.")] = default(TestbedRecipe, "max_steps"),
    seed: Annotated[int, typer.Option(help="Seed of initialisation and SFT.")] = default(
        TestbedRecipe, "seed"
    ),
) -> None:
    """Build (or reuse) the testbed base model: a tiny Qwen2 SFT-trained on 2-digit column addition with
    planted habits (guessed answers, unboxed answers) until its sampled dev accuracy reaches the target."""
    import json

    from ..testbed.build import RECIPE_FILE, build

    path = build(
        TestbedRecipe(dev_target=dev_target, max_steps=max_steps, seed=seed), cache=cache, log=typer.echo
    )
    info = json.loads((path / RECIPE_FILE).read_text())
    last = (
        info["dev_history"][-1]
        if info["dev_history"]
        else {"dev_accuracy": float("nan"), "dev_lower_bound": float("nan")}
    )
    typer.echo(
        f"testbed model in {path} (SFT steps {info['sft_steps']}, dev sampled accuracy "
        f"{last['dev_accuracy']:.3f}, "
        f"95% lower bound {last['dev_lower_bound']:.3f}, built in {info['build_seconds']} s); "
        f"RL problems: {path / 'rl.jsonl'}"
    )


@app.command("tiny")
def tiny(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the model and tokenizer to.")],
    hidden_size: Annotated[int, typer.Option(help="Hidden size of the Qwen2 model.")] = default(
        build_tiny_model, "hidden_size"
    ),
    layers: Annotated[int, typer.Option(help="Number of transformer layers.")] = default(
        build_tiny_model, "num_layers"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the random initialisation.")] = default(
        build_tiny_model, "seed"
    ),
) -> None:
    """Build an untrained tiny Qwen2 model and an in-process tokenizer, loadable by path like a Hub model."""

    path = build_tiny_model(out_dir, hidden_size=hidden_size, num_layers=layers, seed=seed)
    typer.echo(f"tiny model written to {path}")
