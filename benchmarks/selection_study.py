"""Does the choice of example matter, and which cheap selector finds a good one? An experiment on the offline
testbed (CPU, minutes).

1. Plant two wrong labels in the testbed's RL pool (64 rows; the label is the true sum ± 1).
2. Score the pool with each selector, timing each and counting its generations:
   - learnability: the base model sampled k times per row (``oneshot select-examples --method
     learnability``), p̂(1−p̂), likely wrong labels last;
   - full-set variance: the paper's, from a full-set GRPO run of E epochs (the demo's history run);
   - early variance: the same from the first K appearances (``--max-appearances K``; K/E of that run);
   - random (seeded).
3. Pick C candidates spread over the base's pass rates (the lowest, the highest, evenly between) plus the
   two planted rows, and run 1-shot GRPO on each, S steps, for each of several seeds; evaluate each run's
   held-out sampled pass@1 (T = 1) against the base's.
4. Per selector, over the candidates: Spearman ρ of its score with the mean held-out gain (95% Fisher and
   bootstrap intervals), the gain of its top pick, and its cost.

    python benchmarks/selection_study.py [--candidates 16] [--seeds 2] [--steps 20] [--workers 2]

Prints the tables of the README's "How much does the choice of example matter?"; writes study.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

SELECTORS = ("learnability", "full-set variance", "early variance", "random")


def _plant(rows: list[dict], seed: int) -> list[int]:
    """Give two rows a wrong label (the true sum ± 1, never a round number a guess would hit)."""
    planted = sorted(random.Random(seed).sample(range(len(rows)), 2))
    for i in planted:
        true = int(rows[i]["answer"])
        wrong = true + 1 if (true + 1) % 100 else true - 1
        rows[i] = {**rows[i], "answer": str(wrong), "true_answer": str(true)}
    return planted


def _learnability(base: str, pool: str, out: str, samples: int) -> dict:
    """The base model's samples on every row of the pool (select-examples --method learnability's code)."""
    from oneshot_trl.data import load_problems
    from oneshot_trl.evaluation.evaluator import load_model
    from oneshot_trl.learnability import SamplingConfig, sample_candidates, score_candidates
    from oneshot_trl.demo_runs import max_tokens as _max_tokens
    from oneshot_trl.testbed.build import PROMPT

    start = time.time()
    problems = load_problems(pool)
    model, tokenizer = load_model(base, dtype="float32")
    config = SamplingConfig(
        samples=samples, max_tokens=_max_tokens(), prompt=PROMPT, batch_size=256, dtype="float32"
    )
    rows = list(range(len(problems)))
    sampled = sample_candidates(model, tokenizer, problems, rows, config, out, overwrite=True)
    scored = score_candidates(problems, rows, sampled["records"])
    return {
        "seconds": time.time() - start,
        "generations": sampled["generated"],
        "rows": [
            {
                "index": c.index,
                "pass_rate": c.pass_rate,
                "wrong_label": c.wrong_label,
                "share": c.majority_share,
            }
            for c in scored
        ],
    }


def _one_shot(job: dict) -> dict:
    """1-shot GRPO on one candidate (the code of ``oneshot train``), then the held-out evaluation."""
    from oneshot_trl.demo_runs import evaluate_heldout as _evaluate
    from oneshot_trl.demo_runs import train as _train

    start = time.time()
    run_dir = _train(job["overrides"])
    result = _evaluate(run_dir, job["data_dir"], job["config"], str(Path(run_dir) / "eval"))
    return {"index": job["index"], "seed": job["seed"], "eval": result, "seconds": time.time() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/selection-study")
    parser.add_argument("--cache", default=None, help="Cache of testbed base models (default: the demo's).")
    parser.add_argument(
        "--base", default=None, help="A built base folder (rl.jsonl, held-out file) to reuse."
    )
    parser.add_argument("--candidates", type=int, default=16, help="Candidates, the 2 planted ones included.")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20, help="GRPO steps of each 1-shot run.")
    parser.add_argument("--samples", type=int, default=16, help="Learnability: samples per row.")
    parser.add_argument("--history-epochs", type=int, default=4)
    parser.add_argument("--early", type=int, default=2, help="Early variance: the first K appearances.")
    parser.add_argument("--eval-problems", type=int, default=48)
    parser.add_argument("--eval-samples", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="Seed of the planted rows and of random.")
    args = parser.parse_args()

    from oneshot_trl.demo import DemoConfig
    from oneshot_trl.demo_runs import base_model as _build
    from oneshot_trl.demo_runs import evaluate_base as _evaluate_base
    from oneshot_trl.demo_runs import history_run as _history_run
    from oneshot_trl.demo_runs import init_worker as _init_worker
    from oneshot_trl.evaluation.demo_report import HELDOUT
    from oneshot_trl.selection import read_stats
    from oneshot_trl.selection_proxies import bootstrap_interval, fisher_interval, learnability, spearman
    from oneshot_trl.testbed.build import CACHE, TestbedRecipe

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = DemoConfig(eval_problems=args.eval_problems, eval_samples=args.eval_samples)
    wall = time.time()
    pool_exec = ProcessPoolExecutor(
        max_workers=args.workers, mp_context=get_context("spawn"), initializer=_init_worker
    )
    with pool_exec as workers:
        base = args.base or workers.submit(_build, TestbedRecipe(), args.cache or str(CACHE)).result()
        rows = [json.loads(line) for line in (Path(base) / "rl.jsonl").open()]
        planted = _plant(rows, args.seed)
        pool = out / "pool.jsonl"
        pool.write_text("".join(json.dumps(r) + "\n" for r in rows))

        study_start = time.time()
        epochs, prompts = args.history_epochs, 16
        history_job = workers.submit(
            _history_run,
            {
                "model": base,
                "dataset": str(pool),
                "output_dir": str(out / "history"),
                "overwrite": True,
                "seed": 0,
                "max_steps": epochs * len(rows) // prompts,
                "prompts_per_step": prompts,
            },
        )
        learn = workers.submit(
            _learnability, base, str(pool), str(out / "learnability"), args.samples
        ).result()
        base_job = workers.submit(_evaluate_base, base, config, str(out / "base-eval"))

        # Candidates: the planted two, and the rest spread over the base's pass rate (lowest to highest).
        by_rate = sorted(
            (r for r in learn["rows"] if r["index"] not in planted), key=lambda r: r["pass_rate"]
        )
        n = args.candidates - len(planted)
        spread = [by_rate[round(i * (len(by_rate) - 1) / (n - 1))]["index"] for i in range(n)]
        candidates = sorted(set(spread) | set(planted))
        jobs = []
        for seed in range(args.seeds):
            for index in candidates:
                overrides = {
                    "model": base,
                    "dataset": str(pool),
                    "output_dir": str(out / f"seed{seed}" / f"row{index}"),
                    "overwrite": True,
                    "seed": seed,
                    "max_steps": args.steps,
                    "example_id": str(index),
                    "reward": "math",
                }
                job = {
                    "index": index,
                    "seed": seed,
                    "overrides": overrides,
                    "data_dir": base,
                    "config": config,
                }
                jobs.append(workers.submit(_one_shot, job))
        history = history_job.result()
        base_eval = base_job.result()
        runs = [j.result() for j in jobs]
    study_seconds = time.time() - study_start

    history_file = Path(history["run_dir"]) / "history.jsonl"
    full = {s.index: s for s in read_stats(history_file)}
    early = {s.index: s for s in read_stats(history_file, max_appearances=args.early)}
    rate = {r["index"]: r for r in learn["rows"]}
    rng = random.Random(args.seed)
    random_score = {i: rng.random() for i in range(len(rows))}
    scores = {
        # a likely wrong label ranks last: the selector drops it whatever its p(1-p)
        "learnability": {
            i: learnability(rate[i]["pass_rate"]) - (1.0 if rate[i]["wrong_label"] else 0.0) for i in rate
        },
        "full-set variance": {i: s.std for i, s in full.items()},
        "early variance": {i: s.std for i, s in early.items()},
        "random": random_score,
    }
    metric = "pass@1"
    base_value = base_eval["eval"][metric]
    gains = {i: [100 * (r["eval"][metric] - base_value) for r in runs if r["index"] == i] for i in candidates}
    mean_gain = {i: sum(v) / len(v) for i, v in gains.items()}
    generations_per_step = prompts * 8
    history_steps = epochs * len(rows) // prompts
    costs = {
        "learnability": (learn["seconds"], learn["generations"]),
        "full-set variance": (history["seconds"], history_steps * generations_per_step),
        "early variance": (
            history["seconds"] * args.early / epochs,
            history_steps * generations_per_step * args.early // epochs,
        ),
        "random": (0.0, 0),
    }
    summary = {}
    for name in SELECTORS:
        x = [scores[name][i] for i in candidates]
        y = [mean_gain[i] for i in candidates]
        rho = spearman(x, y)
        best = max(scores[name][i] for i in candidates)
        top = [i for i in candidates if scores[name][i] == best]
        summary[name] = {
            "rho": rho,
            "fisher": fisher_interval(rho, len(candidates)),
            "bootstrap": bootstrap_interval(x, y),
            "top": top,
            "top_gain": sum(mean_gain[i] for i in top) / len(top),
            "seconds": costs[name][0],
            "generations": costs[name][1],
        }

    print(f"Testbed selection study: {len(candidates)} candidates × {args.seeds} seeds × {args.steps} steps")
    print(
        f"base held-out {metric} (T=1, {args.eval_problems} problems × {args.eval_samples}): {base_value:.3f}"
    )
    print("row | planted | base p̂ | majority share | flagged | std (full) | std (first K) | gain (points)")
    for i in candidates:
        g = gains[i]
        spread = (max(g) - min(g)) / 2
        print(
            f"{i} | {'yes' if i in planted else ''} | {rate[i]['pass_rate']:.2f} | {rate[i]['share']:.2f} | "
            f"{'yes' if rate[i]['wrong_label'] else ''} | {full[i].std:.3f} | {early[i].std:.3f} | "
            f"{mean_gain[i]:+.1f} ± {spread:.1f}"
        )
    gain_values = list(mean_gain.values())
    print(
        f"gains span {min(gain_values):+.1f} to {max(gain_values):+.1f} points; mean over candidates "
        f"{sum(gain_values) / len(gain_values):+.1f} (the expected gain of a pick at random)"
    )
    print()
    print("selector | Spearman ρ with the gain [95% Fisher] | 95% bootstrap | top pick: gain | cost")
    for name, s in summary.items():
        undefined = s["rho"] != s["rho"]  # NaN: a constant score or constant gains
        boot = "-" if undefined else f"[{s['bootstrap'][0]:+.2f}, {s['bootstrap'][1]:+.2f}]"
        rho = (
            "undefined"
            if s["rho"] != s["rho"]
            else f"{s['rho']:+.2f} [{s['fisher'][0]:+.2f}, {s['fisher'][1]:+.2f}]"
        )
        top = ", ".join(f"row {i}" for i in s["top"])
        print(
            f"{name} | {rho} | {boot} | {top}: {s['top_gain']:+.1f} | "
            f"{s['seconds']:.0f} s, {s['generations']} generations"
        )
    total = time.time() - wall
    print(
        f"\nstudy: {study_seconds:.0f} s (with the base build or reuse: {total:.0f} s), "
        f"{args.workers} workers"
    )
    (out / "study.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "planted": planted,
                "candidates": candidates,
                "base": base_eval["eval"],
                "learnability": learn,
                "gains": gains,
                "selectors": summary,
                "heldout": HELDOUT,
                "seconds": study_seconds,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
