r"""Stage 3b: values of closed-form answers, without sympy and without ``eval``.

Most answers that plain-number parsing (``numeric``) cannot read are short closed forms: radicals,
multiples of π, products and quotients of those, or polynomials in a few variables. This stage parses a
normalised answer with a small recursive-descent grammar (numbers, ``+ - \cdot \times / \div ^ !``,
implicit products, ``\frac``, ``\sqrt``, ``\sqrt[n]``, ``\binom``, ``\pi``, one-letter and Greek
variables, parentheses and braces) and computes its value: exactly with ``Fraction`` while every step is
rational, as a float once a radical or π enters.

Two answers are then compared by value (``compare``):
- no variables: exact values must be equal; float values equal to 1e-9 (relative) are equal, values
  more than 1e-6 apart are different, anything between is left to sympy;
- with variables: both sides are evaluated at three fixed rational points. A clear difference at any
  point proves the answers differ. Exact agreement at all three points (rational functions only)
  means equal, since a non-zero rational function vanishes at three random rational points only by a
  vanishingly unlikely coincidence; float agreement is left to sympy.

``e`` is Euler's number (as in math-verify). Anything outside the grammar (``i``, ``\sin``, ``\log``,
relations, words) gives None, and the
pair goes on to the symbolic stage, as does every value this stage will not compute (huge powers,
roots of negative numbers, division by zero).
"""

from __future__ import annotations

import math
import operator
import re
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Union

Value = Union[Fraction, float]
Expression = Callable[[dict], Value]

_MAX_BITS = 20_000  # exact powers and factorials up to ~6,000 digits; larger ones go to the guarded stage
_EQUAL_TOL = 1e-9
_DIFFERENT_TOL = 1e-6
# Fixed, not drawn per call: the same pair always gets the same verdict.
_POINTS = (Fraction(7, 3), Fraction(-11, 5), Fraction(17, 13))
_GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
}
# Functions with one reading everywhere (``\log`` may mean base 10 or e, so it is left to sympy).
_FUNCTIONS = {"\\ln": math.log, "\\sin": math.sin, "\\cos": math.cos, "\\tan": math.tan, "\\exp": math.exp}
_ENDS_ARGUMENT = {None, "+", "-", ")", "}", "]", "\\cdot", "\\times", "/"}
_TOKEN = re.compile(r"\d+(?:\.\d*)?|\.\d+|\\[a-zA-Z]+|\\.|[a-zA-Z]|\S")
# "i" may be the imaginary unit or an index: left to sympy. "e" is Euler's number, as in math-verify.
_AMBIGUOUS_LETTERS = {"i"}


class Undecided(Exception):
    """The answer is outside this stage's grammar, or its value is not worth computing here."""


class Undefined(Undecided):
    """The value does not exist: a division by zero."""


def _to_float(x: Value) -> float:
    try:
        return float(x)
    except OverflowError as exc:
        raise Undecided("too large for a float") from exc


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _binary(op: str, a: Value, b: Value) -> Value:
    """``a op b``: exact while both are rationals, a float (which must stay finite) otherwise."""
    exact = isinstance(a, Fraction) and isinstance(b, Fraction)
    if not exact:
        a, b = _to_float(a), _to_float(b)
    if op == "/" and b == 0:
        raise Undefined("division by zero")
    result = _OPERATORS[op](a, b)
    if not exact and not math.isfinite(result):
        raise Undecided("not finite")
    return result


def _exact_root(x: Fraction, n: int) -> Fraction | None:
    """The exact n-th root of a non-negative rational, if it is rational."""
    roots = []
    for part in (x.numerator, x.denominator):
        r = round(part ** (1.0 / n)) if part.bit_length() < 1000 else math.isqrt(part) if n == 2 else None
        if r is None:
            return None
        for cand in (r - 1, r, r + 1):
            if cand >= 0 and cand**n == part:
                roots.append(cand)
                break
        else:
            return None
    return Fraction(roots[0], roots[1])


def _root(x: Value, n: Value) -> Value:
    if not (isinstance(n, Fraction) and n.denominator == 1 and 2 <= n <= 64):
        raise Undecided("root index")
    k = int(n)
    if isinstance(x, Fraction):
        if x < 0:
            if k % 2 == 0:
                raise Undecided("even root of a negative number")
            r = _exact_root(-x, k)
            return -r if r is not None else -(_to_float(-x) ** (1.0 / k))
        r = _exact_root(x, k)
        if r is not None:
            return r
    v = _to_float(x)
    if v < 0:
        if k % 2 == 0:
            raise Undecided("even root of a negative number")
        return -((-v) ** (1.0 / k))
    return v ** (1.0 / k)


def _power(a: Value, b: Value) -> Value:
    if isinstance(b, Fraction) and b.denominator == 1:
        n = int(b)
        if isinstance(a, Fraction):
            if a == 0 and n < 0:
                raise Undecided("division by zero")
            size = max(a.numerator.bit_length(), a.denominator.bit_length(), 1)
            if abs(n) * size > _MAX_BITS:
                raise Undecided("power too large")
            return a**n
        try:
            result = a**n
        except (OverflowError, ZeroDivisionError) as exc:
            raise Undecided("power") from exc
        if not math.isfinite(result):
            raise Undecided("not finite")
        return result
    if isinstance(b, Fraction) and b.denominator <= 64:  # x^{p/q} = (q-th root of x)^p
        return _power(_root(a, Fraction(b.denominator)), Fraction(b.numerator))
    x, y = _to_float(a), _to_float(b)
    if x <= 0:
        raise Undecided("irrational power of a non-positive number")
    try:
        result = x**y
    except OverflowError as exc:
        raise Undecided("power") from exc
    if not math.isfinite(result):
        raise Undecided("not finite")
    return result


def _factorial(a: Value) -> Value:
    if not (isinstance(a, Fraction) and a.denominator == 1 and 0 <= a <= 3000):
        raise Undecided("factorial")
    return Fraction(math.factorial(int(a)))


def _apply(function: Callable, x: Value) -> Value:
    try:
        result = function(_to_float(x))
    except (ValueError, OverflowError) as exc:
        raise Undecided("outside the function's domain") from exc
    if not math.isfinite(result):
        raise Undecided("not finite")
    return result


def _integer_part(rounding: Callable, x: Value) -> Value:
    if isinstance(x, float) and abs(x - round(x)) < 1e-9:
        raise Undecided("rounding a float that is nearly an integer")
    return Fraction(rounding(x))


def _binomial(n: Value, k: Value) -> Value:
    if not all(isinstance(v, Fraction) and v.denominator == 1 and 0 <= v <= 3000 for v in (n, k)):
        raise Undecided("binomial")
    return Fraction(math.comb(int(n), int(k)))


class _Parser:
    """Recursive descent over the tokens of one normalised answer; builds a function of the variables."""

    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.pos = 0
        self.variables: set[str] = set()

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise Undecided(f"expected {expected!r}")
        self.pos += 1
        return token

    def parse(self) -> Expression:
        if not self.tokens:
            raise Undecided("empty")
        expr = self.sum()
        if self.peek() is not None:
            raise Undecided(f"unexpected {self.peek()!r}")
        return expr

    def sum(self) -> Expression:
        expr = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            expr = _bind(op, expr, self.product())
        return expr

    def product(self) -> Expression:
        expr = self.unary()
        while True:
            token = self.peek()
            if token in ("*", "\\cdot", "\\times"):
                self.take()
                expr = _bind("*", expr, self.unary())
            elif token in ("/", "\\div"):
                self.take()
                expr = _bind("/", expr, self.unary())
            elif token is not None and self.starts_factor(token):
                expr = _bind("*", expr, self.power())  # implicit product: 2\sqrt{3}, 3\pi, 5n, (x+1)(x-1)
            else:
                return expr

    def starts_factor(self, token: str) -> bool:
        return (
            token in ("(", "[", "{", "\\frac", "\\sqrt", "\\binom", "\\pi", "\\lceil", "\\lfloor")
            or token in _FUNCTIONS
            or token[0].isalpha()
            or (token[0] == "\\" and token[1:] in _GREEK)
            or token[0].isdigit()
            and self.tokens[self.pos - 1] not in ("^",)
            and not self.tokens[self.pos - 1][0].isdigit()
        )

    def unary(self) -> Expression:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda env: _binary("-", Fraction(0), inner(env))
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Expression:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            exponent = self.exponent()
            return lambda env: _power(base(env), exponent(env))
        return base

    def exponent(self) -> Expression:
        token = self.peek()
        if token == "{":
            return self.group()
        if token == "-":  # 2^-1
            self.take()
            inner = self.exponent()
            return lambda env: _binary("-", Fraction(0), inner(env))
        if token is not None and token[0].isdigit():  # x^23 is x^2·3 in LaTeX: one digit only
            self.take()
            rest = token[1:]
            if rest:
                self.tokens.insert(self.pos, rest)
            value = Fraction(token[0])
            return lambda env: value
        return self.postfix()

    def postfix(self) -> Expression:
        expr = self.primary()
        while self.peek() == "!":
            self.take()
            inner = expr
            expr = lambda env, inner=inner: _factorial(inner(env))  # noqa: E731
        return expr

    def group(self) -> Expression:
        self.take("{")
        expr = self.sum()
        self.take("}")
        return expr

    def argument(self) -> Expression:
        """A command's argument: ``{...}`` or a single token (``\\frac12``, ``\\sqrt2``)."""
        if self.peek() == "{":
            return self.group()
        token = self.take()
        if token[0].isdigit():
            if len(token) > 1 and "." not in token:
                self.tokens.insert(self.pos, token[1:])
            value = Fraction(token[0])
            return lambda env: value
        if token.isalpha() and len(token) == 1:
            return self.variable(token)
        raise Undecided("argument")

    def variable(self, name: str) -> Expression:
        if name in _AMBIGUOUS_LETTERS:
            raise Undecided(f"ambiguous letter {name!r}")
        if self.peek() == "_":  # a_1, x_{n}
            self.take()
            subscript = self.take()
            if subscript == "{":
                parts = []
                while self.peek() not in ("}", None):
                    parts.append(self.take())
                self.take("}")
                subscript = "".join(parts)
            name = f"{name}_{subscript}"
        self.variables.add(name)
        return lambda env: env[name]

    def primary(self) -> Expression:
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            value = Fraction(token)
            return lambda env: value
        if token in ("(", "["):
            expr = self.sum()
            self.take(")" if token == "(" else "]")
            return expr
        if token in ("\\lceil", "\\lfloor"):
            inner = self.sum()
            self.take("\\rceil" if token == "\\lceil" else "\\rfloor")
            rounding = math.ceil if token == "\\lceil" else math.floor
            return lambda env: _integer_part(rounding, inner(env))
        if token == "{":
            self.pos -= 1
            return self.group()
        if token == "\\frac":
            num, den = self.argument(), self.argument()
            return lambda env: _binary("/", num(env), den(env))
        if token == "\\binom":
            n, k = self.argument(), self.argument()
            return lambda env: _binomial(n(env), k(env))
        if token == "\\sqrt":
            index: Expression = lambda env: Fraction(2)  # noqa: E731
            if self.peek() == "[":
                self.take()
                index = self.sum()
                self.take("]")
            radicand = self.argument()
            return lambda env: _root(radicand(env), index(env))
        if token == "\\pi":
            return lambda env: math.pi
        if token == "e":
            return lambda env: math.e
        if token in _FUNCTIONS:
            function = _FUNCTIONS[token]
            if self.peek() in ("(", "{"):
                argument = self.primary()
            else:  # "\sin x": one token; "\sin 2x" (sin of 2x, or sin(2)·x?) is left to sympy
                argument = self.argument()
                if self.peek() not in _ENDS_ARGUMENT and self.peek() not in _FUNCTIONS:
                    raise Undecided("unbracketed function argument")
            return lambda env: _apply(function, argument(env))
        if token[0] == "\\" and token[1:] in _GREEK:
            return self.variable(token)
        if len(token) == 1 and token.isalpha():
            return self.variable(token)
        raise Undecided(f"outside the grammar: {token!r}")


def _bind(op: str, left: Expression, right: Expression) -> Expression:
    return lambda env: _binary(op, left(env), right(env))


@lru_cache(maxsize=65536)
def parse(text: str) -> tuple[Expression, frozenset[str]] | None:
    """(function of the variables, variable names) of a normalised answer, or None outside the grammar."""
    if len(text) > 400:
        return None
    parser = _Parser(text)
    try:
        return parser.parse(), frozenset(parser.variables)
    except (Undecided, ValueError, ZeroDivisionError, RecursionError):
        return None


def _relative_gap(a: Value, b: Value) -> float:
    if isinstance(a, Fraction) and isinstance(b, Fraction):  # exact, also for 2004! (too large for a float)
        scale = max(abs(a), abs(b))
        return 0.0 if scale == 0 else float(abs(a - b) / scale)
    try:
        x, y = float(a), float(b)
    except OverflowError:
        return 1.0  # one side is beyond any float, the other is a float: far apart
    scale = max(abs(x), abs(y))
    return 0.0 if scale == 0 else abs(x - y) / scale


def _points(names: frozenset[str], integers: bool = False) -> list[dict]:
    """Three assignments of distinct values to the variables, the same for every call: rationals, or
    integers for answers that only make sense there (binomials, floors, factorials of a variable)."""
    ordered = sorted(names)
    if integers:
        return [{name: Fraction(11 + 7 * k + 5 * j) for k, name in enumerate(ordered)} for j in range(3)]
    return [{name: point + Fraction(k * 3, 7 + k) for k, name in enumerate(ordered)} for point in _POINTS]


def value(text: str) -> Value | None:
    """The value of a normalised answer without variables, or None.

    >>> value(r"\\frac{\\sqrt{12}}{2}") == value(r"\\sqrt{3}"), value("2^{10}"), value("x+1")
    (True, Fraction(1024, 1), None)
    """
    parsed = parse(text)
    if parsed is None or parsed[1]:
        return None
    try:
        return parsed[0]({})
    except (Undecided, RecursionError):
        return None


def same_line(pred: str, gold: str) -> bool | None:
    r"""Are two equations ``L = R`` the same relation, i.e. is ``L1 - R1`` a constant times ``L2 - R2``?

    Decided at the fixed rational points, like ``compare``; None when either side is outside the grammar.

    >>> same_line(r"y=-\frac{1}{2}x+\frac{3}{4}", "2x+4y-3=0"), same_line("y=2x+1", "y=2x-1")
    (True, False)
    """
    sides = []
    for text in (pred, gold):
        if text.count("=") != 1:
            return None
        left, right = (parse(part) for part in text.split("="))
        if left is None or right is None:
            return None
        sides.append((left, right))
    names = frozenset().union(*(part[1] for side in sides for part in side))
    if not names:
        return None
    ratios = []
    for env in _points(names):
        try:
            d1, d2 = (_binary("-", left[0](env), right[0](env)) for left, right in sides)
            if d1 == 0 and d2 == 0:
                continue  # a point on both lines says nothing about the ratio
            ratios.append(_binary("/", d1, d2))
        except (Undecided, RecursionError):
            return None
    if len(ratios) < 2:
        return None
    if any(_relative_gap(r, ratios[0]) > _DIFFERENT_TOL for r in ratios):
        return False
    exact = all(isinstance(r, Fraction) for r in ratios)
    return True if exact and len(set(ratios)) == 1 and ratios[0] != 0 else None


def _defined(expression: Expression) -> Value | None:
    """The value of a variable-free expression, or None when it does not exist (a division by zero)."""
    try:
        return expression({})
    except Undefined:
        return None


def compare(pred: str, gold: str) -> bool | None:
    r"""Are two normalised answers equal by value? True / False when certain, None otherwise.

    >>> compare(r"2\sqrt{2}", r"\sqrt{8}"), compare(r"\frac{\pi}{3}", "60"), compare("x(x+1)", "x^2+x")
    (True, False, True)
    >>> compare("5n+10", "5n+20"), compare(r"\sin x", "1") is None
    (False, True)
    """
    parsed_pred, parsed_gold = parse(pred), parse(gold)
    if parsed_pred is None or parsed_gold is None:
        return None
    (f, names_f), (g, names_g) = parsed_pred, parsed_gold
    names = names_f | names_g
    if not names:
        try:
            a, b = _defined(f), _defined(g)
        except (Undecided, RecursionError):
            return None
        if a is None or b is None:  # \frac{1}{0} is no number: it equals no number
            return None if a is None and b is None else False
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a == b
        gap = _relative_gap(a, b)
        return True if gap <= _EQUAL_TOL else False if gap > _DIFFERENT_TOL else None
    all_exact, evaluated = True, 0
    for env in _points(names):
        try:
            a, b = f(env), g(env)
            gap = _relative_gap(a, b)
        except (Undecided, RecursionError):
            all_exact = False
            continue
        evaluated += 1
        if gap > _DIFFERENT_TOL:
            return False
        if not (isinstance(a, Fraction) and isinstance(b, Fraction) and a == b):
            all_exact = False
    if all_exact and evaluated == len(_POINTS):
        return True
    for env in _points(names, integers=True):  # a difference at integer points is still a difference
        try:
            if _relative_gap(f(env), g(env)) > _DIFFERENT_TOL:
                return False
        except (Undecided, RecursionError):
            continue
    return None
