"""Options shared by several subcommands (one definition, one help text)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

DATA = "Data"

DatasetOpt = Annotated[
    Optional[str],
    typer.Option(
        "--dataset",
        help="Hub dataset id, URL, or local .jsonl/.json/.parquet file. Default: the paper's DSR-sub.",
        rich_help_panel=DATA,
    ),
]
ProblemKeyOpt = Annotated[
    Optional[str], typer.Option("--problem-key", help="Column holding the problem text.", rich_help_panel=DATA)
]
AnswerKeyOpt = Annotated[
    Optional[str], typer.Option("--answer-key", help="Column holding the gold answer.", rich_help_panel=DATA)
]
SplitOpt = Annotated[str, typer.Option("--split", help="Split of a Hub dataset.", rich_help_panel=DATA)]
