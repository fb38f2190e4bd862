"""Does the choice of example matter, and which cheap selector finds a good one? An experiment on the offline
testbed (CPU, minutes).

1. Build the study's pool (64 rows) so that its base pass rates run from never to always solved. The testbed's
   RL pool alone does not (its printed p̂ range). The base was trained on solutions that guess 40% of the
   time (right only when the sum is round) and leave 15% of answers unboxed, so on a problem of its own
   family (two digits, at least one carry) it is right at most as often as it boxes, and its guess helps only
   when the sum is 100; and it works the columns well enough that none of its family in the screen is never
   solved (the printed p̂ by source). So the pool is drawn from a screen of:
   - the RL pool's 64 rows, two of them given a wrong label (the true sum ± 1);
   - the next 256 problems the testbed's generator (``task.make_split``) makes for the RL split;
   - every two-digit RL-split problem whose sum is 100 (the only two-digit sum the guess also gets right);
   - 32 carry-free two-digit RL-split problems (seeded): a widened family, since the base was trained on
     carrying sums only and puts a carry into these;
   every problem once, and none of the dev or held-out evaluation splits (``task.split_of`` keeps every
   problem in one split; the script also checks the texts). The base samples each screened row 16 times
   (the learnability sampler, seed 0); the pool takes the two planted rows, then one row of each pass-rate
   level in turn (the RL pool's rows first at each level) until it has 64, so its pass rates are spread as
   evenly as the screen allows.
2. Score the pool with each selector, timing each and counting its generations:
   - learnability: the base model sampled k times per row (``oneshot select-examples --method
     learnability``; its own samples, seed 1, not the screen's), p̂(1−p̂), likely wrong labels last;
   - full-set variance: the paper's, from a full-set GRPO run of E epochs on the pool (the demo's history
     run);
   - early variance: the same from the first K appearances (``--max-appearances K``; K/E of that run);
   - random (seeded).
3. Pick C candidates: the two planted rows, and the rest spread evenly over the screen's pass rates (for each
   of C − 2 evenly spaced targets from the lowest to the highest, the row closest to it), and run 1-shot GRPO
   on each, S steps, for each of several seeds; evaluate each run's held-out sampled pass@1 (T = 1) against
   the base's.
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
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

SELECTORS = ("learnability", "full-set variance", "early variance", "random")
# The screen the study's pool is drawn from (see the docstring): further problems of the testbed's own
# family, and carry-free ones (a widened family the base never solves).
FURTHER = 256
CARRY_FREE = 32
POOL_SIZE = 64


def screen_rows(rl_rows: list[dict], excluded: set[str], seed: int = 0) -> list[dict]:
    """The rows the study's pool is drawn from, RL pool first, each problem once, none of ``excluded`` (the
    evaluation splits' problems). Each row keeps its label (``answer``, planted or true) and names its
    ``source``."""
    from oneshot_trl.testbed.task import has_carry, make_split, problem_text, split_of

    rows = [{**r, "source": "rl pool"} for r in rl_rows]
    # make_split is seeded per split, so its first len(rl_rows) problems are the RL pool's own
    further = make_split("rl", len(rl_rows) + FURTHER, (2, 2), carries=True)[len(rl_rows) :]
    rows += [{"problem": r["problem"], "answer": r["answer"], "source": "rl split, further"} for r in further]
    rows += [
        {"problem": problem_text(a, 100 - a), "answer": "100", "source": "rl split, sum 100"}
        for a in range(10, 91)
        if split_of(a, 100 - a) == "rl"
    ]
    carry_free = [
        (a, b)
        for a in range(10, 100)
        for b in range(10, 100)
        if not has_carry(a, b) and split_of(a, b) == "rl"
    ]
    rows += [
        {"problem": problem_text(a, b), "answer": str(a + b), "source": "rl split, carry-free"}
        for a, b in random.Random(seed).sample(carry_free, CARRY_FREE)
    ]
    kept: dict[str, dict] = {}
    for r in rows:
        # a planted row replaces an earlier copy of its problem (the RL pool repeats two), in its place
        if r["problem"] not in excluded and (r["problem"] not in kept or "true_answer" in r):
            kept[r["problem"]] = {k: v for k, v in r.items() if k != "index"}
    return list(kept.values())


def choose_pool(rates: list[float], keep: list[int], size: int = POOL_SIZE) -> list[int]:
    """Screen rows for the pool: ``keep`` (the planted rows), then one row of each pass-rate level in turn,
    lowest level first (within a level, screen order: the RL pool's rows first), until ``size``."""
    levels: dict[float, list[int]] = {}
    for i, p in enumerate(rates):
        if i not in keep:
            levels.setdefault(p, []).append(i)
    queues = [levels[p] for p in sorted(levels)]
    chosen = list(keep)
    while len(chosen) < size and any(queues):
        for queue in queues:
            if queue and len(chosen) < size:
                chosen.append(queue.pop(0))
    return sorted(chosen)


def spread_candidates(rates: dict[int, float], n: int) -> list[int]:
    """``n`` rows whose pass rates spread evenly from the lowest to the highest: for each of ``n`` evenly
    spaced targets, the row not yet taken that is closest to it (the first row on a tie)."""
    lo, hi = min(rates.values()), max(rates.values())
    left = sorted(rates)
    chosen = []
    for k in range(min(n, len(left))):
        target = lo + (hi - lo) * k / max(n - 1, 1)
        pick = min(left, key=lambda i: (abs(rates[i] - target), i))
        chosen.append(pick)
        left.remove(pick)
    return sorted(chosen)


def _plant(rows: list[dict], seed: int) -> list[int]:
    """Give two rows a wrong label (the true sum ± 1, never a round number a guess would hit)."""
    planted = sorted(random.Random(seed).sample(range(len(rows)), 2))
    for i in planted:
        true = int(rows[i]["answer"])
        wrong = true + 1 if (true + 1) % 100 else true - 1
        rows[i] = {**rows[i], "answer": str(wrong), "true_answer": str(true)}
    return planted


def _learnability(base: str, pool: str, out: str, samples: int, seed: int = 0) -> dict:
    """The base model's samples on every row of the pool (select-examples --method learnability's code)."""
    from oneshot_trl.data import load_problems
    from oneshot_trl.demo_runs import max_tokens
    from oneshot_trl.evaluation.evaluator import load_model
    from oneshot_trl.learnability import SamplingConfig, sample_candidates, score_candidates
    from oneshot_trl.testbed.build import PROMPT

    start = time.time()
    problems = load_problems(pool)
    model, tokenizer = load_model(base, dtype="float32")
    config = SamplingConfig(
        samples=samples,
        max_tokens=max_tokens(),
        prompt=PROMPT,
        batch_size=256,
        dtype="float32",
        seed=seed,
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


def build_pool(base: str, out: str, samples: int = 16, seed: int = 0) -> dict:
    """The study's pool (``out``/pool.jsonl): the RL pool with two planted wrong labels and the further
    problems of ``screen_rows``, screened with the base's samples (seed 0), then ``choose_pool``."""
    rl_rows = [json.loads(line) for line in (Path(base) / "rl.jsonl").open()]
    _plant(rl_rows, seed)
    # no problem of the evaluation splits may enter the pool (split_of already keeps them apart)
    excluded = {
        json.loads(line)["problem"]
        for name in ("eval_testbed_dev.jsonl", "eval_testbed_heldout.jsonl")
        for line in (Path(base) / name).open()
    }
    screened = screen_rows(rl_rows, excluded, seed)
    screen_file = Path(out) / "screen.jsonl"
    screen_file.write_text("".join(json.dumps(r) + "\n" for r in screened))
    screen = _learnability(base, str(screen_file), str(Path(out) / "screen"), samples, 0)
    screen_rate = [r["pass_rate"] for r in screen["rows"]]
    planted_screen = [i for i, r in enumerate(screened) if "true_answer" in r]
    chosen = choose_pool(screen_rate, planted_screen)
    rows = [screened[i] for i in chosen]
    pool = Path(out) / "pool.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {
        "rows": rows,
        "screened": screened,
        "screen": screen,
        "pass_rates": {k: screen_rate[i] for k, i in enumerate(chosen)},
        "planted": [chosen.index(i) for i in planted_screen],
        "path": pool,
    }


def _one_shot(job: dict) -> dict:
    """1-shot GRPO on one candidate (the code of ``oneshot train``), then the held-out evaluation."""
    from oneshot_trl.demo_runs import evaluate_heldout, train

    start = time.time()
    run_dir = train(job["overrides"])
    result = evaluate_heldout(run_dir, job["data_dir"], job["config"], str(Path(run_dir) / "eval"))
    return {"index": job["index"], "seed": job["seed"], "eval": result, "seconds": time.time() - start}


def _rho(rho: float, interval: tuple[float, float]) -> str:
    # NaN: a constant score or constant gains
    return "undefined" if rho != rho else f"{rho:+.2f} [{interval[0]:+.2f}, {interval[1]:+.2f}]"


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
    from oneshot_trl.demo_runs import base_model, evaluate_base, history_run, init_worker
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
        max_workers=args.workers, mp_context=get_context("spawn"), initializer=init_worker
    )
    with pool_exec as workers:
        base = (
            args.base or workers.submit(base_model, TestbedRecipe(), args.cache or str(CACHE), False).result()
        )
        built = workers.submit(build_pool, base, str(out), args.samples, args.seed).result()
        rows, screened, screen = built["rows"], built["screened"], built["screen"]
        rate_screen, planted, pool = built["pass_rates"], built["planted"], built["path"]

        study_start = time.time()
        epochs, prompts = args.history_epochs, 16
        history_job = workers.submit(
            history_run,
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
        # the selector's own samples (seed 1), not the screen's that chose the pool and the candidates
        learn = workers.submit(
            _learnability, base, str(pool), str(out / "learnability"), args.samples, 1
        ).result()
        base_job = workers.submit(evaluate_base, base, config, str(out / "base-eval"))

        # Candidates: the planted two, and the rest spread evenly over the screen's pass rates.
        others = {i: p for i, p in rate_screen.items() if i not in planted}
        candidates = sorted(set(spread_candidates(others, args.candidates - len(planted))) | set(planted))
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
    # Without the extremes: a score can rank well by putting the never-solved, always-solved and planted rows
    # last alone; this ρ asks whether it also orders the candidates between them.
    middle = [i for i in candidates if i not in planted and 0 < rate_screen[i] < 1]
    summary = {}
    for name in SELECTORS:
        x = [scores[name][i] for i in candidates]
        y = [mean_gain[i] for i in candidates]
        rho = spearman(x, y)
        best = max(scores[name][i] for i in candidates)
        top = [i for i in candidates if scores[name][i] == best]
        rho_middle = spearman([scores[name][i] for i in middle], [mean_gain[i] for i in middle])
        summary[name] = {
            "rho": rho,
            "fisher": fisher_interval(rho, len(candidates)),
            "bootstrap": bootstrap_interval(x, y),
            "rho_middle": rho_middle,
            "fisher_middle": fisher_interval(rho_middle, len(middle)),
            "top": top,
            "top_gain": sum(mean_gain[i] for i in top) / len(top),
            "seconds": costs[name][0],
            "generations": costs[name][1],
        }

    print(f"Testbed selection study: {len(candidates)} candidates × {args.seeds} seeds × {args.steps} steps")
    print(
        f"base held-out {metric} (T=1, {args.eval_problems} problems × {args.eval_samples}): {base_value:.3f}"
    )
    sources = Counter(r["source"] for r in screened)
    pool_sources = Counter(r["source"] for r in rows)
    print(
        f"pool: {len(rows)} of {len(screened)} screened rows ("
        + ", ".join(f"{name} {pool_sources[name]} of {n}" for name, n in sources.items())
        + f"); screen: {screen['generations']} generations in {screen['seconds']:.0f} s"
    )
    by_source: dict[str, list[float]] = {}
    for r, c in zip(screened, screen["rows"], strict=True):
        by_source.setdefault(r["source"] + (", planted" if "true_answer" in r else ""), []).append(
            c["pass_rate"]
        )
    print(
        "screen p̂ by source: "
        + "; ".join(f"{name} {min(v):.2f} to {max(v):.2f}" for name, v in by_source.items())
    )
    levels = Counter(round(p, 2) for p in rate_screen.values())
    print("pool's screen p̂: " + ", ".join(f"{p:.2f} ×{n}" for p, n in sorted(levels.items())))
    print(
        "row | source | planted | screen p̂ | learnability p̂ | majority share | flagged | std (full) | "
        "std (first K) | gain (points)"
    )
    for i in candidates:
        g = gains[i]
        spread = (max(g) - min(g)) / 2
        print(
            f"{i} | {rows[i]['source']} | {'yes' if i in planted else ''} | {rate_screen[i]:.2f} | "
            f"{rate[i]['pass_rate']:.2f} | {rate[i]['share']:.2f} | "
            f"{'yes' if rate[i]['wrong_label'] else ''} | {full[i].std:.3f} | {early[i].std:.3f} | "
            f"{mean_gain[i]:+.1f} ± {spread:.1f}"
        )
    gain_values = list(mean_gain.values())
    print(
        f"gains span {min(gain_values):+.1f} to {max(gain_values):+.1f} points; mean over candidates "
        f"{sum(gain_values) / len(gain_values):+.1f} (the expected gain of a pick at random)"
    )
    print()
    print(
        "selector | Spearman ρ with the gain [95% Fisher] | 95% bootstrap | "
        f"ρ on the {len(middle)} with 0 < screen p̂ < 1 and a right label [95% Fisher] | top pick: gain | cost"
    )
    for name, s in summary.items():
        undefined = s["rho"] != s["rho"]  # NaN: a constant score or constant gains
        boot = "-" if undefined else f"[{s['bootstrap'][0]:+.2f}, {s['bootstrap'][1]:+.2f}]"
        top = ", ".join(f"row {i}" for i in s["top"])
        print(
            f"{name} | {_rho(s['rho'], s['fisher'])} | {boot} | "
            f"{_rho(s['rho_middle'], s['fisher_middle'])} | {top}: {s['top_gain']:+.1f} | "
            f"{s['seconds']:.0f} s, {s['generations']} generations"
        )
    total = time.time() - wall
    print(
        f"\nstudy: {study_seconds:.0f} s (with the base and the pool's screen: {total:.0f} s), "
        f"{args.workers} workers"
    )
    (out / "study.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "planted": planted,
                "pool": rows,
                "screen": {
                    "rows": len(screened),
                    "generations": screen["generations"],
                    "seconds": screen["seconds"],
                    "pool_pass_rates": rate_screen,
                },
                "candidates": candidates,
                "middle": middle,
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
