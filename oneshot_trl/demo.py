"""``oneshot demo``: the paper's pipeline on the offline testbed, with its controls, in minutes on a CPU.

Stages, each timed (``run_demo`` below runs them in this order):
  1. base     build (or reuse) the testbed base model (``testbed.build``);
  2. history  full-set GRPO on the testbed's RL split, recording per-example accuracy histories
              (in parallel: the base model's evaluation);
  3. select   rank the RL split by historical variance; π1 is the top example (``selection.rank``);
  4. runs     per seed: 1-shot GRPO on π1 with the entropy bonus, the paper's format-reward baseline on π1,
              and full-set GRPO on the same budget, each through ``run_training`` (the code of
              ``oneshot train``) and then ``evaluate`` (the code of ``oneshot eval``) on the held-out split;
  5. report   tables (mean ± half-range over seeds), plots and one conclusion computed from the numbers,
              each gain with its 95% interval over seeds and problems.
The jobs (``demo_runs``) go to a pool of worker processes (one per core, one torch thread each); the results,
their analysis and plots are in ``evaluation.demo_report``. All hyper-parameters of the GRPO runs are in the
``testbed-cpu`` recipe; the demo's own are in ``DemoConfig``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .demo_runs import (
    base_model,
    evaluate_base,
    history_run,
    init_worker,
    max_tokens,
    rank_by_other_selector,
    train_and_evaluate,
)
from .errors import OneShotError
from .evaluation.demo_report import (
    ARMS,
    HELDOUT,
    ArmRun,
    BaseBuild,
    Candidate,
    DemoResult,
    Pi1,
    after_saturation,
    conclusion,
    gain_intervals,
    plot,
    problem_scores,
    saturation_line,
    table,
)
from .testbed.build import CACHE, RECIPE_FILE, TestbedRecipe
from .testbed.shipped import SHIPPED_FILE

# The demo's entry point and what its callers read off the result (``oneshot demo`` prints saturation_line).
__all__ = ["ARMS", "DemoConfig", "DemoResult", "run_demo", "saturation_line"]

# What each arm changes from the recipe; π1 is filled in after selection.
ARM_SETTINGS = {
    "1-shot": {"reward": "math"},
    "format-only": {"reward": "format"},  # the paper's format baseline: 1 for any parseable boxed answer
    "full-set": {"reward": "math"},
}
SELECT = ("std", "learnability", "random")
DEMO_FILE = "demo.json"


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
            "help": "Build the base model on this machine (cached in --cache) "
            "instead of using the one shipped with the package (which every machine shares)."
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

    def __post_init__(self):
        counts = ("seeds", "steps", "workers", "eval_problems", "eval_samples", "select_samples")
        small = [
            f"--{name.replace('_', '-')} {getattr(self, name)}" for name in counts if getattr(self, name) < 1
        ]
        if small:
            raise OneShotError(f"{', '.join(small)}: must be at least 1")
        if self.select not in SELECT:
            raise OneShotError(f"--select {self.select!r}: choose one of {', '.join(SELECT)}")
        if self.select == "learnability" and self.select_samples < 2:
            raise OneShotError(f"--select-samples {self.select_samples}: a pass rate needs at least 2")

    def ks(self) -> list[int]:
        """pass@k for k = 1, 2, 4, ... up to the samples per problem (as ``oneshot eval --k 1..N``)."""
        from .evaluation.report import parse_ks

        return parse_ks(f"1..{self.eval_samples}")


def run_demo(
    config: DemoConfig | None = None, on_stage: Callable[[str, str], None] = lambda stage, msg: None
) -> DemoResult:
    """Run every stage and return the results (also written to ``<output_dir>/demo.json``, with plots).
    ``on_stage(stage, message)`` is called as each stage starts and as each run finishes."""
    from .selection import rank, read_stats

    config = config or DemoConfig()
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    workers = max(1, config.workers)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=init_worker) as pool:
        with _timed(times, "base"):
            on_stage("base", "the testbed base model: shipped, cached, or built here")
            base = pool.submit(base_model, config.testbed, config.cache, config.rebuild_base).result()

        def submit(seed: int, arm: str, example: int | None) -> Future[ArmRun]:
            overrides = _arm_overrides(config, base, out / f"seed{seed}" / arm, seed, arm, example)
            return pool.submit(train_and_evaluate, arm, seed, overrides, base, config)

        with _timed(times, "history"):
            epochs = config.history_epochs
            on_stage(
                "history", f"full-set GRPO for {epochs} epochs, recording histories; evaluating the base"
            )
            history_job = pool.submit(history_run, _history_overrides(config, base, out / "history"))
            base_job = pool.submit(evaluate_base, base, config, str(out / "base-eval"))
            # Full-set GRPO needs no π1: its runs start now, on whichever worker is free first.
            jobs = {(seed, "full-set"): submit(seed, "full-set", None) for seed in range(config.seeds)}
            history = history_job.result()

        with _timed(times, "select"):
            ranked = rank(read_stats(Path(history["run_dir"]) / "history.jsonl"))
            if config.select != "std":  # another selector's order, shown with each row's historical std
                by_index = {r.stats.index: r for r in ranked}
                order = pool.submit(rank_by_other_selector, base, config, str(out / "select")).result()
                ranked = [by_index[i] for i in order]
            pi1 = ranked[0].stats
        on_stage(
            "select",
            f"π1 = RL row {pi1.index} by {config.select} "
            f"(accuracy std {pi1.std:.3f} over {pi1.count} epochs)",
        )

        with _timed(times, "runs"):
            on_stage(
                "runs",
                f"{len(ARMS)} arms × {config.seeds} seeds, {config.steps} steps each, "
                "then held-out evaluation (full-set runs began with the history run)",
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

    with _timed(times, "report"):
        result = _report(config, base, history, ranked, base_eval, runs)
    result.stage_seconds = times
    (out / DEMO_FILE).write_text(json.dumps(result.as_json(), indent=2, default=str))
    return result


@contextmanager
def _timed(times: dict[str, float], stage: str) -> Iterator[None]:
    start = time.time()
    yield
    times[stage] = time.time() - start


def _history_overrides(config: DemoConfig, base: str, out: Path) -> dict[str, Any]:
    """The full-set run that records histories: ``history_epochs`` passes over the RL split."""
    return {
        "model": base,
        "dataset": str(Path(base) / "rl.jsonl"),
        "output_dir": str(out),
        "overwrite": True,
        "seed": 0,
        "max_steps": config.history_epochs * config.testbed.rl_examples // config.history_prompts_per_step,
        "prompts_per_step": config.history_prompts_per_step,
    }


def _arm_overrides(
    config: DemoConfig, base: str, out: Path, seed: int, arm: str, example: int | None
) -> dict[str, Any]:
    """One arm's run: the budget and in-training checks every arm shares, the arm's reward, and π1."""
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
        "eval_max_tokens": max_tokens(),
        "eval_samples": config.eval_every_samples,
        "eval_batch_size": config.eval_every_problems * config.eval_every_samples,  # a check in one batch
        "eval_before_train": False,  # step 0 is the base's evaluation, done once
        **ARM_SETTINGS[arm],
    }
    if arm != "full-set":
        overrides["example_id"] = str(example)
    return overrides


def _report(
    config: DemoConfig, base: str, history: dict, ranked: list, base_eval: dict, runs: list[ArmRun]
) -> DemoResult:
    """The typed results: what the stages measured, the numbers and conclusion read off them, the plots."""
    from .selection import trajectories

    out = Path(config.output_dir)
    pi1 = ranked[0].stats
    problem = [json.loads(line) for line in (Path(base) / "rl.jsonl").open()][pi1.index]
    build_info = json.loads((Path(base) / RECIPE_FILE).read_text())
    scores = problem_scores(out, runs)
    intervals = gain_intervals(scores, runs)
    result = DemoResult(
        config=config,
        base_model=base,
        base_build=BaseBuild(
            **{k: build_info[k] for k in ("key", "sft_steps", "dev_history", "build_seconds")},
            shipped=(Path(base) / SHIPPED_FILE).exists(),
        ),
        pi1=Pi1(
            index=pi1.index,
            std=pi1.std,
            mean=pi1.mean,
            history=trajectories(Path(history["run_dir"]) / "history.jsonl", {pi1.index})[pi1.index],
            problem=problem["problem"],
            answer=problem["answer"],
        ),
        top5=[Candidate(index=r.stats.index, std=r.stats.std) for r in ranked[:5]],
        base=base_eval["eval"],
        base_checks=base_eval["checks_step0"],
        runs=runs,
        history_seconds=history["seconds"],
        problem_scores=scores,
        table=table(base_eval["eval"], runs),
        gain_intervals=intervals,
        conclusion=conclusion(base_eval["eval"], runs, intervals),
        post_saturation=[after_saturation(r, config.eval_every) for r in runs if r.arm == "1-shot"],
    )
    result.plots = [str(p) for p in plot(result, out)]
    return result
