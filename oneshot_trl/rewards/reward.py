"""Stage 4: TRL reward functions built on the grader.

TRL calls a reward function as ``f(prompts=..., completions=..., completion_ids=..., **dataset_columns,
trainer_state=..., log_extra=..., log_metric=...)``; the ``answer`` column arrives as a keyword.
Completions are strings or conversations (the last message's content is graded).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import grade
from .extract import extract_answer
from .grade import check_equivalence
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


def gold_text(gold: Any, column: str = "answer") -> str | None:
    """A gold answer as text: strings as they are, numbers formatted (``27`` → ``"27"``), None → None.

    A list or any other container is refused: one row has one gold answer.
    """
    if gold is None or isinstance(gold, str):
        return gold
    if isinstance(gold, bool):
        raise ValueError(
            f"the {column!r} column holds a boolean ({gold!r}); give the gold answer as text or a number"
        )
    if isinstance(gold, int):
        return str(gold)
    if isinstance(gold, float):
        return repr(gold) if gold == gold and abs(gold) != float("inf") else None
    if hasattr(gold, "item") and getattr(gold, "ndim", None) == 0:  # numpy scalars from pandas/datasets
        return gold_text(gold.item(), column)
    raise ValueError(
        f"the {column!r} column holds a {type(gold).__name__} ({str(gold)[:60]}); give one gold answer "
        "per row as text or a number (join several answers into one string, e.g. '1, 2')"
    )


def gold_is_gradable(gold: Any) -> bool:
    """A gold answer that is empty, has unbalanced braces or normalises to nothing cannot be graded: its rows
    are skipped (None), never scored 0."""
    if not isinstance(gold, str) or not gold.strip():
        return False
    text = gold.replace("\\{", "").replace("\\}", "")
    return text.count("{") == text.count("}") and bool(normalize(gold).text)


def grade_answer(
    text: str, gold: Any, *, think: bool = False, timeout: float = 1.0, retry_timeout: float | None = None
) -> tuple[str | None, bool | None]:
    r"""The answer extracted from a completion's text, and whether it is correct.

    ``correct`` is None when it cannot be known: the gold cannot be graded, or the symbolic check ran past
    its time (after one retry with ``retry_timeout`` seconds, if given) or failed. Callers skip or count
    those rows; they are not wrong answers.

    >>> grade_answer(r"so \boxed{\dfrac{64}{5}}", "12.8"), grade_answer("no box", "12.8"), grade_answer(
    ...     r"\boxed{1}", ""
    ... )
    (('\\dfrac{64}{5}', True), (None, False), ('1', None))
    """
    gold = gold_text(gold)
    pred = extract_answer(text, think=think)
    if not gold_is_gradable(gold):
        return pred, None
    if pred is None:
        return None, False
    return pred, check_with_retry(pred, gold, timeout, retry_timeout)


def check_with_retry(pred: str, gold: str, timeout: float, retry_timeout: float | None) -> bool | None:
    """``check_equivalence``, run again with ``retry_timeout`` seconds when the first try had no verdict."""
    verdict = check_equivalence(pred, gold, timeout=timeout)
    if verdict is None and retry_timeout is not None and retry_timeout > timeout:
        verdict = check_equivalence(pred, gold, timeout=retry_timeout)
    return verdict


def _grade_distinct(extracted: list, golds: list, timeout: float, workers: int) -> tuple[dict, set]:
    """Verdicts for each distinct (answer, gold) pair, graded once, and the set of gradable golds.

    The cheap stages run here; the pairs that need sympy then run at the same time across the symbolic
    workers (a full-set step has a few of them, a 1-shot step usually none)."""
    verdicts: dict = {}
    gradable = {gold for gold in set(golds) if gold_is_gradable(gold)}
    needs_sympy = []
    for pair in dict.fromkeys(zip(extracted, golds, strict=True)):
        if pair[0] is None or pair[1] not in gradable:
            continue
        verdict = check_equivalence(*pair, timeout=timeout, symbolic=False)
        if verdict == grade.NEEDS_SYMPY:
            needs_sympy.append(pair)
        else:
            verdicts[pair] = verdict
    if len(needs_sympy) > 1 and workers > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(needs_sympy))) as threads:
            results = threads.map(lambda pair: check_equivalence(*pair, timeout=timeout), needs_sympy)
            verdicts.update(zip(needs_sympy, results, strict=True))
    else:
        verdicts.update((pair, check_equivalence(*pair, timeout=timeout)) for pair in needs_sympy)
    return verdicts, gradable


def make_math_reward(*, think: bool = False, timeout: float = 1.0, name: str = "math_reward") -> RewardFunc:
    """Build a 0/1 verifiable-math reward for TRL.

    Args:
        think: grade only the text after ``</think>`` (R1-style models); a missing ``</think>`` scores 0.
        timeout: seconds allowed for one symbolic check; a slower answer scores 0, is counted, and the run
            goes on. A timeout is not cached as a verdict: the same answer is checked again next time.
        name: the function's ``__name__``, which TRL uses in metric names (``rewards/<name>/mean``).

    The returned function gives 1.0 / 0.0 per completion and None for every completion of a row whose gold
    answer cannot be parsed (TRL skips None). Numeric golds are formatted as text; a list in the ``answer``
    column is refused with an error naming the column. Through TRL's ``log_metric`` it logs
    ``<name>/no_answer_rate``, ``<name>/timeouts`` (checks that ran past ``timeout``, scored 0) and
    ``<name>/errors`` (checks that failed inside the grader, scored 0); through ``log_extra`` the column
    ``extracted_answer``.
    """

    def reward(completions: list, answer: list, **kwargs: Any) -> list[float | None]:
        pool = get_pool()
        timeouts_before, errors_before = pool.timeouts, pool.errors + grade.internal_errors
        extracted = [extract_answer(completion_text(c), think=think) for c in completions]
        golds = [gold_text(g) for g in answer]
        verdicts, gradable = _grade_distinct(extracted, golds, timeout, pool.size)
        rewards: list[float | None] = []
        for pred, gold in zip(extracted, golds, strict=True):
            if gold not in gradable:
                rewards.append(None)
            else:
                rewards.append(1.0 if pred is not None and verdicts.get((pred, gold)) is True else 0.0)
        if kwargs.get("log_metric") is not None and completions:
            kwargs["log_metric"](f"{name}/no_answer_rate", sum(e is None for e in extracted) / len(extracted))
            kwargs["log_metric"](f"{name}/timeouts", float(pool.timeouts - timeouts_before))
            kwargs["log_metric"](f"{name}/errors", float(pool.errors + grade.internal_errors - errors_before))
        if kwargs.get("log_extra") is not None:
            kwargs["log_extra"]("extracted_answer", ["" if e is None else e for e in extracted])
        return rewards

    reward.__name__ = name
    reward.__doc__ = f"0/1 math reward (think={think}, timeout={timeout}s); see make_math_reward."
    return reward


math_reward = make_math_reward()
math_reward.__doc__ = r"""The paper's 0/1 verifiable reward: 1.0 when the last ``\boxed{}`` answer equals the
gold answer.

>>> math_reward([r"... so \boxed{\dfrac{64}{5}}", r"\boxed{12.7}", "no box"], answer=["12.8"] * 3)
[1.0, 0.0, 0.0]
>>> math_reward([[{"role": "assistant", "content": r"\boxed{24}"}]], answer=[""])
[None]
>>> math_reward([r"\boxed{27}", r"\boxed{27.5}"], answer=[27, 27.5])
[1.0, 1.0]
"""


def format_reward(completions: list, **kwargs: Any) -> list[float]:
    r"""The paper's format-reward baseline: 1.0 when the completion has a parseable ``\boxed{}`` answer.

    >>> format_reward([r"\boxed{7}", r"\boxed{", "7"])
    [1.0, 0.0, 0.0]
    """
    return [1.0 if extract_answer(completion_text(c)) else 0.0 for c in completions]
