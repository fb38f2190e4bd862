"""Property-based fuzzing: over thousands of generated strings the reward never raises, always returns a
verdict, and a string is always equivalent to itself."""

from __future__ import annotations

import time
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oneshot_trl.rewards import extract_answer, is_equivalent, math_reward
from oneshot_trl.rewards.normalize import normalize
from oneshot_trl.rewards.numeric import to_rational

LATEX_BITS = [
    "\\frac",
    "\\dfrac",
    "\\sqrt",
    "\\boxed",
    "\\fbox",
    "\\left",
    "\\right",
    "\\{",
    "\\}",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "^",
    "_",
    ",",
    ".",
    "-",
    "+",
    "/",
    "\\pi",
    "\\infty",
    "\\text",
    "\\%",
    "$",
    "x",
    "=",
    "\\cup",
    "&",
    "\\\\",
    "\\begin{pmatrix}",
    "\\end{pmatrix}",
    "\\circ",
    "0",
    "1",
    "2",
    "9",
    " ",
    "\x00",
    "é",
    "\\overline",
]
latexish = st.lists(st.sampled_from(LATEX_BITS) | st.text(max_size=3), max_size=40).map("".join)
FAST = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(latexish)
def test_string_stages_never_raise(text):
    boxed = extract_answer(text)
    assert boxed is None or isinstance(boxed, str)
    n = normalize(text)
    assert isinstance(n.text, str)
    value = to_rational(n.text)
    # an exact value, and the same value read back from its own fraction
    assert value is None or (
        isinstance(value, Fraction) and to_rational(f"{value.numerator}/{value.denominator}") == value
    )


@FAST
@given(st.text(max_size=200))
def test_extract_never_raises_on_any_text(text):
    extract_answer(text, think=True)
    extract_answer(f"\\boxed{{{text}}}")


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(latexish, st.sampled_from(["12.8", "\\frac{1}{2}", "(1,2)", "x+1", "\\{1,2\\}", "[0,1)", "Evelyn"]))
def test_grader_returns_a_bool_within_the_timeout(pred, gold):
    start = time.monotonic()
    verdict = is_equivalent(pred, gold, timeout=0.5)
    assert verdict in (True, False)
    assert time.monotonic() - start < 3.5  # 0.5 s check + slack for a replacement worker's start
    assert math_reward([f"\\boxed{{{pred}}}"], answer=[gold])[0] in (0.0, 1.0)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.fractions(max_denominator=50).filter(lambda f: abs(f) < 10**6), st.integers(min_value=1, max_value=9)
)
def test_numbers_in_other_spellings_and_their_neighbours(value, step):
    """A value spelled as a fraction, a decimal or a mixed form equals itself, and not itself moved a step."""
    frac = (
        rf"\frac{{{value.numerator}}}{{{value.denominator}}}"
        if value.denominator != 1
        else str(value.numerator)
    )
    other = value + Fraction(step, value.denominator * 10)
    assert is_equivalent(f"{value.numerator}/{value.denominator}", frac)
    assert is_equivalent(rf"\dfrac{{{value.numerator * step}}}{{{value.denominator * step}}}", frac)
    if value.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 40, 50):  # terminating decimals
        assert is_equivalent(f"{float(value):.6f}", frac)
    assert not is_equivalent(f"{other.numerator}/{other.denominator}", frac)
    assert math_reward([rf"so \boxed{{{other.numerator}/{other.denominator}}}"], answer=[frac]) == [0.0]


def test_closed_form_stage_agrees_with_sympy_on_random_expressions():
    """Random expressions in x, y, π and radicals, rendered by sympy's own LaTeX printer, against a rewrite
    (expanded, factored, shifted, doubled) or another random expression: every verdict the closed-form stage
    reaches without sympy must be sympy's."""
    import random

    import sympy as sp

    from oneshot_trl.rewards.closed_form import compare
    from oneshot_trl.rewards.normalize import normalize

    x, y = sp.symbols("x y")
    rng = random.Random(7)

    def expression(depth):
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(
                [
                    sp.Integer(rng.randint(-9, 9)),
                    sp.Rational(rng.randint(1, 9), rng.randint(1, 9)),
                    x,
                    y,
                    sp.pi,
                    sp.sqrt(rng.randint(2, 12)),
                ]
            )
        op, a, b = rng.choice("+-*/^r"), expression(depth - 1), expression(depth - 1)
        return {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a / b if b != 0 else a,
            "^": lambda: a ** rng.randint(0, 3),
            "r": lambda: sp.sqrt(a),
        }[op]()

    decided = 0
    for _ in range(400):
        e = expression(3)
        f = rng.choice([sp.expand(e), sp.factor(e), expression(3), e + 1, 2 * e, e])
        if e.has(sp.zoo, sp.nan, sp.oo) or f.has(sp.zoo, sp.nan, sp.oo):
            continue
        verdict = compare(normalize(sp.latex(e)).text, normalize(sp.latex(f)).text)
        if verdict is not None:
            decided += 1
            assert verdict is (sp.simplify(e - f) == 0), (sp.latex(e), sp.latex(f))
    assert decided > 250  # the stage decides most of them (the rest go to sympy)
