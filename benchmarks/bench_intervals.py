"""Time the intervals of a checkpoint sweep: 100 checkpoints × the paper's six benchmarks at their sizes and
protocols (MATH500 500, Minerva 272, OlympiadBench 675 greedy; AIME24/25 30 and AMC23 40 at avg@8), on
synthetic per-problem scores. Times what ``oneshot eval`` on a run dir computes after evaluating: every
checkpoint's interval per benchmark and on the average (``sweep_intervals``), and the checkpoint choice
(``pick_checkpoint``: the best's paired gap to the next and the held-out pick); then, for comparison, the
same intervals computed one checkpoint at a time.

    python benchmarks/bench_intervals.py [--checkpoints 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from oneshot_trl.evaluation import intervals
from oneshot_trl.evaluation.report import pick_checkpoint, sweep_intervals

SIZES = {"math500": 500, "minerva_math": 272, "olympiadbench": 675, "aime24": 30, "aime25": 30, "amc23": 40}
SAMPLES = {"math500": 1, "minerva_math": 1, "olympiadbench": 1, "aime24": 8, "aime25": 8, "amc23": 8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    skill = np.linspace(0.3, 0.5, args.checkpoints)[:, None]
    matrices = {
        name: rng.binomial(SAMPLES[name], np.broadcast_to(skill, (args.checkpoints, size))) / SAMPLES[name]
        for name, size in SIZES.items()
    }

    def batched() -> dict:
        intervals._counts.cache_clear()  # each repeat draws its resamples anew, as a fresh process does
        bands = sweep_intervals(matrices, SAMPLES)
        rows = [
            {
                "step": 10 * i,
                "average": float(bands["average"]["mean"][i]),
                "average_low": float(bands["average"]["low"][i]),
                "average_high": float(bands["average"]["high"][i]),
            }
            for i in range(args.checkpoints)
        ]
        return pick_checkpoint(rows, matrices)

    def one_at_a_time() -> None:
        intervals._counts.cache_clear()
        for i in range(args.checkpoints):
            sweep_intervals({name: m[i : i + 1] for name, m in matrices.items()}, SAMPLES)

    for label, fn in (
        ("batched (what the sweep runs)", batched),
        ("one checkpoint at a time", one_at_a_time),
    ):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        print(
            f"{label}: {args.checkpoints} checkpoints x {len(SIZES)} benchmarks, {intervals.RESAMPLES} "
            f"resamples: best {min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s"
        )


if __name__ == "__main__":
    main()
