"""``grade_completion``: which answer a completion gives on a benchmark, and whether it is right.

Two extraction rules (``--extraction``):
  harness  the authors' evaluation (the Qwen2.5-Math harness's ``extract_answer`` + ``strip_string``,
           ``extraction.harness_answer``): the Minerva form, the last boxed, "the answer is", the last
           number…; the default for the paper's benchmarks, so scores are comparable with the paper's
           tables;
  boxed    the training reward's strict rule: the last ``\\boxed{}`` only, no box → no answer.
With ``harness`` the answer is right when it equals the gold as the harness cleans it (``extraction.
harness_gold``: on MATH500 and Minerva Math from the row's solution, as ``parse_ground_truth`` does), as
``math_equal`` first checks (``grader.py`` line 88), else when this toolkit's grader (``oneshot_trl.rewards``)
judges it equal to that cleaned gold or to the gold as given. With ``boxed`` the training reward grades the
boxed answer against the gold as given. Multiple-choice benchmarks (ARC) compare letters.
"""

from __future__ import annotations

import re

from ..errors import OneShotError
from ..rewards import extract_answer, grade_answer
from ..rewards.reward import check_with_retry, gold_is_gradable
from .extraction import CHOICE_BENCHMARKS, harness_answer, harness_gold

EXTRACTIONS = ("harness", "boxed")


def _after_think(text: str, think: bool) -> str | None:
    if not think:
        return text
    end = text.rfind("</think>")
    return None if end < 0 else text[end + len("</think>") :]


def _letter(text: str | None) -> str | None:
    r"""A choice letter from a boxed answer: ``\boxed{B}``, ``\boxed{(B)}``, ``\boxed{\text{B}}``."""
    if not text:
        return None
    match = re.fullmatch(r"\(?([A-Ea-e])\)?", re.sub(r"\\text\{(.*?)\}", r"\1", text).strip())
    return match.group(1).upper() if match else None


def grade_completion(
    completion: str,
    gold: str,
    benchmark: str,
    extraction: str = "harness",
    *,
    think: bool = False,
    timeout: float = 1.0,
    retry_timeout: float | None = None,
    solution: str | None = None,
) -> tuple[str | None, bool | None]:
    r"""``(answer, correct)`` for one completion: the answer read with ``extraction`` (None when there is
    none), and True / False, or None when the grader could not decide in time (counted as ungraded).

    With ``think`` (R1-style models) only the text after ``</think>`` counts; no ``</think>``, no answer.
    ``solution`` (MATH500, Minerva Math) is where the harness reads the gold from.

    >>> grade_completion("so the answer is 12.80", "\\frac{64}{5}", "math500")
    ('12.80', True)
    >>> grade_completion("so the answer is 12.80", "\\frac{64}{5}", "math500", extraction="boxed")
    (None, False)
    >>> grade_completion("Both fit, but the answer is (B).", "B", "arc_easy")
    ('B', True)
    """
    if extraction not in EXTRACTIONS:
        raise OneShotError(f"unknown extraction {extraction!r}; choose {' or '.join(EXTRACTIONS)}")
    text = _after_think(completion or "", think)
    if text is None:
        return None, False
    if benchmark in CHOICE_BENCHMARKS:
        answer = harness_answer(text, benchmark) if extraction == "harness" else _letter(extract_answer(text))
        return answer or None, bool(answer) and answer == gold.strip().upper()
    if extraction == "boxed":
        return grade_answer(text, gold, timeout=timeout, retry_timeout=retry_timeout)
    answer = harness_answer(text, benchmark)
    if not gold_is_gradable(gold):
        return answer or None, None  # skipped, as the training reward skips it, never scored 0
    cleaned = harness_gold(gold, benchmark, solution)
    if answer.strip().lower() == cleaned.strip().lower():
        # math_equal's first test. It includes "" == "": MATH500's gold \text{east} cleans to "" (the unit
        # list holds "east"), so the harness grades any answer that cleans to nothing right on that problem.
        return answer, True
    if not answer:
        return None, False
    verdicts = [check_with_retry(answer, gold, timeout, retry_timeout)]
    if verdicts[0] is not True and cleaned and cleaned != gold:
        verdicts.append(check_with_retry(answer, cleaned, timeout, retry_timeout))
    if True in verdicts:
        return answer, True
    return answer, None if None in verdicts else False
