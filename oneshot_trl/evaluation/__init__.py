"""Evaluation: the paper's six benchmarks → generation (HF or vLLM) → grading with ``oneshot_trl.rewards`` →
greedy / avg@k / unbiased pass@k. Never imports a trainer (the trainer imports this, for in-training eval)."""

from .benchmarks import BENCHMARKS, BenchmarkSpec
from .evaluator import EvalConfig, evaluate
from .metrics import pass_at_k

__all__ = ["BENCHMARKS", "BenchmarkSpec", "EvalConfig", "evaluate", "pass_at_k"]
