"""``oneshot select-examples``: rank training examples by historical accuracy variance (π1 = top)."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import fields
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import OneShotError
from ..learnability import METHODS as SAMPLED_METHODS
from ..learnability import SamplingConfig
from ..selection import rank, read_stats
from .options import AnswerKeyOpt, DatasetOpt, ProblemKeyOpt, default, field_help, write_records

console = Console()
notes = Console(stderr=True)  # warnings and "wrote" lines: stdout stays clean for --format tsv/json
HELP = (
    "Rank examples by the variance of their training accuracy in a full-set run (the paper's π ranking). "
    "Give --history, or --model with --dataset to run the full-set training first. "
    "Without a full-set run: --method learnability --model M --samples K samples the base model instead."
)
IN, OUT, RUN = "Input", "Output", "Full-set run (with --model)"
BASE = "Base-model sampling (--method learnability, learnability-band, learnability-target)"


def _sampling_opt(name: str):
    """An option whose help is ``SamplingConfig``'s field (its default is taken with ``default``)."""
    return typer.Option(help=field_help(SamplingConfig, name), rich_help_panel=BASE)


def _rows_for_table(ranked, problems):
    for item in ranked:
        s = item.stats
        answer, problem = s.extra.get("answer", ""), s.extra.get("problem", "")
        if problems is not None:
            answer, problem = problems[s.index]["answer"], problems[s.index]["problem"]
        yield item, answer, problem


def _plot(path: Path, ranked, history: Path, history_key: str, top: int, method: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..selection import trajectories

    chosen = [r.stats.index for r in ranked[: min(top, 5)]]
    series = trajectories(history, set(chosen), history_key=history_key)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    left.hist([r.score for r in ranked], bins=40, color="#4C72B0")
    left.set_xlabel(f"score ({method})")
    left.set_ylabel("examples")
    left.set_title("score distribution")
    for r in ranked[: len(chosen)]:
        values = series[r.stats.index]
        right.plot(range(1, len(values) + 1), values, marker=".", label=f"{r.pi} (index {r.stats.index})")
    right.set_xlabel("appearance (epoch)")
    right.set_ylabel("training accuracy")
    right.set_ylim(-0.05, 1.05)
    right.set_title("accuracy trajectories of the top examples")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _table(ranked, problems, title: str) -> Table:
    """Key columns (π, index, score) are never cut: their width is their longest value. The answer and then
    the problem text give way on a narrow terminal (80 columns, a pipe, a notebook cell, CI logs)."""
    rows = [
        (
            item.pi,
            str(item.stats.index),
            f"{item.score:.4f}",
            f"{item.stats.mean:.3f}",
            str(item.stats.count),
            str(answer)[:20],
            problem.replace("\n", " ")[:60],
        )
        for item, answer, problem in _rows_for_table(ranked, problems)
    ]
    table = Table(title=title)
    used = 1  # the left border; each column adds its width, 2 of padding and 1 of border
    for i, (column, justify) in enumerate(
        (("π", "left"), ("index", "right"), ("score", "right"), ("mean acc", "right"), ("seen", "right"))
    ):
        width = max([len(column)] + [len(r[i]) for r in rows])
        table.add_column(column, justify=justify, no_wrap=True, width=width)
        used += width + 3
    answer_width = max(
        3, min(10, max([len("answer")] + [len(r[5]) for r in rows]), console.width - used - 3 - 10)
    )
    problem_width = max(1, console.width - used - (answer_width + 3) - 3)
    table.add_column("answer", width=answer_width, overflow="ellipsis", no_wrap=True)
    table.add_column("problem", width=problem_width, overflow="ellipsis", no_wrap=True)
    for r in rows:
        table.add_row(*r)
    return table


def select_examples(
    history: Annotated[
        Path | None,
        typer.Option(
            help="history.jsonl, the authors' JSON object, or a JSONL with a history field.",
            rich_help_panel=IN,
        ),
    ] = None,
    dataset: DatasetOpt = None,
    problem_key: ProblemKeyOpt = None,
    answer_key: AnswerKeyOpt = None,
    method: Annotated[
        str,
        typer.Option(
            help="std (the paper), var, random, pass-band; or, sampling the base model with no full-set run, "
            "learnability (p(1-p) of its pass rate), learnability-band, learnability-target.",
            rich_help_panel=IN,
        ),
    ] = default(rank, "method"),
    history_key: Annotated[
        str, typer.Option(help="List field of a one-example-per-line JSONL.", rich_help_panel=IN)
    ] = default(read_stats, "history_key"),
    tie_order: Annotated[
        str | None,
        typer.Option(
            help="Field whose values order exact ties (default: input order). "
            "The paper's DSR-sub copy keeps the authors' order in hv_rank.",
            rich_help_panel=IN,
        ),
    ] = None,
    max_appearances: Annotated[
        int | None,
        typer.Option(
            help="Use only each example's first K appearances (a K-epoch full-set run is enough).",
            rich_help_panel=IN,
        ),
    ] = None,
    band: Annotated[
        str, typer.Option(help="pass-band: low,high mean accuracy.", rich_help_panel=IN)
    ] = ",".join(map(str, default(rank, "band"))),
    seed: Annotated[
        int,
        typer.Option(help="Seed of --method random, of --subset and of the sampling.", rich_help_panel=IN),
    ] = default(rank, "seed"),
    top: Annotated[int, typer.Option(help="Rows to show.", rich_help_panel=OUT)] = 20,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Standard output: table (for people), tsv or json "
            "(for scripts; the top rows, no file needed).",
            rich_help_panel=OUT,
        ),
    ] = "table",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full ranking as JSON.", rich_help_panel=OUT)
    ] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the full ranking as CSV.", rich_help_panel=OUT)
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(help="PNG: score distribution and top trajectories.", rich_help_panel=OUT),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Write the chosen example(s) as a training JSONL.", rich_help_panel=OUT),
    ] = None,
    export_count: Annotated[
        int, typer.Option(help="How many top examples --export writes.", rich_help_panel=OUT)
    ] = 1,
    copies: Annotated[
        int,
        typer.Option(help="Copies of each exported example (the authors' files: 128).", rich_help_panel=OUT),
    ] = 1,
    model: Annotated[
        str | None, typer.Option(help="Run full-set training with this model first.", rich_help_panel=RUN)
    ] = None,
    epochs: Annotated[int, typer.Option(help="Epochs of the full-set run.", rich_help_panel=RUN)] = 10,
    recipe: Annotated[
        str | None,
        typer.Option(
            help="Recipe of the full-set run (default: the paper's GRPO recipe).", rich_help_panel=RUN
        ),
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option(
            help="Output dir of the full-set run, or of the base model's samples "
            "(default runs/learnability/MODEL-DATASET; a rerun resumes there).",
            rich_help_panel=RUN,
        ),
    ] = None,
    samples: Annotated[int, _sampling_opt("samples")] = default(SamplingConfig, "samples"),
    temperature: Annotated[float, _sampling_opt("temperature")] = default(SamplingConfig, "temperature"),
    max_tokens: Annotated[int, _sampling_opt("max_tokens")] = default(SamplingConfig, "max_tokens"),
    prompt: Annotated[str, _sampling_opt("prompt")] = default(SamplingConfig, "prompt"),
    batch_size: Annotated[int, _sampling_opt("batch_size")] = default(SamplingConfig, "batch_size"),
    dtype: Annotated[str, _sampling_opt("dtype")] = default(SamplingConfig, "dtype"),
    backend: Annotated[
        str, typer.Option(help="hf or vllm (GPU extra), as oneshot eval.", rich_help_panel=BASE)
    ] = "hf",
    limit: Annotated[
        int | None, typer.Option(help="Screen only the first N rows of the pool.", rich_help_panel=BASE)
    ] = None,
    indices: Annotated[
        str | None, typer.Option(help="Screen these rows, e.g. 3,17,40-45.", rich_help_panel=BASE)
    ] = None,
    subset: Annotated[
        int | None,
        typer.Option(help="Screen a random subset of N rows (seeded by --seed).", rich_help_panel=BASE),
    ] = None,
    target: Annotated[
        float,
        typer.Option(help="learnability-target: the pass rate to get closest to.", rich_help_panel=BASE),
    ] = 0.5,
    majority: Annotated[
        float,
        typer.Option(
            help="Label check: flag a row when more than this share of its samples give one answer that "
            "the grader says differs from the label.",
            rich_help_panel=BASE,
        ),
    ] = 0.5,
    overwrite: Annotated[
        bool, typer.Option(help="Start the samples over (else a rerun resumes).", rich_help_panel=BASE)
    ] = False,
) -> None:
    from ..data import load_problems

    if method in SAMPLED_METHODS:
        return _sampled(locals())

    if history is None and model is None:
        raise OneShotError("pass --history FILE, or --model M --dataset D to run the full-set training first")
    if model is not None:
        history = _full_set_run(model, dataset, problem_key, answer_key, epochs, recipe, output_dir)
    problems = None
    if dataset is not None:
        problems = load_problems(
            dataset, problem_key=problem_key or "problem", answer_key=answer_key or "answer"
        )
    try:
        low, high = (float(x) for x in band.split(","))
    except ValueError:
        raise OneShotError(f"--band {band!r}: write two numbers, e.g. 0.1,0.9") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stats = read_stats(
            history, history_key=history_key, tie_order=tie_order, max_appearances=max_appearances
        )
    for w in caught:
        notes.print(Text.assemble(("warning: ", "yellow"), str(w.message)), highlight=False)
    if problems is not None:
        missing = [s.index for s in stats if s.index >= len(problems) or s.index < 0]
        if missing:
            raise OneShotError(
                f"{history}: index {missing[0]} is not in the dataset ({len(problems)} rows)"
                + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
    if output_format not in ("table", "tsv", "json"):
        raise OneShotError(f"--format {output_format!r}: choose table, tsv or json")
    ranked = rank(stats, method, seed=seed, band=(low, high))
    if not ranked:
        raise OneShotError(f"no example passed --method {method} (band {band})")

    records = [
        {
            "pi": item.pi,
            "rank": item.rank,
            "index": item.stats.index,
            "score": item.score,
            "mean_accuracy": item.stats.mean,
            "appearances": item.stats.count,
            "answer": answer,
        }
        for item, answer, _ in _rows_for_table(ranked, problems)
    ]
    if output_format == "json":
        print(json.dumps(records[:top], indent=1))
    elif output_format == "tsv":
        print("\t".join(records[0]))
        for r in records[:top]:
            print("\t".join(str(r[k]).replace("\t", " ").replace("\n", " ") for k in r))
    else:
        console.print(
            _table(
                ranked[:top],
                problems,
                f"{len(ranked)} examples ranked by {method} ({history}"
                + (f", first {max_appearances} appearances)" if max_appearances else ")"),
            )
        )
    write_records(records, json_out, csv_out)
    if plot:
        _plot(plot, ranked, history, history_key, top, method)
    if export:
        if problems is None and not all("problem" in r.stats.extra for r in ranked[:export_count]):
            raise OneShotError("--export needs the problems: pass --dataset")
        with export.open("w") as f:
            for item, answer, problem in _rows_for_table(ranked[:export_count], problems):
                row = {"problem": problem, "answer": answer, "index": item.stats.index, "pi": item.pi}
                f.write((json.dumps(row) + "\n") * copies)
    for path in (json_out, csv_out, plot, export):
        if path:
            notes.print(f"wrote {path}")


def _sampled(given: dict) -> None:
    """Rank by the base model's sampled pass rate (``cli/learnability.py``)."""
    from . import learnability

    if given["model"] is None:
        raise OneShotError(f"--method {given['method']} samples a base model: pass --model")
    if given["history"] is not None or given["max_appearances"] is not None:
        raise OneShotError(f"--method {given['method']} uses no history: drop --history/--max-appearances")
    try:
        low, high = (float(x) for x in given["band"].split(","))
    except ValueError:
        raise OneShotError(f"--band {given['band']!r}: write two numbers, e.g. 0.1,0.9") from None
    config = SamplingConfig(**{f.name: given[f.name] for f in fields(SamplingConfig) if f.name in given})
    learnability.run(
        model=given["model"],
        dataset=given["dataset"],
        problem_key=given["problem_key"],
        answer_key=given["answer_key"],
        method=given["method"],
        config=config,
        backend=given["backend"],
        limit=given["limit"],
        indices=given["indices"],
        subset=given["subset"],
        seed=given["seed"],
        band=(low, high),
        target=given["target"],
        majority=given["majority"],
        output_dir=given["output_dir"],
        overwrite=given["overwrite"],
        top=given["top"],
        output_format=given["output_format"],
        json_out=given["json_out"],
        csv_out=given["csv_out"],
        export=given["export"],
        export_count=given["export_count"],
        copies=given["copies"],
    )


def _full_set_run(model, dataset, problem_key, answer_key, epochs, recipe, output_dir) -> Path:
    """One command from nothing to π1: the same code path as `oneshot train` without --example-id."""
    from ..data import load_problems
    from ..parsing import parse_configs
    from ..train import run_training

    if dataset is None:
        raise OneShotError("--model needs --dataset (the full set to train on)")
    overrides = {
        "model": model,
        "dataset": dataset,
        "problem_key": problem_key,
        "answer_key": answer_key,
        "output_dir": output_dir or "runs/full-set",
    }
    run, args = parse_configs(recipe, overrides=overrides)
    rows = len(load_problems(dataset, problem_key=run.problem_key, answer_key=run.answer_key))
    # The step count goes through the parser, not onto the parsed config: a PPO recipe derives its episode
    # count (TRL's total_episodes) from max_steps there, and would otherwise run the recipe's number of steps.
    overrides["max_steps"] = epochs * math.ceil(rows / args.prompts_per_step)
    run, args = parse_configs(recipe, overrides=overrides)
    out = run_training(run, args)
    return out / "history.jsonl"
