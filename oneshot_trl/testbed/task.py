"""The testbed's task: column addition with exact answers and worked solutions ending in ``\\boxed{...}``.

A worked solution adds the columns from the right, one line each ("7+5+1=13": the column's digits plus the
carry in; a total of 10 or more carries 1 into the next line), then boxes the sum. ``habits`` plants the bad
habits the scratch experiments used, none of which depends on the digits: a slipped column (one digit off by
one), a skipped carry, and an unboxed final answer. Splits are fixed by seed, so every build and every run
sees the same problems.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SPLIT_SEEDS = {"sft": 11, "rl": 23, "dev": 37, "heldout": 41}


@dataclass(frozen=True)
class Habits:
    """Probabilities of each bad habit in a worked solution (independent per solution)."""

    slip: float = 0.0  # one column's digit off by one (the sum follows the slip)
    skip_carry: float = 0.0  # a carry dropped
    unboxed: float = 0.0  # the answer written without \boxed{}


def problem_text(a: int, b: int) -> str:
    return f"What is {a} + {b}?"


def worked_solution(a: int, b: int, rng: random.Random, habits: Habits = Habits()) -> tuple[str, int]:
    """A column-by-column solution and the sum it arrives at (the true sum unless a habit struck)."""
    xs, ys = str(a)[::-1], str(b)[::-1]
    width = max(len(xs), len(ys))
    slip_at = rng.randrange(width) if rng.random() < habits.slip else -1
    skip_at = rng.randrange(width) if rng.random() < habits.skip_carry else -1
    lines, digits, carry = [], [], 0
    for i in range(width):
        x = int(xs[i]) if i < len(xs) else 0
        y = int(ys[i]) if i < len(ys) else 0
        total = x + y + carry
        terms = f"{x}+{y}" + (f"+{carry}" if carry else "")
        if i == slip_at:
            total = total + 1 if total % 10 != 9 else total - 1
        digit, carry_out = total % 10, total // 10
        if i == skip_at and carry_out:
            carry_out = 0
        lines.append(f"{terms}={total}")
        digits.append(str(digit))
        carry = carry_out
    if carry:
        digits.append(str(carry))
    result = int("".join(reversed(digits)))
    final = str(result) if rng.random() < habits.unboxed else f"\\boxed{{{result}}}"
    return "\n".join(lines + [final]), result


def make_split(split: str, n: int, digits: tuple[int, int] = (2, 4), habits: Habits = Habits()) -> list[dict]:
    """``n`` problems of a split (fixed by its seed): problem, answer (the true sum), solution (with habits)."""
    rng = random.Random(SPLIT_SEEDS[split] * 1000 + digits[0] * 10 + digits[1])
    rows = []
    def number() -> int:
        width = rng.randint(*digits)
        return rng.randrange(10 ** (width - 1), 10**width)

    for i in range(n):
        a, b = number(), number()
        solution, _ = worked_solution(a, b, rng, habits)
        rows.append({"problem": problem_text(a, b), "answer": str(a + b), "solution": solution, "index": i})
    return rows
