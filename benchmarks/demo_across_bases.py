"""The demo's effect across base models: ``oneshot demo`` once per testbed base seed, side by side.

A base model built from another seed (or on another CPU) lands at a slightly different place on the
competence curve. This runs the whole demo (``run_demo``, default settings) for base seeds 0..N-1, each base
built in its own cache folder like ``oneshot testbed build --seed S``, and prints one row per base: where it
landed (SFT steps, dev and held-out sampled accuracy) and what 1-shot RLVR did on it (mean over RL seeds),
then the spread across bases and whether each claim of the README held on every base.

    python benchmarks/demo_across_bases.py [--bases 5 | --base-seeds 1,4] [--seeds 2] [--steps N] \\
        [--out runs/across-bases]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", type=int, default=5, help="base seeds 0..N-1")
    parser.add_argument(
        "--base-seeds", default=None, help="comma-separated base seeds instead of 0..N-1 (e.g. 1,4)"
    )
    parser.add_argument("--seeds", type=int, default=2, help="RL seeds per arm on each base")
    parser.add_argument("--steps", type=int, default=None, help="GRPO steps per arm (default: the demo's)")
    parser.add_argument("--out", default="runs/across-bases")
    parser.add_argument("--cache", default=".cache/testbed")
    args = parser.parse_args()

    from oneshot_trl.demo import DemoConfig, run_demo
    from oneshot_trl.evaluation.demo_report import decompose, gains

    base_seeds = [int(s) for s in args.base_seeds.split(",")] if args.base_seeds else range(args.bases)
    rows = []
    for base_seed in base_seeds:
        start = time.time()
        config = DemoConfig(output_dir=f"{args.out}/base{base_seed}", seeds=args.seeds, cache=args.cache)
        if args.steps:
            config.steps = args.steps
        config.testbed = replace(config.testbed, seed=base_seed)
        result = run_demo(config)
        table = result.table
        gain, spread = gains(result.base, result.runs)["1-shot"]
        from_format, from_skill = decompose(result.base, result.runs, "1-shot")
        per_seed = {(r.arm, r.seed): r.eval for r in result.runs}
        vs_format = [
            per_seed["1-shot", s]["pass@1"] - per_seed["format-only", s]["pass@1"] for s in range(args.seeds)
        ]
        min_gain = min(
            100 * (per_seed["1-shot", s]["pass@1"] - result.base["pass@1"]) for s in range(args.seeds)
        )
        rows.append(
            {
                "base_seed": base_seed,
                "sft_steps": result.base_build.sft_steps,
                "dev_accuracy": result.base_build.dev_history[-1]["dev_accuracy"],
                "base_pass1": result.base["pass@1"],
                "base_boxed_accuracy": result.base["boxed_accuracy"],
                "gain": gain,
                "gain_spread": spread,
                "min_gain": min_gain,
                "from_format": from_format,
                "from_skill": from_skill,
                "boxed_accuracy_after": table["1-shot"]["boxed_accuracy"][0],
                "base_guess_rate": result.base["guess_rate"],
                "guess_rate_after": table["1-shot"]["guess_rate"][0],
                "min_vs_format_only": 100 * min(vs_format),
                "seconds": time.time() - start,
                "conclusion": result.conclusion,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "across_bases.json").write_text(json.dumps(rows, indent=2))

    print(
        f"\n{len(rows)} base seeds x {args.seeds} RL seeds "
        "(held-out pass@1 at T=1, points; means over RL seeds)"
    )
    print(
        "base  SFT steps  dev acc  base pass@1  1-shot gain (format + accuracy)  acc. if boxed  guessed  "
        "min vs format-only"
    )
    for r in rows:
        print(
            f"{r['base_seed']:4}  {r['sft_steps']:9}  {r['dev_accuracy']:7.3f}  {r['base_pass1']:11.3f}  "
            f"{r['gain']:+6.1f} ± {r['gain_spread']:.1f} ({r['from_format']:+.1f} {r['from_skill']:+.1f})"
            f"         {r['base_boxed_accuracy']:.2f} → {r['boxed_accuracy_after']:.2f}   "
            f"{r['base_guess_rate']:.2f} → {r['guess_rate_after']:.2f}  {r['min_vs_format_only']:+.1f}"
        )
    values = {
        k: [r[k] for r in rows]
        for k in ("base_pass1", "gain", "min_gain", "from_skill", "min_vs_format_only")
    }
    for name, vals in values.items():
        print(f"{name:20} min {min(vals):+.3f}  max {max(vals):+.3f}  mean {sum(vals) / len(vals):+.3f}")
    print(
        "held on every base:",
        f"1-shot gain >= +10 points in every RL seed: {all(r['min_gain'] >= 10 for r in rows)};",
        "accuracy among boxed up:",
        f"{all(r['boxed_accuracy_after'] > r['base_boxed_accuracy'] for r in rows)};",
        f"guessed less: {all(r['guess_rate_after'] < r['base_guess_rate'] for r in rows)};",
        f"1-shot above format-only in every RL seed: {all(r['min_vs_format_only'] > 0 for r in rows)}",
    )


if __name__ == "__main__":
    main()
