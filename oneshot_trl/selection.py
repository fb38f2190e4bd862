"""Example selection: rank examples by their historical training accuracy (the paper's π ranking).

Input: the accuracy history of a full-set RLVR run, in any of three formats (detected from the file):
  - ``history.jsonl`` written by ``oneshot train`` (one row per step and dataset index);
  - the authors' JSON object ``{"index": [acc, acc, ...], ...}`` (their ``acc_step_500.json``);
  - a JSONL with one example per line and a list field (``hv_history`` in ``dsr_sub_1209.jsonl``).
The file is streamed one line at a time; memory holds each example's values (8 bytes an appearance).

Methods: ``std`` (the paper: population std, ddof=0, descending), ``var``, ``random`` (seeded) and
``pass-band`` (mean accuracy inside a band, closest to its middle first, as open-r1 filters by pass rate).
Scores are ``np.std`` / ``np.var`` of each example's values in input order, sorted raw, as the authors'
``data/data_selection.py`` (lines 60-71: ``np.std(values)``, ``sorted(..., reverse=True)``) does: examples
whose std is equal in exact arithmetic but not in floating point are ordered by that float noise, as theirs
were. Sorting is stable: exact ties keep input order, or the order of ``tie_order`` values when given.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OneShotError

METHODS = ("std", "var", "random", "pass-band")


@dataclass
class ExampleStats:
    """One example's accuracy history: its count, sum and values (8 bytes each).

    The values are kept because the ranking must be numpy's own ``std`` of them to order near-ties as the
    authors' ranking did."""

    index: int
    order: int  # first position in the input
    count: int = 0
    total: float = 0.0
    extra: dict = field(default_factory=dict)  # answer / problem / tie-order value, when the file has them
    values: array = field(default_factory=lambda: array("d"), repr=False)

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.values.append(value)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def var(self) -> float:
        """``np.var`` (ddof=0) of the values in input order: the same float the authors' script computes."""
        import numpy as np

        return float(np.var(np.frombuffer(self.values, dtype=np.float64))) if self.count else 0.0

    @property
    def std(self) -> float:
        """``np.std`` (ddof=0), as ``data/data_selection.py`` line 61; not sqrt(var), which can round
        differently in the last bit."""
        import numpy as np

        return float(np.std(np.frombuffer(self.values, dtype=np.float64))) if self.count else 0.0


@dataclass
class Ranked:
    rank: int
    stats: ExampleStats
    score: float

    @property
    def pi(self) -> str:
        return f"pi{self.rank}"


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OneShotError(f"{where}: non-numeric accuracy {value!r}; histories hold numbers in [0, 1]")
    return float(value)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Complete lines with their numbers; a partial last line (a file being written) warns and is skipped."""
    with path.open(encoding="utf-8") as f:
        lineno = 0
        for lineno, line in enumerate(f, start=1):
            if not line.endswith("\n"):
                warnings.warn(
                    f"{path}:{lineno}: ignoring a partial last line (the file is still being written?)",
                    stacklevel=3,
                )
                return
            if line.strip():
                yield lineno, line


def _detect(path: Path) -> str:
    """ "steps" (oneshot's history.jsonl), "rows" (one example per line) or "object" (the authors' JSON)."""
    with path.open(encoding="utf-8") as f:
        head = f.read(4096).lstrip()
    if not head:
        raise OneShotError(
            f"{path}: empty history file; pass the history.jsonl of a full-set `oneshot train` run"
        )
    try:
        row = json.loads(head.split("\n", 1)[0])
    except json.JSONDecodeError:
        return "object"  # a pretty-printed or long one-line JSON object
    if not isinstance(row, dict):
        raise OneShotError(f"{path}:1: expected JSON objects, got {type(row).__name__}")
    if "step" in row and "accuracy" in row:
        return "steps"
    return "rows" if "index" in row else "object"


def read_stats(
    path: str | Path,
    *,
    history_key: str = "hv_history",
    tie_order: str | None = None,
    max_appearances: int | None = None,
) -> list[ExampleStats]:
    """Stream a history file of any supported format into per-example statistics, in input order.

    ``max_appearances=K`` keeps only each example's first K appearances (in step order): the ranking a
    full-set run of K epochs would have given, so a short run can stand in for the whole one."""
    path = Path(path)
    if not path.exists():
        raise OneShotError(f"history file not found: {path}")
    if max_appearances is not None and max_appearances < 1:
        raise OneShotError(f"--max-appearances {max_appearances}: must be at least 1")
    kind = _detect(path)
    stats: dict[int, ExampleStats] = {}
    cap = max_appearances if max_appearances is not None else math.inf

    def entry(index: int) -> ExampleStats:
        if index not in stats:
            stats[index] = ExampleStats(index=index, order=len(stats))
        return stats[index]

    def add(item: ExampleStats, value: float) -> None:
        if item.count < cap:  # appearances after the first K are read (and checked) but not counted
            item.add(value)

    if kind == "steps":
        for lineno, line in _lines(path):
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
                index = int(row["index"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                raise OneShotError(f"{where}: not a history row (expected step, index, accuracy)") from None
            add(entry(index), _number(row.get("accuracy"), where))
    elif kind == "rows":
        for lineno, line in _lines(path):
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise OneShotError(f"{where}: malformed JSON ({e.msg})") from None
            if history_key not in row or "index" not in row:
                raise OneShotError(
                    f"{where}: no 'index' or {history_key!r} field (name the list field with --history-key)"
                )
            values = row[history_key]
            if not isinstance(values, list):
                raise OneShotError(f"{where}: {history_key!r} is not a list")
            item = entry(int(row["index"]))
            for value in values:
                add(item, _number(value, where))
            item.extra = {k: row[k] for k in ("answer", "problem") if k in row}
            if tie_order:
                if tie_order not in row:
                    raise OneShotError(f"{where}: no {tie_order!r} field for --tie-order")
                item.extra["tie"] = row[tie_order]
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise OneShotError(f"{path}:{e.lineno}: malformed or truncated JSON ({e.msg})") from None
        if not isinstance(data, dict):
            raise OneShotError(f"{path}: expected an object from dataset index to a list of accuracies")
        for key, values in data.items():
            where = f"{path}: index {key}"
            try:
                index = int(key)
            except ValueError:
                raise OneShotError(f"{where}: keys must be dataset indices") from None
            if not isinstance(values, list):
                raise OneShotError(f"{where}: expected a list of accuracies")
            item = entry(index)
            for value in values:
                add(item, _number(value, where))
    if not stats:
        raise OneShotError(f"{path}: no history rows")
    counts = {s.count for s in stats.values()}
    if len(counts) > 1:  # normal for the paper's run (44-57 appearances): said once, not fatal
        warnings.warn(
            f"histories have unequal lengths ({min(counts)}-{max(counts)} appearances); each example's "
            f"statistics use its own appearances",
            stacklevel=2,
        )
    return list(stats.values())


def rank(
    stats: list[ExampleStats],
    method: str = "std",
    *,
    seed: int = 0,
    band: tuple[float, float] = (0.1, 0.9),
) -> list[Ranked]:
    """Rank examples, best first (π1 = rank 1). Stable: ties keep input (or tie-order) order."""
    if method not in METHODS:
        raise OneShotError(f"unknown --method {method!r}; choose one of {', '.join(METHODS)}")
    # Tie-order field first, then input order
    items = sorted(stats, key=lambda s: (s.extra.get("tie", 0), s.order))
    if method == "std":
        scored = [(s, s.std) for s in items]
    elif method == "var":
        scored = [(s, s.var) for s in items]
    elif method == "random":
        rng = random.Random(seed)
        scored = [(s, rng.random()) for s in items]
    else:
        lo, hi = band
        if not 0 <= lo <= hi <= 1:
            raise OneShotError(f"--band {lo},{hi}: need 0 <= low <= high <= 1")
        middle = (lo + hi) / 2
        scored = [(s, -abs(s.mean - middle)) for s in items if lo <= s.mean <= hi]
    # Raw floats, stable, as the authors sort: equal keys keep the order above, near-ties keep their noise.
    scored.sort(key=lambda pair: -pair[1])
    return [Ranked(rank=i, stats=s, score=score) for i, (s, score) in enumerate(scored, start=1)]


def trajectories(
    path: str | Path, indices: set[int], *, history_key: str = "hv_history"
) -> dict[int, list[float]]:
    """The full accuracy series of a few examples (a second streaming pass, for plots)."""
    path = Path(path)
    kind = _detect(path)
    found: dict[int, list] = {i: [] for i in indices}
    if kind == "object":
        data = json.loads(path.read_text(encoding="utf-8"))
        return {i: [float(v) for v in data.get(str(i), [])] for i in indices}
    for _, line in _lines(path):
        row = json.loads(line)
        index = int(row["index"])
        if index in found:
            if kind == "steps":
                found[index].append((row["step"], float(row["accuracy"])))
            else:
                found[index] = [(k, float(v)) for k, v in enumerate(row[history_key])]
    return {i: [v for _, v in sorted(series)] for i, series in found.items()}
