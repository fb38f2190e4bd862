"""``OneShotGRPOConfig`` and ``OneShotGRPOTrainer``: TRL's GRPO config and trainer with the paper's extras.

- Entropy bonus: TRL's native ``entropy_coef`` (and adaptive entropy), computed from the temperature-scaled
  logits of the one policy forward pass. This class adds no second entropy term.
- ``pg_coef`` scales the policy-gradient term by scaling the advantages (the clipped surrogate is linear in
  a non-negative scale), leaving the KL and entropy terms as they are: 0 gives the entropy-only ablation.
- ``decay_all_parameters``: weight decay on every parameter, as verl's AdamW (``get_decay_parameter_names``).
- Per-step metrics: accuracy on the training example(s), distinct final answers and distinct-2 per group,
  self-reflection word rate, mean response length; and ``history.jsonl`` rows (rank 0): ``StepRecorder``,
  through TRL's public reward-function interface.

Every hook into a private TRL method is in this module and listed in ``TRL_HOOKS`` (transformers' in
``TRANSFORMERS_HOOKS``); a test fails if TRL or transformers renames them, changes their signatures or stops
calling them.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from accelerate.utils import gather_object
from trl import GRPOConfig, GRPOTrainer

from ..card import ModelCardMixin
from ..evaluation.metrics import REFLECTION_WORDS
from ..history import HistoryWriter, accuracy_metrics, step_rows
from ..rewards import grade_answer
from ..rewards.normalize import normalize
from ..rewards.reward import completion_text
from .layout import derived_accumulation, prompts_per_step_field

#: private GRPOTrainer methods overridden here, with the parameters this module relies on (checked against
#: TRL 1.12.0 and 1.16.0 by tests/test_trl_contract.py). The per-step records need no private hook: TRL hands
#: every reward function the step's completions, the dataset columns, ``trainer_state`` and ``log_metric``.
TRL_HOOKS = {"_compute_loss": ["self", "model", "inputs"]}
#: where TRL must still call the overridden methods for the overrides to take effect.
TRL_CALL_SITES = ["self._compute_loss("]
#: transformers ``Trainer`` methods overridden here (``decay_all_parameters``), with their parameters, and the
#: call its ``create_optimizer`` must still make for the override to take effect (tests/test_trl_contract.py).
TRANSFORMERS_HOOKS = {"get_decay_parameter_names": ["self", "model"]}
TRANSFORMERS_CALL_SITES = {"create_optimizer": "self.get_decay_parameter_names("}


@dataclass
class OneShotGRPOConfig(GRPOConfig):
    """``GRPOConfig`` plus the knobs of the paper's ablations. TRL's ``entropy_coef`` is the entropy bonus."""

    _argument_group_name = "the trainer (TRL's GRPOConfig and oneshot's additions)"  # a --help section

    prompts_per_step: int | None = prompts_per_step_field()
    pg_coef: float = field(
        default=1.0,
        metadata={
            "help": "Scale of the policy-gradient term (advantages are multiplied by it). 0 gives the "
            "paper's entropy-only / KL-only ablations (Tab. 5 rows 8-10); KL and entropy terms are unchanged."
        },
    )
    reward_timeout: float = field(
        default=1.0,
        metadata={"help": "Seconds allowed to grade one answer symbolically; slower answers score 0."},
    )
    decay_all_parameters: bool = field(
        default=False,
        metadata={
            "help": "Apply weight_decay to every parameter, biases and norm weights too, as verl's AdamW "
            "does (the paper recipes); off: transformers' Trainer leaves biases and norms undecayed."
        },
    )
    think: bool = field(
        default=False, metadata={"help": "Grade only the text after </think> (R1-style models)."}
    )
    logging_steps: float = field(
        default=1, metadata={"help": "Log every N steps (metrics.jsonl has one line per log)."}
    )
    disable_tqdm: bool = field(
        default=True, metadata={"help": "TRL's tqdm bar; oneshot shows a rich progress bar instead."}
    )

    def __post_init__(self):
        # oneshot's layout, set before GRPOConfig derives its batches from the accumulation
        if self.prompts_per_step is not None:
            self.gradient_accumulation_steps = derived_accumulation(self)
        super().__post_init__()


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Unique word n-grams / all word n-grams over a group of completions (1.0 = no repetition)."""
    total, unique = 0, set()
    for text in texts:
        words = text.split()
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else 0.0


class StepRecorder:
    """The run's reward function, wrapped: it returns the wrapped function's rewards unchanged and, while the
    trainer trains, grades every completion of the step against the answer (whatever the reward), logs the
    per-step metrics through TRL's ``log_metric`` and appends the step's rows to ``history.jsonl``."""

    def __init__(self, reward_func: Any, trainer: OneShotGRPOTrainer) -> None:
        self.reward_func = reward_func
        self.__name__ = getattr(reward_func, "__name__", type(reward_func).__name__)  # TRL's metric names
        self._trainer = weakref.ref(trainer)  # the trainer holds this recorder; no cycle to keep it alive

    def __call__(self, prompts, completions, completion_ids, **columns):
        rewards = self.reward_func(
            prompts=prompts, completions=completions, completion_ids=completion_ids, **columns
        )
        trainer = self._trainer()
        if trainer is not None and trainer.model.training:
            self.record(trainer, completions, completion_ids, columns)
        return rewards

    def record(self, trainer: OneShotGRPOTrainer, completions, completion_ids, columns: dict) -> None:
        think = getattr(trainer.args, "think", False)
        timeout = getattr(trainer.args, "reward_timeout", 1.0)
        n = len(completions)
        answers, indices = columns.get("answer", [""] * n), columns.get("index", [-1] * n)
        example_ids = columns.get("example_id", [""] * n)
        local = []
        for completion, ids, answer, index, example_id in zip(
            completions, completion_ids, answers, indices, example_ids, strict=True
        ):
            text = completion_text(completion)
            pred, verdict = grade_answer(text, answer, think=think, timeout=timeout)
            local.append(
                {
                    "index": int(index),
                    "example_id": example_id,
                    "correct": bool(verdict),  # no verdict (timeout, ungradable gold) is not a correct answer
                    "answer": normalize(pred).text if pred is not None else None,
                    "reflects": bool(REFLECTION_WORDS.search(text)),
                    "tokens": len(ids),
                    "text": text,
                }
            )
        # Gathered in process order, so each group's num_generations completions are contiguous (as in TRL).
        rows = gather_object(local)
        log = columns["log_metric"]
        g = trainer.num_generations
        groups = [rows[i : i + g] for i in range(0, len(rows), g)]
        for name, value in accuracy_metrics(rows).items():
            log(name, value)
        log("oneshot/distinct_answers", sum(len({r["answer"] for r in grp}) for grp in groups) / len(groups))
        log("oneshot/distinct_2", sum(distinct_n([r["text"] for r in grp]) for grp in groups) / len(groups))
        log("oneshot/reflection_rate", sum(r["reflects"] for r in rows) / len(rows))
        log("oneshot/mean_response_tokens", sum(r["tokens"] for r in rows) / len(rows))
        if trainer.history is not None:
            step = columns["trainer_state"].global_step + 1  # the optimizer step these completions will train
            indices = [r["index"] for r in rows]
            ids = [r["example_id"] for r in rows]
            trainer.history.append(step_rows(step, indices, ids, [r["correct"] for r in rows]))


class OneShotGRPOTrainer(ModelCardMixin, GRPOTrainer):
    """GRPO for 1-shot RLVR. Takes ``OneShotGRPOConfig`` and, optionally, ``history_path``. The first reward
    function (a Python function) is wrapped by ``StepRecorder`` for the per-step metrics and history."""

    def __init__(
        self, model, reward_funcs, *args: Any, history_path: str | Path | None = None, **kwargs: Any
    ) -> None:
        funcs = list(reward_funcs) if isinstance(reward_funcs, (list, tuple)) else [reward_funcs]
        if isinstance(funcs[0], (str, torch.nn.Module)):
            raise TypeError(
                "OneShotGRPOTrainer records each step through its first reward function, "
                "which must be a Python function (put model-based rewards after it)"
            )
        super().__init__(model, [StepRecorder(funcs[0], self), *funcs[1:]], *args, **kwargs)
        writes = history_path is not None and self.accelerator.is_main_process
        self.history = HistoryWriter(history_path) if writes else None

    # --- hook: which parameters AdamW decays ----------------------------------------------------------
    def get_decay_parameter_names(self, model):
        # verl builds AdamW over model.parameters() with one weight_decay (fsdp_workers.py 269-272)
        if getattr(self.args, "decay_all_parameters", False):
            return [name for name, _ in model.named_parameters()]
        return super().get_decay_parameter_names(model)

    # --- hook: the loss ------------------------------------------------------------------------------
    def _compute_loss(self, model, inputs):
        pg_coef = getattr(self.args, "pg_coef", 1.0)
        if pg_coef != 1.0:
            inputs = {**inputs, "advantages": inputs["advantages"] * pg_coef}
        return super()._compute_loss(model, inputs)
