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

from transformers import TrainerCallback

from .benchmarks import parse_benchmarks
from .evaluator import EvalConfig, evaluate, merge_shards


class EvalCallback(TrainerCallback):
    def __init__(
        self,
        every: int,
        benchmarks: str,
        limit: int | None,
        data_dir: str | None,
        max_tokens: int,
        tokenizer,
        prompt: str = "train",
        samples: int = 1,
        batch_size: int = 16,
        think: bool = False,
    ) -> None:
        self.every, self.specs, self.tokenizer = every, parse_benchmarks(benchmarks, data_dir), tokenizer
        # In-training checks use the validation prompt and, by default, greedy decoding (as the paper's
        # validation): cheap and comparable from step to step. With samples > 1 they are drawn at temperature
        # 1, with the same seeds at every check, for a model whose greedy answer is already right (the
        # testbed's). Graded by the training reward's rule (boxed), as verl's validation scores with the
        # reward function.
        self.config = EvalConfig(
            n=samples,
            temperature=0.0 if samples == 1 else 1.0,
            max_tokens=max_tokens,
            ks=[1],
            limit=limit,
            data_dir=data_dir,
            prompt=prompt,
            extraction="boxed",
            think=think,
            batch_size=batch_size,
        )
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
