"""``run_demo``: the paper's whole pipeline on the offline testbed, in minutes on a CPU, with its controls.

Stages, each timed:
  1. base     build (or reuse) the testbed base model (``testbed.build``);
  2. history  full-set GRPO on the testbed's RL split, recording per-example accuracy histories
              (in parallel: the base model's evaluation);
  3. select   rank the RL split by historical variance; π1 is the top example (``selection.rank``);
  4. runs     per seed: 1-shot GRPO on π1 with the entropy bonus, the paper's format-reward baseline on π1,
              and full-set GRPO on the same budget, each through ``run_training`` (the code of ``oneshot
              train``) and then ``evaluate`` (the code of ``oneshot eval``) on the held-out split;
  5. report   tables (mean ± half-range over seeds), plots and one conclusion computed from the numbers, each
              gain with its 95% interval over seeds and problems.
Runs and evaluations go to a pool of worker processes (one per core, one torch thread each).
All hyper-parameters of the GRPO runs are in the ``testbed-cpu`` recipe; the demo's own are in ``DemoConfig``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .errors import OneShotError
from .testbed.build import CACHE, PROMPT, RECIPE_FILE, TestbedRecipe
from .testbed.shipped import SHIPPED_FILE

RECIPE = "testbed-cpu"
HELDOUT = "testbed_heldout"
ARMS = ("1-shot", "format-only", "full-set")
# What each arm changes from the recipe; π1 is filled in after selection.
ARM_SETTINGS = {
    "1-shot": {"reward": "math"},
    "format-only": {"reward": "format"},  # the paper's format baseline: 1 for any parseable boxed answer
    "full-set": {"reward": "math"},
}
DEMO_FILE = "demo.json"
# π1 counts as saturated once this share of its completions is right between two in-training checks; the
# paper's post-saturation generalisation is held-out accuracy still rising after that point.
PI1_SATURATED = 0.9


@dataclass
class DemoConfig:
    """The demo's settings (the GRPO runs' own hyper-parameters live in the ``testbed-cpu`` recipe)."""

    output_dir: str = field(
        default="runs/demo", metadata={"help": "Where runs, demo.json and plots go; a rerun replaces them."}
    )
    cache: str = field(default=str(CACHE), metadata={"help": "Cache of testbed base models built here."})
    rebuild_base: bool = field(
        default=False,
        metadata={
            "help": "Build the base model on this machine (cached in --cache) instead of using the one "
            "shipped with the package (which every machine shares)."
        },
    )
    seeds: int = field(default=2, metadata={"help": "Seeds per arm (mean ± half-range is reported)."})
    workers: int = field(default=2, metadata={"help": "Worker processes (one torch thread each)."})
    steps: int = field(default=60, metadata={"help": "GRPO steps of every arm (the same budget for each)."})
    history_epochs: int = field(
        default=4, metadata={"help": "Epochs of the full-set run that records histories."}
    )
    history_prompts_per_step: int = field(
        default=16, metadata={"help": "Prompts per step of the history run."}
    )
    eval_problems: int = field(default=64, metadata={"help": "Held-out problems in the final evaluation."})
    eval_samples: int = field(
        default=32, metadata={"help": "Samples per problem at temperature 1 (pass@k up to it)."}
    )
    eval_every: int = field(default=20, metadata={"help": "Held-out check every N training steps."})
    eval_every_problems: int = field(
        default=40, metadata={"help": "Held-out problems in each in-training check."}
    )
    eval_every_samples: int = field(
        default=8,
        metadata={
            "help": "Samples per problem (T=1) in each in-training check: "
            "the base's greedy answers are mostly right already."
        },
    )
    testbed: TestbedRecipe = field(
        default_factory=TestbedRecipe, metadata={"help": "The base model's recipe."}
    )
    select: str = field(
        default="std",
        metadata={
            "help": "How π1 is chosen: std (the paper: historical variance in the full-set run), "
            "learnability (p(1-p) of the base model's pass rate, no history needed) or random."
        },
    )
    select_samples: int = field(default=16, metadata={"help": "Samples per RL row of --select learnability."})

    def ks(self) -> list[int]:
        """pass@k for k = 1, 2, 4, ... up to the samples per problem (as ``oneshot eval --k 1..N``)."""
        from .evaluation.report import parse_ks

        return parse_ks(f"1..{self.eval_samples}")


# ---------------------------------------------------------------- worker side (each job in its own process)


def _init_worker() -> None:
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _base_model(recipe: TestbedRecipe, cache: str, rebuild: bool) -> str:
    from .testbed.shipped import base_model

    # The shipped base when it is this recipe's, else a build (on recipe.threads threads: 2 are ~1.3x faster).
    return str(base_model(recipe, Path(cache), rebuild=rebuild, log=lambda *_: None))


def _max_tokens() -> int:
    """New tokens per evaluated completion: what the recipe lets training generate."""
    from .config import load_recipe

    return int(load_recipe(RECIPE)["max_completion_length"])


def _evaluate(model_path: str, data_dir: str, config: DemoConfig, out: str) -> dict:
    """Greedy and sampled evaluation on the held-out split; the summary fields the report uses."""
    from .evaluation import EvalConfig, evaluate
    from .evaluation.benchmarks import parse_benchmarks
    from .evaluation.evaluator import SAMPLES_FILE, load_model
    from .testbed.task import GUESS

    shutil.rmtree(out, ignore_errors=True)  # a model trained anew must not resume an older model's samples
    # the testbed is measured in the dtype it trains in
    model, tokenizer = load_model(model_path, dtype="float32")
    specs = parse_benchmarks(HELDOUT, data_dir)
    common = {
        "max_tokens": _max_tokens(),
        "prompt": PROMPT,
        "limit": config.eval_problems,
        "data_dir": data_dir,
        "batch_size": 256,
    }
    greedy = evaluate(
        model, tokenizer, specs, EvalConfig(n=1, temperature=0.0, ks=[1], **common), Path(out) / "greedy"
    )
    sampled = evaluate(
        model,
        tokenizer,
        specs,
        EvalConfig(n=config.eval_samples, temperature=1.0, ks=config.ks(), **common),
        Path(out) / "sampled",
    )["benchmarks"][HELDOUT]
    # The planted habit 1-shot RL should remove: the share of sampled completions that guess instead of work.
    completions = [json.loads(line)["completion"] for line in (Path(out) / "sampled" / SAMPLES_FILE).open()]
    return {
        "greedy": greedy["benchmarks"][HELDOUT]["accuracy"],
        "pass@1": sampled["accuracy"],
        "boxed_rate": 1.0 - sampled["no_answer_rate"],
        "boxed_accuracy": sampled["answered_accuracy"],
        "guess_rate": sum(c.startswith(GUESS) for c in completions) / len(completions),
        **{f"pass@{k}": sampled[f"pass@{k}"] for k in config.ks()},
    }


def _train(overrides: dict[str, Any]) -> str:
    from .parsing import parse_configs
    from .train import run_training

    run, args = parse_configs(RECIPE, overrides=overrides)
    return str(run_training(run, args, progress=False))


def _metrics(run_dir: str) -> list[dict]:
    path = Path(run_dir) / "metrics.jsonl"
    return [json.loads(line) for line in path.open()] if path.exists() else []


def _train_and_evaluate(job: dict) -> dict:
    start = time.time()
    run_dir = _train(job["overrides"])
    trained = time.time()
    result = _evaluate(run_dir, job["data_dir"], job["config"], str(Path(run_dir) / "eval"))
    return {
        "arm": job["arm"],
        "seed": job["seed"],
        "run_dir": run_dir,
        "eval": result,
        "metrics": _metrics(run_dir),
        "train_seconds": trained - start,
        "eval_seconds": time.time() - trained,
    }


def _evaluate_base(base: str, config: DemoConfig, out: str) -> dict:
    from .evaluation.evaluator import SAMPLES_FILE

    start = time.time()
    result = _evaluate(base, base, config, out)
    # Step 0 of the in-training curves: the base's sampled accuracy (T=1) on the problems those checks use.
    sampled = [json.loads(line) for line in (Path(out) / "sampled" / SAMPLES_FILE).open()]
    ids = {r["id"] for r in sampled if int(r["id"]) < config.eval_every_problems}
    first = [r for r in sampled if r["id"] in ids]
    return {
        "eval": result,
        "eval_seconds": time.time() - start,
        "checks_step0": sum(r["correct"] for r in first) / len(first),
    }


def _history_run(overrides: dict[str, Any]) -> dict:
    from .config import load_recipe

    start = time.time()
    # The whole step's completions in one micro-batch (the recipe's batch holds 2 prompts' worth).
    overrides["per_device_train_batch_size"] = overrides["prompts_per_step"] * int(
        load_recipe(RECIPE)["num_generations"]
    )
    run_dir = _train(overrides)
    return {"run_dir": run_dir, "seconds": time.time() - start}


SELECT = ("std", "learnability", "random")


def _select_other(base: str, config: DemoConfig, out: str) -> list[int]:
    """RL rows best first by ``config.select`` (learnability: the base model sampled on every row, as
    ``oneshot select-examples --method learnability``; random: seeded by the base's seed)."""
    import random

    from .data import load_problems
    from .evaluation.evaluator import load_model
    from .learnability import SamplingConfig, rank_candidates, sample_candidates, score_candidates

    problems = load_problems(str(Path(base) / "rl.jsonl"))
    rows = list(range(len(problems)))
    if config.select == "random":
        return random.Random(config.testbed.seed).sample(rows, len(rows))
    model, tokenizer = load_model(base, dtype="float32")
    sampling = SamplingConfig(
        samples=config.select_samples,
        max_tokens=_max_tokens(),
        prompt=PROMPT,
        batch_size=256,
        dtype="float32",
    )
    records = sample_candidates(model, tokenizer, problems, rows, sampling, out, overwrite=True)["records"]
    return [c.index for c in rank_candidates(score_candidates(problems, rows, records))]


# ---------------------------------------------------------------- orchestration


def _run_overrides(
    config: DemoConfig, base: str, out: Path, seed: int, arm: str, example: int | None
) -> dict:
    overrides = {
        "model": base,
        "dataset": str(Path(base) / "rl.jsonl"),
        "output_dir": str(out),
        "overwrite": True,
        "seed": seed,
        "max_steps": config.steps,
        "eval_every": config.eval_every,
        "eval_benchmarks": HELDOUT,
        "eval_data_dir": base,
        "eval_limit": config.eval_every_problems,
        "eval_max_tokens": _max_tokens(),
        "eval_samples": config.eval_every_samples,
        "eval_batch_size": config.eval_every_problems * config.eval_every_samples,  # a check in one batch
        "eval_before_train": False,
        **ARM_SETTINGS[arm],
    }  # step 0: the base's evaluation, once
    if arm != "full-set":
        overrides["example_id"] = str(example)
    return overrides


def run_demo(
    config: DemoConfig | None = None, on_stage: Callable[[str, str], None] = lambda stage, msg: None
) -> dict:
    """Run every stage and return the results (also written to ``<output_dir>/demo.json``, with plots).
    ``on_stage(stage, message)`` is called as each stage starts and as each run finishes."""
    config = config or DemoConfig()
    from .selection import rank, read_stats, trajectories

    if config.select not in SELECT:
        raise OneShotError(f"--select {config.select!r}: choose one of {', '.join(SELECT)}")
    if config.select == "learnability" and config.select_samples < 2:
        raise OneShotError(f"--select-samples {config.select_samples}: a pass rate needs at least 2")

    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    pool = ProcessPoolExecutor(
        max_workers=max(1, config.workers), mp_context=get_context("spawn"), initializer=_init_worker
    )
    with pool:
        start = time.time()
        on_stage("base", "the testbed base model: shipped, cached, or built here")
        base = pool.submit(_base_model, config.testbed, config.cache, config.rebuild_base).result()
        times["base"] = time.time() - start

        start = time.time()
        on_stage(
            "history",
            f"full-set GRPO for {config.history_epochs} epochs, recording histories; evaluating the base",
        )
        n_rl = config.testbed.rl_examples
        steps = config.history_epochs * n_rl // config.history_prompts_per_step
        history_job = pool.submit(
            _history_run,
            {
                "model": base,
                "dataset": str(Path(base) / "rl.jsonl"),
                "output_dir": str(out / "history"),
                "overwrite": True,
                "seed": 0,
                "max_steps": steps,
                "prompts_per_step": config.history_prompts_per_step,
            },
        )
        base_job = pool.submit(_evaluate_base, base, config, str(out / "base-eval"))

        def submit(seed: int, arm: str, example: int | None):
            overrides = _run_overrides(config, base, out / f"seed{seed}" / arm, seed, arm, example)
            job = {"arm": arm, "seed": seed, "data_dir": base, "config": config, "overrides": overrides}
            return pool.submit(_train_and_evaluate, job)

        # Full-set GRPO needs no π1: its runs start now, on whichever worker is free first.
        jobs = {(seed, "full-set"): submit(seed, "full-set", None) for seed in range(config.seeds)}
        history = history_job.result()
        times["history"] = time.time() - start

        start = time.time()
        ranked = rank(read_stats(Path(history["run_dir"]) / "history.jsonl"))
        if config.select != "std":  # another selector's order, shown with each row's historical std
            by_index = {r.stats.index: r for r in ranked}
            order = pool.submit(_select_other, base, config, str(out / "select")).result()
            ranked = [by_index[i] for i in order]
        pi1 = ranked[0].stats
        times["select"] = time.time() - start
        on_stage(
            "select",
            f"π1 = RL row {pi1.index} by {config.select} "
            f"(accuracy std {pi1.std:.3f} over {pi1.count} epochs)",
        )

        start = time.time()
        on_stage(
            "runs",
            f"{len(ARMS)} arms × {config.seeds} seeds, {config.steps} steps each, then held-out evaluation "
            "(full-set runs began with the history run)",
        )
        for seed in range(config.seeds):
            for arm in ("1-shot", "format-only"):
                jobs[seed, arm] = submit(seed, arm, pi1.index)
        base_eval = base_job.result()
        runs = []
        for seed in range(config.seeds):
            for arm in ARMS:
                runs.append(jobs[seed, arm].result())
                on_stage("runs", f"done: {arm} seed {seed}")
        times["runs"] = time.time() - start

    start = time.time()
    problems = [json.loads(line) for line in (Path(base) / "rl.jsonl").open()]
    build_info = json.loads((Path(base) / RECIPE_FILE).read_text())
    result = {
        "config": asdict(config),
        "base_model": base,
        # Where the base landed: its SFT steps and dev criterion, next to its held-out scores ("base").
        "base_build": {
            **{k: build_info[k] for k in ("key", "sft_steps", "dev_history", "build_seconds")},
            # the base every machine shares, or one built on this machine (--rebuild-base, another recipe)
            "shipped": (Path(base) / SHIPPED_FILE).exists(),
        },
        "pi1": {
            "index": pi1.index,
            "std": pi1.std,
            "mean": pi1.mean,
            "history": trajectories(Path(history["run_dir"]) / "history.jsonl", {pi1.index})[pi1.index],
            "problem": problems[pi1.index]["problem"],
            "answer": problems[pi1.index]["answer"],
        },
        "top5": [{"index": r.stats.index, "std": r.stats.std} for r in ranked[:5]],
        "base": base_eval["eval"],
        "base_checks": base_eval["checks_step0"],
        "runs": runs,
        "history_seconds": history["seconds"],
    }
    result["problem_scores"] = problem_scores(result, out)
    result["table"] = table(result)
    result["gain_intervals"] = gain_intervals(result)
    result["conclusion"] = conclusion(result)
    result["post_saturation"] = [
        {"seed": r["seed"], **after_saturation(r["metrics"], config.eval_every)}
        for r in runs
        if r["arm"] == "1-shot"
    ]
    result["plots"] = [str(p) for p in plot(result, out)]
    times["report"] = time.time() - start
    result["stage_seconds"] = times
    (out / DEMO_FILE).write_text(json.dumps(result, indent=2, default=str))
    return result


# ---------------------------------------------------------------- report


def mean_spread(values: list[float]) -> tuple[float, float]:
    """Mean and half-range (the spread shown as ±; with 2 seeds, half their difference)."""
    return sum(values) / len(values), (max(values) - min(values)) / 2


def table(result: dict) -> dict[str, dict[str, list[float]]]:
    """Per arm (and base): metric → [mean, spread] over seeds."""
    rows = {"base": {m: [v, 0.0] for m, v in result["base"].items()}}
    for arm in ARMS:
        evals = [r["eval"] for r in result["runs"] if r["arm"] == arm]
        rows[arm] = {m: list(mean_spread([e[m] for e in evals])) for m in evals[0]}
    return rows


def gains(result: dict, metric: str = "pass@1") -> dict[str, tuple[float, float]]:
    """Per arm: mean and half-range over seeds of (arm − base) in ``metric``, in points."""
    base = result["base"][metric]
    return {
        arm: mean_spread([100 * (r["eval"][metric] - base) for r in result["runs"] if r["arm"] == arm])
        for arm in ARMS
    }


def problem_scores(result: dict, out: Path) -> dict[str, list]:
    """Per held-out problem, the sampled pass@1 (share of its samples right) of the base and of every run, in
    the base's problem order: what the intervals of the gains resample. Read from each evaluation's
    ``summary.json`` (its per-problem counts)."""
    from .evaluation.report import load_summary, score_matrix

    base = load_summary(out / "base-eval" / "sampled")
    runs = [load_summary(Path(r["run_dir"]) / "eval" / "sampled") for r in result["runs"]]
    matrix = score_matrix([base, *runs], HELDOUT)
    return {"base": matrix[0].tolist(), "runs": matrix[1:].tolist()}


def gain_intervals(result: dict) -> dict[str, dict[str, float]]:
    """Gains in held-out pass@1, in points, with 95% intervals over seeds and problems (a paired bootstrap:
    every arm and the base on the same resampled problems, each arm's seeds resampled too): each arm minus
    the base, and 1-shot minus format-only."""
    import numpy as np

    from .evaluation.intervals import difference

    scores = result["problem_scores"]
    base = np.asarray([scores["base"]])
    arms = {
        arm: np.asarray([s for s, r in zip(scores["runs"], result["runs"]) if r["arm"] == arm])
        for arm in ARMS
    }
    pairs = {arm: (arms[arm], base) for arm in ARMS}
    pairs["1-shot vs format-only"] = (arms["1-shot"], arms["format-only"])
    found = {}
    for name, (a, b) in pairs.items():
        d = difference([a], [b])["benchmarks"][0]
        found[name] = {k: 100 * v for k, v in d.items()}
    return found


def _with_interval(d: dict[str, float]) -> str:
    return f"{d['diff']:+.1f} points (95% interval {d['low']:+.1f} to {d['high']:+.1f})"


def decompose(result: dict, arm: str) -> tuple[float, float]:
    """Points of held-out pass@1 gained by ``arm`` from answering in the boxed format more often, and from
    answering correctly more often when it does, averaged over seeds. Pass@1 over all samples is exactly
    boxed rate × accuracy among boxed answers, so the two parts sum to the gain."""
    b0, a0 = result["base"]["boxed_rate"], result["base"]["boxed_accuracy"]
    parts = [
        (100 * (e["boxed_rate"] - b0) * a0, 100 * e["boxed_rate"] * (e["boxed_accuracy"] - a0))
        for e in (r["eval"] for r in result["runs"] if r["arm"] == arm)
    ]
    return sum(p[0] for p in parts) / len(parts), sum(p[1] for p in parts) / len(parts)


def conclusion(result: dict) -> str:
    """One line saying what the numbers say, decided by the numbers (sampled pass@1 on held-out problems):
    whether 1-shot helped (its gain's 95% interval over seeds and problems above 0), how much of its gain is
    the boxed format, and where the two controls landed, each gain with its interval."""
    g, iv = gains(result), result["gain_intervals"]
    one, one_s = g["1-shot"]
    t = result["table"]
    from_format, from_skill = decompose(result, "1-shot")
    boxed = f"boxed rate {t['base']['boxed_rate'][0]:.2f} → {t['1-shot']['boxed_rate'][0]:.2f}"
    base_among, one_among = t["base"]["boxed_accuracy"][0], t["1-shot"]["boxed_accuracy"][0]
    among = f"accuracy among boxed answers {base_among:.2f} → {one_among:.2f}"
    parts = (
        f"of its {_with_interval(iv['1-shot'])} of held-out pass@1, {from_format:+.1f} come from the {boxed} "
        f"and {from_skill:+.1f} from {among}"
    )
    controls = (
        f"1-shot vs format-only reward {_with_interval(iv['1-shot vs format-only'])}; "
        f"full-set GRPO {_with_interval(iv['full-set'])} on the same budget"
    )
    seeds = sum(r["arm"] == "1-shot" for r in result["runs"])
    if iv["1-shot"]["low"] <= 0:
        return (
            f"1-shot did not raise held-out pass@1 beyond noise ({_with_interval(iv['1-shot'])} over "
            f"{seeds} seed(s) and the problems; {boxed}, {among}); {controls}."
        )
    if from_skill <= max(one_s, 1.0):
        return f"The gain is format: {parts}; {controls}."
    if from_format >= from_skill:
        return f"1-shot helped, mostly through format: {parts}; {controls}."
    return f"1-shot helped beyond format: {parts}; {controls}."


def after_saturation(metrics: list[dict], every: int, threshold: float = PI1_SATURATED) -> dict:
    """Where a 1-shot run's π1 saturated and what the held-out checks did after it.

    π1's accuracy is taken over the steps between two in-training checks (``every`` steps); the run is
    saturated at the first check where that reaches ``threshold``. Returns ``saturated_at`` (that check's
    step, or None), ``pi1_window`` (π1's accuracy over the last ``every`` steps), and the held-out accuracy
    at saturation and at the last check (``heldout_at``, ``heldout_last``, ``last_step``; None when the run
    did not saturate). A held-out rise after saturation is the paper's post-saturation generalisation."""
    key = f"eval/{HELDOUT}/accuracy"
    solved = {m["step"]: m["oneshot/train_accuracy"] for m in metrics if "oneshot/train_accuracy" in m}
    checks = [(m["step"], m[key]) for m in metrics if key in m]

    def window(step: int) -> float:
        values = [v for s, v in solved.items() if step - every < s <= step]
        return sum(values) / len(values)

    last = max(solved) if solved else 0
    report = {"pi1_window": window(last) if solved else None, "saturated_at": None}
    for step, heldout in checks:
        if window(step) >= threshold:
            return {
                **report,
                "saturated_at": step,
                "heldout_at": heldout,
                "heldout_last": checks[-1][1],
                "last_step": checks[-1][0],
            }
    return {**report, "heldout_at": None, "heldout_last": None, "last_step": None}


def saturation_line(result: dict) -> str:
    """One line on each 1-shot seed: when π1 saturated and what the held-out checks did after it."""
    every, steps = result["config"]["eval_every"], result["config"]["steps"]
    parts = []
    for r in result["post_saturation"]:
        if r["saturated_at"] is None:
            window = f"{r['pi1_window']:.2f} over the last {every}"
            parts.append(f"seed {r['seed']} not within {steps} steps ({window})")
        else:
            rise = 100 * (r["heldout_last"] - r["heldout_at"])
            parts.append(
                f"seed {r['seed']} at step {r['saturated_at']}, held-out checks {r['heldout_at']:.3f} "
                f"there → {r['heldout_last']:.3f} at step {r['last_step']} ({rise:+.1f} points)"
            )
    solved = f"≥ {PI1_SATURATED:.2f} of its completions right over {every} steps"
    return f"π1 saturated ({solved}): " + "; ".join(parts)


def plot(result: dict, out: Path) -> list[Path]:
    """``curves.png`` (held-out sampled accuracy and training-example accuracy vs step) and
    ``pass_at_k.png``."""
    from .evaluation.report import _pyplot

    plt = _pyplot()  # the non-interactive backend, as every plot of the package

    colors = {"1-shot": "tab:red", "format-only": "tab:gray", "full-set": "tab:blue", "base": "black"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    key = f"eval/{HELDOUT}/accuracy"
    for arm in ARMS:
        for i, run in enumerate(r for r in result["runs"] if r["arm"] == arm):
            label = arm if i == 0 else None
            points = [(0, result["base_checks"])] + [(m["step"], m[key]) for m in run["metrics"] if key in m]
            if points:
                ax1.plot(*zip(*points), color=colors[arm], alpha=0.8, label=label, marker="o", ms=3)
            train = [
                (m["step"], m["oneshot/train_accuracy"])
                for m in run["metrics"]
                if "oneshot/train_accuracy" in m
            ]
            if train and arm != "full-set":
                ax2.plot(*zip(*train), color=colors[arm], alpha=0.6, label=label, lw=1)
    for i, report in enumerate(r for r in result.get("post_saturation", []) if r["saturated_at"]):
        label = f"π1 saturated (≥ {PI1_SATURATED:.0%} right)" if i == 0 else None
        ax1.axvline(report["saturated_at"], color=colors["1-shot"], ls=":", lw=1, label=label)
    every = result["config"]["eval_every"]
    level = f"saturation: mean over {every} steps ≥ {PI1_SATURATED}"
    ax2.axhline(PI1_SATURATED, color="gray", ls="--", lw=0.8, label=level)
    ax1.set(
        title=f"Held-out sampled accuracy (T=1) vs step\n({result['config']['eval_every_problems']} "
        f"problems × "
        f"{result['config']['eval_every_samples']} samples; step 0: the base)",
        xlabel="step",
        ylabel="accuracy",
    )
    ax2.set(
        title="Accuracy on the training example (π1) vs step",
        xlabel="step",
        ylabel="share of the step's completions correct",
    )
    ax1.legend(), ax2.legend()
    fig.tight_layout()
    curves = out / "curves.png"
    fig.savefig(curves, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [int(m.split("@")[1]) for m in result["base"] if m.startswith("pass@")]
    ax.plot(ks, [result["base"][f"pass@{k}"] for k in ks], color="black", marker="o", label="base")
    for arm in ARMS:
        ax.plot(
            ks, [result["table"][arm][f"pass@{k}"][0] for k in ks], color=colors[arm], marker="o", label=arm
        )
    ax.set(
        xscale="log",
        xlabel="k",
        ylabel="pass@k (held-out)",
        title="pass@k: base vs trained (mean over seeds)",
    )
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.legend()
    fig.tight_layout()
    passk = out / "pass_at_k.png"
    fig.savefig(passk, dpi=110)
    plt.close(fig)
    return [curves, passk]
