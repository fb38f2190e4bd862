"""Metrics over n samples per problem: avg@n (mean accuracy; greedy accuracy when n=1 at T=0) and the
unbiased pass@k estimator of Chen et al. (2021), 1 - C(n-c, k) / C(n, k)."""

from __future__ import annotations

import re

from . import intervals

REFLECTION_WORDS = re.compile(
    r"\b(?:rethink|recheck|recalculate|re-check|re-evaluate|reconsider|double-check)\b", re.IGNORECASE
)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n (c correct) is correct.

    Computed as a product, never as binomials (which overflow floats for n in the hundreds).

    >>> pass_at_k(8, 0, 4), pass_at_k(8, 8, 1), round(pass_at_k(8, 2, 4), 6)
    (0.0, 1.0, 0.785714)
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prob_all_wrong = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_wrong *= 1.0 - k / i
    return 1.0 - prob_all_wrong


def _by_problem(records: list[dict]) -> dict[str, list[dict]]:
    by_problem: dict = {}
    for r in records:
        by_problem.setdefault(r["id"], []).append(r)
    return by_problem


def problem_scores(records: list[dict], ks: list[int]) -> dict[str, dict[str, float]]:
    """Per problem id, its score under each metric: ``accuracy`` (the share of its samples right) and
    ``pass@k`` for each k <= the samples per problem (the same k as ``summarize`` reports)."""
    by_problem = _by_problem(records)
    n_min = min(len(v) for v in by_problem.values())
    scores = {}
    for pid, samples in by_problem.items():
        n, c = len(samples), sum(bool(s["correct"]) for s in samples)
        scores[pid] = {"accuracy": c / n, **{f"pass@{k}": pass_at_k(n, c, k) for k in ks if k <= n_min}}
    return scores


def add_intervals(summary: dict, scores: dict[str, dict[str, float]]) -> dict:
    """``<metric>_ci`` ([low, high], 95%) beside each metric of a benchmark summary, from its per-problem
    scores, and ``ci_method`` (wilson for one 0/1 score per problem, else bootstrap over problems)."""
    binary = summary["samples_per_problem"] == 1
    for metric in [m for m in next(iter(scores.values())) if m in summary]:
        found = intervals.mean_interval([s[metric] for s in scores.values()], binary=binary)
        summary[f"{metric}_ci"] = [float(found["low"]), float(found["high"])]
        if metric == "accuracy":
            summary["ci_method"] = found["method"]
    return summary


def summarize(records: list[dict], ks: list[int]) -> dict:
    """Benchmark-level metrics from per-sample records (fields: id, correct, answer, tokens, completion),
    each with its 95% interval over problems (``<metric>_ci``)."""
    by_problem = _by_problem(records)
    n_min = min(len(v) for v in by_problem.values())
    summary = {
        "problems": len(by_problem),
        "samples_per_problem": n_min,
        "accuracy": sum(sum(s["correct"] for s in v) / len(v) for v in by_problem.values()) / len(by_problem),
        "no_answer_rate": sum(r["answer"] is None for r in records) / len(records),
        # Samples with no verdict (the grader timed out twice or failed, or the gold cannot be graded):
        # scored as not correct above, and counted here so that a 0 is never silent.
        "ungraded": sum(not r.get("graded", True) for r in records),
        # Accuracy = answer rate × this: separates "learned to box an answer" from "answers better".
        "answered_accuracy": (
            sum(r["correct"] for r in records if r["answer"] is not None)
            / max(1, sum(r["answer"] is not None for r in records))
        ),
        "mean_tokens": sum(r["tokens"] for r in records) / len(records),
        # What the intervals and paired comparisons (`oneshot eval compare`) are computed from.
        "correct_per_problem": {pid: sum(bool(s["correct"]) for s in v) for pid, v in by_problem.items()},
        "reflection_rate": sum(bool(REFLECTION_WORDS.search(r["completion"])) for r in records)
        / len(records),
    }
    for k in ks:
        if k <= n_min:
            summary[f"pass@{k}"] = sum(
                pass_at_k(len(v), sum(s["correct"] for s in v), k) for v in by_problem.values()
            ) / len(by_problem)
    return add_intervals(summary, problem_scores(records, ks))
