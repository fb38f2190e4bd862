"""95% intervals for benchmark scores, and for differences between models, over the benchmark's problems.

A benchmark is a sample of problems; its score is the mean of a per-problem score (0/1 for greedy, the share
of n samples right for avg@n, the unbiased pass@k estimate for pass@k). The intervals say how far that mean
could move on another draw of problems (and, with several training seeds, of seeds):

- one greedy benchmark (one 0/1 score per problem): Wilson's score interval, exact in form and well behaved
  at 0, 1 and on 30-problem benchmarks where the normal approximation is not;
- avg@n, pass@k, the average over benchmarks: a percentile bootstrap over problems of the per-problem
  scores (each benchmark resampled on its own: the average is stratified by benchmark);
- a difference between two models on the same problems: a paired bootstrap (one resample of problems is
  applied to both, so the problems' difficulty cancels); between two arms of several seeds, seeds are
  resampled within each arm as well (a two-level bootstrap over seeds and problems).

Resamples are drawn from a generator seeded by the number of problems: every model evaluated on the same
problems gets the same resamples, so intervals are reproducible and paired across models. Everything is
vectorised: the resamples are a matrix of counts and every bootstrap mean is one matrix product.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

LEVEL = 0.95
RESAMPLES = 2000
SEED = 0
_Z = {0.95: 1.959963984540054}


def _z(level: float) -> float:
    if level in _Z:
        return _Z[level]
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(successes, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (arrays broadcast)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = _z(level)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # at 0 (or n) successes the bound is exactly 0 (or 1); rounding would leave it a hair inside
    low = np.where(successes == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(successes == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


@lru_cache(maxsize=64)
def _counts(size: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, size): how many times each of ``size`` items is drawn in each resample (each row sums to
    ``size``). Cached and read-only: every model on the same problems shares them."""
    rng = np.random.default_rng([seed, size])
    draws = rng.integers(0, size, size=(resamples, size)) + size * np.arange(resamples)[:, None]
    counts = np.bincount(draws.ravel(), minlength=resamples * size).reshape(resamples, size)
    counts = counts.astype(np.float64)
    counts.setflags(write=False)
    return counts


def bootstrap_means(scores, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """Means over the last axis (problems) of ``resamples`` bootstrap resamples: shape (..., resamples)."""
    scores = np.asarray(scores, dtype=np.float64)
    size = scores.shape[-1]
    return scores @ _counts(size, resamples, seed).T / size


def percentile(replicates: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of bootstrap replicates (last axis)."""
    tail = (1 - level) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail], axis=-1)
    return low, high


def mean_interval(
    scores,
    binary: bool | None = None,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict:
    """Mean of per-problem scores (last axis) with its interval: Wilson for 0/1 scores (``binary``: one
    sample per problem; None: when every score is 0 or 1), else the bootstrap. Leading axes (e.g.
    checkpoints) are computed at once."""
    scores = np.asarray(scores, dtype=np.float64)
    mean = scores.mean(axis=-1)
    if binary is None:
        binary = bool(np.all((scores == 0) | (scores == 1)))
    if binary:
        low, high = wilson(scores.sum(axis=-1), scores.shape[-1], level)
        method = "wilson"
    else:
        low, high = percentile(bootstrap_means(scores, resamples, seed), level)
        method = "bootstrap"
    return {"mean": mean, "low": low, "high": high, "method": method}


def average_interval(
    per_benchmark: list, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = SEED
) -> dict:
    """The unweighted average over benchmarks of their mean scores, with a bootstrap interval that resamples
    each benchmark's problems on its own. ``per_benchmark``: arrays (..., problems of that benchmark)."""
    means = np.mean([np.asarray(s, dtype=np.float64).mean(axis=-1) for s in per_benchmark], axis=0)
    replicates = np.mean([bootstrap_means(s, resamples, seed) for s in per_benchmark], axis=0)
    low, high = percentile(replicates, level)
    return {"mean": means, "low": low, "high": high, "method": "bootstrap"}


def _seed_weights(runs: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, runs) weights of each run in each resample of seeds; each row sums to 1.

    A single run always weighs 1: resampling one seed gives that seed."""
    if runs == 1:
        return np.ones((resamples, 1))
    return _counts(runs, resamples, seed + 1) / runs


def difference(a: list, b: list, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """Arm ``a`` minus arm ``b``, per benchmark and on the average over benchmarks.

    ``a[i]`` and ``b[i]`` are arrays (runs, problems) of per-problem scores on benchmark ``i``; both arms
    hold the same problems in the same order (the pairing), and any number of runs (training seeds). Each
    bootstrap replicate resamples the problems once for both arms and, for an arm of several runs, its runs.
    Returns ``benchmarks``: a list of {diff, low, high}, and ``average``: the same for the average; a model
    compared with itself gets exactly 0 with a zero-width interval."""
    a = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in a]
    b = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in b]
    if len(a) != len(b):
        raise ValueError(f"paired arms need the same benchmarks ({len(a)} vs {len(b)})")
    for x, y in zip(a, b, strict=True):
        if x.shape[1] != y.shape[1]:
            raise ValueError(f"paired arms need the same problems ({x.shape[1]} vs {y.shape[1]})")
    wa = _seed_weights(a[0].shape[0], resamples, seed)
    wb = _seed_weights(b[0].shape[0], resamples, seed + 2)  # other seeds' draws than arm a's
    benchmarks, replicates = [], []
    for x, y in zip(a, b, strict=True):
        if x.shape[0] == y.shape[0] == 1:  # paired per problem: resample the differences themselves
            reps = bootstrap_means(x[0] - y[0], resamples, seed)
        else:
            # per run, its bootstrap means (runs, resamples); then each replicate's mix of runs
            reps = np.einsum("rb,br->b", bootstrap_means(x, resamples, seed), wa) - np.einsum(
                "rb,br->b", bootstrap_means(y, resamples, seed), wb
            )
        low, high = percentile(reps, level)
        benchmarks.append({"diff": float(x.mean() - y.mean()), "low": float(low), "high": float(high)})
        replicates.append(reps)
    low, high = percentile(np.mean(replicates, axis=0), level)
    diff = float(np.mean([r["diff"] for r in benchmarks]))
    return {"benchmarks": benchmarks, "average": {"diff": diff, "low": float(low), "high": float(high)}}


def holds_zero(interval: dict) -> bool:
    return interval["low"] <= 0 <= interval["high"]
