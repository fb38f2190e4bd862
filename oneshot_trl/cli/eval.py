"""``oneshot eval``: the paper's six benchmarks (greedy, avg@k, pass@k), checkpoint sweeps, pass@k
comparisons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import OneShotError
from ..evaluation.evaluator import EvalConfig
from .options import field_help

app = typer.Typer(
    help="Evaluate a model, sweep a run's checkpoints, or compare pass@k curves.",
    invoke_without_command=True,
    no_args_is_help=True,
)
console = Console()
GEN, DATA, OUT = "Generation", "Data", "Output"
E = EvalConfig()  # the defaults and help texts shown are the library's


def _table(summary: dict, title: str) -> Table:
    table = Table(title=title)
    ks = sorted(
        {k for b in summary["benchmarks"].values() for k in b if k.startswith("pass@")},
        key=lambda k: int(k[5:]),
    )
    for column in ["benchmark", "protocol", "acc", *ks, "no-ans", "tokens", "reflect"]:
        table.add_column(
            column,
            justify="left" if column in ("benchmark", "protocol") else "right",
            no_wrap=True,
            min_width=13 if column == "benchmark" else None,
        )
    for name, b in summary["benchmarks"].items():
        p = b["protocol"]
        protocol = "greedy" if p["temperature"] == 0 else f"avg@{p['n']},T{p['temperature']}"
        table.add_row(
            name,
            protocol,
            f"{b['accuracy']:.3f}",
            *[f"{b[k]:.3f}" if k in b else "" for k in ks],
            f"{b['no_answer_rate']:.3f}",
            f"{b['mean_tokens']:.0f}",
            f"{b['reflection_rate']:.3f}",
        )
    table.add_row("average", "", f"{summary['average']:.3f}")
    return table


def _preset_help() -> str:
    from ..evaluation.presets import PRESETS

    return "Per-model protocol: " + "; ".join(f"{p.name} ({p.summary})" for p in PRESETS.values()) + "."


@app.callback()
def evaluate_command(
    ctx: typer.Context,
    model: Annotated[
        Optional[str],
        typer.Option(help="Hub id, local model, or a training run dir (sweeps its checkpoints)."),
    ] = None,
    benchmarks: Annotated[
        Optional[str],
        typer.Option(
            help="Comma list (default: the six math benchmarks; arc_easy, arc_challenge on request).",
            rich_help_panel=DATA,
        ),
    ] = None,
    data_dir: Annotated[
        Optional[str], typer.Option(help=field_help(EvalConfig, "data_dir"), rich_help_panel=DATA)
    ] = E.data_dir,
    limit: Annotated[
        Optional[int], typer.Option(help=field_help(EvalConfig, "limit"), rich_help_panel=DATA)
    ] = E.limit,
    preset: Annotated[str, typer.Option(help=_preset_help(), rich_help_panel=GEN)] = "qwen2.5-math",
    n: Annotated[
        Optional[int],
        typer.Option(help=field_help(EvalConfig, "n") + " The preset's otherwise.", rich_help_panel=GEN),
    ] = E.n,
    k: Annotated[
        str, typer.Option(help=field_help(EvalConfig, "ks") + " E.g. 1,8,64 or 1..256.", rich_help_panel=GEN)
    ] = ",".join(map(str, E.ks)),
    temperature: Annotated[
        Optional[float], typer.Option(help=field_help(EvalConfig, "temperature"), rich_help_panel=GEN)
    ] = E.temperature,
    top_p: Annotated[
        Optional[float], typer.Option(help=field_help(EvalConfig, "top_p"), rich_help_panel=GEN)
    ] = E.top_p,
    top_k: Annotated[int, typer.Option(help=field_help(EvalConfig, "top_k"), rich_help_panel=GEN)] = E.top_k,
    max_tokens: Annotated[
        Optional[int],
        typer.Option(
            help=field_help(EvalConfig, "max_tokens") + " Default: the preset's.", rich_help_panel=GEN
        ),
    ] = None,
    dtype: Annotated[
        Optional[str],
        typer.Option(help=field_help(EvalConfig, "dtype") + " Default: the preset's.", rich_help_panel=GEN),
    ] = None,
    backend: Annotated[str, typer.Option(help="hf or vllm (GPU extra).", rich_help_panel=GEN)] = "hf",
    prompt: Annotated[
        Optional[str],
        typer.Option(help=field_help(EvalConfig, "prompt") + " Default: the preset's.", rich_help_panel=GEN),
    ] = None,
    extraction: Annotated[
        Optional[str], typer.Option(help=field_help(EvalConfig, "extraction"), rich_help_panel=GEN)
    ] = E.extraction,
    seed: Annotated[int, typer.Option(help=field_help(EvalConfig, "seed"), rich_help_panel=GEN)] = E.seed,
    batch_size: Annotated[
        int, typer.Option(help=field_help(EvalConfig, "batch_size"), rich_help_panel=GEN)
    ] = E.batch_size,
    think: Annotated[
        bool,
        typer.Option(
            "--think",
            help=field_help(EvalConfig, "think")
            + " Off in the R1 presets, as the authors' main_generation.py graded them.",
            rich_help_panel=GEN,
        ),
    ] = E.think,
    base: Annotated[
        bool,
        typer.Option(
            "--base/--no-base",
            help="In a sweep, evaluate the run's base model as step 0.",
            rich_help_panel=OUT,
        ),
    ] = True,
    output_dir: Annotated[
        Optional[Path],
        typer.Option(
            help="Samples, summary.json (default: <model>/eval or eval/<name>).", rich_help_panel=OUT
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Start the output folder over instead of resuming "
            "(needed when the protocol or the model changed).",
            rich_help_panel=OUT,
        ),
    ] = False,
) -> None:
    """Evaluate MODEL on the paper's benchmarks with its protocol; rerunning resumes."""
    if ctx.invoked_subcommand is not None:
        return
    if model is None:
        raise OneShotError("pass --model (a Hub id, a local model, or a training run dir)")
    from ..evaluation.benchmarks import MATH_BENCHMARKS, parse_benchmarks
    from ..evaluation.evaluator import EvalConfig, evaluate, load_model
    from ..evaluation.presets import get_preset
    from ..evaluation.report import parse_ks, sweep

    chosen = get_preset(preset)
    dtype = dtype or chosen.dtype
    if backend not in ("hf", "vllm"):
        raise OneShotError(f"unknown --backend {backend!r}; choose hf or vllm")
    config = EvalConfig(
        n=n,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_tokens=max_tokens or chosen.max_tokens,
        ks=parse_ks(k),
        prompt=prompt or chosen.prompt,
        limit=limit,
        data_dir=data_dir,
        seed=seed,
        think=think or chosen.think,
        batch_size=batch_size,
        extraction=extraction or chosen.extraction,
        dtype=dtype,
    )
    specs = chosen.apply(parse_benchmarks(benchmarks or MATH_BENCHMARKS, data_dir))
    for spec in specs:  # an unknown extraction or an impossible protocol fails before any model is loaded
        config.protocol(spec)
    path = Path(model)
    if path.is_dir() and any(path.glob("checkpoint-*")):
        out = output_dir or path / "eval"
        result = sweep(path, specs, config, out, overwrite=overwrite, include_base=base)
        console.print(
            f"swept {len(result['rows'])} models of {path} (steps "
            f"{', '.join(str(r['step']) for r in result['rows'])}): "
            f"best step {result['best_step']} (average {result['best_average']:.3f}); "
            f"wrote {out}/sweep.csv, sweep.png, sweep.json"
        )
        return
    out = output_dir or (path / "eval" if path.is_dir() else Path("eval") / model.replace("/", "__"))
    if backend == "vllm":
        from ..evaluation.generation import VLLMGenerator
        from ..modeling import load_tokenizer

        tokenizer = load_tokenizer(model)
        loaded, generator = None, VLLMGenerator(model, tokenizer, dtype=dtype)
    else:
        (loaded, tokenizer), generator = load_model(model, dtype), None
    summary = evaluate(loaded, tokenizer, specs, config, out, generator=generator, overwrite=overwrite)
    console.print(_table(summary, f"{model}"))
    console.print(f"samples and summary in {out}")


@app.command("compare")
def compare_command(
    eval_dirs: Annotated[
        list[Path], typer.Argument(help="Output dirs of `oneshot eval` (e.g. base and RL).")
    ],
    k: Annotated[str, typer.Option(help="k values: 1..256 or a comma list.")] = "1..256",
    output: Annotated[Path, typer.Option(help="PNG to write.")] = Path("pass_at_k.png"),
) -> None:
    """Plot pass@k curves of two or more evaluated models on one chart per benchmark."""
    from ..evaluation.report import compare, parse_ks

    if len(eval_dirs) < 2:
        raise OneShotError("compare needs at least two eval dirs")
    curves = compare(eval_dirs, parse_ks(k), output)
    for label, per_bench in curves.items():
        for bench, points in per_bench.items():
            console.print(
                f"{label:>24} {bench:>14}  " + "  ".join(f"@{k}:{v:.3f}" for k, v in points.items())
            )
    console.print(f"wrote {output}")
