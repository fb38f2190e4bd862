"""``oneshot select-examples --method learnability``: rank candidates by the base model's sampled pass rate,
with no full-set run (the library side is ``oneshot_trl.learnability``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import OneShotError
from .options import write_records

console = Console()
notes = Console(stderr=True)


def parse_indices(spec: str | None) -> list[int] | None:
    """``--indices 3,17,40-45`` → [3, 17, 40, ..., 45]."""
    if not spec:
        return None
    out = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise OneShotError(f"--indices {spec!r}: write row numbers and ranges, e.g. 3,17,40-45")
        lo, hi = int(m[1]), int(m[2] or m[1])
        out.extend(range(lo, hi + 1))
    return out


def default_output(model: str, dataset: str | None) -> Path:
    """One folder per (model, pool), so that a rerun resumes and another model does not collide."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{Path(model).name or model}-{Path(dataset or 'dsr-sub').stem}")
    return Path("runs") / "learnability" / name


def _load(model: str, dtype: str, backend: str, batch_size: int):
    from ..evaluation.evaluator import load_model
    from ..modeling import generation_dtype, load_tokenizer

    if backend not in ("hf", "vllm"):
        raise OneShotError(f"unknown --backend {backend!r}; choose hf or vllm")
    fix = "pass a local model folder or a Hub id (`oneshot testbed tiny DIR` makes one offline)"
    try:
        if backend == "vllm":
            from ..evaluation.generation import VLLMGenerator

            tokenizer = load_tokenizer(model)
            return None, tokenizer, VLLMGenerator(model, tokenizer, dtype=dtype)
        generation_dtype(model, dtype)  # an unknown --dtype is named before the weights load
        loaded, tokenizer = load_model(model, dtype)
        return loaded, tokenizer, None
    except OneShotError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OneShotError(
            f"could not load --model {model} ({str(e).splitlines()[0][:120]}); {fix}"
        ) from None


def run(
    *,
    model: str,
    dataset: str | None,
    problem_key: str | None,
    answer_key: str | None,
    method: str,
    config,
    backend: str,
    limit: int | None,
    indices: str | None,
    subset: int | None,
    seed: int,
    band: tuple[float, float],
    target: float,
    majority: float,
    output_dir: str | None,
    overwrite: bool,
    top: int,
    output_format: str,
    json_out: Path | None,
    csv_out: Path | None,
    export: Path | None,
    export_count: int,
    copies: int,
) -> None:
    from ..data import load_problems
    from ..learnability import choose_candidates, rank_candidates, sample_candidates, score_candidates

    if output_format not in ("table", "tsv", "json"):
        raise OneShotError(f"--format {output_format!r}: choose table, tsv or json")
    rank_candidates([], method, band=band, target=target)  # a bad --band/--target fails before sampling
    problems = load_problems(dataset, problem_key=problem_key or "problem", answer_key=answer_key or "answer")
    rows = choose_candidates(
        len(problems), limit=limit, indices=parse_indices(indices), subset=subset, seed=seed
    )
    out = Path(output_dir) if output_dir else default_output(model, dataset)
    loaded, tokenizer, generator = _load(model, config.dtype, backend, config.batch_size)
    total = len(rows) * config.samples
    with Progress(
        TextColumn("sampling the base"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=notes,
        transient=True,
    ) as bar:
        task = bar.add_task("sample", total=total)
        sampled = sample_candidates(
            loaded,
            tokenizer,
            problems,
            rows,
            config,
            out,
            generator=generator,
            overwrite=overwrite,
            on_generated=lambda n: bar.advance(task, n),
            already=lambda n: bar.update(task, completed=n),
        )
    candidates = score_candidates(problems, rows, sampled["records"], majority=majority)
    ranked = rank_candidates(candidates, method, band=band, target=target)
    flagged = [c for c in candidates if c.wrong_label]
    notes.print(
        f"{len(rows)} candidates × {config.samples} samples: {sampled['generated']} generations in "
        f"{sampled['seconds']:.1f} s ({sampled['reused']} reused from {out}); "
        f"{len(flagged)} likely wrong label(s)",
        highlight=False,
    )
    records = [
        {
            "pi": f"pi{r}",
            "rank": r,
            "index": c.index,
            "score": c.score,
            "pass_rate": c.pass_rate,
            "samples": c.samples,
            "majority_answer": c.majority_answer,
            "majority_share": c.majority_share,
            "likely_wrong_label": c.wrong_label,
            "answer": c.answer,
        }
        for r, c in enumerate(ranked, start=1)
    ]
    if output_format == "json":
        print(json.dumps(records[:top], indent=1))
    elif output_format == "tsv" and records:
        print("\t".join(records[0]))
        for r in records[:top]:
            print("\t".join(str(r[k]).replace("\t", " ").replace("\n", " ") for k in r))
    elif output_format == "table":
        console.print(_table(ranked[:top], f"{len(ranked)} candidates ranked by {method} ({model})"))
    for c in flagged:
        notes.print(
            f"likely wrong label: row {c.index}: {c.majority_share:.0%} of samples answer "
            f"{c.majority_answer!r}, the label is {c.answer!r}",
            highlight=False,
        )
    if not ranked:
        raise OneShotError(f"no candidate passed --method {method} (band {band[0]},{band[1]})")
    write_records(records, json_out, csv_out)
    if export:
        with export.open("w") as f:
            for r, c in enumerate(ranked[:export_count], start=1):
                row = {"problem": c.problem, "answer": c.answer, "index": c.index, "pi": f"pi{r}"}
                f.write((json.dumps(row) + "\n") * copies)
    for path in (json_out, csv_out, export):
        if path:
            notes.print(f"wrote {path}")


def _table(ranked, title: str) -> Table:
    table = Table(title=title)
    for column, justify in (
        ("π", "left"),
        ("index", "right"),
        ("score", "right"),
        ("pass rate", "right"),
        ("label", "left"),
        ("answer", "left"),
        ("problem", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=True, overflow="ellipsis")
    for r, c in enumerate(ranked, start=1):
        label = f"wrong? ({c.majority_answer})" if c.wrong_label else "ok"
        table.add_row(
            f"pi{r}",
            str(c.index),
            f"{c.score:.4f}",
            f"{c.correct}/{c.samples}",
            label,
            c.answer[:12],
            c.problem.replace("\n", " ")[:50],
        )
    return table
