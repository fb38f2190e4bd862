"""Stage times of ``oneshot demo`` against its budgets on this machine.

Runs the demo as a user does (``oneshot demo``, default settings: the testbed base model shipped with the
package) and prints the seconds of each stage, the total, and the total as a ratio of the 150-second budget.
Also times one arm's training and evaluation, so the share of the runs stage spent in GRPO vs evaluation is
visible. ``--rebuild-base`` builds the base on this machine in an empty temporary cache instead (as
``oneshot demo --rebuild-base`` on a fresh install). ``--clone`` times what a new user runs: ``bash
scripts/demo.sh`` in a fresh clone of this repository's HEAD (no ``.venv``, no ``.cache``; pip's download
cache is whatever this machine has), against the 300-second budget for set-up and demo together.

    python benchmarks/bench_demo.py                   # oneshot demo, in this environment
    python benchmarks/bench_demo.py --rebuild-base    # with a fresh build of the base on this machine
    python benchmarks/bench_demo.py --clone           # bash scripts/demo.sh in a fresh clone
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

DEMO_BUDGET_SECONDS = 150  # `oneshot demo`
CLONE_BUDGET_SECONDS = 300  # `bash scripts/demo.sh` in a fresh clone: set-up and demo
ROOT = Path(__file__).resolve().parents[1]


def time_fresh_clone() -> None:
    """``bash scripts/demo.sh`` in a fresh clone of HEAD; the demo's own total is read from its output."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "oneshot-trl"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        head = subprocess.run(
            ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        start = time.time()
        done = subprocess.run(
            ["bash", "scripts/demo.sh"], cwd=clone, env=env, capture_output=True, text=True, check=False
        )
        wall = time.time() - start
    if done.returncode:
        raise SystemExit(
            f"scripts/demo.sh failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    # rich may wrap the stage line at the terminal's width
    demo = float(re.search(r"stage seconds:.*?total\s+(\d+)", done.stdout, re.S).group(1))
    print(done.stdout[-1500:])
    print(
        f"fresh clone of {head}: bash scripts/demo.sh {wall:.0f} s wall = set-up (and start-up) "
        f"{wall - demo:.0f} s + demo stages {demo:.0f} s"
    )
    print(f"({wall / CLONE_BUDGET_SECONDS:.2f} of the {CLONE_BUDGET_SECONDS}-second budget)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild-base", action="store_true", help="build the base model in an empty cache")
    parser.add_argument("--clone", action="store_true", help="time bash scripts/demo.sh in a fresh clone")
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    if args.clone:
        time_fresh_clone()
        return

    from oneshot_trl.demo import DemoConfig, run_demo

    with tempfile.TemporaryDirectory() as tmp:
        config = DemoConfig(output_dir=os.path.join(tmp, "demo"), seeds=args.seeds)
        if args.rebuild_base:
            config.cache = os.path.join(tmp, "cache")
            config.rebuild_base = True
        start = time.time()
        result = run_demo(
            config,
            lambda stage, message: print(f"[{time.time() - start:5.0f} s] {stage}: {message}", flush=True),
        )
        total = time.time() - start
    print("\nstage        seconds")
    for stage, seconds in result.stage_seconds.items():
        print(f"{stage:10} {seconds:9.1f}")
    print(
        f"{'total':10} {total:9.1f}   "
        f"({total / DEMO_BUDGET_SECONDS:.2f} of the {DEMO_BUDGET_SECONDS}-second budget)"
    )
    runs = result.runs
    train = sum(r.train_seconds for r in runs) / len(runs)
    evaluate = sum(r.eval_seconds for r in runs) / len(runs)
    print(
        f"per arm and seed (in a worker): GRPO {train:.1f} s, evaluation {evaluate:.1f} s; "
        f"history run {result.history_seconds:.1f} s"
    )
    print("conclusion:", result.conclusion)


if __name__ == "__main__":
    main()
