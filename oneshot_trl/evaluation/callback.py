"""In-training validation: the evaluator as a ``TrainerCallback`` (``oneshot train --eval-every N``).

Runs every N optimizer steps with the live policy (greedy, or sampled with ``--eval_samples``), and puts ``eval/<bench>/accuracy`` (and
``eval/average``) into that step's log row, so ``metrics.jsonl`` and ``report_to`` both get them.

Every rank takes part: each generates for its share of the problems (the same number on every rank, so that
under DeepSpeed ZeRO-3, where each forward pass gathers parameters from all ranks, no rank waits forever),
and the records are gathered and summarised once. Under plain DDP and ZeRO-2 the split just saves time.
"""

from __future__ import annotations

from transformers import TrainerCallback

from .benchmarks import parse_benchmarks
from .evaluator import EvalConfig, evaluate, merge_shards


class EvalCallback(TrainerCallback):
    def __init__(self, every: int, benchmarks: str, limit: int | None, data_dir: str | None, max_tokens: int,
                 tokenizer, prompt: str = "train", samples: int = 1) -> None:  # fmt: skip
        self.every, self.specs, self.tokenizer = every, parse_benchmarks(benchmarks, data_dir), tokenizer
        # In-training checks use the training prompt and, by default, greedy decoding (as the paper's validation):
        # cheap and comparable from step to step. With samples > 1 they are drawn at temperature 1, with the same
        # seeds at every check, for a model whose greedy answer is already right (the testbed's).
        self.config = EvalConfig(n=samples, temperature=0.0 if samples == 1 else 1.0, max_tokens=max_tokens, ks=[1],
                                 limit=limit, data_dir=data_dir, prompt=prompt)  # fmt: skip
        self.pending: dict[str, float] = {}

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.every <= 0 or state.global_step % self.every or model is None:
            return
        world = max(1, args.world_size)
        was_training = model.training
        model.eval()
        try:
            summary = evaluate(model, self.tokenizer, self.specs, self.config,
                               shard=(args.process_index, world) if world > 1 else None)  # fmt: skip
        finally:
            model.train(was_training)
        if world > 1:
            from accelerate.utils import gather_object

            summary = merge_shards(gather_object([summary["records"]]), self.config)
        if state.is_world_process_zero:
            self.pending = {f"eval/{name}/accuracy": b["accuracy"] for name, b in summary["benchmarks"].items()}
            self.pending["eval/average"] = summary["average"]
            control.should_log = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.pending and logs is not None:
            logs.update(self.pending)
            self.pending = {}
