"""Cheap selection: the ranking from the first K appearances (--max-appearances), the rank statistics the
selection benchmarks report, and the benchmark on the authors' histories."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from oneshot_trl.errors import OneShotError
from oneshot_trl.selection import rank, read_stats
from oneshot_trl.selection_proxies import (
    bootstrap_interval,
    fisher_interval,
    learnability,
    ranks,
    spearman,
    top_overlap,
)

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
# Example 5 swings early and is flat later; example 6 is flat early and learned late (as the paper's π1).
HISTORY = {5: [0.0, 1.0, 0.5, 0.5, 0.5, 0.5], 6: [0.0, 0.0, 0.0, 1.0, 1.0, 1.0], 7: [0.5] * 6}


def _formats(tmp_path) -> list[Path]:
    steps = tmp_path / "history.jsonl"
    steps.write_text(
        "".join(
            json.dumps({"step": t + 1, "index": i, "accuracy": values[t]}) + "\n"
            for t in range(6)
            for i, values in HISTORY.items()
        )
    )
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"index": i, "hv_history": v}) + "\n" for i, v in HISTORY.items()))
    obj = tmp_path / "acc.json"
    obj.write_text(json.dumps({str(i): v for i, v in HISTORY.items()}))
    return [steps, rows, obj]


def test_first_k_appearances_in_every_format(tmp_path):
    for path in _formats(tmp_path):
        full = read_stats(path)
        assert [r.stats.index for r in rank(full)] == [6, 5, 7], path.name  # late learner first
        early = {s.index: s for s in read_stats(path, max_appearances=2)}
        assert {i: s.count for i, s in early.items()} == {5: 2, 6: 2, 7: 2}
        assert early[5].mean == 0.5 and early[5].std == 0.5 and early[6].std == 0.0
        assert [r.stats.index for r in rank(list(early.values()))] == [5, 6, 7], path.name
        # K at or past the longest history is the full ranking
        assert [s.std for s in read_stats(path, max_appearances=50)] == [s.std for s in full]


def test_max_appearances_must_be_positive(tmp_path):
    with pytest.raises(OneShotError, match="--max-appearances 0: must be at least 1"):
        read_stats(_formats(tmp_path)[0], max_appearances=0)


def test_cli_max_appearances(tmp_path, capsys):
    path = _formats(tmp_path)[0]
    code, out, _ = run_cli(["select-examples", "--history", str(path), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)[0]["index"] == 6
    argv = ["select-examples", "--history", str(path), "--format", "json", "--max-appearances", "2"]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0
    top = json.loads(out)[0]
    assert (top["index"], top["appearances"]) == (5, 2)
    code, out, err = run_cli(argv[:-1] + ["0"], capsys)
    assert code == 2 and "--max-appearances 0: must be at least 1" in err and len(err.splitlines()) == 1


def test_authors_history_first_appearances(dsr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        early = read_stats(dsr, max_appearances=3)
        full = {s.index: s for s in read_stats(dsr)}
    assert len(early) == 1209 and {s.count for s in early} == {3}
    rows = {json.loads(line)["index"]: json.loads(line)["hv_history"] for line in dsr.open()}
    for s in early[:20]:  # the statistics of exactly the first three values of each history
        first = rows[s.index][:3]
        mean = sum(first) / 3
        assert s.mean == pytest.approx(mean)
        assert s.var == pytest.approx(sum((v - mean) ** 2 for v in first) / 3)
    assert any(abs(s.std - full[s.index].std) > 0.1 for s in early)


def test_rank_statistics():
    assert ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # a textbook value: d = (0, -2, 1, 1, 0), ρ = 1 - 6·6/(5·24) = 0.7
    assert spearman([1, 2, 3, 4, 5], [1, 4, 2, 3, 5]) == pytest.approx(0.7)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    lo, hi = fisher_interval(0.7, 5)
    assert -1 < lo < 0.7 < hi < 1
    narrow = fisher_interval(0.7, 500)
    assert narrow[1] - narrow[0] < hi - lo and narrow[0] > 0.6
    x = list(range(30))
    y = [v + (7 if v % 3 == 0 else -7) for v in x]
    blo, bhi = bootstrap_interval(x, y, reps=300)
    assert blo <= spearman(x, y) <= bhi and blo > 0.5
    assert bootstrap_interval(x, y, reps=300) == (blo, bhi)  # seeded
    assert top_overlap([1, 2, 3, 4], [4, 3, 9, 8], 2) == 0.0
    assert top_overlap([1, 2, 3, 4], [2, 1, 9, 8], 2) == 1.0
    assert learnability(0.5) == 0.25 and learnability(0.0) == learnability(1.0) == 0.0


def test_benchmark_on_the_authors_data(dsr, tmp_path):
    out = tmp_path / "proxies.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/selection_proxies.py", "--history", str(dsr), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    paper = next(r for r in numbers["table3"] if r["score"].endswith("(the paper)"))
    assert paper["top"] == ["pi1"] and paper["top_math500"] == 74.0
    assert paper["fisher"][0] < paper["rho"] < paper["fisher"][1]
    recovery = {r["k"]: r for r in numbers["recovery"]}
    assert math.isnan(recovery[1]["rho"])
    # more appearances, closer to the full ranking
    assert recovery[2]["rho"] < recovery[5]["rho"] < recovery[20]["rho"] < 1
    assert "Spearman" in result.stdout
