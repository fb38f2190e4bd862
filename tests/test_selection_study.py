"""The testbed selection study's pool (benchmarks/selection_study.py, issue #30 item 5): which problems it
screens, how it chooses the pool and the candidates, and, on the shipped base, that the candidates run from
never solved to always solved with a right label."""

import importlib.util
import json
from pathlib import Path

import pytest

from oneshot_trl.testbed.shipped import SHIPPED
from oneshot_trl.testbed.task import has_carry, split_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study():
    spec = importlib.util.spec_from_file_location(
        "selection_study", ROOT / "benchmarks" / "selection_study.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (SHIPPED / name).open()]


def _operands(problem: str) -> tuple[int, int]:
    a, b = problem.removeprefix("What is ").removesuffix("?").split(" + ")
    return int(a), int(b)


def test_screen_keeps_the_evaluation_splits_out_and_every_problem_once(study):
    rl = _lines("rl.jsonl")
    planted = study._plant(rl, 0)
    heldout = {r["problem"] for r in _lines("eval_testbed_heldout.jsonl")}
    dev = {r["problem"] for r in _lines("eval_testbed_dev.jsonl")}
    # nothing excluded by text: the split hash alone must keep the evaluation problems out
    rows = study.screen_rows(rl, set(), 0)
    problems = [r["problem"] for r in rows]
    assert len(problems) == len(set(problems))
    assert not set(problems) & (heldout | dev)
    assert all(split_of(*_operands(p)) == "rl" for p in problems)
    for r in rows:
        a, b = _operands(r["problem"])
        right = r.get("true_answer", r["answer"])
        assert int(right) == a + b
        assert (r["answer"] != right) == ("true_answer" in r)
    # the two planted rows are screened with their wrong label, the RL pool's rows first and in order
    assert sum("true_answer" in r for r in rows) == len(planted) == 2
    rl_problems = list(dict.fromkeys(r["problem"] for r in rl))
    assert problems[: len(rl_problems)] == rl_problems
    sources = {r["source"] for r in rows}
    assert sources == {"rl pool", "rl split, further", "rl split, sum 100", "rl split, carry-free"}
    assert all(not has_carry(*_operands(r["problem"])) for r in rows if r["source"] == "rl split, carry-free")
    assert all(r["answer"] == "100" for r in rows if r["source"] == "rl split, sum 100")
    # a problem named in ``excluded`` is dropped
    assert rl[0]["problem"] not in {r["problem"] for r in study.screen_rows(rl, {rl[0]["problem"]}, 0)}


def test_pool_takes_the_kept_rows_then_each_level_in_turn(study):
    rates = [0.5] * 10 + [0.0, 0.0, 1.0, 0.25, 0.75, 0.5]
    pool = study.choose_pool(rates, keep=[3], size=8)
    assert 3 in pool and len(pool) == 8
    # one row per level (0, 0.25, 0.5, 0.75, 1) in the first round, the earliest row of each level first
    assert {10, 13, 0, 14, 12} <= set(pool)
    assert sorted(rates[i] for i in pool).count(1.0) == 1
    # a pool larger than the screen is the whole screen
    assert study.choose_pool(rates, keep=[], size=100) == list(range(len(rates)))


def test_candidates_spread_evenly_from_the_lowest_to_the_highest(study):
    rates = {i: p for i, p in enumerate([0.5, 0.5, 0.0, 0.3, 0.9, 1.0, 0.6, 0.25, 0.75, 0.1])}
    picked = study.spread_candidates(rates, 5)  # targets 0, 0.25, 0.5, 0.75, 1
    assert picked == [0, 2, 5, 7, 8]
    assert study.spread_candidates(rates, 20) == sorted(rates)


@pytest.mark.slow
def test_candidates_run_from_never_to_always_solved_on_the_shipped_base(study, tmp_path):
    """The study's own pool on the shipped base (the base sampled 16 times on each of ~320 screened rows:
    about 5,000 generations, half a minute on one CPU thread)."""
    built = study.build_pool(str(SHIPPED), str(tmp_path), samples=16, seed=0)
    rows, rates, planted = built["rows"], built["pass_rates"], built["planted"]
    assert len(rows) == study.POOL_SIZE and len(planted) == 2
    assert all("true_answer" in rows[i] for i in planted)
    heldout = {r["problem"] for r in _lines("eval_testbed_heldout.jsonl")}
    assert not {r["problem"] for r in rows} & heldout
    right = {i: p for i, p in rates.items() if i not in planted}
    candidates = study.spread_candidates(right, 14)
    spanned = [rates[i] for i in candidates]
    # never solved and (nearly) always solved, both with a right label, and levels between. The top is
    # 16 of 16 where the README's run was made; a CPU whose kernels round differently may sample one miss.
    assert min(spanned) == 0.0 and max(spanned) >= 15 / 16
    assert len(set(spanned)) >= 10
    assert (tmp_path / "pool.jsonl").read_text().count("\n") == study.POOL_SIZE
