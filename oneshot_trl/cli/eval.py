"""``oneshot eval``: the paper's six benchmarks (greedy, avg@k, pass@k), checkpoint sweeps, pass@k
comparisons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..errors import OneShotError
from ..evaluation.evaluator import EvalConfig
from .options import default, field_help

app = typer.Typer(
    help="Evaluate a model, sweep a run's checkpoints, or compare pass@k curves.",
    invoke_without_command=True,
    no_args_is_help=True,
)
console = Console()
GEN, DATA, OUT = "Generation", "Data", "Output"


def _table(summary: dict, title: str) -> Table:
    table = Table(title=title, caption="acc: mean [95% interval over problems]; size: problems × samples")
    ks = sorted(
        {k for b in summary["benchmarks"].values() for k in b if k.startswith("pass@") and "_" not in k},
        key=lambda k: int(k[5:]),
    )
    for column in ["benchmark", "protocol", "size", "acc [95% CI]", *ks, "no-ans", "tokens", "reflect"]:
        table.add_column(
            column,
            justify="left" if column in ("benchmark", "protocol") else "right",
            no_wrap=True,
            min_width=13 if column == "benchmark" else None,
        )
    for name, b in summary["benchmarks"].items():
        p = b["protocol"]
        protocol = "greedy" if p["temperature"] == 0 else f"avg@{p['n']},T{p['temperature']}"
        low, high = b["accuracy_ci"]
        table.add_row(
            name,
            protocol,
            f"{b['problems']}×{b['samples_per_problem']}",
            f"{b['accuracy']:.3f} [{low:.3f}, {high:.3f}]",
            *[f"{b[k]:.3f}" if k in b else "" for k in ks],
            f"{b['no_answer_rate']:.3f}",
            f"{b['mean_tokens']:.0f}",
            f"{b['reflection_rate']:.3f}",
        )
    low, high = summary["average_ci"]
    table.add_row(
        "average", "", str(summary["average_problems"]), f"{summary['average']:.3f} [{low:.3f}, {high:.3f}]"
    )
    return table


def _preset_help() -> str:
    from ..evaluation.presets import PRESETS

    return "Per-model protocol: " + "; ".join(f"{p.name} ({p.summary})" for p in PRESETS.values()) + "."


@app.callback()
def evaluate_command(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option(help="Hub id, local model, or a training run dir (sweeps its checkpoints)."),
    ] = None,
    benchmarks: Annotated[
        str | None,
        typer.Option(
            help="Comma list (default: the six math benchmarks; arc_easy, arc_challenge on request).",
            rich_help_panel=DATA,
        ),
    ] = None,
    data_dir: Annotated[
        str | None, typer.Option(help=field_help(EvalConfig, "data_dir"), rich_help_panel=DATA)
    ] = default(EvalConfig, "data_dir"),
    limit: Annotated[
        int | None, typer.Option(help=field_help(EvalConfig, "limit"), rich_help_panel=DATA)
    ] = default(EvalConfig, "limit"),
    preset: Annotated[str, typer.Option(help=_preset_help(), rich_help_panel=GEN)] = "qwen2.5-math",
    n: Annotated[
        int | None,
        typer.Option(help=field_help(EvalConfig, "n") + " The preset's otherwise.", rich_help_panel=GEN),
    ] = default(EvalConfig, "n"),
    k: Annotated[
        str, typer.Option(help=field_help(EvalConfig, "ks") + " E.g. 1,8,64 or 1..256.", rich_help_panel=GEN)
    ] = ",".join(map(str, default(EvalConfig, "ks"))),
    temperature: Annotated[
        float | None, typer.Option(help=field_help(EvalConfig, "temperature"), rich_help_panel=GEN)
    ] = default(EvalConfig, "temperature"),
    top_p: Annotated[
        float | None, typer.Option(help=field_help(EvalConfig, "top_p"), rich_help_panel=GEN)
    ] = default(EvalConfig, "top_p"),
    top_k: Annotated[int, typer.Option(help=field_help(EvalConfig, "top_k"), rich_help_panel=GEN)] = default(
        EvalConfig, "top_k"
    ),
    max_tokens: Annotated[
        int | None,
        typer.Option(
            help=field_help(EvalConfig, "max_tokens") + " Default: the preset's.", rich_help_panel=GEN
        ),
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option(help=field_help(EvalConfig, "dtype") + " Default: the preset's.", rich_help_panel=GEN),
    ] = None,
    backend: Annotated[str, typer.Option(help="hf or vllm (GPU extra).", rich_help_panel=GEN)] = "hf",
    prompt: Annotated[
        str | None,
        typer.Option(help=field_help(EvalConfig, "prompt") + " Default: the preset's.", rich_help_panel=GEN),
    ] = None,
    extraction: Annotated[
        str | None, typer.Option(help=field_help(EvalConfig, "extraction"), rich_help_panel=GEN)
    ] = default(EvalConfig, "extraction"),
    seed: Annotated[int, typer.Option(help=field_help(EvalConfig, "seed"), rich_help_panel=GEN)] = default(
        EvalConfig, "seed"
    ),
    batch_size: Annotated[
        int, typer.Option(help=field_help(EvalConfig, "batch_size"), rich_help_panel=GEN)
    ] = default(EvalConfig, "batch_size"),
    think: Annotated[
        bool,
        typer.Option(
            "--think",
            help=field_help(EvalConfig, "think")
            + " Off in the R1 presets, as the authors' main_generation.py graded them.",
            rich_help_panel=GEN,
        ),
    ] = default(EvalConfig, "think"),
    base: Annotated[
        bool,
        typer.Option(
            "--base/--no-base",
            help="In a sweep, evaluate the run's base model as step 0.",
            rich_help_panel=OUT,
        ),
    ] = True,
    output_dir: Annotated[
        Path | None,
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
        from ..evaluation.report import pick_lines

        console.print(
            f"swept {len(result['rows'])} models of {path} (steps "
            f"{', '.join(str(r['step']) for r in result['rows'])})"
        )
        for line in pick_lines(result):
            console.print(line, highlight=False)
        console.print(f"wrote {out}/sweep.csv, sweep.png, sweep.json (95% intervals in each)")
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


def _groups(specs: list[str], eval_dirs: list[Path]) -> dict[str, list[Path]]:
    """Arms to compare: each positional dir is its own arm (named by its folder), each --group NAME=A,B,...
    one arm of several runs (e.g. training seeds)."""
    arms: dict[str, list[Path]] = {}
    for d in eval_dirs:
        name = d.name if d.name not in arms else str(d)
        arms[name] = [d]
    for spec in specs:
        name, _, dirs = spec.partition("=")
        paths = [Path(x.strip()) for x in dirs.split(",") if x.strip()]
        if not name.strip() or not paths:
            raise OneShotError(f"--group {spec!r}: write NAME=dirA,dirB,... (eval dirs of one arm's runs)")
        if name.strip() in arms:
            raise OneShotError(f"--group {name.strip()!r} is named twice: give each arm its own name")
        arms[name.strip()] = paths
    return arms


def _compare_table(result: dict) -> Table:
    table = Table(
        title=f"mean over runs (± standard deviation over runs, where an arm has several); reference: "
        f"{result['reference']}"
    )
    sizes = [
        f"{b} ({result['problems'][b]}×{result['samples_per_problem'][b]})" for b in result["benchmarks"]
    ]
    for column in ["arm", "runs", *sizes, "average"]:
        table.add_column(column, justify="left" if column == "arm" else "right", no_wrap=True)
    for arm, entry in result["arms"].items():
        cells = []
        for b in [*result["benchmarks"], "average"]:
            m = entry[b]
            cells.append(f"{m['mean']:.3f}" + (f" ± {m['std']:.3f}" if m["std"] is not None else ""))
        table.add_row(arm, str(entry["runs"]), *cells)
    return table


@app.command("compare")
def compare_command(
    eval_dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="Output dirs of `oneshot eval` (e.g. base and RL); the first is the reference."),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="An arm of several runs (e.g. seeds): NAME=dirA,dirB,... Repeat for each arm; arms after "
            "the positional dirs."
        ),
    ] = None,
    k: Annotated[str, typer.Option(help="k values: 1..256 or a comma list.")] = "1..256",
    output: Annotated[Path, typer.Option(help="PNG of pass@k curves to write.")] = Path("pass_at_k.png"),
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the comparison (means, differences) as JSON.")
    ] = None,
) -> None:
    """Paired differences between evaluated models (same problems), with 95% intervals, against the first;
    and their pass@k curves on one chart per benchmark."""
    import json

    from ..evaluation.report import compare, compare_arms, difference_lines, parse_ks

    ks = parse_ks(k)  # a bad --k is named before any file is read
    arms = _groups(group or [], eval_dirs or [])
    if len(arms) < 2:
        raise OneShotError("compare needs at least two eval dirs or groups")
    result = compare_arms(arms)
    console.print(_compare_table(result))
    for line in difference_lines(result):
        console.print(line, highlight=False)
    curves = compare(arms, ks, output)
    for label, per_bench in curves.items():
        for bench, points in per_bench.items():
            console.print(
                f"{label:>24} {bench:>14}  " + "  ".join(f"@{k}:{v:.3f}" for k, v in points.items())
            )
    if json_out:
        json_out.write_text(json.dumps({**result, "pass_at_k": curves}, indent=2))
    console.print(f"wrote {output}" + (f", {json_out}" if json_out else ""))
