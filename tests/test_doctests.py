"""The docstring examples of the public API are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "oneshot_trl.examples",
    "oneshot_trl.rewards.extract",
    "oneshot_trl.rewards.normalize",
    "oneshot_trl.rewards.numeric",
    "oneshot_trl.rewards.closed_form",
    "oneshot_trl.rewards.grade",
    "oneshot_trl.rewards.reward",
    "oneshot_trl.evaluation.metrics",
    "oneshot_trl.evaluation.extraction",
    "oneshot_trl.evaluation.grading",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
