"""``oneshot testbed``: local stand-in models for machines with no Hub access."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Build local models for offline runs.", no_args_is_help=True)


@app.command("tiny")
def tiny(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the model and tokenizer to.")],
    hidden_size: Annotated[int, typer.Option(help="Hidden size of the Qwen2 model.")] = 32,
    layers: Annotated[int, typer.Option(help="Number of transformer layers.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the random initialisation.")] = 0,
) -> None:
    """Build an untrained tiny Qwen2 model and an in-process tokenizer, loadable by path like a Hub model."""
    from ..tiny_model import build_tiny_model

    path = build_tiny_model(out_dir, hidden_size=hidden_size, num_layers=layers, seed=seed)
    typer.echo(f"tiny model written to {path}")
