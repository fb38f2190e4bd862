"""Options shared by several subcommands (one definition, one help text), and the one way every subcommand
takes its defaults from the library (``default``)."""

from __future__ import annotations

from typing import Annotated

import typer

DATA = "Data"

DatasetOpt = Annotated[
    str | None,
    typer.Option(
        "--dataset",
        help="Hub dataset id, URL, or local .jsonl/.json/.parquet file. Default: the paper's DSR-sub.",
        rich_help_panel=DATA,
    ),
]
ProblemKeyOpt = Annotated[
    str | None,
    typer.Option("--problem-key", help="Column holding the problem text.", rich_help_panel=DATA),
]
AnswerKeyOpt = Annotated[
    str | None, typer.Option("--answer-key", help="Column holding the gold answer.", rich_help_panel=DATA)
]
SplitOpt = Annotated[str, typer.Option("--split", help="Split of a Hub dataset.", rich_help_panel=DATA)]


def default(source, name: str):
    """The library's default of ``name``: a dataclass field's (its default, or what its factory makes) or a
    function's parameter's. Every subcommand shows and uses the defaults it takes from here, so each default
    is written once, in the library (``oneshot train``'s come from its parser: the recipe's values)."""
    import dataclasses
    import inspect

    if dataclasses.is_dataclass(source):
        found = next((f for f in dataclasses.fields(source) if f.name == name), None)
        if found is None:
            raise KeyError(f"{source.__name__} has no field {name!r}")
        if found.default_factory is not dataclasses.MISSING:
            return found.default_factory()
        return found.default
    return inspect.signature(source).parameters[name].default


def field_help(cls, name: str) -> str:
    """The ``help`` of a dataclass field, escaped for rich markup (TRL's help texts hold square brackets)."""
    from dataclasses import fields

    from rich.markup import escape

    found = next((f for f in fields(cls) if f.name == name), None)
    if found is None or not found.metadata.get("help"):
        raise KeyError(f"{cls.__name__}.{name} has no documented field of that name")
    return escape(" ".join(found.metadata["help"].split()))


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
