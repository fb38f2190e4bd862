"""The demo's jobs, each run in a worker process (``oneshot_trl.demo`` submits them): the base model, the
history run, training an arm (the code of ``oneshot train``) and evaluating on the held-out split (the code of
``oneshot eval``), and the selectors other than the paper's. ``benchmarks/selection_study.py`` reuses them."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .evaluation.demo_report import HELDOUT, ArmRun
from .testbed.build import PROMPT, TestbedRecipe

if TYPE_CHECKING:  # the settings are passed in; the demo imports this module
    from .demo import DemoConfig

RECIPE = "testbed-cpu"  # every GRPO run of the demo trains with this recipe's hyper-parameters


def init_worker() -> None:
    """One torch thread per worker process, and no progress bars or warnings from the libraries."""
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def base_model(recipe: TestbedRecipe, cache: str, rebuild: bool) -> str:
    """The base model's folder: the shipped base when it is this recipe's, else a build (on recipe.threads
    threads: 2 are ~1.3x faster)."""
    from .testbed.shipped import base_model as shipped_or_built

    return str(shipped_or_built(recipe, Path(cache), rebuild=rebuild, log=lambda *_: None))


def max_tokens() -> int:
    """New tokens per evaluated completion: what the recipe lets training generate."""
    from .config import load_recipe

    return int(load_recipe(RECIPE)["max_completion_length"])


def evaluate_heldout(model_path: str, data_dir: str, config: DemoConfig, out: str) -> dict:
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
        "max_tokens": max_tokens(),
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


def train(overrides: dict[str, Any]) -> str:
    """A GRPO run of the recipe with ``overrides``, as ``oneshot train``; returns its run folder."""
    from .parsing import parse_configs
    from .train import run_training

    run, args = parse_configs(RECIPE, overrides=overrides)
    return str(run_training(run, args, progress=False))


def read_metrics(run_dir: str) -> list[dict]:
    path = Path(run_dir) / "metrics.jsonl"
    return [json.loads(line) for line in path.open()] if path.exists() else []


def train_and_evaluate(
    arm: str, seed: int, overrides: dict[str, Any], data_dir: str, config: DemoConfig
) -> ArmRun:
    """One run of an arm: train, then evaluate on the held-out split in ``data_dir``."""
    start = time.time()
    run_dir = train(overrides)
    trained = time.time()
    scores = evaluate_heldout(run_dir, data_dir, config, str(Path(run_dir) / "eval"))
    return ArmRun(
        arm=arm,
        seed=seed,
        run_dir=run_dir,
        eval=scores,
        metrics=read_metrics(run_dir),
        train_seconds=trained - start,
        eval_seconds=time.time() - trained,
    )


def evaluate_base(base: str, config: DemoConfig, out: str) -> dict:
    """The base model's held-out evaluation (``eval``), its time, and ``checks_step0``: step 0 of the
    in-training curves, the base's sampled accuracy (T=1) on the problems those checks use."""
    from .evaluation.evaluator import SAMPLES_FILE

    start = time.time()
    result = evaluate_heldout(base, base, config, out)
    sampled = [json.loads(line) for line in (Path(out) / "sampled" / SAMPLES_FILE).open()]
    ids = {r["id"] for r in sampled if int(r["id"]) < config.eval_every_problems}
    first = [r for r in sampled if r["id"] in ids]
    return {
        "eval": result,
        "eval_seconds": time.time() - start,
        "checks_step0": sum(r["correct"] for r in first) / len(first),
    }


def history_run(overrides: dict[str, Any]) -> dict:
    """The full-set run that records per-example accuracy histories; its folder and time."""
    from .config import load_recipe

    start = time.time()
    # The whole step's completions in one micro-batch (the recipe's batch holds 2 prompts' worth).
    overrides["per_device_train_batch_size"] = overrides["prompts_per_step"] * int(
        load_recipe(RECIPE)["num_generations"]
    )
    run_dir = train(overrides)
    return {"run_dir": run_dir, "seconds": time.time() - start}


def rank_by_other_selector(base: str, config: DemoConfig, out: str) -> list[int]:
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
        max_tokens=max_tokens(),
        prompt=PROMPT,
        batch_size=256,
        dtype="float32",
    )
    records = sample_candidates(model, tokenizer, problems, rows, sampling, out, overwrite=True)["records"]
    return [c.index for c in rank_candidates(score_candidates(problems, rows, records))]
