"""The batch layout both trainer configs share: one optimizer step consumes one generation batch of
``prompts_per_step × num_generations`` completions, as the authors' verl scripts lay a step out
(``data.train_batch_size`` prompts, ``rollout.n`` responses each). The configs derive their gradient
accumulation from it in ``__post_init__``; ``prompts_per_step`` None keeps TRL's own layout.
"""

from __future__ import annotations

import os
from dataclasses import field

from ..errors import OneShotError

PROMPTS_PER_STEP_HELP = (
    "Prompts per optimizer step, each its own group of num_generations completions; in 1-shot these are "
    "copies of the example (the paper: 128). Sets gradient_accumulation_steps so that one optimizer step "
    "consumes exactly one generation batch. None: TRL's own layout."
)


def prompts_per_step_field():
    return field(default=None, metadata={"help": PROMPTS_PER_STEP_HELP})


def world_size() -> int:
    """Processes in the run: set by ``accelerate launch`` and torchrun, before any config is built."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def derived_accumulation(config) -> int:
    """A trainer config's ``gradient_accumulation_steps`` under oneshot's layout (``prompts_per_step``)."""
    return gradient_accumulation(
        config.prompts_per_step, config.num_generations, config.per_device_train_batch_size, world_size()
    )


def gradient_accumulation(prompts_per_step: int, num_generations: int, per_device: int, world: int) -> int:
    """Accumulation steps so that one optimizer step consumes exactly one generation batch
    (prompts_per_step × num_generations completions). Refuse a layout that cannot fit, naming the sizes that
    do."""
    rollouts = prompts_per_step * num_generations
    if prompts_per_step < 1 or per_device < 1 or rollouts % (world * per_device):
        fits = [d for d in range(1, min(rollouts // world, 64) + 1) if rollouts % (world * d) == 0]
        raise OneShotError(
            f"{rollouts} completions per step ({prompts_per_step} prompts × {num_generations} generations) "
            f"is not divisible by {world} device(s) × {per_device} per device; "
            f"per-device sizes that fit: {', '.join(map(str, fits)) or 'none (change --prompts-per-step)'}"
        )
    return rollouts // (world * per_device)
