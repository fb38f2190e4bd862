"""Reward benchmark: ours vs Math-Verify used directly, measured side by side in one run.

(a) accuracy on the labelled equivalence set ``tests/data/equivalence_pairs.jsonl``;
(b) completions/second on a 1-shot step: 1024 completions, one gold (π1's 12.8), answers repeating as in
    a real step; steady state over several steps (our verdict cache persists, as in training);
(c) answers/second on MATH500 golds vs rewritten predictions, every cache cleared first, plus the
    slowest single answer.

    python benchmarks/bench_reward.py [--data-dir ../shared/data] [--steps 5] [--mv-completions 256]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

from math_verify import parse, verify

from oneshot_trl.rewards import extract_answer, is_equivalent, math_reward
from oneshot_trl.rewards.grade import clear_cache
from oneshot_trl.rewards.symbolic import get_pool

ROOT = Path(__file__).resolve().parents[1]
logging.disable(logging.WARNING)  # math-verify logs on every parse failure


def mv_equal(pred_text: str, gold: str) -> bool:
    """Math-Verify as users call it: parse the gold and the completion, then verify."""
    try:
        return bool(verify(parse(f"${gold}$"), parse(pred_text)))
    except Exception:  # noqa: BLE001
        return False


def accuracy() -> None:
    rows = [json.loads(line) for line in (ROOT / "tests/data/equivalence_pairs.jsonl").open()]
    ours = sum(is_equivalent(r["pred"], r["gold"]) == r["equivalent"] for r in rows)
    mv = sum(mv_equal(f"\\boxed{{{r['pred']}}}", r["gold"]) == r["equivalent"] for r in rows)
    pos = sum(r["equivalent"] for r in rows)
    print(f"(a) labelled set: {len(rows)} pairs ({pos} equivalent, {len(rows) - pos} not)")
    print(f"    ours        {ours}/{len(rows)} = {ours / len(rows):.1%}")
    print(f"    math-verify {mv}/{len(rows)} = {mv / len(rows):.1%}")
    print(f"    ratio ours/math-verify accuracy: {ours / mv:.3f}")


FILLER = (
    "Let's think step by step. The pressure varies jointly as the area and the cube of the velocity, so "
    "P = kAV^3. With P = 4, A = 2, V = 8 we get k = 4/(2 \\cdot 512) = 1/256. Then 32 = (1/256) \\cdot 4 V^3, "
    "so V^3 = 2048 and V = \\sqrt[3]{2048}. Let me recheck the arithmetic once more. "
)
ANSWERS = [  # (final answer, weight): mostly right in a few spellings, some wrong, some unboxed
    ("\\boxed{12.8}", 40), ("\\boxed{\\frac{64}{5}}", 10), ("\\boxed{12.8 \\text{ mph}}", 8), ("\\boxed{16}", 8),
    ("\\boxed{8\\sqrt[3]{4}}", 6), ("\\boxed{12.7}", 5), ("\\boxed{V = 12.8}", 5), ("", 8), ("\\boxed{13}", 4),
    ("\\boxed{\\sqrt[3]{2048}}", 6),
]  # fmt: skip


def one_shot_step(rng: random.Random, n: int = 1024) -> list[str]:
    answers = rng.choices([a for a, _ in ANSWERS], weights=[w for _, w in ANSWERS], k=n)
    return [FILLER * rng.randint(2, 6) + f" So the velocity is {a}." for a in answers]


def throughput(steps: int, mv_completions: int) -> None:
    rng = random.Random(0)
    gold = "12.8"
    batches = [one_shot_step(rng) for _ in range(steps + 1)]
    clear_cache()
    get_pool()  # started lazily on the first symbolic check; that start is part of step 1 below
    start = time.perf_counter()
    math_reward(batches[0], answer=[gold] * len(batches[0]))
    cold = len(batches[0]) / (time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches[1:]:
        math_reward(batch, answer=[gold] * len(batch))
    ours = steps * len(batches[0]) / (time.perf_counter() - start)
    sample = batches[1][:mv_completions]
    start = time.perf_counter()
    for completion in sample:
        mv_equal(completion, gold)
    mv = len(sample) / (time.perf_counter() - start)
    print(f"(b) 1-shot step (1024 completions, gold {gold}), one core:")
    print(f"    ours, first step (verdict cache empty, workers already running): {cold:,.0f} completions/s")
    print(f"    ours, steady state over {steps} steps: {ours:,.0f} completions/s")
    print(f"    math-verify: {mv:,.0f} completions/s (on {len(sample)} completions)")
    print(f"    speed-up ours/math-verify: {ours / mv:.1f}x")


def rewrite(gold: str, rng: random.Random) -> str:
    """A prediction that means the same as ``gold`` but is spelled differently."""
    forms = [
        lambda g: g.replace("\\frac", "\\dfrac"),
        lambda g: f"x = {g}",
        lambda g: f"{g}\\text{{ units}}" if g.replace(".", "").isdigit() else g,
        lambda g: g.replace(",", ", "),
        lambda g: f"\\left({g}\\right)" if g.startswith("(") else f" {g} ",
        lambda g: f"0{g}" if g.isdigit() else g,
    ]
    return rng.choice(forms)(gold)


def math500(data_dir: Path) -> None:
    rows = [json.loads(line) for line in (data_dir / "eval_math500.jsonl").open()]
    rng = random.Random(0)
    pairs = [(rewrite(r["answer"], rng), r["answer"]) for r in rows]
    completions = [f"Reasoning... so the answer is \\boxed{{{p}}}." for p, _ in pairs]
    clear_cache()
    get_pool()
    slowest = 0.0
    correct = 0
    start = time.perf_counter()
    for completion, (_, gold) in zip(completions, pairs):
        t = time.perf_counter()
        pred = extract_answer(completion)
        correct += bool(pred is not None and is_equivalent(pred, gold))
        slowest = max(slowest, time.perf_counter() - t)
    ours = len(pairs) / (time.perf_counter() - start)
    start = time.perf_counter()
    mv_correct = sum(mv_equal(c, gold) for c, (_, gold) in zip(completions, pairs))
    mv = len(pairs) / (time.perf_counter() - start)
    print(f"(c) MATH500 golds vs rewritten predictions ({len(pairs)} pairs, all caches cleared):")
    print(f"    ours        {ours:,.0f} answers/s, judged equivalent {correct}/{len(pairs)}, slowest answer {slowest:.3f}s")
    print(f"    math-verify {mv:,.0f} answers/s, judged equivalent {mv_correct}/{len(pairs)}")
    print(f"    speed-up ours/math-verify: {ours / mv:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--mv-completions", type=int, default=256)
    args = parser.parse_args()
    accuracy()
    throughput(args.steps, args.mv_completions)
    math500(args.data_dir)


if __name__ == "__main__":
    main()
