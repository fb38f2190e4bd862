"""Stage 1: find the answer a grader should judge inside a model's completion."""

from __future__ import annotations

import itertools
import re

_COMMANDS = ("\\boxed", "\\fbox")


_BRACE_EVENTS = re.compile(r"\\.|[{}]", re.DOTALL)
# What may stand between two boxed answers of one list: spaces, commas, semicolons, "and"/"or", math
# delimiters and spacing commands. "\boxed{1} then \boxed{2}" is a correction, not a list.
_BETWEEN_BOXES = re.compile(
    r"^(?:\s|[,;$]|\\[()\[\]]|\\[,;:! ]|\\q?quad|and|or|\\text\{\s*(?:and|or|,)?\s*\})*$", re.IGNORECASE
)


def _match_braces(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, or -1. ``\\{``/``\\}`` are escaped, not counted."""
    depth = 0
    for m in _BRACE_EVENTS.finditer(text, start):  # scanned in C: a 1 MB answer costs milliseconds
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return m.start()
    return -1


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of every braced ``\\boxed{...}`` / ``\\fbox{...}`` at the top level."""
    found, i = [], 0
    while True:
        starts = [j for j in (text.find(cmd, i) for cmd in _COMMANDS) if j >= 0]
        if not starts:
            return found
        start = min(starts)
        j = start + (len("\\boxed") if text.startswith("\\boxed", start) else len("\\fbox"))
        while j < len(text) and text[j] == " ":
            j += 1
        if j >= len(text) or text[j] != "{":
            i = j
            continue
        end = _match_braces(text, j)
        if end < 0:
            return found
        found.append((start, end + 1, text[j + 1 : end].strip()))
        i = end + 1


def boxed_list(text: str) -> list[str] | None:
    r"""The contents of a text made only of several boxed answers and separators, else None.

    >>> boxed_list(r"\boxed{1}\boxed{2}"), boxed_list(r"\boxed{1} and \boxed{2}"), boxed_list(r"\boxed{1}")
    (['1', '2'], ['1', '2'], None)
    """
    if text.count("\\boxed") + text.count("\\fbox") < 2:
        return None
    boxes = _boxes(text)
    if len(boxes) < 2:
        return None
    gaps = [text[: boxes[0][0]], text[boxes[-1][1] :]]
    gaps += [text[a[1] : b[0]] for a, b in itertools.pairwise(boxes)]
    if not all(_BETWEEN_BOXES.match(gap.strip().rstrip(".")) for gap in gaps):
        return None
    return [content for _, _, content in boxes]


def extract_boxed(text: str | None) -> str | None:
    r"""Content of the LAST ``\boxed{...}``, ``\boxed ...`` or ``\fbox{...}``; None if there is none.

    >>> extract_boxed(r"so \boxed{\frac{64}{5}}, i.e. \boxed{12.8}")
    '12.8'
    >>> extract_boxed(r"\boxed{\left\{1,2\right\}}")
    '\\left\\{1,2\\right\\}'
    >>> extract_boxed(r"the answer is \boxed 7$.")
    '7'
    >>> extract_boxed("no box") is None, extract_boxed(r"\boxed{unclosed") is None
    (True, True)
    """
    if not text or not isinstance(text, str):
        return None
    start = max(text.rfind(cmd) for cmd in _COMMANDS)
    if start < 0:
        return None
    i = start + (len("\\boxed") if text.startswith("\\boxed", start) else len("\\fbox"))
    n = len(text)
    if i < n and text[i] == "{":
        end = _match_braces(text, i)
        return text[i + 1 : end].strip() if end >= 0 else None
    if i < n and text[i] == " ":  # "\boxed 7": one token, up to '$', whitespace or end
        j = i + 1
        while j < n and text[j] not in "$ \n\t":
            j += 1
        content = text[i + 1 : j].rstrip(".,")
        return content or None
    return None


def extract_answer(text: str | None, *, think: bool = False) -> str | None:
    r"""The answer a grader should judge: the last boxed answer, with the boxed answers written just before
    it when only separators stand between them (``\boxed{1}, \boxed{2}`` is the list ``1, 2``).

    With ``think=True`` (R1-style models) only the text after ``</think>`` counts; no ``</think>`` → None.

    >>> extract_answer(r"<think>maybe \boxed{1}</think> final: \boxed{2}", think=True)
    '2'
    >>> extract_answer(r"<think>\boxed{1} ... ran out of tokens", think=True) is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    if think:
        end = text.rfind("</think>")
        if end < 0:
            return None
        text = text[end + len("</think>") :]
    last = extract_boxed(text)
    if last is None or text.count("\\boxed") + text.count("\\fbox") < 2:
        return last
    # Boxed answers written one after another at the end ("\boxed{1} and \boxed{2}") are one list.
    boxes = _boxes(text)
    if not boxes or boxes[-1][2] != last:
        return last
    run = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        if not _BETWEEN_BOXES.match(text[box[1] : run[-1][0]].strip()):
            break
        run.append(box)
    return ", ".join(content for _, _, content in reversed(run))
