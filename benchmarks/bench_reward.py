"""Reward benchmark: ours vs Math-Verify used directly, measured side by side in one run.

(a) accuracy on three labelled sets in ``tests/data/``: the grader's own development set
    (``equivalence_pairs.jsonl``, which it was tuned on), a held-out set written before the closed-form stage
    and the answer-family fixes and not tuned on since (``equivalence_heldout.jsonl``), and the answer
    families found in other projects' grader tests (``equivalence_families.jsonl``: percent words, equations
    of a line, sets of assignments, "or"/"and" lists, long decimals, comma lists);
(b) a 1-shot step (1024 completions, one gold, answers repeating as in a real step) in a fresh process:
    empty verdict cache, symbolic workers not started; duplicate answers within the step are graded once
    (within-step deduplication), and Math-Verify is given the same deduplication (one check per distinct
    boxed answer);
(c) the steady state of (b): later steps of the same run, answered from the verdict cache;
(d) a full-set step, uncached: 128 DSR-sub problems × 8 completions (40% the gold, the rest other problems'
    answers, perturbed golds or no box); the verdict cache is cleared before every step, the symbolic workers
    are already running (ours sends a step's few sympy checks to its 2 workers at once, as in training);
    duplicates within a step are graded once, and Math-Verify gets the same;
(e) MATH500 golds vs rewritten predictions (same meaning, other spelling), nothing cached, symbolic workers
    already running, plus the slowest single answer;
(f) the slowest answers we know of, each timed alone in a fresh process (workers running, nothing cached),
    reward and check together: ``math_reward`` on the boxed answer plus ``is_equivalent`` on the answer;
(g) the soundness suite of ``tests/test_rewards_soundness.py``: generated wrong-but-close pairs, how many
    were judged equal (must be 0).

Each of (b), (d) and (e) runs in its own fresh Python process, after imports. Both graders run on one core
of the calling process; ours may also use its symbolic workers (2 processes), which is reported.

    python benchmarks/bench_reward.py [--data-dir ../shared/data] [--steps 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
logging.disable(logging.WARNING)  # math-verify logs on every parse failure


def mv_equal(pred_text: str, gold: str) -> bool:
    """Math-Verify as users call it: parse the gold and the completion, then verify."""
    from math_verify import parse, verify

    try:
        return bool(verify(parse(f"${gold}$"), parse(pred_text)))
    except Exception:  # noqa: BLE001
        return False


def accuracy() -> None:
    from oneshot_trl.rewards import is_equivalent

    print("(a) accuracy, pairs judged as labelled:")
    sets = {
        "development set (tuned on)": [
            json.loads(x) for x in (ROOT / "tests/data/equivalence_pairs.jsonl").open()
        ],
        "held-out set (not tuned on)": [
            json.loads(x) for x in (ROOT / "tests/data/equivalence_heldout.jsonl").open()
        ],
        "answer families from other projects' grader tests": [
            json.loads(x) for x in (ROOT / "tests/data/equivalence_families.jsonl").open()
        ],
    }
    for name, rows in sets.items():
        ours = sum(is_equivalent(r["pred"], r["gold"]) == r["equivalent"] for r in rows)
        mv = sum(mv_equal(f"\\boxed{{{r['pred']}}}", r["gold"]) == r["equivalent"] for r in rows)
        wrong_rewards = sum(is_equivalent(r["pred"], r["gold"]) and not r["equivalent"] for r in rows)
        pos = sum(r["equivalent"] for r in rows)
        print(
            f"    {name}: {len(rows)} pairs ({pos} equivalent)"
            f"  ours {ours}/{len(rows)} = {ours / len(rows):.1%}"
            f"  math-verify {mv}/{len(rows)} = {mv / len(rows):.1%}"
            f"  ours rewarding a wrong answer: {wrong_rewards}"
        )


# ----------------------------------------------------------------------------------------------- workloads
FILLER = (
    "Let's think step by step. The pressure varies jointly as the area and the cube of the velocity, so "
    "P = kAV^3. With P = 4, A = 2, V = 8 we get k = 4/(2 \\cdot 512) = 1/256. "
    "Then 32 = (1/256) \\cdot 4 V^3, so V^3 = 2048 and V = \\sqrt[3]{2048}. "
    "Let me recheck the arithmetic once more. "
)
ANSWERS = [  # (final answer, weight): mostly right in a few spellings, some wrong, some unboxed
    ("\\boxed{12.8}", 40),
    ("\\boxed{\\frac{64}{5}}", 10),
    ("\\boxed{12.8 \\text{ mph}}", 8),
    ("\\boxed{16}", 8),
    ("\\boxed{8\\sqrt[3]{4}}", 6),
    ("\\boxed{12.7}", 5),
    ("\\boxed{V = 12.8}", 5),
    ("", 8),
    ("\\boxed{13}", 4),
    ("\\boxed{\\sqrt[3]{2048}}", 6),
]


def one_shot_step(rng: random.Random, n: int = 1024) -> list[str]:
    answers = rng.choices([a for a, _ in ANSWERS], weights=[w for _, w in ANSWERS], k=n)
    return [FILLER * rng.randint(2, 6) + f" So the velocity is {a}." for a in answers]


def perturb(gold: str, rng: random.Random) -> str:
    """A wrong answer close to ``gold``: a digit changed, the sign flipped, or a term added."""
    digits = [i for i, c in enumerate(gold) if c.isdigit()]
    choice = rng.random()
    if digits and choice < 0.5:
        i = rng.choice(digits)
        return gold[:i] + str((int(gold[i]) + rng.randint(1, 9)) % 10) + gold[i + 1 :]
    if choice < 0.75:
        return gold[1:] if gold.startswith("-") else f"-{gold}"
    return f"{gold}+1"


def full_set_step(rows: list[dict], rng: random.Random) -> tuple[list[str], list[str]]:
    problems = rng.sample(rows, 128)
    completions, golds = [], []
    for row in problems:
        for _ in range(8):
            u = rng.random()
            if u < 0.4:
                answer = row["answer"]
            elif u < 0.7:
                answer = rng.choice(rows)["answer"]
            elif u < 0.9:
                answer = perturb(row["answer"], rng)
            else:
                answer = None
            text = FILLER[:200] + (
                f" The answer is \\boxed{{{answer}}}." if answer is not None else " I am not sure."
            )
            completions.append(text)
            golds.append(row["answer"])
    return completions, golds


# -------------------------------------------------------------------------- parts, each in a fresh process
def part_one_shot(steps: int) -> dict:
    from oneshot_trl.rewards import extract_answer, math_reward
    from oneshot_trl.rewards.symbolic import get_pool

    rng = random.Random(0)
    gold = "12.8"
    batches = [one_shot_step(rng) for _ in range(steps + 1)]
    start = time.perf_counter()
    math_reward(batches[0], answer=[gold] * len(batches[0]))
    first = len(batches[0]) / (time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches[1:]:
        math_reward(batch, answer=[gold] * len(batch))
    steady = steps * len(batches[0]) / (time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches[: steps + 1]:  # Math-Verify, same within-step deduplication, no cache across steps
        verdicts = {}
        for completion in batch:
            answer = extract_answer(completion)
            if answer is not None and answer not in verdicts:
                verdicts[answer] = mv_equal(f"\\boxed{{{answer}}}", gold)
    mv = (steps + 1) * len(batches[0]) / (time.perf_counter() - start)
    return {"first": first, "steady": steady, "mv": mv, "symbolic_calls": get_pool().calls}


def part_full_set(data_dir: Path, steps: int) -> dict:
    from oneshot_trl.rewards import check_equivalence, extract_answer, math_reward
    from oneshot_trl.rewards.grade import clear_cache
    from oneshot_trl.rewards.symbolic import get_pool

    rows = [json.loads(line) for line in (data_dir / "dsr_sub_1209.jsonl").open()]
    rng = random.Random(0)
    batches = [full_set_step(rows, rng) for _ in range(steps)]
    pool = get_pool()
    check_equivalence("x^2+x", "x(x+1)+0y^2-0y^2")  # start the workers (not timed): training has them running
    pool.calls = 0
    ours_time = mv_time = 0.0
    disagree = pairs = 0
    for completions, golds in batches:
        clear_cache()
        start = time.perf_counter()
        rewards = math_reward(completions, answer=golds)
        ours_time += time.perf_counter() - start
        start = time.perf_counter()
        mv_verdicts = {}  # the same within-step deduplication: one check per distinct (answer, gold)
        for completion, gold in zip(completions, golds, strict=True):
            answer = extract_answer(completion)
            if answer is not None and (answer, gold) not in mv_verdicts:
                mv_verdicts[(answer, gold)] = mv_equal(f"\\boxed{{{answer}}}", gold)
        mv_time += time.perf_counter() - start
        ours_verdicts = {
            (extract_answer(c), g): r == 1.0
            for c, g, r in zip(completions, golds, rewards, strict=True)
            if r is not None and extract_answer(c) is not None
        }
        disagree += sum(mv_verdicts[k] != v for k, v in ours_verdicts.items())
        pairs += len(ours_verdicts)
    n = steps * 1024
    return {
        "ours": n / ours_time,
        "mv": n / mv_time,
        "symbolic_calls": pool.calls,
        "pairs": pairs,
        "disagree": disagree,
        "timeouts": pool.timeouts,
    }


def part_math500(data_dir: Path) -> dict:
    from oneshot_trl.rewards import extract_answer, is_equivalent
    from oneshot_trl.rewards.symbolic import get_pool

    rows = [json.loads(line) for line in (data_dir / "eval_math500.jsonl").open()]
    rng = random.Random(0)
    forms = [
        lambda g: g.replace("\\frac", "\\dfrac"),
        lambda g: f"x = {g}",
        lambda g: f"{g}\\text{{ units}}" if g.replace(".", "").isdigit() else g,
        lambda g: g if re.search(r"\d,(?:\\!)?\d{3}", g) else g.replace(",", ", "),  # lists, not 10,\!080
        lambda g: f"\\left({g}\\right)" if g.startswith("(") else f" {g} ",
        lambda g: f"0{g}" if g.isdigit() else g,
    ]
    pairs = [(rng.choice(forms)(r["answer"]), r["answer"]) for r in rows]
    completions = [f"Reasoning... so the answer is \\boxed{{{p}}}." for p, _ in pairs]
    get_pool().equivalent("1", "1", 120)  # start the workers (not timed), as in a running evaluation
    get_pool().calls = 0
    slowest, correct = 0.0, 0
    start = time.perf_counter()
    for completion, (_, gold) in zip(completions, pairs, strict=True):
        t = time.perf_counter()
        pred = extract_answer(completion)
        correct += bool(pred is not None and is_equivalent(pred, gold))
        slowest = max(slowest, time.perf_counter() - t)
    ours = len(pairs) / (time.perf_counter() - start)
    start = time.perf_counter()
    mv_correct = sum(mv_equal(c, gold) for c, (_, gold) in zip(completions, pairs, strict=True))
    mv = len(pairs) / (time.perf_counter() - start)
    return {
        "ours": ours,
        "mv": mv,
        "correct": correct,
        "mv_correct": mv_correct,
        "n": len(pairs),
        "slowest": slowest,
        "symbolic_calls": get_pool().calls,
    }


SLOW_ANSWERS = [  # (label, answer, gold): answers that once took over a second
    ("1 MB answer", "1" * 1_000_000, "5"),
    ("1 MB of letters", "x" * 1_000_000, "12.8"),
    ("power tower", "10^{10^{10^{10^{10}}}}", "5"),
    ("near-equal constants", "\\frac{\\pi^4+\\pi^5}{1}", "e^6"),
    ("near-identity e^{pi sqrt 163}", "e^{\\pi\\sqrt{163}}", "262537412640768744"),
    (
        "polynomial vanishing at the old fixed points",
        "x+(x-\\frac{7}{3})(x+\\frac{11}{5})(x-\\frac{17}{13})",
        "x",
    ),
]


def part_slow_answers() -> dict:
    from oneshot_trl.rewards import is_equivalent, math_reward
    from oneshot_trl.rewards.symbolic import get_pool

    get_pool().equivalent("1", "1", 120)  # start the workers (not timed), as in a running evaluation
    times, verdicts = {}, {}
    for label, answer, gold in SLOW_ANSWERS:
        start = time.perf_counter()
        reward = math_reward([f"The answer is \\boxed{{{answer}}}."], answer=[gold])[0]
        check = is_equivalent(answer, gold)
        times[label] = time.perf_counter() - start
        verdicts[label] = (reward, check)
    return {"times": times, "verdicts": verdicts}


def part_soundness() -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_rewards_soundness import run_suite, soundness_pairs

    result = run_suite(soundness_pairs())
    result["judged_equal"] = len(result["judged_equal"])
    return result


def fresh(part: str, args: argparse.Namespace) -> dict:
    """Run one part in a new Python process and return what it measured."""
    cmd = [
        sys.executable,
        __file__,
        "--part",
        part,
        "--data-dir",
        str(args.data_dir),
        "--steps",
        str(args.steps),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument(
        "--part", choices=["one-shot", "full-set", "math500", "slow", "soundness"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.part:
        result = {
            "one-shot": lambda: part_one_shot(args.steps),
            "full-set": lambda: part_full_set(args.data_dir, args.steps),
            "math500": lambda: part_math500(args.data_dir),
            "slow": part_slow_answers,
            "soundness": part_soundness,
        }[args.part]()
        print(json.dumps(result))
        return
    accuracy()
    r = fresh("one-shot", args)
    print(
        "(b) 1-shot step, 1024 completions, gold 12.8, fresh process "
        "(empty verdict cache, workers not started),"
    )
    print("    duplicate answers within the step graded once (both graders):")
    print(
        f"    ours        {r['first']:,.0f} completions/s   "
        f"(symbolic checks over the run: {r['symbolic_calls']})"
    )
    print(f"    math-verify {r['mv']:,.0f} completions/s   speed-up {r['first'] / r['mv']:.1f}x")
    print(f"(c) 1-shot steady state, steps 2-{args.steps + 1} of the same process, verdicts from our cache:")
    print(
        f"    ours        {r['steady']:,.0f} completions/s   "
        f"vs math-verify above (no cache): {r['steady'] / r['mv']:.0f}x"
    )
    r = fresh("full-set", args)
    print(
        f"(d) full-set step, uncached: 128 DSR-sub problems x 8 completions, {args.steps} steps, "
        "verdict cache cleared"
    )
    print(
        "    before each, symbolic workers already running "
        "(ours: a step's sympy checks on its 2 workers at once),"
    )
    print("    duplicates within a step graded once (both graders):")
    print(
        f"    ours        {r['ours']:,.0f} completions/s   "
        f"(symbolic checks: {r['symbolic_calls']}, timeouts: {r['timeouts']})"
    )
    print(f"    math-verify {r['mv']:,.0f} completions/s   speed-up {r['ours'] / r['mv']:.1f}x")
    print(
        f"    verdicts that differ from math-verify: {r['disagree']} of {r['pairs']} "
        "distinct (answer, gold) pairs"
    )
    r = fresh("math500", args)
    print(
        f"(e) MATH500 golds vs rewritten predictions "
        f"({r['n']} pairs, fresh process, nothing cached, workers running):"
    )
    print(
        f"    ours        {r['ours']:,.0f} answers/s, judged equivalent {r['correct']}/{r['n']}, "
        f"slowest answer {r['slowest']:.3f}s, symbolic checks {r['symbolic_calls']}"
    )
    print(f"    math-verify {r['mv']:,.0f} answers/s, judged equivalent {r['mv_correct']}/{r['n']}")
    print(f"    speed-up ours/math-verify: {r['ours'] / r['mv']:.1f}x")
    r = fresh("slow", args)
    print(
        "(f) slowest answers known, each alone, reward and check together (fresh process, workers running):"
    )
    for label, seconds in r["times"].items():
        reward, check = r["verdicts"][label]
        print(f"    {label}: {seconds:.3f}s  (reward {reward}, equivalent {check})")
    r = fresh("soundness", args)
    print(
        f"(g) soundness suite (tests/test_rewards_soundness.py): {r['pairs']:,} wrong-but-close pairs, "
        f"{r['judged_equal']} judged equal, {r['symbolic']} sent to sympy, {r['seconds']:.1f}s"
    )


if __name__ == "__main__":
    main()
