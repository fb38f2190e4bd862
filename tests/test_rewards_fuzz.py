"""Property-based fuzzing: over thousands of generated strings the reward never raises, always returns a
verdict, and a string is always equivalent to itself."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oneshot_trl.rewards import extract_answer, is_equivalent, math_reward
from oneshot_trl.rewards.normalize import normalize
from oneshot_trl.rewards.numeric import to_rational

LATEX_BITS = [
    "\\frac", "\\dfrac", "\\sqrt", "\\boxed", "\\fbox", "\\left", "\\right", "\\{", "\\}", "{", "}", "(", ")", "[",
    "]", "^", "_", ",", ".", "-", "+", "/", "\\pi", "\\infty", "\\text", "\\%", "$", "x", "=", "\\cup", "&", "\\\\",
    "\\begin{pmatrix}", "\\end{pmatrix}", "\\circ", "0", "1", "2", "9", " ", "\x00", "é", "\\overline",
]  # fmt: skip
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
    assert value is None or value == value


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
@given(latexish.filter(lambda s: s.strip()))
def test_an_answer_equals_itself(text):
    assert is_equivalent(text, text)
