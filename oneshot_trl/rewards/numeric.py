"""Stage 3a: exact values of plain numbers, with ``fractions.Fraction`` (no floats, no sympy).

Most math answers are numbers; judging them exactly here is what makes the reward fast and keeps
12.8 ≠ 12.7 certain. Anything that is not a plain number returns None and goes to the next stage.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

_MAX_LEN = 120  # long digit strings are not plain answers; int() of >4300 digits raises anyway
_MAX_EXP = 400  # 1e400 is still exact and cheap; larger exponents go to the guarded symbolic stage

_INT = re.compile(r"^\d+$")
_DEC = re.compile(r"^(?:\d+\.\d*|\.\d+)$")
_SCI = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)[eE]([+-]?\d+)$")
_TIMES10 = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(?:\\times|\\cdot|\*)10\^\{?([+-]?\d+)\}?$")
_POW = re.compile(r"^(\d+)\^\{?(\d+)\}?$")
_FRAC = re.compile(r"^\\frac\{([^{}]+)\}\{([^{}]+)\}$")
_MIXED = re.compile(r"^(\d+)\\frac\{(\d+)\}\{(\d+)\}$")
_SLASH = re.compile(r"^([^/]+)/([^/]+)$")
_REPEATING = re.compile(r"^(\d*)\.(\d*)\\overline\{(\d+)\}$")  # 1.\overline{6} = 5/3


@lru_cache(maxsize=65536)
def to_rational(s: str) -> Fraction | None:
    r"""Exact value of a normalised plain number, or None.

    >>> to_rational("025"), to_rational(r"\frac{64}{5}") == to_rational("12.8"), to_rational(r"22\frac{1}{2}")
    (Fraction(25, 1), True, Fraction(45, 2))
    >>> to_rational(r"3\times10^{5}"), to_rational("1/0"), to_rational("x")
    (Fraction(300000, 1), None, None)
    """
    if not s or len(s) > _MAX_LEN:
        return None
    if s[0] == "-":
        value = to_rational(s[1:])
        return -value if value is not None else None
    if s[0] == "+":
        return to_rational(s[1:])
    if s[0] == "{" and s[-1] == "}" and s.count("{") == 1:
        return to_rational(s[1:-1])
    if s[0] == "(" and s[-1] == ")" and s.count("(") == 1 and "," not in s:
        return to_rational(s[1:-1])
    try:
        if _INT.match(s) or _DEC.match(s):
            return Fraction(s)
        m = _SCI.match(s) or _TIMES10.match(s)
        if m:
            exp = int(m.group(2))
            return Fraction(m.group(1)) * Fraction(10) ** exp if abs(exp) <= _MAX_EXP else None
        if s.startswith("10^"):
            m = re.match(r"^10\^\{?([+-]?\d+)\}?$", s)
            if m and abs(int(m.group(1))) <= _MAX_EXP:
                return Fraction(10) ** int(m.group(1))
        m = _REPEATING.match(s)
        if m:
            whole, fixed, repeat = m.groups()
            head = Fraction(int(whole or "0")) + (Fraction(int(fixed), 10 ** len(fixed)) if fixed else 0)
            return head + Fraction(int(repeat), (10 ** len(repeat) - 1) * 10 ** len(fixed))
        m = _POW.match(s)
        if m and int(m.group(2)) <= 64 and len(m.group(1)) <= 6:
            return Fraction(int(m.group(1)) ** int(m.group(2)))
        m = _MIXED.match(s)
        if m and int(m.group(2)) < int(m.group(3)):  # 22\frac{1}{2}: a proper fraction after an integer
            return int(m.group(1)) + Fraction(int(m.group(2)), int(m.group(3)))
        m = _FRAC.match(s) or _SLASH.match(s)
        if m:
            num, den = to_rational(m.group(1)), to_rational(m.group(2))
            if num is None or den is None or den == 0:
                return None
            return num / den
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None
