"""``oneshot examples``: the π registry and the exact prompt an example becomes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..data import load_problems
from ..examples import PI_TO_INDEX, SHIPPED, parse_example_ids
from ..prompts import render_prompt, train_messages
from .options import AnswerKeyOpt, DatasetOpt, ProblemKeyOpt, SplitOpt, default

app = typer.Typer(help="The π examples the paper names, and the prompt each becomes.", no_args_is_help=True)
console = Console()
# The data options' defaults: load_problems's.
LOAD = {name: default(load_problems, name) for name in ("problem_key", "answer_key", "split")}


@app.command("list")
def list_examples() -> None:
    """Print the π registry: id, DSR-sub index, and whether the authors ship a training file for it."""
    table = Table(title="π examples named in the paper (DSR-sub indices)")
    table.add_column("id")
    table.add_column("DSR-sub index", justify="right")
    table.add_column("shipped by the authors")
    for pi, index in PI_TO_INDEX.items():
        table.add_row(pi, str(index), "yes" if pi in SHIPPED else "")
    console.print(table)


@app.command("show")
def show(
    example_id: Annotated[str, typer.Argument(help="pi1, π1, a row index, or a comma list.")],
    dataset: DatasetOpt = None,
    problem_key: ProblemKeyOpt = LOAD["problem_key"],
    answer_key: AnswerKeyOpt = LOAD["answer_key"],
    split: SplitOpt = LOAD["split"],
    tokenizer: Annotated[
        str | None,
        typer.Option(help="Render the prompt through this model's chat template (Hub id or local path)."),
    ] = None,
) -> None:
    """Print the problem, the answer, and the training prompt exactly as the model will see it."""
    problems = load_problems(dataset, problem_key=problem_key, answer_key=answer_key, split=split)
    tok = None
    if tokenizer:
        from ..modeling import load_tokenizer

        tok = load_tokenizer(tokenizer)
    for ref in parse_example_ids(example_id, len(problems)):
        row = problems[ref.index]
        messages = train_messages(row["problem"])
        prompt = render_prompt(tok, messages) if tok is not None else messages[0]["content"]
        console.rule(f"{ref.label}  (row {ref.index})")
        console.print("[bold]problem[/]", markup=True)
        console.print(row["problem"], markup=False, highlight=False, soft_wrap=True)
        console.print(f"[bold]answer[/]  {row['answer']}", highlight=False)
        console.print("[bold]prompt[/] (exact text)" if tok is not None else "[bold]prompt[/] (user turn)")
        console.print(prompt, markup=False, highlight=False, soft_wrap=True)
