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
    Optional[str],
    typer.Option("--problem-key", help="Column holding the problem text.", rich_help_panel=DATA),
]
AnswerKeyOpt = Annotated[
    Optional[str], typer.Option("--answer-key", help="Column holding the gold answer.", rich_help_panel=DATA)
]
SplitOpt = Annotated[str, typer.Option("--split", help="Split of a Hub dataset.", rich_help_panel=DATA)]


def field_help(cls, name: str) -> str:
    """The ``help`` of a dataclass field, escaped for rich markup (TRL's help texts hold square brackets)."""
    from dataclasses import fields

    from rich.markup import escape

    found = next((f for f in fields(cls) if f.name == name), None)
    if found is None or not found.metadata.get("help"):
        raise KeyError(f"{cls.__name__}.{name} has no documented field of that name")
    return escape(" ".join(found.metadata["help"].split()))


def _option_type(cls, name: str):
    """The command-line type of a dataclass field: its declared type without Optional; lists stay lists."""
    import types
    import typing

    hint = typing.get_type_hints(cls)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = args[0] if len(args) == 1 else str
    if typing.get_origin(hint) is list:
        return list[str]
    if typing.get_origin(hint) is typing.Literal or hint not in (bool, int, float, str):
        return str
    return hint


def field_parameter(cls, name: str, panel: str, flag: str | None = None):
    """A keyword parameter for a generated Typer command, made from a dataclass field: its type and help come
    from the field, its default is None (the value comes from the recipe, the YAML file or the dataclass: the
    default is stated in one place only). Booleans get ``--x/--no-x``; lists may repeat or use commas."""
    import inspect

    kind = _option_type(cls, name)
    flag = flag or "--" + name.replace("_", "-")
    if kind is bool:
        flag = f"{flag}/--no-{flag[2:]}"
    help_text = field_help(cls, name) + (
        " Repeat the option, or give a comma list." if kind == list[str] else ""
    )
    option = typer.Option(flag, help=help_text, rich_help_panel=panel, show_default=False)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[Optional[kind], option]
    )


def write_records(records: list[dict], json_out=None, csv_out=None) -> None:
    """The ranking's rows to ``--json`` and ``--csv`` (each only when asked for), one row a ranked example."""
    import csv
    import json

    if json_out:
        json_out.write_text(json.dumps(records, indent=1))
    if csv_out:
        with csv_out.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
