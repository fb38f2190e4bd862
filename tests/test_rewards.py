"""The verifiable reward: extraction, equivalence cases, the eval sets' golds, safety, TRL's interface."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

from oneshot_trl.rewards import (
    extract_answer,
    extract_boxed,
    format_reward,
    is_equivalent,
    make_math_reward,
    math_reward,
)
from oneshot_trl.rewards.normalize import normalize
from oneshot_trl.rewards.reward import gold_is_gradable, grade_answer

DATA = Path(__file__).parent / "data"
PAIRS = [json.loads(line) for line in (DATA / "equivalence_pairs.jsonl").open()]
# Written before the closed-form stage and the answer-family fixes; not tuned on since (see bench_reward.py).
HELD_OUT = [json.loads(line) for line in (DATA / "equivalence_heldout.jsonl").open()]
# Answer families from other projects' grader tests (issue 14), each family with wrong twins.
FAMILIES = [json.loads(line) for line in (DATA / "equivalence_families.jsonl").open()]
# Complex-number identities that neither we nor Math-Verify judge equal (see README, "Reward").
KNOWN_MISSES = {("i", "\\sqrt{-1}"), ("-1", "e^{i\\pi}")}


def test_reward_imports_neither_torch_nor_trl():
    code = (
        "import sys, oneshot_trl.rewards; "
        "print('torch' in sys.modules, 'trl' in sys.modules, 'typer' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"so \boxed{12.8}", "12.8"),
        (r"\boxed{1} then \boxed{2}", "2"),
        (r"\boxed{\frac{a}{b^{2}}}", r"\frac{a}{b^{2}}"),
        (r"\boxed{\left\{1, 2\right\}}", r"\left\{1, 2\right\}"),
        (r"\boxed{\{x\}}", r"\{x\}"),
        (r"\fbox{7}", "7"),
        (r"answer \boxed 7$", "7"),
        (r"\boxed{x} and \fbox{y}", "y"),
        (r"\boxed{ 5 }", "5"),
        ("no answer", None),
        (r"\boxed{unbalanced", None),
        ("", None),
        (r"\boxed", None),
    ],
)
def test_extract_boxed(text, expected):
    assert extract_boxed(text) == expected


def test_extract_answer_think_mode():
    assert extract_answer(r"<think>\boxed{1}</think>\boxed{2}", think=True) == "2"
    assert extract_answer(r"<think>\boxed{1}", think=True) is None
    assert extract_answer(r"<think>\boxed{1}") == "1"
    assert extract_answer(r"<think>x</think>no box", think=True) is None


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p['pred']}|{p['gold']}" for p in PAIRS])
def test_labelled_equivalence(pair):
    if (pair["pred"], pair["gold"]) in KNOWN_MISSES:
        pytest.xfail("complex-number identity: a known limitation")
    assert is_equivalent(pair["pred"], pair["gold"]) is pair["equivalent"]


@pytest.mark.parametrize(
    "pair", HELD_OUT + FAMILIES, ids=[f"{p['pred']}|{p['gold']}" for p in HELD_OUT + FAMILIES]
)
def test_held_out_and_family_equivalence(pair):
    assert is_equivalent(pair["pred"], pair["gold"]) is pair["equivalent"]


@pytest.mark.parametrize(
    "pred, gold",
    [
        ("32, 349", "32349"),
        ("1, 234", "1234"),
        (r"0.0833", r"\frac{1}{12}"),
        ("0.333333", r"\frac{1}{3}+10^{-5}"),
        (r"\frac{1}{0}", r"\frac{1}{4}"),
        ("(2,5),(2,7)", "p=5,q=2;p=7,q=2"),
        ("5n+20", "5n+10"),
        ("2+2004!", "1+2004!"),
        (r"\frac{\pi}{3}", "60"),
        ("y=2x+1", "y=2x-1"),
        ("4:40", "40"),
        ("1:2", "2:1"),
        ("c<2", "c<3"),
    ],
)
def test_never_rewards_these_wrong_answers(pred, gold):
    assert is_equivalent(pred, gold) is False
    assert math_reward([f"\\boxed{{{pred}}}"], answer=[gold]) == [0.0]


def test_numbers_beyond_floats_are_compared_without_an_internal_error():
    from oneshot_trl.rewards import check_equivalence, grade

    before = grade.internal_errors
    assert check_equivalence("2004!", "2y=1.5") is False and check_equivalence("2004!", "3:1.5") is False
    assert (
        check_equivalence("1+2004!", "2+2004!") is False and check_equivalence("2004!+1", "1+2004!") is True
    )
    assert grade.internal_errors == before  # float(2004!) overflowed inside the grader before


def test_numeric_golds_are_formatted_and_lists_refused():
    import numpy as np

    assert math_reward(
        [r"\boxed{27}", r"\boxed{27.5}", r"\boxed{3}", r"\boxed{4}"], answer=[27, 27.5, np.int64(3), 5]
    ) == [1.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="'answer' column holds a list"):
        math_reward([r"\boxed{1}"], answer=[[1, 2]])


def test_labelled_set_is_large_and_two_sided():
    assert len(PAIRS) >= 200
    assert sum(p["equivalent"] for p in PAIRS) >= 60 and sum(not p["equivalent"] for p in PAIRS) >= 60


def test_every_eval_gold_in_another_spelling_and_against_its_neighbour(shared_data):
    """Every gold of the six sets, written inside $...$ and boxed in a sentence, is judged equal to itself
    (the grader's normalisation, not the identical-string shortcut); and no gold is judged equal to the next
    gold of its file whenever both are numbers of different value."""
    from oneshot_trl.rewards.closed_form import value

    failures, distinct_pairs = [], 0
    for path in sorted(shared_data.glob("eval_*.jsonl")):
        golds = [json.loads(line)["answer"] for line in path.open()]
        for gold, neighbour in zip(golds, golds[1:] + golds[:1], strict=True):
            boxed = extract_answer(f"The final answer is $\\boxed{{{gold}}}$.")
            if not (is_equivalent(f"${gold}$", gold) and boxed is not None and is_equivalent(boxed, gold)):
                failures.append((path.name, gold))
            a, b = value(normalize(gold).text), value(normalize(neighbour).text)
            if a is not None and b is not None and abs(float(a) - float(b)) > 1e-6:
                distinct_pairs += 1
                if is_equivalent(neighbour, gold):
                    failures.append((path.name, gold, neighbour))
    assert failures == [] and distinct_pairs > 1000


def test_ungradable_golds_give_none():
    assert gold_is_gradable("12.8") and not gold_is_gradable("") and not gold_is_gradable(r"\frac{1}{2")
    assert not gold_is_gradable(r"\text{}") and not gold_is_gradable(None)
    assert math_reward([r"\boxed{1}", r"\boxed{1}", r"\boxed{1}"], answer=["", "1", None]) == [
        None,
        1.0,
        None,
    ]
    assert grade_answer(r"\boxed{1}", r"\frac{1}{2") == ("1", None)


def test_math_reward_trl_interface_and_logging():
    metrics, extra = {}, {}
    completions = [
        [{"role": "assistant", "content": r"so \boxed{\dfrac{64}{5}}"}],
        [{"role": "assistant", "content": r"\boxed{12.7}"}],
        [{"role": "assistant", "content": "I give up"}],
        r"plain string \boxed{12.8 \text{ mph}}",
    ]
    rewards = math_reward(
        prompts=["p"] * 4,
        completions=completions,
        completion_ids=[[1]] * 4,
        answer=["12.8"] * 4,
        trainer_state=None,
        log_metric=lambda name, value: metrics.__setitem__(name, value),
        log_extra=lambda column, values: extra.__setitem__(column, values),
    )
    assert rewards == [1.0, 0.0, 0.0, 1.0]
    assert metrics["math_reward/no_answer_rate"] == 0.25
    assert metrics["math_reward/timeouts"] == 0.0
    assert extra["extracted_answer"] == [r"\dfrac{64}{5}", "12.7", "", r"12.8 \text{ mph}"]


def test_think_reward_and_format_reward():
    reward = make_math_reward(think=True, name="think_reward")
    assert reward.__name__ == "think_reward"
    assert reward([r"<think>\boxed{3}</think> \boxed{4}", r"\boxed{4}"], answer=["4", "4"]) == [1.0, 0.0]
    assert format_reward([r"\boxed{7}", "7", r"\boxed{"]) == [1.0, 0.0, 0.0]


# Model output is untrusted: none of these may raise, hang past the timeout, or run code.
HOSTILE = [
    "",
    " ",
    "\x00",
    "12\x008",
    "x" * 1_000_000,
    "{" * 10_000,
    "}" * 10_000,
    r"\frac{}{}",
    r"\frac{1}{0}",
    r"10^{10^{10^{10}}}",
    r"2^{2^{2^{2^{2^{2^{2}}}}}}",
    r"9^{9^{9^{9}}}!",
    r"\frac{1}{\frac{1}{\frac{1}{\frac{1}{\frac{1}{\frac{1}{\frac{1}{\frac{1}{2}}}}}}}}",
    "(" * 500 + ")" * 500,
    "数学 ∑ ∫ ✓ é",
    r"\left(",
    r"\begin{pmatrix}1&",
    "1" * 5000,
    "1e999999",
    r"\sqrt{-1}^{\sqrt{-1}}",
]


@pytest.mark.parametrize("pred", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_return_a_verdict_within_the_timeout(pred):
    start = time.monotonic()
    verdict = is_equivalent(pred, "12.8", timeout=1.0)
    assert verdict is False
    # 1 s for the check, plus slack for starting a replacement worker under a loaded CI machine
    assert time.monotonic() - start < 4.0
    assert math_reward([f"\\boxed{{{pred}}}", pred], answer=["12.8", "12.8"]) == [0.0, 0.0]


def test_injection_payloads_do_not_run(tmp_path):
    marker = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {marker}')",
        f"exec(\"open('{marker}', 'w')\")",
        f"eval(\"__import__('pathlib').Path('{marker}').touch()\")",
        f"\\text{{__import__('os').system('touch {marker}')}}",
        f"lambda: open('{marker}','w')",
    ]
    for payload in payloads:
        assert math_reward([f"\\boxed{{{payload}}}"], answer=["12.8"]) == [0.0]
        assert is_equivalent(payload, "12.8") is False
        assert is_equivalent("12.8", payload) is False
    assert not marker.exists()


def test_works_from_threads():
    results = {}

    def grade(i):
        results[i] = is_equivalent(f"x^2+{i}x", f"x(x+{i})")

    threads = [threading.Thread(target=grade, args=(i,)) for i in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == {i: True for i in range(1, 7)}


def test_timeout_scores_zero_and_pool_recovers():
    from oneshot_trl.rewards.symbolic import get_pool

    pool = get_pool()
    before = pool.timeouts
    assert is_equivalent(r"3^{3^{3^{3^{3}}}}", "7", timeout=0.3) is False
    assert pool.timeouts >= before + 1
    assert is_equivalent("z(z+5)", "z^2+5z") is True  # the run goes on
