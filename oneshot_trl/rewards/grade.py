"""Stage 3: is a predicted answer mathematically equivalent to the gold answer?

Cheapest first: identical strings → canonical forms (``normalize``) → exact rational arithmetic on
plain numbers (``numeric``) → structure (tuples/intervals in order with their brackets, sets and
answer lists in any order, assignments ``p=5,q=2``, matrices cell by cell) → values of closed forms and
polynomials (``closed_form``) → symbolic equivalence with math-verify in a killable worker process
(``symbolic``). Each stage answers True, False, or "undecided"; only undecided pairs go on, so sympy sees
only what needs algebra.

Verdicts are cached. A check that timed out or failed is not a verdict: ``check_equivalence`` returns
None for it, nothing is cached, and the caller decides (training scores 0 and counts it; evaluation
retries with a longer limit).

Long decimals. A decimal with at least 6 significant digits matches a value whose decimal expansion does
not terminate (1/12, √2, π/3) when it is that value rounded or truncated at the decimal's last digit
(they differ by less than one unit there): ``0.0833333333333333`` = ``\frac{1}{12}``. A value that
terminates must be written exactly, and shorter decimals (``0.333`` for 1/3) are not accepted.
"""

from __future__ import annotations

import math
import re
import threading
from fractions import Fraction

from . import closed_form
from .normalize import MAX_NORMALIZE_LEN, Normalized, normalize
from .numeric import to_rational
from .symbolic import get_pool

_TEXT = re.compile(r"^[A-Za-z][A-Za-z ]*$")
_MATRIX = re.compile(r"^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$", re.DOTALL)
_ASSIGNMENT = re.compile(r"^([a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?|\\[a-zA-Z]+)=([^=]+)$")
_DECIMAL = re.compile(r"^-?(\d*)\.(\d+)$")
_MIN_SIGNIFICANT = 6
_CACHE_LIMIT = 200_000

_cache: dict[tuple[str, str], bool] = {}
_cache_lock = threading.Lock()
internal_errors = 0  # exceptions inside the grader itself (a bug, not a verdict): counted, never cached


def _split_top(s: str, sep: str) -> list[str]:
    """Split at ``sep`` where no bracket is open (``\\{``/``\\}`` count as brackets)."""
    parts, depth, start, i, n, k = [], 0, 0, 0, len(s), len(sep)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            start = i + k
            i += k
            continue
        i += 1
    parts.append(s[start:])
    return parts


def _closes_at_end(s: str) -> bool:
    """Whether the bracket opening ``s`` is the one closing it (so "(1)+(2)" is not one group)."""
    depth = 0
    for i, c in enumerate(s):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def _structure(s: str):
    """(kind, info, items) for compound answers, or None for an atom."""
    m = _MATRIX.match(s)
    if m:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
        return ("matrix", len(rows), [cell for row in rows for cell in row.split("&")] + [f"#{len(rows)}"])
    if s.startswith("\\{") and s.endswith("\\}"):
        return ("set", None, [p for p in _split_top(s[2:-2], ",") if p])
    parts = _split_top(s, "\\cup")
    if len(parts) > 1:
        return ("union", None, parts)
    groups = _split_top(s, ";")
    if len(groups) > 1 and all(groups):  # "p=5,q=2;p=7,q=2": a list of solutions
        return ("list", None, [_assignments(_split_top(g, ",")) or g for g in groups])
    if (
        len(s) >= 2
        and s[0] in "(["
        and s[-1] in ")]"
        and _closes_at_end(s.replace("\\{", "{").replace("\\}", "}"))
    ):
        items = _split_top(s[1:-1], ",")
        if len(items) > 1:
            return ("sequence", s[0] + s[-1], items)
    items = _split_top(s, ",")
    if len(items) > 1 and all(items):
        solution = _assignments(items)
        if solution is not None and solution.startswith("("):
            return _structure(solution)
        return ("list", None, items if solution is None else _split_top(solution, ","))
    return None


def _assignments(items: list[str]) -> str | None:
    """Values of a list of assignments: ``x=1,x=2`` → ``1,2`` (one variable's solutions);
    ``p=5,q=2`` → ``(5,2)`` (one solution, in the order written). None when not all are assignments."""
    matches = [_ASSIGNMENT.match(item) for item in items]
    if len(items) < 2 or not all(matches):
        return None
    names = [m.group(1) for m in matches]
    values = ",".join(m.group(2) for m in matches)
    if len(set(names)) == 1:
        return values
    return f"({values})" if len(set(names)) == len(names) else None


def _terminates(x: closed_form.Value) -> bool:
    """Whether a value has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    if not isinstance(x, Fraction):
        return False  # an irrational value (a radical, π) or an enclosure of one
    d = x.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return d == 1


def _long_decimal_match(decimal_text: str, other: closed_form.Value | None) -> bool:
    """The long-decimal rule (module docstring): ``decimal_text`` rounds or truncates ``other``, i.e. the
    whole of ``other`` (exact, or its enclosure) lies less than one unit of the last digit away."""
    m = _DECIMAL.match(decimal_text)
    if m is None or other is None or _terminates(other):
        return False
    digits = (m.group(1) + m.group(2)).lstrip("0")
    if len(digits) < _MIN_SIGNIFICANT:
        return False
    unit = Fraction(1, 10 ** len(m.group(2)))
    decimal = Fraction(decimal_text)
    if isinstance(other, Fraction):
        return abs(decimal - other) < unit
    other = closed_form.enclose(other)
    if not (math.isfinite(other.lo) and math.isfinite(other.hi)):
        return False
    return decimal - unit < Fraction(other.lo) and Fraction(other.hi) < decimal + unit


def _atom(p: Normalized, g: Normalized) -> bool | None:
    if p.text == g.text:
        return True
    rp, rg = to_rational(p.text), to_rational(g.text)
    if rp is not None and rg is not None:
        # "50%" may be written 50 or 0.5: accept either reading of a side that had a percent sign.
        preds = {rp, rp / 100} if p.percent else {rp}
        golds = {rg, rg / 100} if g.percent else {rg}
        if preds & golds:
            return True
        return _long_decimal_match(p.text, rg) or _long_decimal_match(g.text, rp)
    if _TEXT.match(p.text) and _TEXT.match(g.text):  # plain words: case and spaces do not matter
        if p.text.replace(" ", "").lower() == g.text.replace(" ", "").lower():
            return True
        # Different words differ; but "ab" vs "ba" may be products of variables: compare them as such.
        if max(len(p.text), len(g.text)) >= 3 or " " in p.text + g.text:
            return False
        return closed_form.compare(p.text, g.text)
    verdict = closed_form.compare(p.text, g.text)
    if (
        verdict is not True
        and (_DECIMAL.match(p.text) or _DECIMAL.match(g.text))
        and (
            _long_decimal_match(p.text, closed_form.value(g.text))
            or _long_decimal_match(g.text, closed_form.value(p.text))
        )
    ):
        return True
    return verdict


def _unordered(preds: list[str], golds: list[str]) -> bool | None:
    if len(preds) != len(golds):
        return False
    unmatched = list(range(len(preds)))
    undecided = False
    for g in golds:
        found = None
        for j in unmatched:
            verdict = _compare(Normalized(preds[j]), Normalized(g))
            if verdict:
                found = j
                break
            if verdict is None:
                undecided = True
        if found is None:
            return None if undecided else False
        unmatched.remove(found)
    return True


def _unwrap(text: str) -> str:
    """``((8,-2))`` → ``(8,-2)``: parentheses around a group that is already one change nothing."""
    while text.startswith("((") and _closes_at_end(text) and _closes_at_end(text[1:-1]):
        text = text[1:-1]
    return text


def _compare(p: Normalized, g: Normalized) -> bool | None:
    """True / False when certain without sympy, None when undecided."""
    if p.text.startswith("((") or g.text.startswith("(("):
        p, g = Normalized(_unwrap(p.text), p.percent, p.lhs), Normalized(_unwrap(g.text), g.percent, g.lhs)
    if p.text == g.text:
        return True
    sp, sg = _structure(p.text), _structure(g.text)
    if sp is None and sg is None:
        verdict = _atom(p, g)
        if verdict is None:
            verdict = _relations_and_ratios(p.text, g.text)
        return verdict if verdict is not None else _number_against_other(p.text, g.text, (sp, sg))
    if sp is None or sg is None or sp[0] != sg[0]:
        # Different shapes may still be equal symbolically ("[0,1)" vs "0 <= x < 1"), but a tuple, a list
        # ("32,349" with a space is two numbers), a set or a matrix is never a single number.
        return _number_against_other(p.text, g.text, (sp, sg))
    kind, info_p, items_p = sp
    _, info_g, items_g = sg
    if kind in ("set", "list"):
        return _unordered(items_p, items_g)
    if info_p != info_g or len(items_p) != len(items_g):
        return False  # "(1,2)" vs "[1,2]", "[0,1)" vs "[0,1]", or another number of entries
    verdicts = [_compare(Normalized(a), Normalized(b)) for a, b in zip(items_p, items_g, strict=True)]
    if False in verdicts:
        return False
    return True if all(verdicts) else None


_RELATION = re.compile(r"<|>|\\le|\\ge|\\ne|\\lt|\\gt|\\in\b|\\subset|\\notin")
# Order relations in one spelling each, and their mirror images: "2<x" is "x>2".
_OPERATOR = re.compile(r"(<|>|\\(?:leqslant|geqslant|leq|geq|neq|le|ge|ne|lt|gt)(?![a-zA-Z]))")
_CANONICAL = {"\\lt": "<", "\\gt": ">", "\\leq": "\\le", "\\leqslant": "\\le", "\\geq": "\\ge"}
_CANONICAL |= {"\\geqslant": "\\ge", "\\neq": "\\ne"}
_MIRROR = {"<": ">", ">": "<", "\\le": "\\ge", "\\ge": "\\le", "\\ne": "\\ne"}
_LONE_VARIABLE = re.compile(r"^(?:[a-zA-Z]|\\(?:alpha|beta|theta|lambda|mu|omega))(?:_\{?[a-zA-Z0-9]+\}?)?$")
# A clock time: 3:00, 12:30, 9:05:30, 3:00 p.m. (normalised: spaces and the final dot removed).
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?:([ap])\.?m\.?)?$", re.IGNORECASE)


def _relation(text: str) -> tuple | None:
    """``x>2`` / ``2<x`` → ("x", ">", "2"); ``1<x\\le3`` / ``3\\ge x>1`` → ("x", "<", "1", "\\le", "3"), the
    variable first and a chain read upward. None for anything else (sympy may still compare it)."""
    parts = _OPERATOR.split(text)
    if len(parts) not in (3, 5) or not all(part.strip() for part in parts):
        return None
    ops = [_CANONICAL.get(op, op) for op in parts[1::2]]
    sides = [side.strip() for side in parts[0::2]]
    if len(parts) == 3:
        left, right = sides
        if _LONE_VARIABLE.match(left) and left not in right:
            return (left, ops[0], right)
        if _LONE_VARIABLE.match(right) and right not in left:
            return (right, _MIRROR[ops[0]], left)
        return None
    low, var, high = sides
    if not _LONE_VARIABLE.match(var) or var in low + high:
        return None
    if all(op in (">", "\\ge") for op in ops):  # 3\ge x>1 is 1<x\le 3
        low, high, ops = high, low, [_MIRROR[ops[1]], _MIRROR[ops[0]]]
    if not all(op in ("<", "\\le") for op in ops):
        return None
    return (var, ops[0], low, ops[1], high)


def _relations(pred: str, gold: str) -> bool | None:
    """Two relations of one variable with a value: the same when the variable, the operators (after
    turning ``2<x`` into ``x>2``) and the values are the same."""
    rp, rg = _relation(pred), _relation(gold)
    if rp is None or rg is None or rp[0] != rg[0] or len(rp) != len(rg):
        return None
    if rp[1::2] != rg[1::2]:
        return False  # x>2 vs x\ge2, x<2 vs x>2: different sets
    verdicts = [closed_form.compare(a, b) for a, b in zip(rp[2::2], rg[2::2], strict=True)]
    if False in verdicts:
        return False
    return True if all(verdicts) else None


def _clock(text: str) -> tuple | None:
    m = _CLOCK.match(text)
    if m is None or int(m.group(1)) > 24:
        return None
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    half = (m.group(4) or "").lower()
    return hours, minutes, seconds, half


def _same_time(a: tuple, b: tuple) -> bool:
    """Clock times: equal when they name the same time of day. A time without a.m./p.m. matches a marked
    one read on either clock (3:00 is 3:00 p.m. and 15:00 is 3:00 p.m.)."""
    if a[1:3] != b[1:3]:
        return False

    def day_hour(t: tuple) -> int:
        return t[0] % 12 + (12 if t[3] == "p" else 0)

    if bool(a[3]) == bool(b[3]):
        return day_hour(a) == day_hour(b) if a[3] else a[0] == b[0]
    plain, marked = (a, b) if not a[3] else (b, a)
    return plain[0] in (day_hour(marked), marked[0])


def _ratio(text: str) -> list | None:
    """The terms of ``a:b`` or ``a:b:c`` (values), or None."""
    parts = text.split(":")
    if len(parts) < 2:
        return None
    values = [closed_form.value(part) for part in parts]
    return values if all(v is not None for v in values) else None


def _is_zero(v) -> bool:
    return isinstance(v, Fraction) and v == 0


def _colons(pred: str, gold: str) -> bool | None:
    """A time is compared as a time, a ratio as a ratio. ``a:b:c`` and ``d:e:f`` are the same ratio when
    proportional (exactly; enclosures of irrational terms can only prove them different). A ratio with a
    zero term (``1:0``, a score) is compared term by term: ``1:0`` is not ``2:0``."""
    if ":" not in pred or ":" not in gold:
        return None
    cp, cg = _clock(pred), _clock(gold)
    if cp is not None or cg is not None:
        return _same_time(cp, cg) if cp is not None and cg is not None else False
    rp, rg = _ratio(pred), _ratio(gold)
    if rp is None or rg is None:
        return None
    if len(rp) != len(rg):
        return False
    if any(_is_zero(v) for v in rp + rg):
        verdicts = [closed_form.same(a, b) for a, b in zip(rp, rg, strict=True)]
    else:
        try:
            verdicts = [
                closed_form.same(closed_form._binary("*", a, rg[0]), closed_form._binary("*", b, rp[0]))
                for a, b in zip(rp, rg, strict=True)
            ]
        except closed_form.Undecided:
            return None
    if False in verdicts:
        return False
    return True if all(verdicts) else None


def _relations_and_ratios(pred: str, gold: str) -> bool | None:
    """Relations of one variable (``m\\leq X`` vs ``X\\geq m``), clock times and ratios."""
    pred, gold = (
        t[1:-1] if t.startswith("{") and t.endswith("}") and _closes_at_end(t) else t for t in (pred, gold)
    )
    verdict = _relations(pred, gold)
    return verdict if verdict is not None else _colons(pred, gold)


def _number_against_other(pred: str, gold: str, shapes: tuple) -> bool | None:
    """False when one side is a number (a closed form without variables) and the other is plainly not one:
    a tuple, list, set, interval or matrix, an inequality, an equation or a ratio whose sides differ from
    that number, a clock time. None when undecided (sympy may still find them equal). ``shapes``:
    ``_structure`` of both."""
    sides = ((pred, gold, shapes[0], shapes[1]), (gold, pred, shapes[1], shapes[0]))
    for scalar, _, scalar_shape, other_shape in sides:
        if (
            other_shape is not None
            and other_shape[0] != "union"
            and scalar_shape is None
            and closed_form.parse(scalar)
        ):
            return False  # a tuple, list, set or matrix is never a scalar expression such as 2n+1
    for number_text, other, _, other_shape in sides:
        number = closed_form.value(number_text)
        if number is None:
            continue
        if other_shape is not None or _RELATION.search(other) or other.count(":") > 1:
            return False
        if other.count(":") == 1:
            if _clock(other) is not None:
                return False  # a time is never a number
            left, right = (closed_form.value(part) for part in other.split(":"))
            if left is None or right is None:
                return None
            if _is_zero(left) or _is_zero(right):
                return False  # a:0 (and 0:a) is never a number
            try:  # a ratio of two non-zero terms equals a number only as its quotient
                return closed_form.same(closed_form._binary("/", left, right), number)
            except closed_form.Undecided:
                return None
        if other.count("=") == 1:
            values = [closed_form.value(part) for part in other.split("=")]
            verdicts = [closed_form.same(v, number) for v in values if v is not None]
            return None if any(v is not False for v in verdicts) else False
    return None


class _NeedsSympy(Exception):
    """Raised instead of calling a worker when the caller asked for the cheap stages only."""


#: What ``check_equivalence(..., symbolic=False)`` returns for a pair only sympy can decide.
NEEDS_SYMPY = "needs-sympy"


def _symbolic(pred: str, gold: str, timeout: float, symbolic: bool) -> bool | None:
    if not symbolic:
        raise _NeedsSympy
    return get_pool().equivalent(pred, gold, timeout)


def _judge(pred: str, gold: str, timeout: float, symbolic: bool = True) -> bool | None:
    if pred.strip() == gold.strip():
        return True
    p, g = normalize(pred), normalize(gold)
    if not p.text:
        return False
    if p == g:
        return True  # the same canonical form (and the same left-hand side, if any)
    if max(len(p.text), len(g.text)) > MAX_NORMALIZE_LEN:
        return p.text == g.text  # no answer that long is a value worth parsing (a 1 MB answer is no number)
    if "=" in p.text + g.text and (p.lhs or g.lhs or ("=" in p.text and "=" in g.text)):
        # An equation on either side ("2x+4y-3=0"): compare whole relations ("y=-\frac12x+\frac34").
        left, right = p.equation, g.equation
        if left.count("=") == 1 and right.count("=") == 1:
            verdict = closed_form.same_line(left, right)
            if verdict is not None:
                return verdict
            if "," not in left + right:  # "n=2,5,13" is a list of values, not a line
                return _symbolic(left, right, timeout, symbolic)
    verdict = _compare(p, g)
    if verdict is not None:
        return verdict
    # Undecided: symbolic check on the canonical forms, in a worker; None when it timed out or failed.
    return _symbolic(p.text, g.text, timeout, symbolic)


def check_equivalence(
    pred: str | None, gold: str | None, *, timeout: float = 1.0, symbolic: bool = True
) -> bool | None | str:
    r"""True / False when the grader reached a verdict; None when the symbolic check ran past ``timeout``
    seconds or failed inside the grader (counted in ``symbolic.get_pool().timeouts`` / ``errors`` and
    ``internal_errors``). Only verdicts are cached, so a retry with a longer ``timeout`` really runs again.
    With ``symbolic=False`` a pair that only sympy can decide returns ``NEEDS_SYMPY`` instead (so a caller
    can send all such pairs of a step to the workers at once).

    >>> check_equivalence("0.0833333333333333", r"\frac{1}{12}"), check_equivalence("32, 349", "32349")
    (True, False)
    """
    global internal_errors
    if not isinstance(pred, str) or not isinstance(gold, str) or not pred.strip():
        return False
    cached = _cache.get((pred, gold))
    if cached is not None:
        return cached
    try:
        verdict = _judge(pred, gold, timeout, symbolic)
    except _NeedsSympy:
        return NEEDS_SYMPY
    except Exception:  # noqa: BLE001 - model output is untrusted; a grader bug must not stop training
        with _cache_lock:
            internal_errors += 1
        return None
    if verdict is not None:
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[(pred, gold)] = verdict
    return verdict


def is_equivalent(pred: str | None, gold: str | None, *, timeout: float = 1.0) -> bool:
    r"""Whether ``pred`` is mathematically equivalent to ``gold`` (LaTeX or plain text). Never raises.

    >>> is_equivalent("025", "25"), is_equivalent(r"\frac{64}{5}", "12.8"), is_equivalent("12.7", "12.8")
    (True, True, False)
    >>> is_equivalent("(1,2)", "(2,1)"), is_equivalent(r"\{1,2\}", r"\{2,1\}"), is_equivalent(
    ...     "[0,1)", "[0,1]"
    ... )
    (False, True, False)
    >>> is_equivalent(r"x = 3", "3"), is_equivalent(r"336^\circ", "336"), is_equivalent(
    ...     r"\text{Evelyn}", "evelyn"
    ... )
    (True, True, True)
    """
    return bool(check_equivalence(pred, gold, timeout=timeout))


def clear_cache() -> None:
    """Forget cached verdicts (for benchmarks that time the uncached path)."""
    _cache.clear()
    normalize.cache_clear()
    to_rational.cache_clear()
    closed_form.parse.cache_clear()
