"""This package's contract with TRL, in the fast suite, on every TRL it supports (scripts/test.sh runs it on
the newest TRL and on 1.12): every private TRL method the trainers override or call still exists with the same
parameters and is still called where the hooks expect."""

from __future__ import annotations

import inspect

import pytest

pytestmark = pytest.mark.trl_compat


def test_grpo_hooks_keep_their_signatures_and_call_sites():
    from trl import GRPOTrainer

    from oneshot_trl.trainers.grpo import TRL_CALL_SITES, TRL_HOOKS

    for name, params in TRL_HOOKS.items():
        method = getattr(GRPOTrainer, name, None)
        assert method is not None, f"TRL removed GRPOTrainer.{name}: update oneshot_trl/trainers/grpo.py"
        assert list(inspect.signature(method).parameters) == params, (
            f"TRL changed GRPOTrainer.{name}'s signature"
        )
    source = inspect.getsource(GRPOTrainer)
    for call in TRL_CALL_SITES:
        assert call in source, (
            f"GRPOTrainer no longer calls {call!r}: "
            "an override in oneshot_trl/trainers/grpo.py would go unused"
        )


def test_transformers_still_asks_the_trainer_which_parameters_decay():
    from transformers import Trainer

    from oneshot_trl.trainers.grpo import TRANSFORMERS_CALL_SITES, TRANSFORMERS_HOOKS

    for name, params in TRANSFORMERS_HOOKS.items():
        method = getattr(Trainer, name, None)
        assert method is not None, f"transformers removed Trainer.{name}: update oneshot_trl/trainers/grpo.py"
        assert list(inspect.signature(method).parameters) == params, f"transformers changed Trainer.{name}"
    for caller, call in TRANSFORMERS_CALL_SITES.items():
        assert call in inspect.getsource(getattr(Trainer, caller)), (
            f"Trainer.{caller} no longer calls {call!r}: decay_all_parameters would go unused"
        )


def test_grpo_hands_reward_functions_what_the_step_recorder_reads():
    from trl import GRPOTrainer

    source = inspect.getsource(GRPOTrainer._calculate_rewards)
    for kwarg in ("trainer_state", "log_metric"):
        assert f'reward_kwargs["{kwarg}"]' in source, (
            f"TRL no longer passes {kwarg} to reward functions: StepRecorder needs it"
        )


@pytest.mark.ppo
def test_trl_ppo_still_calls_the_hooked_methods():
    from oneshot_trl.trainers.ppo import TRL_PPO_HOOKS, ppo_classes

    _, PPOTrainer = ppo_classes()
    for name, lines in TRL_PPO_HOOKS.items():
        source = inspect.getsource(getattr(PPOTrainer, name))
        for line in lines:
            assert line in source, (
                f"TRL's PPOTrainer.{name} no longer contains {line!r}: update oneshot_trl/trainers/ppo.py"
            )
