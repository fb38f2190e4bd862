"""Stage 2: rewrite an answer string into a canonical form before any comparison.

Removes what never changes the value (``$``, ``\\left``, spacing commands, ``\\text{}`` wrappers, units,
degree signs, a leading ``x =``), and unifies spellings (``\\dfrac`` → ``\\frac``, ``\\frac12`` →
``\\frac{1}{2}``, ``1{,}000`` → ``1000``, ``∞`` → ``\\infty``). Pure string work: no parsing, no eval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .extract import boxed_list

#: Longer answers are compared as they are: no model answer that long is a value worth normalising.
MAX_NORMALIZE_LEN = 2000

_WRAPPERS = re.compile(
    r"\\(?:boxed|fbox|text|textbf|textit|textrm|mathrm|mathbf|mathit|mbox|rm|bf|it|operatorname)\s*\{([^{}]*)\}"
)
_DROP = [
    "\\displaystyle",
    "\\left",
    "\\right",
    "\\bigl",
    "\\bigr",
    "\\Bigl",
    "\\Bigr",
    "\\big",
    "\\Big",
    "\\!",
    "\\,",
    "\\;",
    "\\:",
    "\\quad",
    "\\qquad",
    "\\$",
    "$",
    "\\%",
    "%",
    "^{\\circ}",
    "^\\circ",
    "\\circ",
    "°",
    "\\degree",
    "{}^",
    "\\dots",
    "\\ldots",
]
_UNICODE = {
    "π": "\\pi",
    "∞": "\\infty",
    "−": "-",
    "–": "-",
    "√": "\\sqrt",
    "×": "\\times",
    "·": "\\cdot",
    "≤": "\\le",
    "≥": "\\ge",
}
_UNITS = (
    "units?|square units?|sq units?|cubic units?|degrees?|radians?|dollars?|cents?|mph|km/h|kmh|kph|cm|mm|km|"
    "meters?|metres?|miles?|inches|inch|in|feet|foot|ft|yards?|yd|hours?|hrs?|minutes?|mins?|seconds?|secs?|"
    "days?|weeks?|months?|years?|pounds?|lbs?|kg|grams?|ounces?|oz|liters?|litres?|ml|gallons?|people|persons?|"
    "students?|ways?|times|points?|percent|percentage|pct|sq\\.? ?ft|sq\\.? ?in|sq\\.? ?cm|"
    "cm\\^?\\{?[23]\\}?|m\\^?\\{?[23]\\}?|ft\\^?\\{?[23]\\}?|in\\^?\\{?[23]\\}?|"
    "square (?:feet|inches|meters|centimeters|miles|yards)|"
    "cubic (?:feet|inches|meters|centimeters|yards)"
)
# A unit is stripped only after a value (a digit, a closing brace or \pi); single letters (m, g, s) only
# after a space.
_UNIT_TAIL = re.compile(rf"^(.*?(?:\d|\}}|\\pi))\s*(?:{_UNITS})\.?$", re.IGNORECASE)
_SHORT_UNIT_TAIL = re.compile(r"^(.*?(?:\d|\}|\\pi))\s+(?:m|g|s|h|l|L)\.?$")
_LHS = re.compile(r"^(?:[a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?|\\[a-zA-Z]+)\s*=\s*(?P<rhs>[^=]+)$")
# A comma groups thousands only with no space after it: "32,349" is a number, "32, 349" two of them.
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PERCENT_WORD = re.compile(r"(?:\d|\})\s*(?:percent|percentage|pct)\.?$", re.IGNORECASE)
# "x=1 or x=2", "p=-1 \text{ and } p=\frac{15}{8}", "1, 2, and 3": the answers of a list.
_CONNECTIVE = re.compile(
    r"(?:\s*,)?\s*(?:\\(?:text|textrm|textnormal|mbox|mathrm)\s*\{\s*(?:and|or)\s*\}|\s(?:and|or)\s)\s*",
    re.IGNORECASE,
)
# MATH's thousands separators: 32,\!349, 32{,}349, 32,\ 349, each possibly followed by a space. Only a
# whole number grouped by threes is read this way ("1,\ 2" stays a list).
_LATEX_SEPARATOR = r"(?:,\\!|\{,\}|,\\ |\\\{,\\\})\s*"
_LATEX_THOUSANDS = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_LATEX_SEPARATOR}\d{{3}})+(?![\d])")
_MIXED_SPACE = re.compile(r"^(-?\d+)\s+(\d+)\s*/\s*(\d+)$")
_FRAC_SHORT = re.compile(r"\\frac\s*(\d|\{[^{}]*\})\s*(\d|\{[^{}]*\})")
_SQRT_SHORT = re.compile(r"\\sqrt\s*(\d+|[a-zA-Z])")
_CHOICE = re.compile(r"^\(?([A-Ea-e])\)$")
_SPACE_CMD = re.compile(r"(?<!\\)\\ ")  # the "\ " spacing command, not the end of a "\\" row break
# Spaces are removed everywhere except between two letters ("\cdot x", "New York" keep theirs).
_SPACES = re.compile(r"(?<![a-zA-Z])\s+|\s+(?![a-zA-Z])")


@dataclass(frozen=True)
class Normalized:
    """A canonical answer: ``text``, whether a percent sign or word was removed (50% may mean 0.5), and the
    left-hand side removed from ``x = ...`` (so a grader can still compare whole equations)."""

    text: str
    percent: bool = False
    lhs: str = ""

    @property
    def equation(self) -> str:
        """The answer with its left-hand side: ``y=2x+1`` for ``y = 2x + 1``."""
        return f"{self.lhs}={self.text}" if self.lhs else self.text


def _strip_delimiters(s: str) -> str:
    for left, right in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            s = s[len(left) : len(s) - len(right)].strip()
    return s


@lru_cache(maxsize=65536)
def normalize(raw: str) -> Normalized:
    r"""Canonical form of an answer string.

    >>> normalize(r"$x = \dfrac{64}{5}\text{ mph}$")
    Normalized(text='\\frac{64}{5}', percent=False, lhs='x')
    >>> normalize(r"12\%").percent, normalize(r"1{,}000").text, normalize(r"336^\circ").text
    (True, '1000', '336')
    """
    s = raw.strip()
    if len(s) > MAX_NORMALIZE_LEN:
        return Normalized(s)
    s = _strip_delimiters(s)
    boxes = boxed_list(s)
    if boxes is not None:  # a gold with several boxed answers: \boxed{1}\boxed{2} is the list 1, 2
        s = ", ".join(boxes)
    s = _LATEX_THOUSANDS.sub(lambda m: re.sub(_LATEX_SEPARATOR, "", m.group(0)), s)
    for old, new in _UNICODE.items():
        s = s.replace(old, new)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = s.replace("\\{,\\}", "").replace("{,}", "").replace("~", " ").replace("\n", " ")
    s = _SPACE_CMD.sub(" ", s)
    s = _CONNECTIVE.sub(",", s)
    percent = "%" in s or bool(_PERCENT_WORD.search(s))
    for token in _DROP:
        s = s.replace(token, "")
    prev = None
    while prev != s:  # nested wrappers: \text{\textbf{5}}
        prev, s = s, _WRAPPERS.sub(r"\1", s)
    s = s.strip().rstrip(".").strip()
    if s.lower() in ("infinity", "inf", "+\\infty", "+infinity", "oo"):
        s = "\\infty"
    for pattern in (_UNIT_TAIL, _SHORT_UNIT_TAIL):
        for _ in range(3):  # "5 square units" / "5 sq ft" may need two passes
            m = pattern.match(s)
            if not m:
                break
            s = m.group(1).strip()
    lhs = ""
    m = _LHS.match(s)
    if m:
        lhs, s = _SPACES.sub("", s[: m.start("rhs")]).rstrip("="), m.group("rhs").strip()
    m = _MIXED_SPACE.match(s)
    if m:
        s = f"{m.group(1)}\\frac{{{m.group(2)}}}{{{m.group(3)}}}"
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    s = _SPACES.sub("", s)
    s = _FRAC_SHORT.sub(lambda m: f"\\frac{{{m.group(1).strip('{}')}}}{{{m.group(2).strip('{}')}}}", s)
    s = _SQRT_SHORT.sub(r"\\sqrt{\1}", s)
    m = _CHOICE.match(s)
    if m:
        s = m.group(1).upper()
    if s.startswith("+"):
        s = s[1:]
    return Normalized(s, percent, lhs)
