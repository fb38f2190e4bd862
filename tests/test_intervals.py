"""Intervals of benchmark scores and of differences: coverage checked by simulation, pairing, shrinkage, and
`oneshot eval compare` on evaluation folders (paired differences, seeds, refusals)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from oneshot_trl.evaluation import intervals
from oneshot_trl.evaluation.metrics import summarize
from oneshot_trl.evaluation.report import compare_arms, pick_checkpoint, pick_lines, sweep_intervals

from conftest import exit_code

DRAWS = 2000


def covered(low, high, rate) -> float:
    return float(np.mean((np.asarray(low) <= rate) & (rate <= np.asarray(high))))


@pytest.mark.parametrize("problems, rate", [(500, 0.6), (272, 0.35), (30, 0.5)])
def test_greedy_interval_covers_the_known_rate(problems, rate):
    """2,000 greedy benchmarks, each problem right with a known probability: the 95% Wilson interval holds
    that probability in 93-97% of them."""
    rng = np.random.default_rng(problems)
    scores = rng.binomial(1, rate, size=(DRAWS, problems))
    found = intervals.mean_interval(scores, binary=True)
    assert found["method"] == "wilson"
    assert 0.93 <= covered(found["low"], found["high"], rate) <= 0.97


def test_wilson_bounds_at_the_edges_and_a_known_value():
    low, high = intervals.wilson(np.array([0, 30, 12]), 30)
    assert (low[0], high[1]) == (0.0, 1.0)  # exactly: a score of 0 lies inside its own interval
    assert 0 < high[0] < 0.12 and 0.88 < low[1] < 1
    # 12/30: centre (p + z²/2n)/(1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n)
    assert (low[2], high[2]) == (pytest.approx(0.2459, abs=1e-4), pytest.approx(0.5768, abs=1e-4))


def test_the_coverage_check_fails_a_wrong_interval():
    """The check above has teeth: the normal-approximation (Wald) interval, mean ± 1.96 standard errors,
    covers a rate of 0.1 on a 30-problem benchmark (AIME's size) in only ~81% of draws."""
    rng = np.random.default_rng(0)
    means = rng.binomial(1, 0.1, size=(DRAWS, 30)).mean(axis=1)
    half = 1.959964 * np.sqrt(means * (1 - means) / 30)
    assert covered(means - half, means + half, 0.1) < 0.93
    found = intervals.mean_interval(rng.binomial(1, 0.1, size=(DRAWS, 30)), binary=True)
    assert covered(found["low"], found["high"], 0.1) >= 0.93


@pytest.mark.parametrize("problems, samples, rate", [(100, 8, 0.3), (200, 8, 0.5), (60, 4, 0.7)])
def test_avg_at_n_bootstrap_covers_the_known_rate(problems, samples, rate):
    """avg@n: each problem's score is the share of its n samples right (binomial, known rate); the bootstrap
    over problems of those scores covers the rate in 93-97% of 2,000 benchmarks."""
    rng = np.random.default_rng(problems + samples)
    scores = rng.binomial(samples, rate, size=(DRAWS, problems)) / samples
    found = intervals.mean_interval(scores)
    assert found["method"] == "bootstrap"
    assert 0.93 <= covered(found["low"], found["high"], rate) <= 0.97


def test_a_model_compared_with_itself_differs_by_exactly_zero():
    rng = np.random.default_rng(0)
    greedy, sampled = rng.binomial(1, 0.4, 500).astype(float), rng.binomial(8, 0.3, 30) / 8
    found = intervals.difference([greedy[None], sampled[None]], [greedy[None], sampled[None]])
    for d in [*found["benchmarks"], found["average"]]:
        assert d == {"diff": 0.0, "low": 0.0, "high": 0.0}
        assert intervals.holds_zero(d)


def test_paired_interval_is_narrower_than_unpaired_and_finds_a_real_gain():
    """Two models sharing problem difficulty: pairing cancels it, so a 5-point gain on 500 problems is found
    (the interval excludes 0) where the two separate intervals overlap."""
    rng = np.random.default_rng(3)
    difficulty = rng.uniform(0, 1, 500)
    base = (rng.uniform(0, 1, 500) < difficulty).astype(float)
    better = np.maximum(base, (rng.uniform(0, 1, 500) < 0.1).astype(float))  # fixes ~10% of its misses
    d = intervals.difference([better[None]], [base[None]])["benchmarks"][0]
    assert d["diff"] == pytest.approx(better.mean() - base.mean())
    assert d["low"] > 0
    a, b = intervals.mean_interval(better), intervals.mean_interval(base)
    assert a["low"] < b["high"]  # unpaired intervals overlap
    assert d["high"] - d["low"] < (a["high"] - a["low"])


def test_interval_shrinks_as_problems_are_added():
    rng = np.random.default_rng(1)
    greedy = rng.binomial(1, 0.4, 4000).astype(float)
    sampled = rng.binomial(8, 0.4, 4000) / 8
    for scores in (greedy, sampled):
        widths = []
        for size in (50, 200, 800, 3200):
            found = intervals.mean_interval(scores[:size], binary=scores is greedy)
            widths.append(float(found["high"] - found["low"]))
        assert widths == sorted(widths, reverse=True)
        assert widths[-1] < widths[0] / 4  # ~1/sqrt(problems): 64x the problems, ~8x narrower


def test_intervals_are_deterministic_and_seeds_widen_the_difference():
    rng = np.random.default_rng(2)
    a = rng.binomial(8, 0.5, size=(3, 100)) / 8  # three seeds of one arm
    b = rng.binomial(8, 0.4, size=(1, 100)) / 8
    first, again = intervals.difference([a], [b]), intervals.difference([a], [b])
    assert first == again
    one_seed = intervals.difference([a[:1]], [b])["benchmarks"][0]
    spread = np.array([0.0, 0.15, -0.15])[:, None]  # seeds that disagree by 15 points
    seeds = intervals.difference([np.clip(a + spread, 0, 1)], [b])["benchmarks"][0]
    assert seeds["high"] - seeds["low"] > one_seed["high"] - one_seed["low"]


def test_arms_of_different_benchmarks_are_refused():
    # Once cut to the shorter arm: the average would have left a benchmark out without a word.
    scores = np.ones((1, 10))
    with pytest.raises(ValueError, match=r"paired arms need the same benchmarks \(2 vs 1\)"):
        intervals.difference([scores, scores], [scores])


def test_summary_carries_intervals_and_sizes():
    records = [
        {"id": str(i), "correct": i % 3 == 0, "answer": "1", "tokens": 1, "completion": ""} for i in range(60)
    ]
    s = summarize(records, [1])
    low, high = intervals.wilson(20, 60)
    assert (s["problems"], s["samples_per_problem"], s["ci_method"]) == (60, 1, "wilson")
    assert s["accuracy_ci"] == [pytest.approx(float(low)), pytest.approx(float(high))]
    assert s["accuracy_ci"][0] < s["accuracy"] < s["accuracy_ci"][1]
    assert s["correct_per_problem"]["3"] == 1 and s["correct_per_problem"]["4"] == 0


def fake_eval(folder: Path, correct: dict[str, list[int]], n: int = 1, **protocol) -> Path:
    """An `oneshot eval` output folder: summary.json with each benchmark's per-problem counts (of n)."""
    benchmarks = {}
    for name, counts in correct.items():
        records = [
            {"id": str(i), "correct": j < c, "answer": "x", "tokens": 1, "completion": ""}
            for i, c in enumerate(counts)
            for j in range(n)
        ]
        benchmarks[name] = {
            **summarize(records, [1]),
            "protocol": {
                "n": n,
                "temperature": 0.0 if n == 1 else 0.6,
                "top_p": 1.0,
                "top_k": -1,
                "max_tokens": 3072,
                "prompt": "qwen25-math-cot",
                "extraction": "harness",
                "dtype": "bfloat16",
                **protocol,
            },
        }
    folder.mkdir(parents=True)
    summary = {"benchmarks": benchmarks, "average": 0.0, "config": {"think": False}}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def test_compare_arms_of_seeds_against_a_reference(tmp_path):
    rng = np.random.default_rng(5)
    base = {"math500": list(rng.binomial(1, 0.4, 300)), "amc23": list(rng.binomial(8, 0.3, 40))}
    a = fake_eval(tmp_path / "base", {"math500": base["math500"]})
    seeds = [
        fake_eval(
            tmp_path / f"rl{s}", {"math500": list(np.maximum(base["math500"], rng.binomial(1, 0.3, 300)))}
        )
        for s in range(3)
    ]
    result = compare_arms({"base": [a], "rl": seeds})
    rl = result["arms"]["rl"]
    per_seed = [
        json.loads((d / "summary.json").read_text())["benchmarks"]["math500"]["accuracy"] for d in seeds
    ]
    assert rl["runs"] == 3
    assert rl["math500"]["mean"] == pytest.approx(np.mean(per_seed))
    assert rl["math500"]["std"] == pytest.approx(np.std(per_seed, ddof=1))
    assert result["arms"]["base"]["math500"]["std"] is None  # one run: no spread to report
    d = result["differences"]["rl"]["math500"]
    assert d["diff"] == pytest.approx(np.mean(per_seed) - np.mean(base["math500"]))
    assert 0 < d["low"] < d["diff"] < d["high"]


def test_compare_cli_says_when_the_interval_holds_zero(tmp_path, capsys):
    rng = np.random.default_rng(6)
    scores = list(rng.binomial(1, 0.5, 200))
    a = fake_eval(tmp_path / "a", {"math500": scores})
    b = fake_eval(tmp_path / "b", {"math500": scores})
    for d in (a, b):  # pass@k curves read the samples
        (d / "samples.jsonl").write_text(
            "".join(
                json.dumps({"benchmark": "math500", "id": str(i), "correct": bool(c)}) + "\n"
                for i, c in enumerate(scores)
            )
        )
    out = tmp_path / "cmp.json"
    argv = ["eval", "compare", str(a), str(b), "--k", "1", "--output", str(tmp_path / "p.png")]
    assert exit_code([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "b − a (points, 95% interval over problems): math500 +0.0 [+0.0, +0.0]" in printed
    assert "the interval holds 0 on math500, average: no difference shown there" in printed
    assert json.loads(out.read_text())["differences"]["b"]["average"] == {
        "diff": 0.0,
        "low": 0.0,
        "high": 0.0,
    }


def test_compare_refuses_other_protocols_and_problem_sets(tmp_path, capsys):
    a = fake_eval(tmp_path / "a", {"math500": [1, 0, 1, 1]})
    other_tokens = fake_eval(tmp_path / "b", {"math500": [1, 1, 1, 0]}, max_tokens=1024)
    fewer = fake_eval(tmp_path / "c", {"math500": [1, 1, 0]})
    assert exit_code(["eval", "compare", str(a), str(other_tokens)]) == 2
    err = capsys.readouterr().err.strip()
    assert "math500: a and b were evaluated with different protocols (max_tokens 3072 vs 1024)" in err
    assert len(err.splitlines()) == 1
    same = fake_eval(tmp_path / "d", {"math500": [0, 0, 1, 1]})
    assert exit_code(["eval", "compare", str(a), "--group", f"seeds={same},{fewer}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "math500: a and seeds[1] were evaluated on different problems (4 vs 3 problems" in err
    assert exit_code(["eval", "compare", str(a), "--group", "bad"]) == 2
    assert "--group 'bad': write NAME=dirA,dirB" in capsys.readouterr().err


def test_sweep_intervals_and_the_checkpoint_choice():
    """Ten checkpoints of equal skill: the best is no better than the rest, its gap to the next holds 0,
    and the held-out pick's score comes from problems its choice never saw."""
    rng = np.random.default_rng(7)
    matrices = {
        "math500": rng.binomial(1, 0.5, size=(10, 400)).astype(float),
        "aime24": rng.binomial(8, 0.2, size=(10, 30)) / 8,
    }
    bands = sweep_intervals(matrices, {"math500": 1, "aime24": 8})
    rows = [
        {
            "step": 10 * i,
            "average": float(bands["average"]["mean"][i]),
            "average_low": float(bands["average"]["low"][i]),
            "average_high": float(bands["average"]["high"][i]),
        }
        for i in range(10)
    ]
    truth = (0.5 + 0.2) / 2
    assert sum(r["average_low"] < truth < r["average_high"] for r in rows) >= 8
    report = pick_checkpoint(rows, matrices)
    best = max(rows, key=lambda r: r["average"])
    assert best["average"] > truth  # the best of ten equals is above their common skill: the upward bias
    assert report["best_step"] == best["step"] and report["last_step"] == 90
    runner = report["runner_up"]
    assert runner["gap"] == pytest.approx(best["average"] - runner["average"]) and runner["gap"] >= 0
    assert runner["gap_ci"][0] <= 0 <= runner["gap_ci"][1]
    text = "\n".join(pick_lines(report))
    assert "which holds 0: the two are not told apart" in text and "is biased upward" in text
    assert f"last checkpoint, step 90: {rows[-1]['average']:.3f}" in text
    pick = report["heldout_pick"]
    assert pick["step"] in [r["step"] for r in rows]
    assert pick["heldout_ci"][0] < pick["heldout_average"] < pick["heldout_ci"][1]
