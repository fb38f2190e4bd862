"""Stage 4: TRL reward functions built on the grader.

TRL calls a reward function as ``f(prompts=..., completions=..., completion_ids=..., **dataset_columns,
trainer_state=..., log_extra=..., log_metric=...)``; the ``answer`` column arrives as a keyword.
Completions are strings or conversations (the last message's content is graded).
"""

from __future__ import annotations

from typing import Any, Callable

from .extract import extract_answer
from .grade import is_equivalent
from .normalize import normalize
from .symbolic import get_pool

RewardFunc = Callable[..., "list[float | None]"]


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, or the content of the last message of a conversation."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "") if isinstance(completion[-1], dict) else completion[-1]
        if isinstance(content, list):  # content blocks: [{"type": "text", "text": ...}]
            return "".join(block.get("text", "") for block in content if isinstance(block, dict))
        return str(content)
    return ""


def gold_is_gradable(gold: Any) -> bool:
    """A gold answer that is empty or has unbalanced braces cannot be graded: its rows are skipped."""
    if not isinstance(gold, str) or not gold.strip():
        return False
    text = gold.replace("\\{", "").replace("\\}", "")
    return text.count("{") == text.count("}") and bool(normalize(gold).text)


def grade_answer(text: str, gold: str, *, think: bool = False, timeout: float = 1.0) -> tuple[str | None, bool]:
    r"""The answer extracted from a completion's text, and whether it is correct (False for ungradable golds).

    >>> grade_answer(r"so \boxed{\dfrac{64}{5}}", "12.8"), grade_answer("no box", "12.8")
    (('\\dfrac{64}{5}', True), (None, False))
    """
    pred = extract_answer(text, think=think)
    return pred, pred is not None and gold_is_gradable(gold) and is_equivalent(pred, gold, timeout=timeout)


def make_math_reward(*, think: bool = False, timeout: float = 1.0, name: str = "math_reward") -> RewardFunc:
    """Build a 0/1 verifiable-math reward for TRL.

    Args:
        think: grade only the text after ``</think>`` (R1-style models); a missing ``</think>`` scores 0.
        timeout: seconds allowed for one symbolic check; a slower answer scores 0 and the run goes on.
        name: the function's ``__name__``, which TRL uses in metric names (``rewards/<name>/mean``).

    The returned function gives 1.0 / 0.0 per completion and None for every completion of a row whose gold
    answer cannot be parsed (TRL skips None). Through TRL's ``log_metric`` it logs
    ``<name>/no_answer_rate`` and ``<name>/timeouts``; through ``log_extra`` the column ``extracted_answer``.
    """

    def reward(completions: list, answer: list, **kwargs: Any) -> list[float | None]:
        pool = get_pool()
        timeouts_before = pool.timeouts
        extracted = [extract_answer(completion_text(c), think=think) for c in completions]
        gradable: dict[str, bool] = {}
        rewards: list[float | None] = []
        for pred, gold in zip(extracted, answer, strict=True):
            ok = gradable.get(gold)
            if ok is None:
                ok = gradable[gold] = gold_is_gradable(gold)
            if not ok:
                rewards.append(None)
            else:
                rewards.append(1.0 if pred is not None and is_equivalent(pred, gold, timeout=timeout) else 0.0)
        if kwargs.get("log_metric") is not None and completions:
            kwargs["log_metric"](f"{name}/no_answer_rate", sum(e is None for e in extracted) / len(extracted))
            kwargs["log_metric"](f"{name}/timeouts", float(pool.timeouts - timeouts_before))
        if kwargs.get("log_extra") is not None:
            kwargs["log_extra"]("extracted_answer", ["" if e is None else e for e in extracted])
        return rewards

    reward.__name__ = name
    reward.__doc__ = f"0/1 math reward (think={think}, timeout={timeout}s); see make_math_reward."
    return reward


math_reward = make_math_reward()
math_reward.__doc__ = r"""The paper's 0/1 verifiable reward: 1.0 when the last ``\boxed{}`` answer equals the gold answer.

>>> math_reward([r"... so \boxed{\dfrac{64}{5}}", r"\boxed{12.7}", "no box"], answer=["12.8"] * 3)
[1.0, 0.0, 0.0]
>>> math_reward([[{"role": "assistant", "content": r"\boxed{24}"}]], answer=[""])
[None]
"""


def format_reward(completions: list, **kwargs: Any) -> list[float]:
    r"""The paper's format-reward baseline: 1.0 when the completion has a parseable ``\boxed{}`` answer.

    >>> format_reward([r"\boxed{7}", r"\boxed{", "7"])
    [1.0, 0.0, 0.0]
    """
    return [1.0 if extract_answer(completion_text(c)) else 0.0 for c in completions]
