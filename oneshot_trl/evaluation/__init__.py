"""Evaluation: the paper's benchmarks → generation (HF or vLLM) → answer extraction (the authors' harness, or
the reward's boxed rule) → grading with ``oneshot_trl.rewards`` → greedy / avg@k / unbiased pass@k.

Never imports a trainer (the trainer imports this, for in-training evaluation)."""

from .benchmarks import BENCHMARKS, BenchmarkSpec
from .evaluator import EvalConfig, evaluate
from .grading import grade_completion
from .metrics import pass_at_k

__all__ = ["BENCHMARKS", "BenchmarkSpec", "EvalConfig", "evaluate", "grade_completion", "pass_at_k"]
