"""``oneshot demo``: the computed conclusion follows the numbers, and a reduced demo on the real testbed
shows the effects that held across seeds (see ``test_reduced_demo``'s docstring for the measurements)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oneshot_trl.demo import DemoConfig, run_demo
from oneshot_trl.evaluation.demo_report import (
    ARMS,
    HELDOUT,
    ArmRun,
    ProblemScores,
    Saturation,
    after_saturation,
    conclusion,
    decompose,
    gain_intervals,
    gains,
    mean_spread,
    problem_scores,
    saturation_line,
    table,
)

ROOT = Path(__file__).resolve().parents[1]


PROBLEMS = 64


def per_problem(p: float, shift: int) -> list[float]:
    """64 per-problem pass@1 scores with mean exactly ``p``: p ± 0.1 by a pattern that ``shift`` rotates (runs
    disagree with the base problem by problem, as real runs do)."""
    signs = [1 if (i // 2 + shift) % 2 else -1 for i in range(PROBLEMS)]
    return [p + 0.1 * s for s in signs]


def run(
    arm: str, seed: int, scores: dict[str, float] | None = None, metrics: list[dict] | None = None
) -> ArmRun:
    return ArmRun(
        arm, seed, run_dir="", eval=scores or {}, metrics=metrics or [], train_seconds=0, eval_seconds=0
    )


class Fake:
    """What the analysis reads of a demo's result: the given per-seed held-out pass@1 (and boxed rate) per
    arm, base first, with per-problem scores whose means are those pass@1s."""

    def __init__(self, pass1: dict[str, list[float]], boxed: dict[str, list[float]] | None = None):
        boxed = boxed or {}

        def scores(p, b):
            return {
                "greedy": p,
                "pass@1": p,
                "boxed_rate": b,
                "boxed_accuracy": p / b,
                "pass@2": min(1.0, 2 * p),
            }

        self.base = scores(pass1["base"][0], boxed.get("base", [0.7])[0])
        self.runs = []
        self.scores = ProblemScores(base=per_problem(pass1["base"][0], 0), runs=[])
        for arm in ARMS:
            for seed, p in enumerate(pass1[arm]):
                b = boxed.get(arm, [0.9] * len(pass1[arm]))[seed]
                self.runs.append(run(arm, seed, scores(p, b)))
                self.scores.runs.append(per_problem(p, 1 + seed))
        self.intervals = gain_intervals(self.scores, self.runs)

    def conclusion(self) -> str:
        return conclusion(self.base, self.runs, self.intervals)


def test_mean_and_half_range():
    assert mean_spread([0.2, 0.4]) == pytest.approx((0.3, 0.1))
    assert mean_spread([0.5]) == (0.5, 0.0)


def test_conclusion_names_a_gain_beyond_format():
    # base: boxed 0.6, accuracy among boxed 0.5 (pass@1 0.3); 1-shot keeps the boxed rate and answers better
    r = Fake(
        {"base": [0.30], "1-shot": [0.45, 0.47], "format-only": [0.35, 0.36], "full-set": [0.6, 0.62]},
        boxed={"base": [0.6], "1-shot": [0.62, 0.62]},
    )
    assert gains(r.base, r.runs)["1-shot"] == pytest.approx((16.0, 1.0))
    assert table(r.base, r.runs)["1-shot"]["pass@1"] == pytest.approx([0.46, 0.01])
    assert table(r.base, r.runs)["base"]["boxed_rate"] == [0.6, 0.0]
    from_format, from_skill = decompose(r.base, r.runs, "1-shot")
    assert from_format + from_skill == pytest.approx(16.0) and from_skill > from_format
    line = r.conclusion()
    iv = r.intervals
    assert iv["1-shot"]["diff"] == pytest.approx(16.0) and 0 < iv["1-shot"]["low"] < 16 < iv["1-shot"]["high"]
    shown = f"{iv['1-shot']['low']:+.1f} to {iv['1-shot']['high']:+.1f}"
    assert line.startswith(
        f"1-shot helped beyond format: of its +16.0 points (95% interval {shown}) of held-out"
    )
    versus = iv["1-shot vs format-only"]
    assert versus["diff"] == pytest.approx(10.5)
    shown = f"{versus['low']:+.1f} to {versus['high']:+.1f}"
    assert f"1-shot vs format-only reward +10.5 points (95% interval {shown})" in line
    assert "full-set GRPO +31.0 points (95% interval" in line and line.endswith("on the same budget.")


def test_conclusion_calls_a_boxing_gain_format():
    r = Fake(
        {"base": [0.30], "1-shot": [0.45, 0.47], "format-only": [0.20, 0.22], "full-set": [0.5, 0.5]},
        boxed={"base": [0.6], "1-shot": [0.95, 0.97]},
    )
    from_format, from_skill = decompose(r.base, r.runs, "1-shot")
    assert from_format == pytest.approx(100 * (0.96 - 0.6) * 0.5) and from_format > from_skill
    line = r.conclusion()
    assert line.startswith("The gain is format: of its +16.0 points (95% interval")
    assert (
        "of held-out pass@1, +18.0 come from the "
        "boxed rate 0.60 → 0.96 and -2.0 from accuracy among boxed answers 0.50 → 0.48" in line
    )
    assert "1-shot vs format-only reward +25.0 points" in line


def test_conclusion_says_mostly_format_when_both_parts_are_real():
    r = Fake(
        {"base": [0.30], "1-shot": [0.46, 0.46], "format-only": [0.25, 0.25], "full-set": [0.6, 0.6]},
        boxed={"base": [0.6], "1-shot": [0.8, 0.8]},
    )
    # +10.0 from boxing, +6.0 from accuracy among boxed
    from_format, from_skill = decompose(r.base, r.runs, "1-shot")
    assert (round(from_format, 6), round(from_skill, 6)) == (10.0, 6.0)
    assert r.conclusion().startswith("1-shot helped, mostly through format: of its +16.0 points")


def test_conclusion_says_when_1shot_did_not_help():
    r = Fake({"base": [0.30], "1-shot": [0.25, 0.37], "format-only": [0.31, 0.33], "full-set": [0.5, 0.5]})
    iv = r.intervals["1-shot"]
    assert iv["low"] < 0 < iv["high"]  # seeds at -5 and +7 points: the interval over seeds holds 0
    assert r.conclusion().startswith(
        f"1-shot did not raise held-out pass@1 beyond noise (+1.0 points (95% interval {iv['low']:+.1f} to "
        f"{iv['high']:+.1f}) over 2 seed(s) and the problems;"
    )


def test_gain_intervals_widen_when_seeds_disagree_and_vanish_for_identical_runs():
    agree = Fake({"base": [0.3], "1-shot": [0.45, 0.45], "format-only": [0.3, 0.3], "full-set": [0.5, 0.5]})
    apart = Fake({"base": [0.3], "1-shot": [0.35, 0.55], "format-only": [0.3, 0.3], "full-set": [0.5, 0.5]})
    width = {
        name: r.intervals["1-shot"]["high"] - r.intervals["1-shot"]["low"]
        for name, r in (("agree", agree), ("apart", apart))
    }
    assert width["apart"] > width["agree"] > 0
    # format-only's runs equal the base problem by problem (same pattern, same mean): exactly 0, no width
    same = Fake({"base": [0.3], "1-shot": [0.4], "format-only": [0.3], "full-set": [0.5]})
    same.scores.runs[1] = same.scores.base
    assert gain_intervals(same.scores, same.runs)["format-only"] == {"diff": 0.0, "low": 0.0, "high": 0.0}


def test_testbed_recipe_resolves_to_the_demo_layout():
    from oneshot_trl.parsing import parse_configs

    run, args = parse_configs("testbed-cpu", overrides={"model": "some/model", "output_dir": "unused"})
    assert (run.prompt, args.prompts_per_step, args.num_generations, args.gradient_accumulation_steps) == (
        "bare",
        2,
        8,
        1,
    )
    assert (args.learning_rate, args.entropy_coef, args.beta, args.temperature) == (5e-5, 0.001, 0.001, 1.0)


def test_bad_demo_options_are_one_line(capsys):
    from oneshot_trl.cli import main

    with pytest.raises(SystemExit) as info:
        main(["demo", "--seeds", "0", "--steps", "-1"])
    assert info.value.code == 2
    assert "--seeds 0, --steps -1: must be at least 1" in capsys.readouterr().err


def one_shot_metrics(pi1: list[float], heldout: dict[int, float]) -> list[dict]:
    """metrics.jsonl rows of a 1-shot run: π1's accuracy per step (from 1), held-out checks at some steps."""
    rows = [{"step": i + 1, "oneshot/train_accuracy": a} for i, a in enumerate(pi1)]
    for row in rows:
        if row["step"] in heldout:
            row["eval/testbed_heldout/accuracy"] = heldout[row["step"]]
    return rows


def test_saturation_is_the_first_check_after_a_window_at_the_threshold():
    # π1: 0.5 for 20 steps, 0.85 for 20 (not yet), then 0.95; checks every 20 steps
    pi1 = [0.5] * 20 + [0.85] * 20 + [0.95] * 40
    checks = {20: 0.40, 40: 0.55, 60: 0.60, 80: 0.68}
    report = after_saturation(run("1-shot", 3, metrics=one_shot_metrics(pi1, checks)), every=20)
    assert report == Saturation(
        seed=3,
        pi1_window=pytest.approx(0.95),
        saturated_at=60,
        heldout_at=0.60,
        heldout_last=0.68,
        last_step=80,
    )
    # the window is the steps since the previous check: one solved step at a check does not count
    spike = [0.5] * 39 + [1.0] + [0.5] * 40
    unsaturated = after_saturation(run("1-shot", 0, metrics=one_shot_metrics(spike, checks)), every=20)
    assert unsaturated == Saturation(seed=0, pi1_window=pytest.approx(0.5), saturated_at=None)
    assert (unsaturated.heldout_at, unsaturated.heldout_last, unsaturated.last_step) == (None, None, None)
    # a window straddling two checks is not used: saturated from step 50 on is first seen at the check at 80
    late = [0.5] * 50 + [1.0] * 30
    assert (
        after_saturation(run("1-shot", 0, metrics=one_shot_metrics(late, checks)), every=20).saturated_at
        == 80
    )


def test_saturation_line_reports_each_seed():
    checks = {20: 0.5, 80: 0.62}
    seeds = [
        after_saturation(run("1-shot", seed, metrics=one_shot_metrics([solved] * 80, checks)), every=20)
        for seed, solved in enumerate((0.95, 0.7))
    ]
    assert saturation_line(seeds, every=20, steps=80) == (
        "π1 saturated (≥ 0.90 of its completions right over 20 steps): seed 0 at step 20, held-out checks "
        "0.500 there → 0.620 at step 80 (+12.0 points); seed 1 not within 80 steps (0.70 over the last 20)"
    )


def test_ks_are_powers_of_two_up_to_the_samples():
    assert DemoConfig(eval_samples=64).ks() == [1, 2, 4, 8, 16, 32, 64]
    assert DemoConfig(eval_samples=20).ks() == [1, 2, 4, 8, 16]


@pytest.mark.slow
def test_reduced_demo_shows_the_effects_that_held_across_bases(tmp_path):
    """One RL seed of the real demo on the testbed base model shipped with the package, as `oneshot demo` runs
    it. It asserts what held in every one of the 5 base seeds x 2 RL seeds of `python
    benchmarks/demo_across_bases.py` (README, "Offline testbed"; measured at 6c9028f, before the base was
    shipped), with margin, so that it also holds where RL's floating point parts from this machine's (on the
    shipped base here: 1-shot +25.2 points, format-only -6.4). Measured there (per run, min-max): base
    pass@1 0.463-0.506; 1-shot above the base by +17.9 to +26.6 points, its accuracy among boxed answers up
    +0.18 to +0.30, its guess rate 0.03-0.18 against the base's 0.37-0.42; 1-shot above format-only by +9.5 to
    +36.2 points (accuracy among boxed +0.14 to +0.39); format-only boxed more than the base; π1 0.76-0.93
    correct over the last 10 steps of 1-shot, at least 0.14 more than under format-only; held-out accuracy
    of the in-training checks up +0.11 to +0.20 from step 20 to step 60. Not asserted, because it did not hold
    on every base: full-set GRPO above 1-shot (-3.0 to +6.9 points).
    """
    config = DemoConfig(output_dir=str(tmp_path / "demo"), seeds=1, cache=str(ROOT / ".cache" / "testbed"))
    stages = []
    result = run_demo(config, lambda stage, message: stages.append(stage))
    assert stages[:4] == ["base", "history", "select", "runs"]
    base, runs = result.base, {r.arm: r.eval for r in result.runs}
    assert set(runs) == set(ARMS)
    one, fmt = runs["1-shot"], runs["format-only"]
    assert 0.35 < base["pass@1"] < 0.62  # where the build's stop criterion lands the base
    assert result.base_build.dev_history[-1]["final"] is True
    assert result.base_build.shipped is True  # the shipped base: no build on a fresh machine
    assert one["pass@1"] > base["pass@1"] + 0.10  # the effect: measured at least +17.9 points
    assert one["boxed_accuracy"] > base["boxed_accuracy"] + 0.08
    assert one["guess_rate"] < base["guess_rate"] - 0.1  # what 1-shot RL taught: work, don't guess
    assert one["pass@1"] > fmt["pass@1"] + 0.03  # measured at least +9.5 points
    assert one["boxed_accuracy"] > fmt["boxed_accuracy"] + 0.05
    assert fmt["boxed_rate"] > base["boxed_rate"]
    written = json.loads((tmp_path / "demo" / "demo.json").read_text())
    assert written == json.loads(json.dumps(result.as_json(), default=str))  # demo.json: the result as it is
    assert written["conclusion"] == result.conclusion and written["pi1"]["index"] == result.pi1.index
    assert written["conclusion"].startswith("1-shot helped beyond format")
    for png in ("curves.png", "pass_at_k.png"):
        assert (tmp_path / "demo" / png).read_bytes()[:4] == b"\x89PNG"
    one_shot = next(r for r in result.runs if r.arm == "1-shot").metrics
    assert [m["step"] for m in one_shot] == list(range(1, config.steps + 1))
    pi1_solved = sum(m["oneshot/train_accuracy"] for m in one_shot[-10:]) / 10
    assert pi1_solved > 0.6
    format_only = next(r for r in result.runs if r.arm == "format-only").metrics
    # boxed is not right
    assert sum(m["oneshot/train_accuracy"] for m in format_only[-10:]) / 10 < pi1_solved - 0.05
    checks = [
        (m["step"], m["eval/testbed_heldout/accuracy"])
        for m in one_shot
        if "eval/testbed_heldout/accuracy" in m
    ]
    assert [step for step, _ in checks] == list(range(config.eval_every, config.steps + 1, config.eval_every))
    assert checks[-1][1] > checks[0][1]  # held-out accuracy still rising after step 20
    # demo.json's saturation report is read off this run: π1's accuracy over the steps since each check
    [report] = written["post_saturation"]
    windows = {
        step: sum(m["oneshot/train_accuracy"] for m in one_shot[step - config.eval_every : step])
        / config.eval_every
        for step, _ in checks
    }
    assert report["pi1_window"] == pytest.approx(windows[config.steps])
    saturated = [step for step, _ in checks if windows[step] >= 0.9]
    assert report["saturated_at"] == (saturated[0] if saturated else None)
    if saturated:
        assert (report["heldout_at"], report["heldout_last"]) == (dict(checks)[saturated[0]], checks[-1][1])


def test_problem_scores_are_read_from_each_evaluation_in_the_base_order(tmp_path):
    """The per-problem pass@1 the gains' intervals resample comes from each run's sampled evaluation
    (summary.json's per-problem counts), aligned on the base's problems whatever order a run lists them in."""
    from oneshot_trl.evaluation.metrics import summarize

    def write(folder: Path, correct: dict[str, int]) -> None:
        records = [
            {"id": pid, "correct": j < c, "answer": "1", "tokens": 1, "completion": ""}
            for pid, c in correct.items()
            for j in range(4)
        ]
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps({"benchmarks": {HELDOUT: summarize(records, [1])}}))

    write(tmp_path / "base-eval" / "sampled", {"0": 1, "1": 2, "2": 0})
    write(tmp_path / "run" / "eval" / "sampled", {"2": 4, "0": 3, "1": 2})
    runs = [ArmRun("1-shot", 0, str(tmp_path / "run"), eval={}, metrics=[], train_seconds=0, eval_seconds=0)]
    assert problem_scores(tmp_path, runs) == ProblemScores(base=[0.25, 0.5, 0.0], runs=[[0.75, 0.5, 1.0]])
