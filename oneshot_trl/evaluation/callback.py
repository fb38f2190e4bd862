"""In-training validation: the evaluator as a ``TrainerCallback`` (``oneshot train --eval-every N``).

Runs before the first step (``--eval_before_train``, logged as step 0, as verl's ``val_before_train``) and
every N optimizer steps with the live policy (greedy, or sampled with ``--eval_samples``), and puts
``eval/<bench>/accuracy`` (and ``eval/average``) into that step's log row, so ``metrics.jsonl`` and
``report_to`` both get them.

Every rank takes part: each generates for its share of the problems (the same number on every rank, so that
under DeepSpeed ZeRO-3, where each forward pass gathers parameters from all ranks, no rank waits forever),
and the records are gathered and summarised once. Under plain DDP and ZeRO-2 the split just saves time.
"""

from __future__ import annotations

import dataclasses
import typing

from transformers import TrainerCallback

from .benchmarks import parse_benchmarks
from .evaluator import EvalConfig, evaluate, merge_shards

# The part of ``EvalConfig`` that in-training validation exposes: its fields under ``eval_`` names (bare, they
# would clash with the trainer's ``temperature`` and the run's ``prompt``), with their values in training and
# what training adds to their help. The rest is fixed in ``eval_config``.
IN_TRAINING = {  # EvalConfig field -> (flag, default in training, added help)
    "n": (
        "eval_samples",
        1,
        "In training: 1, greedy (the paper's validation); more are drawn at temperature 1.",
    ),
    "max_tokens": ("eval_max_tokens", 3072, ""),
    "prompt": (
        "eval_prompt",
        None,
        "In training, default: the training prompt; the authors validate on the raw problem: bare.",
    ),
    "limit": ("eval_limit", None, "In training: of each validation benchmark."),
    "data_dir": ("eval_data_dir", None, ""),
    "batch_size": (
        "eval_batch_size",
        16,
        "A chunk's samples are seeded by its position: another size draws other samples.",
    ),
}
# When and on what to validate: no part of ``EvalConfig``, which evaluates the benchmarks it is handed.
SCHEDULE = {  # flag -> (type, default, help)
    "eval_every": (int, 0, "Validate every N optimizer steps (0: never)."),
    "eval_benchmarks": (str, "math500", "Benchmarks for in-training validation (comma list)."),
    "eval_before_train": (
        bool,
        True,
        "With --eval_every, also validate before the first step, logged as step 0 (verl's val_before_train; "
        "skipped on --resume).",
    ),
}


def _eval_config(self, prompt: str, think: bool) -> EvalConfig:
    """How each check evaluates: the ``eval_*`` settings, on the training prompt unless ``eval_prompt`` says
    otherwise. Greedy on one sample (cheap, comparable from step to step); with more samples they are drawn
    at temperature 1 with the same seeds at every check, for a model whose greedy answer is already right (the
    testbed's). Graded by the training reward's rule (boxed), as verl's validation scores with the reward."""
    settings = {name: getattr(self, flag) for name, (flag, _, _) in IN_TRAINING.items()}
    settings["prompt"] = settings["prompt"] or prompt
    return EvalConfig(
        **settings, temperature=0.0 if settings["n"] == 1 else 1.0, ks=[1], extraction="boxed", think=think
    )


def _validation_arguments() -> type:
    """The in-training validation options as a dataclass (``RunConfig`` inherits it), made from
    ``EvalConfig``'s fields: each setting, its type and its help are written once."""
    hints = typing.get_type_hints(EvalConfig)
    helps = {f.name: f.metadata["help"] for f in dataclasses.fields(EvalConfig)}
    made = []
    for name, (flag, default, note) in IN_TRAINING.items():
        kind = hints[name] if default is not None else hints[name] | None
        made.append(
            (
                flag,
                kind,
                dataclasses.field(default=default, metadata={"help": f"{helps[name]} {note}".strip()}),
            )
        )
    for flag, (kind, default, text) in SCHEDULE.items():
        made.append((flag, kind, dataclasses.field(default=default, metadata={"help": text})))
    cls = dataclasses.make_dataclass("ValidationArguments", made, namespace={"eval_config": _eval_config})
    cls.__module__, cls.__doc__ = (
        __name__,
        "In-training validation: when, on what, and how (``eval_config``).",
    )
    return cls


ValidationArguments = _validation_arguments()


class EvalCallback(TrainerCallback):
    """Validate with ``config`` on ``benchmarks`` every ``every`` optimizer steps (and before the first, once
    ``attach``ed with ``before_train``)."""

    def __init__(self, config: EvalConfig, benchmarks: str, every: int, tokenizer) -> None:
        self.config, self.every, self.tokenizer = config, every, tokenizer
        self.specs = parse_benchmarks(benchmarks, config.data_dir)
        self.pending: dict[str, float] = {}
        self.trainer, self.before_train = None, False

    def attach(self, trainer, before_train: bool) -> None:
        """The trainer whose ``log`` records the step-0 check (there is no step's log row to join yet)."""
        self.trainer, self.before_train = trainer, before_train

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if self.before_train and self.trainer is not None and model is not None:
            metrics = self._check(args, state, model)
            if state.is_world_process_zero:
                self.trainer.log(metrics)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.every <= 0 or state.global_step % self.every or model is None:
            return
        metrics = self._check(args, state, model)
        if state.is_world_process_zero:
            self.pending = metrics
            control.should_log = True

    def _check(self, args, state, model) -> dict[str, float]:
        """Every rank evaluates its share; the merged accuracies (meaningful on the main process)."""
        world = max(1, args.world_size)
        was_training = model.training
        model.eval()
        try:
            summary = evaluate(
                model,
                self.tokenizer,
                self.specs,
                self.config,
                shard=(args.process_index, world) if world > 1 else None,
            )
        finally:
            model.train(was_training)
        if world > 1:
            from accelerate.utils import gather_object

            summary = merge_shards(gather_object([summary["records"]]), self.config)
        metrics = {}
        for name, b in summary["benchmarks"].items():
            metrics[f"eval/{name}/accuracy"] = b["accuracy"]
            # the 95% interval over the check's problems: two checks closer than it are not told apart
            metrics[f"eval/{name}/accuracy_low"], metrics[f"eval/{name}/accuracy_high"] = b["accuracy_ci"]
        return {**metrics, "eval/average": summary["average"]}

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.pending and logs is not None:
            logs.update(self.pending)
            self.pending = {}
