"""The verifiable math reward: extract → normalize → grade (exact numbers, structure, symbolic) → reward.

Imports neither torch nor TRL, so users can ``from oneshot_trl.rewards import math_reward`` alone.
"""

from .extract import extract_answer, extract_boxed
from .grade import check_equivalence, is_equivalent
from .reward import format_reward, grade_answer, make_math_reward, math_reward

__all__ = [
    "extract_boxed",
    "extract_answer",
    "is_equivalent",
    "check_equivalence",
    "math_reward",
    "make_math_reward",
    "format_reward",
    "grade_answer",
]
