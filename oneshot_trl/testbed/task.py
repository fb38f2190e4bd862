"""The testbed's task: column addition with exact answers and worked solutions ending in ``\\boxed{...}``.

A worked solution opens with "=" on a line of its own, adds the columns from the right, one line each
("7+5+1=13": the column's digits plus the carry in; a total of 10 or more carries 1 into the next line), then
boxes the sum. ``habits`` plants bad habits, none of which depends on the digits: a guess (a rough estimate
written at once, opened with "~", right only for round sums), a slipped column (one digit off by one), a
skipped carry, and an unboxed final answer. The guess is the habit 1-shot RLVR can fix from one example: the
choice between working and guessing is one token, the first ("=" or "~"), the same for every problem, and
working pays. Splits are fixed by seed, so every build and every run sees the same problems.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

SPLIT_SEEDS = {"sft": 11, "rl": 23, "dev": 37, "heldout": 41}
GUESS = "~"  # opens a guess ("about"), and nothing else
WORK = "="  # opens the column work, on a line of its own ("exactly")


@dataclass(frozen=True)
class Habits:
    """Probabilities of each bad habit in a worked solution (independent per solution)."""

    slip: float = 0.0  # one column's digit off by one (the sum follows the slip)
    skip_carry: float = 0.0  # a carry dropped
    unboxed: float = 0.0  # the answer written without \boxed{}
    guess: float = 0.0  # no column work: a rough estimate at once (the sum to the nearest hundred)


def problem_text(a: int, b: int) -> str:
    return f"What is {a} + {b}?"


def worked_solution(a: int, b: int, rng: random.Random, habits: Habits = Habits()) -> tuple[str, int]:
    """A column-by-column solution and the sum it arrives at (the true sum unless a habit struck)."""
    if habits.guess and rng.random() < habits.guess:
        # An estimate instead of the work: the sum to the nearest hundred. Right only for round sums, and
        # hard to bend into one remembered answer (its last digits are always 00), so reward on one example
        # teaches working rather than recalling.
        result = round((a + b) / 100) * 100
        final = str(result) if rng.random() < habits.unboxed else f"\\boxed{{{result}}}"
        # "~" (about) opens every guess and "=" every worked solution, so the choice to guess is one token
        # that no digit of the problem bears on. When a guess opened with a digit, the logit RL pushed down
        # was also the one that opens a column line (1-shot RL damaged the column work: held-out greedy
        # 0.94 -> 0.69); when the work opened with the first column's digit, the first position had to read
        # the problem, and stopping guesses on π1 carried over to other problems only in part (held-out
        # guess rate 0.36 -> 0.25, against 0.38 -> 0.15 with "=").
        return GUESS + final, result
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
    return "\n".join([WORK] + lines + [final]), result


def split_of(a: int, b: int) -> str:
    """The one split a problem ``a + b`` may appear in: the splits partition all problems by a fixed hash.

    A cryptographic hash, not arithmetic on a and b: a linear rule such as (3a + b) mod 4 ties each split to
    a digit pattern (parity of the units sum), and a model trained on one split then fails on another."""
    digest = hashlib.blake2b(f"{a}+{b}".encode(), digest_size=2).digest()
    return tuple(SPLIT_SEEDS)[int.from_bytes(digest, "big") % len(SPLIT_SEEDS)]


def has_carry(a: int, b: int) -> bool:
    """Whether adding ``a`` and ``b`` column by column carries at least once."""
    while a or b:
        if a % 10 + b % 10 >= 10:
            return True
        a, b = a // 10, b // 10
    return False


def make_split(
    split: str, n: int, digits: tuple[int, int] = (2, 4), habits: Habits = Habits(), carries: bool = False
) -> list[dict]:
    """``n`` problems of a split (fixed by its seed): problem, answer (the true sum), solution (with habits).
    With ``carries``, every problem carries at least once."""
    rng = random.Random(SPLIT_SEEDS[split] * 1000 + digits[0] * 10 + digits[1])
    rows = []

    def number() -> int:
        width = rng.randint(*digits)
        return rng.randrange(10 ** (width - 1), 10**width)

    for i in range(n):
        a, b = number(), number()
        # Each (a, b) belongs to one split only (split_of), so no held-out problem is ever trained on.
        while split_of(a, b) != split or (carries and not has_carry(a, b)):
            a, b = number(), number()
        solution, _ = worked_solution(a, b, rng, habits)
        rows.append({"problem": problem_text(a, b), "answer": str(a + b), "solution": solution, "index": i})
    return rows
