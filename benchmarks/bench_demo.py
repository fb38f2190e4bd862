"""Stage times of ``oneshot demo`` against its 5-minute budget on this machine.

Runs the demo as a user does (``oneshot demo``, default settings; pass ``--fresh`` to rebuild the testbed base
model in a temporary cache, as on a fresh install) and prints the seconds of each stage, the total, and the
total as a ratio of the 300-second budget. Also times one arm's training and evaluation, so the share of the
runs stage spent in GRPO vs evaluation is visible.

    python benchmarks/bench_demo.py            # base model reused from .cache/testbed when built
    python benchmarks/bench_demo.py --fresh    # fresh build included
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

BUDGET_SECONDS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="build the base model in an empty cache")
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()

    from oneshot_trl.demo import DemoConfig, run_demo

    with tempfile.TemporaryDirectory() as tmp:
        config = DemoConfig(output_dir=os.path.join(tmp, "demo"), seeds=args.seeds)
        if args.fresh:
            config.cache = os.path.join(tmp, "cache")
        start = time.time()
        result = run_demo(
            config,
            lambda stage, message: print(f"[{time.time() - start:5.0f} s] {stage}: {message}", flush=True),
        )
        total = time.time() - start
    print("\nstage        seconds")
    for stage, seconds in result["stage_seconds"].items():
        print(f"{stage:10} {seconds:9.1f}")
    print(f"{'total':10} {total:9.1f}   ({total / BUDGET_SECONDS:.2f} of the {BUDGET_SECONDS}-second budget)")
    runs = result["runs"]
    train = sum(r["train_seconds"] for r in runs) / len(runs)
    evaluate = sum(r["eval_seconds"] for r in runs) / len(runs)
    print(
        f"per arm and seed (in a worker): GRPO {train:.1f} s, evaluation {evaluate:.1f} s; "
        f"history run {result['history_seconds']:.1f} s"
    )
    print("conclusion:", result["conclusion"])


if __name__ == "__main__":
    main()
