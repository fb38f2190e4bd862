"""The grader under faults: interrupted checks, thousands of open files, timeouts, internal errors.

Each test drives the symbolic pool directly with pairs that only sympy decides (trig identities), so the
cheap stages cannot hide a desynchronised or broken worker.
"""

from __future__ import annotations

import os
import resource
import signal
import time

import pytest

from oneshot_trl.rewards import check_equivalence, grade_answer, make_math_reward
from oneshot_trl.rewards import grade as grade_module
from oneshot_trl.rewards.symbolic import SymbolicPool, _Worker

SLOW_TRUE = (r"\sin^2 x+\cos^2 x", "1")  # sympy needs ~0.1-0.3 s; no cheap stage decides it
SLOW_FALSE = (r"\sin^{10}x+\cos^{10}x", r"1-5\sin^2x\cos^2x+4\sin^4x\cos^4x")
ALGEBRA = [
    ("2y", "y+y", True),
    ("a^2-b^2", "(a-b)(a+b)", True),
    ("2y", "3y", False),
    ("x(x+1)", "x^2+x", True),
]


class Interrupted(Exception):
    """What a signal handler (or a caller's own timeout) raises in the middle of a check."""


@pytest.fixture
def pool():
    p = SymbolicPool(size=1)
    assert p.equivalent("1", "1", 120) is True  # the worker is up before the timed part of each test
    yield p
    p.close()


def test_an_interrupted_check_retires_its_worker(pool):
    def handler(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        for _ in range(4):
            signal.setitimer(signal.ITIMER_REAL, 0.02)
            with pytest.raises(Interrupted):
                pool.equivalent(*SLOW_TRUE, 30)  # the reply is still on its way when the handler fires
                time.sleep(5)  # (only if the check beat the timer) let the alarm land here instead
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # A late reply to an interrupted question would answer these: each must get its own verdict.
    for pred, gold, expected in ALGEBRA:
        assert pool.equivalent(pred, gold, 30) is expected, (pred, gold)
    assert pool.equivalent(*SLOW_FALSE, 30) is False


def test_a_reply_to_another_request_is_never_a_verdict():
    worker = _Worker()
    try:
        assert worker.ask(1, "1", "1", 120)["v"] is True
        # A request whose reply nobody read (what an interrupt leaves behind) ...
        worker.proc.stdin.write(b'{"id": 2, "pred": "2y", "gold": "3y"}\n')
        worker.proc.stdin.flush()
        # ... comes back first: the next question must see an error, not the verdict "False".
        reply = worker.ask(3, "2y", "y+y", 30)
        assert reply is not None and "error" in reply and reply.get("retire") is True
    finally:
        worker.kill()


def test_workers_beyond_descriptor_1024():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"cannot open 1100 descriptors (hard limit {hard})")
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (max(soft, 4096) if hard == resource.RLIM_INFINITY else hard, hard)
    )
    held = []
    try:
        while len(held) < 1100:  # a long training process: DeepSpeed, NCCL, datasets, dataloader workers
            held.extend(os.pipe())
        pool = SymbolicPool(size=1)  # its pipes are numbered above 1024 now
        try:
            assert pool.equivalent("1", "1", 120) is True
            assert pool._all[0].proc.stdout.fileno() > 1024
            for pred, gold, expected in ALGEBRA:
                assert pool.equivalent(pred, gold, 30) is expected
        finally:
            pool.close()
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_timeout_is_not_cached_and_evaluation_retries_it():
    grade_module.clear_cache()
    assert check_equivalence(*SLOW_TRUE, timeout=0.001) is None  # ran out of time: no verdict
    assert (SLOW_TRUE[0], SLOW_TRUE[1]) not in grade_module._cache
    assert check_equivalence(*SLOW_TRUE, timeout=60) is True  # a longer limit really runs again
    grade_module.clear_cache()
    text = f"so the answer is \\boxed{{{SLOW_TRUE[0]}}}"
    assert grade_answer(text, SLOW_TRUE[1], timeout=0.001) == (SLOW_TRUE[0], None)
    assert grade_answer(text, SLOW_TRUE[1], timeout=0.001, retry_timeout=60) == (SLOW_TRUE[0], True)


def test_timeouts_and_errors_are_counted_in_the_reward_metrics(monkeypatch):
    grade_module.clear_cache()
    reward = make_math_reward(timeout=0.001)
    for _ in range(2):  # not cached: the second step checks (and counts) again
        metrics = {}
        out = reward(
            [f"\\boxed{{{SLOW_TRUE[0]}}}", r"\boxed{1}"],
            answer=["1", "1"],
            log_metric=metrics.__setitem__,
        )
        assert out == [0.0, 1.0]
        assert metrics["math_reward/timeouts"] == 1.0 and metrics["math_reward/errors"] == 0.0

    def broken(pred, gold, timeout):
        raise RuntimeError("a grader bug")

    monkeypatch.setattr(grade_module, "_judge", broken)
    metrics = {}
    assert check_equivalence("7", "8") is None
    assert reward([r"\boxed{7}"], answer=["8"], log_metric=lambda k, v: metrics.__setitem__(k, v)) == [0.0]
    assert metrics["math_reward/errors"] == 1.0
