"""Training-accuracy histories: the record a full-set run leaves for example selection.

``history.jsonl`` has one row per (step, dataset index): how many of that example's completions were
correct at that step. In a full-set run each example appears once per epoch, so its rows are its
per-epoch accuracies, the input of the paper's historical-variance ranking. Written by rank 0 only,
flushed per step, and cut back to the resumed checkpoint on ``--resume`` (no duplicated or missing rows).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

HISTORY_FILE = "history.jsonl"


def step_rows(
    step: int, indices: Iterable[int], example_ids: Iterable[str], correct: Iterable[bool]
) -> list[dict]:
    """Aggregate per-completion correctness into one row per dataset index, in first-seen order."""
    counts: dict[int, list] = {}
    for index, example_id, ok in zip(indices, example_ids, correct, strict=True):
        entry = counts.setdefault(int(index), [example_id, 0, 0])
        entry[1] += int(bool(ok))
        entry[2] += 1
    return [
        {"step": step, "index": index, "example_id": eid, "correct": k, "total": n, "accuracy": k / n}
        for index, (eid, k, n) in counts.items()
    ]


def accuracy_metrics(rows: list[dict]) -> dict[str, float]:
    """A step's accuracy metrics from its graded completions (``{"example_id", "correct"}`` rows, all ranks):
    ``oneshot/train_accuracy`` and, for a few-shot mix of 2 to 16 examples, ``oneshot/accuracy/<id>``."""
    by_example: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        by_example[row["example_id"]].append(bool(row["correct"]))
    metrics = {"oneshot/train_accuracy": sum(bool(r["correct"]) for r in rows) / len(rows)}
    if 1 < len(by_example) <= 16:  # a full-set run has one per example: too many to log
        metrics.update(
            {f"oneshot/accuracy/{eid}": sum(hits) / len(hits) for eid, hits in sorted(by_example.items())}
        )
    return metrics


class HistoryWriter:
    """Appends rows to ``history.jsonl``, flushed after every step: a killed run keeps every finished step."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, rows: list[dict]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
            f.flush()


def read_history(path: str | Path) -> dict[int, list[float]]:
    """Per-index accuracies in step order from a ``history.jsonl`` (a partial last line is skipped)."""
    series: dict[int, list[tuple[int, float]]] = defaultdict(list)
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # a line still being written
            row = json.loads(line)
            series[int(row["index"])].append((int(row["step"]), float(row["accuracy"])))
    return {index: [acc for _, acc in sorted(values)] for index, values in series.items()}
