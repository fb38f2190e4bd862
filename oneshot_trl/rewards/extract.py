"""Stage 1: find the answer a grader should judge inside a model's completion."""

from __future__ import annotations

_COMMANDS = ("\\boxed", "\\fbox")


def _match_braces(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, or -1. ``\\{``/``\\}`` are escaped, not counted."""
    depth = 0
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


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
    r"""The answer a grader should judge: the last boxed answer.

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
    return extract_boxed(text)
