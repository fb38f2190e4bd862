"""The π registry: every example id the paper names, and the parser for ``--example-id``.

The paper ranks the 1209 DSR-sub problems by the standard deviation of their training accuracy over a
full-set RLVR run (π1 = highest). The ids below map to DSR-sub row indices (0..1208); they were checked
against the prompts and labels printed in the paper's Appendix E.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import OneShotError

#: π id → DSR-sub index, for every π id the paper names.
PI_TO_INDEX: dict[str, int] = {
    "pi1": 124,
    "pi2": 267,
    "pi3": 531,
    "pi4": 931,
    "pi5": 212,
    "pi6": 25,
    "pi7": 568,
    "pi8": 131,
    "pi9": 649,
    "pi10": 724,
    "pi11": 875,
    "pi12": 925,
    "pi13": 682,
    "pi14": 100,
    "pi15": 291,
    "pi16": 50,
    "pi17": 870,
    "pi605": 60,
    "pi606": 906,
    "pi1201": 847,
    "pi1207": 174,
    "pi1208": 770,
    "pi1209": 789,
}

#: The examples the authors ship as training files (128 copies each).
SHIPPED = ("pi1", "pi2", "pi13", "pi1209")

_PI_RE = re.compile(r"^(?:pi|π)(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class ExampleRef:
    """One chosen training example: how the user named it and its row index in the dataset."""

    label: str  # "pi1" for registry ids, "idx17" for plain indices
    index: int


def valid_ids() -> str:
    """The registry ids as one comma-separated string, for error messages."""
    return ", ".join(PI_TO_INDEX)


def parse_example_ids(spec: str, dataset_size: int | None = None) -> list[ExampleRef]:
    """Parse ``--example-id``: ``pi1``, ``π1``, a plain row index, or a comma list of them (a few-shot mix).

    >>> [(ref.label, ref.index) for ref in parse_example_ids("pi1,π13,7")]
    [('pi1', 124), ('pi13', 682), ('idx7', 7)]

    π ids always refer to DSR-sub rows; ``dataset_size`` bounds-checks every index when given.
    """
    refs: list[ExampleRef] = []
    parts = [p.strip() for p in str(spec).split(",")]
    if not spec or not any(parts):
        raise OneShotError(f"empty --example-id: use a π id ({valid_ids()}) or a row index")
    for part in parts:
        if not part:
            raise OneShotError(f"empty item in --example-id {spec!r}: write ids separated by single commas")
        pi = _PI_RE.match(part)
        if pi:
            label = f"pi{int(pi.group(1))}"
            if label not in PI_TO_INDEX:
                raise OneShotError(f"unknown example id {part!r}; valid ids: {valid_ids()} (or a row index)")
            ref = ExampleRef(label, PI_TO_INDEX[label])
        elif re.fullmatch(r"-?\d+", part):
            index = int(part)
            if index < 0:
                raise OneShotError(f"example index {index} is negative: row indices start at 0")
            ref = ExampleRef(f"idx{index}", index)
        else:
            raise OneShotError(f"unknown example id {part!r}; valid ids: {valid_ids()} (or a row index)")
        if dataset_size is not None and ref.index >= dataset_size:
            raise OneShotError(
                f"example {part!r} is row {ref.index}, but the dataset has only {dataset_size} rows "
                f"(0..{dataset_size - 1})"
            )
        refs.append(ref)
    return refs


#: Columns of a training row that score its selection (DSR-sub's historical-variance statistics).
SELECTION_COLUMNS = ("hv_rank", "hv_std", "hv_mean_acc", "hv_n_epochs")


def selection_info(ref: ExampleRef, row: dict) -> dict:
    """How an example was chosen, and its score as far as the run can tell: a π id is the paper's ranking by
    historical variance of training accuracy; the row's own ``hv_*`` columns, when it has them, give its rank
    and score in that ranking."""
    method = (
        "historical variance of training accuracy (the paper's π ranking)"
        if ref.label in PI_TO_INDEX
        else "row index given with --example-id"
    )
    return {"method": method, **{k: row[k] for k in SELECTION_COLUMNS if row.get(k) is not None}}
