"""``OneShotGRPOTrainer``: TRL's ``GRPOTrainer`` with the paper's extras.

- Entropy bonus: TRL's native ``entropy_coef`` (and adaptive entropy), computed from the temperature-scaled
  logits of the one policy forward pass. This class adds no second entropy term.
- ``pg_coef`` scales the policy-gradient term by scaling the advantages (the clipped surrogate is linear in
  a non-negative scale), leaving the KL and entropy terms as they are: 0 gives the entropy-only ablation.
- Per-step metrics: accuracy on the training example(s), distinct final answers and distinct-2 per group,
  self-reflection word rate, mean response length; and ``history.jsonl`` rows (rank 0).

Every hook into a private TRL method is in this module and listed in ``TRL_HOOKS``; a test fails if TRL
renames them or changes their signatures.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from accelerate.utils import gather_object
from trl import GRPOTrainer

from .evaluation.metrics import REFLECTION_WORDS
from .history import HistoryWriter, step_rows
from .rewards import grade_answer
from .rewards.normalize import normalize
from .rewards.reward import completion_text

#: private GRPOTrainer methods overridden or called here, with the parameters this module relies on.
TRL_HOOKS = {
    "_compute_loss": ["self", "model", "inputs"],
    "_calculate_rewards": ["self", "inputs", "prompts", "completions", "completion_ids_list"],
    "_log_metric": ["self", "name", "value"],
}
#: where TRL must still call the overridden methods for the overrides to take effect.
TRL_CALL_SITES = ["self._compute_loss(", "self._calculate_rewards("]


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Unique word n-grams / all word n-grams over a group of completions (1.0 = no repetition)."""
    total, unique = 0, set()
    for text in texts:
        words = text.split()
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else 0.0


class OneShotGRPOTrainer(GRPOTrainer):
    """GRPO for 1-shot RLVR. Takes ``OneShotGRPOConfig`` and, optionally, ``history_path``."""

    def __init__(self, *args: Any, history_path: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        writes = history_path is not None and self.accelerator.is_main_process
        self.history = HistoryWriter(history_path) if writes else None

    # --- hook: the loss ------------------------------------------------------------------------------
    def _compute_loss(self, model, inputs):
        pg_coef = getattr(self.args, "pg_coef", 1.0)
        if pg_coef != 1.0:
            inputs = {**inputs, "advantages": inputs["advantages"] * pg_coef}
        return super()._compute_loss(model, inputs)

    # --- hook: rewards, where every completion of the step is at hand ------------------------------------
    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        if self.model.training:
            self._record_step(inputs, completions, completion_ids_list)
        return rewards

    def _record_step(self, inputs, completions, completion_ids_list) -> None:
        think = getattr(self.args, "think", False)
        timeout = getattr(self.args, "reward_timeout", 1.0)
        local = []
        for example, completion, ids in zip(inputs, completions, completion_ids_list, strict=True):
            text = completion_text(completion)
            pred, verdict = grade_answer(text, example.get("answer", ""), think=think, timeout=timeout)
            correct = bool(verdict)  # no verdict (timeout, ungradable gold) is not a correct answer here
            local.append({
                "index": int(example.get("index", -1)), "example_id": example.get("example_id", ""),
                "correct": correct, "answer": normalize(pred).text if pred is not None else None,
                "reflects": bool(REFLECTION_WORDS.search(text)), "tokens": len(ids), "text": text,
            })  # fmt: skip
        # Gathered in process order, so each group's num_generations completions are contiguous (as in TRL).
        rows = gather_object(local)
        g = self.num_generations
        groups = [rows[i : i + g] for i in range(0, len(rows), g)]
        self._log_metric("oneshot/train_accuracy", sum(r["correct"] for r in rows) / len(rows))
        self._log_metric("oneshot/distinct_answers", sum(len({r["answer"] for r in grp}) for grp in groups) / len(groups))
        self._log_metric("oneshot/distinct_2", sum(distinct_n([r["text"] for r in grp]) for grp in groups) / len(groups))
        self._log_metric("oneshot/reflection_rate", sum(r["reflects"] for r in rows) / len(rows))
        self._log_metric("oneshot/mean_response_tokens", sum(r["tokens"] for r in rows) / len(rows))
        by_example = defaultdict(list)
        for r in rows:
            by_example[r["example_id"]].append(r["correct"])
        if 1 < len(by_example) <= 16:  # few-shot mixes: one accuracy per example
            for example_id in sorted(by_example):
                hits = by_example[example_id]
                self._log_metric(f"oneshot/accuracy/{example_id}", sum(hits) / len(hits))
        if self.history is not None:
            step = self.state.global_step + 1  # the optimizer step these completions will train
            self.history.append(step_rows(step, [r["index"] for r in rows], [r["example_id"] for r in rows],
                                          [r["correct"] for r in rows]))  # fmt: skip
