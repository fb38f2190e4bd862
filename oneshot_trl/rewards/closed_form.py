r"""Stage 3b: values of closed-form answers, without sympy and without ``eval``.

Most answers that plain-number parsing (``numeric``) cannot read are short closed forms: radicals,
multiples of π, products and quotients of those, or polynomials in a few variables. This stage parses a
normalised answer with a small recursive-descent grammar (numbers, ``+ - \cdot \times / \div ^ !``,
implicit products, ``\frac``, ``\sqrt``, ``\sqrt[n]``, ``\binom``, ``\pi``, one-letter and Greek
variables, parentheses and braces) and computes its value: exactly with ``Fraction`` while every step is
rational, and as a rigorous enclosure (``Interval``: a lower and an upper float bound, rounded outward)
once a radical, π, ``e`` or a function enters.

``compare`` says True only with a proof, False only with a proof, and None otherwise (the pair goes on to
the symbolic stage):
- no variables: exact values (rationals, and sums of c·π^k·Π p^r, see ``Surd``) are equal or not; any other
  value is different from another only when their enclosures are disjoint (float bounds first, then
  256-bit intervals from mpmath when those overlap), and is never called equal here, however close
  (e^{π√163} and the integer next to it agree to 3e-30 relative): float agreement is not a proof.
- with variables: both sides are evaluated at points drawn per pair (seeded by a hash of the pair, so the
  same pair always gets the same verdict, but no fixed list of points exists to be fitted), each
  coordinate uniform over the integers in [-2**62, 2**62]. A disjoint pair of values at any point proves
  the answers differ. "Equal" is claimed only for rational functions (``+ - · /``, integer powers, rational
  constants) that agree exactly at ``_AGREEING_POINTS`` points, with the bound below.

Schwartz–Zippel: if f ≠ g are rational functions whose difference has a numerator of total degree at most
D (``_Degree`` bounds it from the parse: deg(a·b) ≤ deg a + deg b, and so on), that numerator vanishes at a
point drawn uniformly from S^n with probability at most D/|S|, |S| = 2**63 + 1. The points are independent
(a hash of the pair stands in for randomness) and a pole only causes a redraw, so a wrong "equal" has
probability at most (D/2**63)**2 / (1 - D/2**63)**2 with D ≤ ``_MAX_DEGREE`` = 2**20: below 2**-84 per
pair, about 1e-25. A run that grades 10^12 pairs meets it with probability below 1e-13.

``e`` is Euler's number (as in math-verify). Anything outside the grammar (``i``, ``\log``, relations,
words) gives None, and the pair goes on to the symbolic stage, as does every value this stage will not
compute (roots of negative numbers, factorials of huge numbers).
"""

from __future__ import annotations

import hashlib
import math
import operator
import random
import re
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache

_MAX_BITS = 20_000  # exact powers and factorials up to ~6,000 digits; larger ones become enclosures
_MAX_DEGREE = 2**20  # the Schwartz–Zippel bound in the module docstring assumes no larger degree
_RANGE = 2**62  # coordinates of the drawn points: integers in [-_RANGE, _RANGE]
_AGREEING_POINTS = 2  # exact agreements needed for "equal" (probability bound in the module docstring)
_DRAWS = 8  # points tried per pair (a pole or an overflow only costs a redraw)
_FMAX = sys.float_info.max
# libm's exp, log, sin, pow are not correctly rounded (glibc: < 1 ulp); their results are widened by this
# relative margin (~4,000 ulp), which also covers the inexact 1/k exponent of a k-th root.
_LIBM = 2.0**-40
_TINY = 1e-300  # an absolute margin, so an enclosure of a value near 0 never shrinks to a point
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
_ENDS_ARGUMENT = {None, "+", "-", ")", "}", "]", "\\cdot", "\\times", "/"}
_TOKEN = re.compile(r"\d+(?:\.\d*)?|\.\d+|\\[a-zA-Z]+|\\.|[a-zA-Z]|\S")
# "i" may be the imaginary unit or an index: left to sympy. "e" is Euler's number, as in math-verify.
_AMBIGUOUS_LETTERS = {"i"}


class Undecided(Exception):
    """The answer is outside this stage's grammar, or its value is not worth computing here."""


class Undefined(Undecided):
    """The value does not exist: a division by zero."""


def _down(x: float) -> float:
    return math.nextafter(x, -math.inf)


def _up(x: float) -> float:
    return math.nextafter(x, math.inf)


class Interval:
    """A real number known only to lie in [lo, hi] (float bounds; hi may be +inf for a number beyond any
    float, lo -inf for one below). Every operation rounds its bounds outward, so the enclosure stays true."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: float, hi: float) -> None:
        if not lo <= hi:  # also catches nan
            raise Undecided("no enclosure")
        self.lo, self.hi = lo, hi

    def __float__(self) -> float:
        """A representative value (the midpoint, or the finite bound), for reporting only."""
        if math.isinf(self.hi) or math.isinf(self.lo):
            return self.lo if math.isinf(self.hi) else self.hi
        return (self.lo + self.hi) / 2

    def __repr__(self) -> str:
        return f"Interval({self.lo!r}, {self.hi!r})"


_PI_ENCLOSURE = Interval(math.pi, _up(math.pi))  # math.pi < π < the next float
_E = Interval(math.e, _up(math.e))  # likewise for e


def _primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    return [i for i, flag in enumerate(sieve) if flag]


_SMALL_PRIMES = _primes(10_000)
_MAX_TERMS = 64  # an exact radical expression with more terms becomes an enclosure


def _is_prime(n: int) -> bool:
    """Miller–Rabin with the first 12 primes as bases: exact for every n < 3.3·10^24."""
    if n < 2:
        return False
    for p in _SMALL_PRIMES[:12]:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _SMALL_PRIMES[:12]:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _factor(n: int, factors: list[int], budget: list[int]) -> None:
    """Prime factors of n (no factor below 10^4), by Pollard's rho (Brent's cycle), within a step budget."""
    if n == 1:
        return
    if _is_prime(n):
        factors.append(n)
        return
    root = math.isqrt(n)
    if root * root == n:
        _factor(root, factors, budget)
        _factor(root, factors, budget)
        return
    for c in range(1, 20):
        x = y = 2
        d = 1
        while d == 1 and budget[0] > 0:
            budget[0] -= 1
            x = (x * x + c) % n
            y = (y * y + c) % n
            y = (y * y + c) % n
            d = math.gcd(abs(x - y), n)
        if budget[0] <= 0:
            raise _TooLarge
        if d != n:
            _factor(d, factors, budget)
            _factor(n // d, factors, budget)
            return
    raise _TooLarge


@lru_cache(maxsize=4096)
def _prime_factors(n: int) -> tuple[tuple[int, int], ...] | None:
    """((p, e), ...) with n = Π p^e, or None when n cannot be factored cheaply (numbers up to about 10^24
    can: trial division, then Pollard's rho)."""
    found: dict[int, int] = {}
    for p in _SMALL_PRIMES:
        if p * p > n:
            break
        while n % p == 0:
            n //= p
            found[p] = found.get(p, 0) + 1
    if n > 1:
        if n.bit_length() > 80:
            return None
        factors: list[int] = []
        try:
            _factor(n, factors, [20_000])
        except _TooLarge:
            return None
        for p in factors:
            found[p] = found.get(p, 0) + 1
    return tuple(sorted(found.items()))


class Surd:
    """An exact real number Σ c · π^k · Π p^r (c rational, k an integer, p primes, r rationals in (0, 1)):
    sums of rational multiples of π-powers times radicals of rationals, such as 2√2, ∛16/3 or π√3/2.

    Products of radicals Π p^r with distinct exponent vectors are linearly independent over the rationals
    (Besicovitch 1940, for real positive radicals), and π is transcendental, so two of these are equal
    exactly when their canonical terms are: equality and difference are both proved. A Surd with only the
    rational term is returned as a Fraction instead.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: dict) -> None:
        self.terms = terms  # {(k, ((p, r), ...)): Fraction}, no zero coefficient, never only {(0, ()): c}

    def __float__(self) -> float:
        return float(enclose(self))

    def __repr__(self) -> str:
        return f"Surd({self.terms!r})"


Value = Fraction | Interval | Surd
Expression = Callable[[dict], Value]
# Degree bounds (numerator, denominator) of a rational function of the variables; None when the node is not
# one (a root, a function or a floor of something with variables, a variable exponent).
Degree = tuple[int, int] | None
Node = tuple[Expression, Degree]
CONSTANT: Degree = (0, 0)


_ONE = (0, ())  # the key of the rational term


def _merge(r1: tuple, r2: tuple) -> tuple[int, tuple]:
    """Π p^r1 · Π p^r2 = factor · Π p^r with every r in (0, 1)."""
    exponents, factor = dict(r1), 1
    for p, r in r2:
        total = exponents.get(p, 0) + r
        if total >= 1:
            factor *= p
            total -= 1
        if total:
            exponents[p] = total
        else:
            exponents.pop(p, None)
    return factor, tuple(sorted(exponents.items()))


def _terms(x: Fraction | Surd) -> dict:
    if isinstance(x, Surd):
        return x.terms
    return {_ONE: x} if x else {}


def _from_terms(terms: dict) -> Fraction | Surd:
    terms = {key: c for key, c in terms.items() if c}
    if len(terms) > _MAX_TERMS:
        raise _TooLarge
    if not terms:
        return Fraction(0)
    if list(terms) == [_ONE]:
        return terms[_ONE]
    return Surd(terms)


class _TooLarge(Exception):
    """An exact radical expression grew past _MAX_TERMS: it is continued as an enclosure."""


def _surd_add(a: dict, b: dict, sign: int = 1) -> Fraction | Surd:
    terms = dict(a)
    for key, c in b.items():
        terms[key] = terms.get(key, 0) + sign * c
    return _from_terms(terms)


def _surd_multiply(a: dict, b: dict) -> Fraction | Surd:
    terms: dict = {}
    for (k1, r1), c1 in a.items():
        for (k2, r2), c2 in b.items():
            factor, radical = _merge(r1, r2)
            key = (k1 + k2, radical)
            terms[key] = terms.get(key, 0) + c1 * c2 * factor
    return _from_terms(terms)


def _surd_inverse(a: dict) -> Fraction | Surd:
    """1/a: a single term directly; a sum of square roots (no π) by multiplying with conjugates, one prime at
    a time (A + B√p)(A - B√p) = A² - p·B², until the denominator is rational."""
    if len(a) == 1:
        ((k, radical), c) = next(iter(a.items()))
        product = math.prod(p for p, _ in radical)  # 1/Π p^r = Π p^(1-r) / Π p
        return _from_terms({(-k, tuple((p, 1 - r) for p, r in radical)): 1 / (c * product)})
    if any(k for k, _ in a) or any(r != Fraction(1, 2) for _, radical in a for _, r in radical):
        raise _TooLarge  # 1/(1 + π), 1/(1 + ∛2): no short exact form here
    numerator: dict = {_ONE: Fraction(1)}
    denominator = a
    for _ in range(8):
        primes = [p for _, radical in denominator for p, _ in radical]
        if not primes:
            break
        p = primes[0]
        conjugate = {(k, r): (-c if any(q == p for q, _ in r) else c) for (k, r), c in denominator.items()}
        numerator = _terms(_surd_multiply(numerator, conjugate))
        denominator = _terms(_surd_multiply(denominator, conjugate))
    if list(denominator) != [_ONE]:
        raise _TooLarge
    return _from_terms({key: c / denominator[_ONE] for key, c in numerator.items()})


def _surd_binary(op: str, a: Fraction | Surd, b: Fraction | Surd) -> Fraction | Surd:
    if op == "+":
        return _surd_add(_terms(a), _terms(b))
    if op == "-":
        return _surd_add(_terms(a), _terms(b), -1)
    if op == "*":
        return _surd_multiply(_terms(a), _terms(b))
    if not _terms(b):
        raise Undefined("division by zero")
    return _surd_multiply(_terms(a), _terms(_surd_inverse(_terms(b))))


def _surd_root(x: Fraction, k: int) -> Fraction | Surd | None:
    """The k-th root of a positive rational, exactly, or None when a or b cannot be factored cheaply.

    (a/b)^(1/k) = a^(1/k)·b^((k-1)/k)/b, each prime's exponent split into an integer part (into the
    coefficient) and a fraction."""
    coefficient, exponents = Fraction(1, x.denominator), {}
    for n, scale in ((x.numerator, 1), (x.denominator, k - 1)):
        factors = _prime_factors(n)
        if factors is None:
            return None
        for p, e in factors:
            whole, part = divmod(Fraction(e * scale, k), 1)
            coefficient *= p ** int(whole)
            if part:
                exponents[p] = part
    return _from_terms({(0, tuple(sorted(exponents.items()))): coefficient})


def enclose(x: Value) -> Interval:
    """An interval holding the value (exact values give a point or a one-ulp interval)."""
    if isinstance(x, Interval):
        return x
    if isinstance(x, Surd):
        total = Interval(0.0, 0.0)
        for (k, n), c in x.terms.items():
            term = enclose(c)
            if k:
                op = "*" if k > 0 else "/"
                term = _interval_binary(op, term, _integer_power(_PI_ENCLOSURE, abs(k)))
            for p, r in n:
                root = _positive_root(float(p), float(p), 2) if r == Fraction(1, 2) else _radical(p, r)
                term = _interval_binary("*", term, root)
            total = _interval_binary("+", total, term)
        return total
    try:
        f = float(x)  # int/int division in Python is correctly rounded
    except OverflowError:
        return Interval(_FMAX, math.inf) if x > 0 else Interval(-math.inf, -_FMAX)
    if Fraction(f) == x:
        return Interval(f, f)
    return Interval(_down(f), _up(f))


def _radical(p: int, r: Fraction) -> Interval:
    """An enclosure of p^r (libm's pow, widened; float(r) is off by < 2^-53 relative, a tiny part of it)."""
    v = float(p) ** float(r)
    return _widen(v, v)


def _widen(lo: float, hi: float) -> Interval:
    """Bounds computed by libm, widened by its error margin."""
    return Interval(_down(lo - abs(lo) * _LIBM - _TINY), _up(hi + abs(hi) * _LIBM + _TINY))


# --------------------------------------------------------------------------------------- precise mode
# When the float enclosures of two constants overlap, ``compare`` evaluates both once more with mpmath's
# rigorous interval arithmetic at 256 bits (its own context: mpmath's global settings are untouched). The
# result can still only prove "different": e^{π√163} is then 7.5e-13 away from its integer, provably.
_PRECISE = threading.local()
_PRECISE_BITS = 256
_PRECISE_LIMIT = 10**6  # no exponent or argument beyond this is evaluated precisely (power towers stay out)


def _precise() -> bool:
    return getattr(_PRECISE, "on", False)


@lru_cache(maxsize=1)
def _iv():
    from mpmath.ctx_iv import MPIntervalContext  # imported only when a precise evaluation is needed

    context = MPIntervalContext()
    context.prec = _PRECISE_BITS
    return context


def _to_iv(x):
    iv = _iv()
    if isinstance(x, Fraction):
        return iv.mpf(x.numerator) / iv.mpf(x.denominator)
    if isinstance(x, Surd):
        total = iv.mpf(0)
        for (k, n), c in x.terms.items():
            term = _to_iv(c) * iv.pi**k
            for p, r in n:
                term *= iv.exp(iv.log(iv.mpf(p)) * r.numerator / r.denominator)
            total += term
        return total
    if x is _E:
        return iv.e
    if isinstance(x, Interval):
        raise Undecided("a float enclosure in a precise evaluation")
    return x


def _bounded(x) -> object:
    """x as a precise interval, refused when it is too large to use as an exponent or argument."""
    v = _to_iv(x)
    if not (abs(v.a) < _PRECISE_LIMIT and abs(v.b) < _PRECISE_LIMIT):
        raise Undecided("too large for a precise evaluation")
    return v


def _precise_binary(op: str, a: Value, b: Value):
    x, y = _to_iv(a), _to_iv(b)
    if op == "/":
        if y.a <= 0 <= y.b:
            raise Undecided("dividing by a value that may be zero")
        return x / y
    return x + y if op == "+" else x - y if op == "-" else x * y


def _precise_function(name: str, x: Value):
    iv = _iv()
    v = _bounded(x)
    if name == "log" and not v.a > 0:
        raise Undecided("outside the function's domain")
    return getattr(iv, name)(v)


def same(a: Value, b: Value) -> bool | None:
    """True when two values are provably equal (both exact), False when provably different (exact, or
    disjoint enclosures), else None."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    if isinstance(a, (Fraction, Surd)) and isinstance(b, (Fraction, Surd)):
        return _terms(a) == _terms(b)  # canonical forms of a linearly independent basis
    if _precise():
        u, v = _to_iv(a), _to_iv(b)
        return False if u.b < v.a or v.b < u.a else None
    x, y = enclose(a), enclose(b)
    return False if x.hi < y.lo or y.hi < x.lo else None


def _interval_binary(op: str, a: Interval, b: Interval) -> Interval:
    if op == "+":
        return Interval(_down(a.lo + b.lo), _up(a.hi + b.hi))
    if op == "-":
        return Interval(_down(a.lo - b.hi), _up(a.hi - b.lo))
    if op == "/":
        if b.lo <= 0 <= b.hi:
            raise Undecided("dividing by a value that may be zero")
        candidates = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
    else:
        candidates = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
    if any(math.isnan(c) for c in candidates):  # 0 · inf
        raise Undecided("no enclosure")
    return Interval(_down(min(candidates)), _up(max(candidates)))


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _binary(op: str, a: Value, b: Value) -> Value:
    """``a op b``: exact while both are rationals, an enclosure otherwise."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if op == "/" and b == 0:
            raise Undefined("division by zero")
        return _OPERATORS[op](a, b)
    if op == "/" and isinstance(b, Fraction) and b == 0:
        raise Undefined("division by zero")
    if op == "*" and ((isinstance(a, Fraction) and a == 0) or (isinstance(b, Fraction) and b == 0)):
        return Fraction(0)  # 0·e is exactly 0
    if isinstance(a, (Fraction, Surd)) and isinstance(b, (Fraction, Surd)):
        try:
            return _surd_binary(op, a, b)
        except _TooLarge:
            pass
    if _precise():
        return _precise_binary(op, a, b)
    return _interval_binary(op, enclose(a), enclose(b))


def _integer_root(m: int, n: int) -> int:
    """floor(m ** (1/n)) for m >= 0, by Newton's method on integers (exact for any size)."""
    if m < 2:
        return m
    x = 1 << -(-m.bit_length() // n)  # a power of two above the root
    while True:
        y = ((n - 1) * x + m // x ** (n - 1)) // n
        if y >= x:
            return x
        x = y


def _exact_root(x: Fraction, n: int) -> Fraction | None:
    """The exact n-th root of a non-negative rational, if it is rational."""
    if max(x.numerator.bit_length(), x.denominator.bit_length()) > _MAX_BITS:
        return None
    roots = [_integer_root(part, n) for part in (x.numerator, x.denominator)]
    if roots[0] ** n != x.numerator or roots[1] ** n != x.denominator:
        return None
    return Fraction(roots[0], roots[1])


def _positive_root(lo: float, hi: float, k: int) -> Interval:
    if k == 2:  # math.sqrt is correctly rounded
        return Interval(_down(math.sqrt(lo)), _up(math.sqrt(hi)))
    return _widen(lo ** (1.0 / k), hi ** (1.0 / k))


def _root(x: Value, n: Value) -> Value:
    if not (isinstance(n, Fraction) and n.denominator == 1 and 2 <= n <= 64):
        raise Undecided("root index")
    k = int(n)
    if isinstance(x, Fraction):
        r = _exact_root(abs(x), k)
        if x < 0 and k % 2 == 0:
            raise Undecided("even root of a negative number")
        if r is not None:
            return -r if x < 0 else r
        exact = _surd_root(abs(x), k)
        if exact is not None:
            return _binary("-", Fraction(0), exact) if x < 0 else exact
    if _precise():
        v = _to_iv(x)
        if v.a > 0:
            return _iv().exp(_iv().log(v) / k)
        if k % 2 == 0 or v.b >= 0:
            raise Undecided("root of a value that may not be positive")
        return -_iv().exp(_iv().log(-v) / k)
    iv = enclose(x)
    if iv.lo >= 0:
        return _positive_root(iv.lo, iv.hi, k)
    if k % 2 == 0:
        raise Undecided("even root of a value that may be negative")
    if iv.hi <= 0:
        r = _positive_root(-iv.hi, -iv.lo, k)
        return Interval(-r.hi, -r.lo)
    low, high = _positive_root(0.0, -iv.lo, k), _positive_root(0.0, iv.hi, k)
    return Interval(-low.hi, high.hi)


def _float_power(x: float, y: float, direction: int) -> float:
    """x**y for x > 0, with overflow read as the bound it is (inf upward, the largest float downward)."""
    try:
        return x**y
    except OverflowError:
        return math.inf if direction > 0 else _FMAX


def _integer_power(iv: Interval, n: int) -> Interval:
    """An enclosure of x**n for every x in ``iv`` (n ≥ 1)."""
    magnitudes = (abs(iv.lo), abs(iv.hi))
    if iv.lo >= 0 or iv.hi <= 0:
        small, large = min(magnitudes), max(magnitudes)
        low, high = _float_power(small, n, -1) if small else 0.0, _float_power(large, n, 1)
        bounds = _widen(low, high)
        if iv.lo >= 0 or n % 2 == 0:
            return Interval(max(bounds.lo, 0.0), bounds.hi)
        return Interval(-bounds.hi, min(-bounds.lo, 0.0))
    high = _widen(0.0, _float_power(max(magnitudes), n, 1)).hi
    if n % 2 == 0:
        return Interval(0.0, high)
    return Interval(
        -_widen(0.0, _float_power(abs(iv.lo), n, 1)).hi, _widen(0.0, _float_power(iv.hi, n, 1)).hi
    )


def _power(a: Value, b: Value) -> Value:
    if isinstance(b, Fraction) and b.denominator == 1:
        n = int(b)
        if n == 0:
            return Fraction(1)
        if isinstance(a, Fraction):
            if a == 0:
                if n < 0:
                    raise Undefined("division by zero")
                return Fraction(0)
            size = max(a.numerator.bit_length(), a.denominator.bit_length(), 1)
            if abs(n) * size <= _MAX_BITS:
                return a**n
            if abs(n) > 10**12:
                raise Undecided("power too large")
        if isinstance(a, Surd) and abs(n) <= 64:  # (a Fraction was handled above)
            result: Value = Fraction(1)
            for _ in range(abs(n)):  # exact while the terms stay few (_MAX_TERMS)
                result = _binary("*", result, a)
        elif _precise():
            if abs(n) > _PRECISE_LIMIT:
                raise Undecided("too large for a precise evaluation")
            result = _to_iv(a) ** abs(n)
        else:
            result = _integer_power(enclose(a), abs(n))
        return result if n > 0 else _binary("/", Fraction(1), result)
    if isinstance(b, Fraction) and b.denominator <= 64:  # x^{p/q} = (q-th root of x)^p
        return _power(_root(a, Fraction(b.denominator)), Fraction(b.numerator))
    if _precise():
        base = _to_iv(a)
        if not base.a > 0:
            raise Undecided("irrational power of a value that may not be positive")
        return _precise_function("exp", _precise_function("log", base) * _bounded(b))
    x, y = enclose(a), enclose(b)
    if x.lo <= 0:
        raise Undecided("irrational power of a value that may not be positive")
    corners = []
    for base in (x.lo, x.hi):
        for exponent in (y.lo, y.hi):
            if math.isinf(base) or math.isinf(exponent):
                grows = (base > 1) == (exponent > 0)
                corners.append((math.inf if grows else 0.0, math.inf if grows else 0.0))
            else:
                corners.append((_float_power(base, exponent, -1), _float_power(base, exponent, 1)))
    return _widen(min(c[0] for c in corners), max(c[1] for c in corners))


def _factorial(a: Value) -> Value:
    if not (isinstance(a, Fraction) and a.denominator == 1 and 0 <= a <= 3000):
        raise Undecided("factorial")
    return Fraction(math.factorial(int(a)))


def _monotone(function: Callable[[float], float], lo: float, hi: float) -> Interval:
    try:
        return _widen(function(lo), function(hi))
    except (ValueError, OverflowError) as exc:
        raise Undecided("outside the function's domain") from exc


def _exp(x: Value) -> Value:
    if isinstance(x, Fraction) and x == 0:
        return Fraction(1)
    if _precise():
        return _precise_function("exp", x)
    iv = enclose(x)
    if iv.hi > 709:  # exp overflows a float past ~709.78
        if iv.lo > 709:
            return Interval(_FMAX, math.inf)
        return _widen(math.exp(iv.lo), math.inf)
    return _monotone(math.exp, iv.lo, iv.hi)


def _ln(x: Value) -> Value:
    if isinstance(x, Fraction) and x == 1:
        return Fraction(0)
    if _precise():
        return _precise_function("log", x)
    iv = enclose(x)
    if iv.lo <= 0:
        raise Undecided("logarithm of a value that may not be positive")
    return _monotone(math.log, iv.lo, iv.hi)


def _periodic(function: Callable[[float], float]) -> Callable[[Value], Value]:
    def apply(x: Value) -> Value:
        if isinstance(x, Fraction) and x == 0:
            return Fraction(1) if function is math.cos else Fraction(0)
        if _precise():
            return _precise_function(function.__name__, x)
        iv = enclose(x)
        if not (math.isfinite(iv.lo) and math.isfinite(iv.hi)) or iv.hi - iv.lo > 1e-3:
            raise Undecided("argument too wide")
        mid, radius = (iv.lo + iv.hi) / 2, (iv.hi - iv.lo) / 2
        v = function(mid)  # sin and cos are 1-Lipschitz: |f(x) - f(mid)| <= radius
        bounds = _widen(v, v)
        return Interval(max(-1.0, _down(bounds.lo - radius)), min(1.0, _up(bounds.hi + radius)))

    return apply


_sin, _cos = _periodic(math.sin), _periodic(math.cos)


def _tan(x: Value) -> Value:
    return _binary("/", _sin(x), _cos(x))


# Functions with one reading everywhere (``\log`` may mean base 10 or e, so it is left to sympy).
_FUNCTIONS = {"\\ln": _ln, "\\sin": _sin, "\\cos": _cos, "\\tan": _tan, "\\exp": _exp}


def _integer_part(rounding: Callable, x: Value) -> Value:
    if isinstance(x, Fraction):
        return Fraction(rounding(x))
    if not isinstance(x, Interval):
        raise Undecided("rounding a value whose integer part is not certain")
    if not (math.isfinite(x.lo) and math.isfinite(x.hi)) or rounding(x.lo) != rounding(x.hi):
        raise Undecided("rounding a value whose integer part is not certain")
    return Fraction(rounding(x.lo))


def _binomial(n: Value, k: Value) -> Value:
    if not all(isinstance(v, Fraction) and v.denominator == 1 and 0 <= v <= 3000 for v in (n, k)):
        raise Undecided("binomial")
    return Fraction(math.comb(int(n), int(k)))


def _degree_sum(a: Degree, b: Degree) -> Degree:
    """p/q ± r/s = (ps ± rq)/(qs)."""
    if a is None or b is None:
        return None
    return (max(a[0] + b[1], b[0] + a[1]), a[1] + b[1])


def _degree_product(a: Degree, b: Degree) -> Degree:
    return None if a is None or b is None else (a[0] + b[0], a[1] + b[1])


def _degree_quotient(a: Degree, b: Degree) -> Degree:
    return None if a is None or b is None else (a[0] + b[1], a[1] + b[0])


def _only_constant(degree: Degree) -> Degree:
    """A root, function, floor or factorial: still a constant of a constant, not a rational function of x."""
    return CONSTANT if degree == CONSTANT else None


def _unary(function: Callable[[Value], Value], node: Node) -> Node:
    inner = node[0]
    return (lambda env: function(inner(env))), _only_constant(node[1])


def _bind(op: str, left: Node, right: Node) -> Node:
    lf, rf = left[0], right[0]
    degree = {"+": _degree_sum, "-": _degree_sum, "*": _degree_product, "/": _degree_quotient}[op](
        left[1], right[1]
    )
    return (lambda env: _binary(op, lf(env), rf(env))), degree


def _negate(node: Node) -> Node:
    inner = node[0]
    return (lambda env: _binary("-", Fraction(0), inner(env))), node[1]


def _constant(value: Value) -> Node:
    return (lambda env: value), CONSTANT


class _Parser:
    """Recursive descent over the tokens of one normalised answer; builds a function of the variables and a
    bound on its degree as a rational function."""

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

    def parse(self) -> Node:
        if not self.tokens:
            raise Undecided("empty")
        node = self.sum()
        if self.peek() is not None:
            raise Undecided(f"unexpected {self.peek()!r}")
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = _bind(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token in ("*", "\\cdot", "\\times"):
                self.take()
                node = _bind("*", node, self.unary())
            elif token in ("/", "\\div"):
                self.take()
                node = _bind("/", node, self.unary())
            elif token is not None and self.starts_factor(token):
                node = _bind("*", node, self.power())  # implicit product: 2\sqrt{3}, 3\pi, 5n, (x+1)(x-1)
            else:
                return node

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

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return _negate(self.unary())
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() != "^":
            return base
        self.take()
        exponent = self.exponent()
        bf, ef = base[0], exponent[0]
        return (lambda env: _power(bf(env), ef(env))), _power_degree(base[1], exponent)

    def exponent(self) -> Node:
        token = self.peek()
        if token == "{":
            return self.group()
        if token == "-":  # 2^-1
            self.take()
            return _negate(self.exponent())
        if token is not None and token[0].isdigit():  # x^23 is x^2·3 in LaTeX: one digit only
            self.take()
            rest = token[1:]
            if rest:
                self.tokens.insert(self.pos, rest)
            return _constant(Fraction(token[0]))
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek() == "!":
            self.take()
            node = _unary(_factorial, node)
        return node

    def group(self) -> Node:
        self.take("{")
        node = self.sum()
        self.take("}")
        return node

    def argument(self) -> Node:
        """A command's argument: ``{...}`` or a single token (``\\frac12``, ``\\sqrt2``)."""
        if self.peek() == "{":
            return self.group()
        token = self.take()
        if token[0].isdigit():
            if len(token) > 1 and "." not in token:
                self.tokens.insert(self.pos, token[1:])
            return _constant(Fraction(token[0]))
        if token.isalpha() and len(token) == 1:
            return self.variable(token)
        raise Undecided("argument")

    def variable(self, name: str) -> Node:
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
        return (lambda env: env[name]), (1, 0)

    def primary(self) -> Node:
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            return _constant(Fraction(token))
        if token in ("(", "["):
            node = self.sum()
            self.take(")" if token == "(" else "]")
            return node
        if token in ("\\lceil", "\\lfloor"):
            inner = self.sum()
            self.take("\\rceil" if token == "\\lceil" else "\\rfloor")
            rounding = math.ceil if token == "\\lceil" else math.floor
            return _unary(lambda v: _integer_part(rounding, v), inner)
        if token == "{":
            self.pos -= 1
            return self.group()
        if token == "\\frac":
            num, den = self.argument(), self.argument()
            return _bind("/", num, den)
        if token == "\\binom":
            (n, dn), (k, dk) = self.argument(), self.argument()
            degree = CONSTANT if dn == CONSTANT and dk == CONSTANT else None
            return (lambda env: _binomial(n(env), k(env))), degree
        if token == "\\sqrt":
            index: Node = _constant(Fraction(2))
            if self.peek() == "[":
                self.take()
                index = self.sum()
                self.take("]")
            (radicand, dr), (idx, di) = self.argument(), index
            degree = CONSTANT if dr == CONSTANT and di == CONSTANT else None
            return (lambda env: _root(radicand(env), idx(env))), degree
        if token == "\\pi":
            return _constant(Surd({(1, ()): Fraction(1)}))
        if token == "e":
            return _constant(_E)
        if token in _FUNCTIONS:
            function = _FUNCTIONS[token]
            if self.peek() in ("(", "{"):
                argument = self.primary()
            else:  # "\sin x": one token; "\sin 2x" (sin of 2x, or sin(2)·x?) is left to sympy
                argument = self.argument()
                if self.peek() not in _ENDS_ARGUMENT and self.peek() not in _FUNCTIONS:
                    raise Undecided("unbracketed function argument")
            return _unary(function, argument)
        if token[0] == "\\" and token[1:] in _GREEK:
            return self.variable(token)
        if len(token) == 1 and token.isalpha():
            return self.variable(token)
        raise Undecided(f"outside the grammar: {token!r}")


def _power_degree(base: Degree, exponent: Node) -> Degree:
    """x^k with a constant integer k multiplies degrees by |k| (swapping them when k < 0)."""
    if exponent[1] != CONSTANT:
        return None
    if base == CONSTANT:
        return CONSTANT
    if base is None:
        return None
    try:
        k = exponent[0]({})
    except (Undecided, KeyError, RecursionError):
        return None
    if not (isinstance(k, Fraction) and k.denominator == 1) or abs(k) > _MAX_DEGREE:
        return None
    k = int(k)
    return (k * base[0], k * base[1]) if k >= 0 else (-k * base[1], -k * base[0])


@lru_cache(maxsize=65536)
def parse(text: str) -> tuple[Expression, frozenset[str], Degree] | None:
    """(function of the variables, variable names, degree bound) of a normalised answer, or None outside
    the grammar. The degree bound is None when the answer is not a rational function of its variables."""
    if len(text) > 400:
        return None
    parser = _Parser(text)
    try:
        expression, degree = parser.parse()
        return expression, frozenset(parser.variables), degree
    except (Undecided, ValueError, ZeroDivisionError, RecursionError):
        return None


def _pair_rng(pred: str, gold: str) -> random.Random:
    """A generator seeded by a hash of the (unordered) pair: the same pair always gets the same points."""
    key = "\x00".join(sorted((pred, gold))).encode()
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big"))


def _draw(rng: random.Random, names: frozenset[str]) -> dict:
    return {name: Fraction(rng.randint(-_RANGE, _RANGE)) for name in sorted(names)}


def _integer_points(names: frozenset[str]) -> list[dict]:
    """Small positive integers, for answers that only make sense there (binomials, floors, factorials of a
    variable). Used only to prove a difference, never an equality."""
    ordered = sorted(names)
    return [{name: Fraction(11 + 7 * k + 5 * j) for k, name in enumerate(ordered)} for j in range(3)]


def value(text: str) -> Value | None:
    """The value of a normalised answer without variables (exact, or an enclosure), or None.

    >>> value(r"\\frac{\\sqrt{12}}{2}"), value("2^{10}"), value("x+1") is None
    (Surd({(0, ((3, Fraction(1, 2)),)): Fraction(1, 1)}), Fraction(1024, 1), True)
    >>> value(r"e^{\\pi}")  # no exact form here: an enclosure
    Interval(23.140692632692062, 23.140692632866486)
    """
    parsed = parse(text)
    if parsed is None or parsed[1]:
        return None
    try:
        return parsed[0]({})
    except (Undecided, RecursionError):
        return None


def _defined(expression: Expression) -> Value | None:
    """The value of a variable-free expression, or None when it does not exist (a division by zero)."""
    try:
        return expression({})
    except Undefined:
        return None


def _at(expressions: tuple, env: dict) -> tuple | None:
    """The expressions' values at a point, or None where one is undefined or not computed (a redraw)."""
    try:
        return tuple(expression(env) for expression in expressions)
    except (Undecided, RecursionError):
        return None


def _precisely_different(f: Expression, g: Expression) -> bool | None:
    """False when the precise evaluation (256-bit intervals) separates two constants, else None."""
    _PRECISE.on = True
    try:
        return False if same(f({}), g({})) is False else None
    except (
        Undecided,
        RecursionError,
        ArithmeticError,
        ValueError,
        TypeError,
        NotImplementedError,
        ImportError,
    ):
        return None  # whatever mpmath refuses stays undecided
    finally:
        _PRECISE.on = False


def compare(pred: str, gold: str) -> bool | None:
    r"""Are two normalised answers equal by value? True / False when proved, None otherwise.

    >>> compare(r"\sqrt{8}", r"2\sqrt{2}"), compare(r"\frac{\pi}{3}", "60"), compare("x(x+1)", "x^2+x")
    (True, False, True)
    >>> compare(r"e^{\pi\sqrt{163}}", "262537412640768744")  # 3e-30 apart: 256-bit intervals separate them
    False
    >>> compare("5n+10", "5n+20"), compare(r"\sin x", "1"), compare(r"\sin^2x+\cos^2x", "1") is None
    (False, False, True)
    """
    parsed_pred, parsed_gold = parse(pred), parse(gold)
    if parsed_pred is None or parsed_gold is None:
        return None
    (f, names_f, degree_f), (g, names_g, degree_g) = parsed_pred, parsed_gold
    names = names_f | names_g
    if not names:
        try:
            a, b = _defined(f), _defined(g)
        except (Undecided, RecursionError):
            return None
        if a is None or b is None:  # \frac{1}{0} is no number: it equals no number
            return None if a is None and b is None else False
        verdict = same(a, b)
        return verdict if verdict is not None else _precisely_different(f, g)
    difference = _degree_sum(degree_f, degree_g)
    provable = difference is not None and difference[0] <= _MAX_DEGREE
    rng, agreements = _pair_rng(pred, gold), 0
    for _ in range(_DRAWS):
        values = _at((f, g), _draw(rng, names))
        if values is None:
            continue
        verdict = same(*values)
        if verdict is False:
            return False
        if verdict is True:
            agreements += 1
            if provable and agreements >= _AGREEING_POINTS:
                return True
        else:
            break  # enclosures overlap: no exact agreement to count, sympy decides
    for env in _integer_points(names):  # a difference at integer points is still a difference
        values = _at((f, g), env)
        if values is not None and same(*values) is False:
            return False
    return None


def same_line(pred: str, gold: str) -> bool | None:
    r"""Are two equations ``L = R`` the same relation, i.e. is ``L1 - R1`` a non-zero constant c times
    ``L2 - R2``? Proved like ``compare``: c is read at one drawn point, then ``(L1 - R1) - c (L2 - R2)``,
    a rational function of degree at most that of the parse, must vanish exactly at ``_AGREEING_POINTS``
    further drawn points (Schwartz–Zippel, module docstring). None when either side is outside the grammar.

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
    (l1, r1), (l2, r2) = sides
    d1, d2 = _degree_sum(l1[2], r1[2]), _degree_sum(l2[2], r2[2])
    difference = None if d1 is None or d2 is None else max(d1[0] + d2[1], d2[0] + d1[1])
    provable = difference is not None and difference <= _MAX_DEGREE
    rng = _pair_rng(pred, gold)
    factor, agreements, ratios = None, 0, []
    for _ in range(_DRAWS):
        values = _at((l1[0], r1[0], l2[0], r2[0]), _draw(rng, names))
        if values is None:
            continue
        try:
            v1, v2 = _binary("-", values[0], values[1]), _binary("-", values[2], values[3])
        except (Undecided, RecursionError):
            continue
        if isinstance(v1, Fraction) and isinstance(v2, Fraction):
            if v2 == 0:
                if v1 != 0:
                    return False  # on the second line, not on the first: no constant c can relate them
                continue
            if factor is None:
                if v1 == 0:
                    return None  # L1 - R1 vanishes at a drawn point: probably identically; sympy decides
                factor = v1 / v2
            elif v1 != factor * v2:
                return False
            else:
                agreements += 1
                if provable and agreements >= _AGREEING_POINTS:
                    return True
            continue
        try:
            ratios.append(_binary("/", v1, v2))
        except (Undecided, RecursionError):
            continue
        if any(same(r, ratios[0]) is False for r in ratios):
            return False
    return None
