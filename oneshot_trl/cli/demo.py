"""``oneshot demo``: the paper's pipeline on the offline testbed, with its controls, in minutes on a CPU."""

from __future__ import annotations

from typing import Annotated

import typer

from ..demo import DemoConfig
from .options import default, field_help

HELP = (
    "Watch 1-shot RLVR on a CPU, offline: take the testbed base model shipped with the package, record "
    "histories with full-set GRPO, pick π1 by historical variance, then train 1-shot on π1, the "
    "format-reward baseline and full-set GRPO over several seeds, evaluate each, and say what the numbers "
    "show."
)
RUNS, EVAL = "Runs", "Evaluation"


def _opt(name: str, panel: str):
    """An option whose help is ``DemoConfig``'s field (its default is taken with ``default``)."""
    return typer.Option(help=field_help(DemoConfig, name), rich_help_panel=panel)


def demo(
    output_dir: Annotated[str, _opt("output_dir", RUNS)] = default(DemoConfig, "output_dir"),
    seeds: Annotated[int, _opt("seeds", RUNS)] = default(DemoConfig, "seeds"),
    steps: Annotated[int, _opt("steps", RUNS)] = default(DemoConfig, "steps"),
    workers: Annotated[int, _opt("workers", RUNS)] = default(DemoConfig, "workers"),
    cache: Annotated[str, _opt("cache", RUNS)] = default(DemoConfig, "cache"),
    base_seed: Annotated[
        int,
        typer.Option(
            help="Seed of the testbed base model (as `oneshot testbed build --seed`).", rich_help_panel=RUNS
        ),
    ] = default(DemoConfig, "testbed").seed,
    rebuild_base: Annotated[
        bool,
        typer.Option("--rebuild-base", help=field_help(DemoConfig, "rebuild_base"), rich_help_panel=RUNS),
    ] = default(DemoConfig, "rebuild_base"),
    eval_problems: Annotated[int, _opt("eval_problems", EVAL)] = default(DemoConfig, "eval_problems"),
    eval_samples: Annotated[int, _opt("eval_samples", EVAL)] = default(DemoConfig, "eval_samples"),
    select: Annotated[str, _opt("select", RUNS)] = default(DemoConfig, "select"),
    select_samples: Annotated[int, _opt("select_samples", RUNS)] = default(DemoConfig, "select_samples"),
) -> None:
    import time
    from dataclasses import replace

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..demo import ARMS, run_demo, saturation_line
    from ..testbed.task import GUESS

    config = DemoConfig(
        output_dir=output_dir,
        seeds=seeds,
        steps=steps,
        workers=workers,
        cache=cache,
        rebuild_base=rebuild_base,
        eval_problems=eval_problems,
        eval_samples=eval_samples,
        select=select,
        select_samples=select_samples,
    )
    config.testbed = replace(config.testbed, seed=base_seed)
    console = Console()
    start = time.time()

    def on_stage(stage: str, message: str) -> None:
        console.print(
            Text.assemble((f"[{time.time() - start:5.0f} s] ", "dim"), (f"{stage:8} ", "bold"), message)
        )

    result = run_demo(config, on_stage)

    pi1 = result.pi1
    console.print(
        Text.assemble(
            ("π1: ", "bold"),
            f"{pi1.problem}  (answer {pi1.answer}; accuracy per epoch ",
            ", ".join(f"{a:.2f}" for a in pi1.history),
            ")",
        )
    )
    table = Table(
        title=f"{config.eval_problems} held-out problems; mean ± half-range over {config.seeds} seed(s)",
        title_justify="left",
    )
    headers = {
        "greedy": "greedy",
        "pass@1": "pass@1 (T=1)",
        "boxed_rate": "boxed",
        "boxed_accuracy": "acc. if boxed",
    }

    def cell(name: str, metric: str, digits: int) -> str:
        """Mean ± half-range over seeds; the base is one model, so its value alone."""
        mean, spread = result.table[name][metric]
        return f"{mean:.{digits}f}" + (f" ± {spread:.{digits}f}" if name != "base" else "")

    for column in ("run", *headers.values()):
        table.add_column(column, justify="left" if column == "run" else "right", no_wrap=True)
    for name in ("base", *ARMS):
        table.add_row(name, *[cell(name, m, 3) for m in headers])
    console.print(table)
    guessed = ", ".join(f"{name} {cell(name, 'guess_rate', 2)}" for name in ("base", *ARMS))
    console.print(Text(f"guessed (sampled answers opened with {GUESS!r}, no column work): {guessed}"))
    console.print(
        Text(saturation_line(result.post_saturation, result.config.eval_every, result.config.steps))
    )
    ks = [m for m in result.base if m.startswith("pass@")]
    curve = Table(title="pass@k (mean over seeds)", title_justify="left")
    for column in ("run", *[k.split("@")[1] for k in ks]):
        curve.add_column(
            column if column == "run" else f"k={column}", justify="left" if column == "run" else "right"
        )
    for name in ("base", *ARMS):
        curve.add_row(name, *[f"{result.table[name][k][0]:.2f}" for k in ks])
    console.print(curve)
    times = result.stage_seconds
    console.print(
        Text(
            "stage seconds: "
            + ", ".join(f"{k} {v:.0f}" for k, v in times.items())
            + f"; total {time.time() - start:.0f}"
        )
    )
    console.print(Text.assemble(("conclusion: ", "bold green"), result.conclusion))
    console.print(Text(f"wrote {config.output_dir}/demo.json, " + ", ".join(result.plots)))
