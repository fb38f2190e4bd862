"""How well a selector's score predicts what training on an example gives: rank statistics (Spearman's ρ with
a Fisher or bootstrap interval, top-k overlap) and the cheap scores that stand in for the full-set variance.

Pure Python (no numpy, no torch): the benchmarks and the testbed study import it, and the numbers it gives
must not depend on which array library happens to be installed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def learnability(p: float) -> float:
    """p(1−p): the variance of one rollout's reward at pass rate p, largest at p = 0.5 and 0 for an example
    always or never solved (whose GRPO group has no advantage to learn from)."""
    return p * (1.0 - p)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ascending, ties sharing their average rank (as Spearman's ρ needs)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r; NaN when either side is constant (no ordering to correlate)."""
    n = len(x)
    if n != len(y) or n < 2:
        raise ValueError("pearson needs two sequences of the same length, at least 2")
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's ρ: Pearson's r of the (tie-averaged) ranks."""
    return pearson(ranks(x), ranks(y))


def fisher_interval(rho: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """A 95% interval for Spearman's ρ by Fisher's z with the Bonett–Wright standard error
    sqrt((1 + ρ²/2) / (n − 3)); (NaN, NaN) when n ≤ 3 or ρ is NaN."""
    if n <= 3 or math.isnan(rho):
        return math.nan, math.nan
    r = max(min(rho, 0.999999), -0.999999)
    centre, se = math.atanh(r), math.sqrt((1 + r * r / 2) / (n - 3))
    return math.tanh(centre - z * se), math.tanh(centre + z * se)


def bootstrap_interval(
    x: Sequence[float], y: Sequence[float], reps: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of Spearman's ρ, resampling the (x, y) pairs with replacement.
    Resamples in which one side is constant (ρ undefined) are drawn again."""
    rng = random.Random(seed)
    n, found, tries = len(x), [], 0
    while len(found) < reps and tries < 20 * reps:
        tries += 1
        pick = [rng.randrange(n) for _ in range(n)]
        rho = spearman([x[i] for i in pick], [y[i] for i in pick])
        if not math.isnan(rho):
            found.append(rho)
    if not found:
        return math.nan, math.nan
    found.sort()
    lo = found[int((1 - level) / 2 * (len(found) - 1))]
    hi = found[int((1 + level) / 2 * (len(found) - 1))]
    return lo, hi


def top_overlap(first: Sequence, second: Sequence, k: int) -> float:
    """Share of the top ``k`` of one ranking (best first) that is also in the top ``k`` of the other."""
    return len(set(first[:k]) & set(second[:k])) / k


def describe(rho: float, interval: tuple[float, float]) -> str:
    """ρ and its interval as one cell, e.g. ``+0.42 [-0.13, +0.78]``."""
    if math.isnan(rho):
        return "undefined (a constant score)"
    lo, hi = interval
    return f"{rho:+.2f} [{lo:+.2f}, {hi:+.2f}]"
