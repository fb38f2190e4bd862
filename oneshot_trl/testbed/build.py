"""Build the testbed's base model: a char-level tokenizer, a tiny Qwen2, and SFT (TRL's ``SFTTrainer``) on
worked solutions with planted habits, stopped at a level of competence rather than a step count.

Where the base lands decides what RL has left to teach, and the exact SFT trajectory differs between CPUs
(floating-point reductions), so the stop is measured where it is stable: sampled accuracy (temperature 1,
the way RL sees the model) on many dev problems and samples, and SFT stops once the lower end of its 95%
confidence interval (Wilson) reaches the target. The build is deterministic on a given machine
(``torch.use_deterministic_algorithms``, a fixed thread count, seeded data order and sampling). Cached under
a hash of the recipe; loadable by path like a Hub model.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..prompts import bare_messages
from .models import char_tokenizer, qwen2
from .task import Habits, make_split

CACHE = Path(".cache") / "testbed"
RECIPE_FILE = "testbed.json"
# The problem alone as the user turn: the paper's 72-character instruction would be ~40% of every sequence of
# this char-level model, and compute is the build's bottleneck. Train and evaluate it with ``--prompt bare``.
PROMPT = "bare"


@dataclass(frozen=True)
class TestbedRecipe:
    """Everything that determines the base model (with the build's code, its hash names the cache folder)."""

    __test__ = False  # a recipe, not a pytest test class (its name starts with "Test")

    # Two digits: a 0.3M model learns the column work within the budget (its worked held-out answers ~0.9
    # right at T=1), so RL's gain is the habit it removes, not arithmetic drilled on one example. With 3
    # digits they were 0.59-0.76 right, and 1-shot RL on π1 copied π1's digits into other problems' columns
    # (base seed 1: 0.59 -> 0.47).
    digits: tuple[int, int] = (2, 2)
    # Every problem carries at least once: in trial runs, RL on a carry-free π1 rewarded dropping carries
    # (held-out greedy accuracy 0.97 -> 0.68).
    carries: bool = True
    # Habits the base imitates: guesses (the habit one example can fix) and unboxed answers (the one the
    # format-only reward fixes). No slipped columns or skipped carries: fixing those is per-digit work, which
    # RL on one example learned by copying that example's digits.
    habits: Habits = field(default_factory=lambda: Habits(guess=0.4, unboxed=0.15))
    sft_examples: int = 4000
    rl_examples: int = 64
    dev_examples: int = 128
    dev_samples: int = 4  # samples per dev problem at temperature 1 in each stop check
    heldout_examples: int = 200
    hidden_size: int = 64
    layers: int = 4
    heads: int = 4
    learning_rate: float = 3e-3
    warmup_steps: int = 0
    batch_size: int = 32
    max_steps: int = 2000
    eval_every: int = 50
    dev_target: float = 0.3  # SFT cools down once the 95% lower bound of sampled dev accuracy reaches this
    cooldown_steps: int = 150  # then the learning rate falls linearly to 0 over these steps, and SFT stops
    threads: int = 2  # torch threads during the build: part of the recipe, since it changes the floats
    seed: int = 0

    def key(self) -> str:
        """The cache folder's name: a hash of this recipe and of the code that turns it into a model (the
        task's text and the build), so that a changed solution format is never served from an old cache."""
        code = b"".join(
            (Path(__file__).parent / name).read_bytes() for name in ("task.py", "build.py", "models.py")
        )
        recipe = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(recipe + code).hexdigest()[:12]


def wilson_lower_bound(successes: int, trials: int, z: float = 1.96) -> float:
    """Lower end of the Wilson score interval for a proportion (95% by default).

    >>> round(wilson_lower_bound(150, 512), 3), wilson_lower_bound(0, 10)
    (0.255, 0.0)
    """
    if trials == 0:
        return 0.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z * z / trials))


def _conversations(rows: list[dict]) -> list[dict]:
    return [
        {
            "prompt": bare_messages(r["problem"]),
            "completion": [{"role": "assistant", "content": r["solution"]}],
        }
        for r in rows
    ]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps({k: r[k] for k in ("problem", "answer", "index")}) + "\n" for r in rows)
    )


def build(recipe: TestbedRecipe = TestbedRecipe(), cache: Path = CACHE, log=print) -> Path:
    """Return the folder of the base model for ``recipe``, building it (≈2 min on 2 cores) if not cached."""
    import torch

    out = cache / recipe.key()
    if (out / RECIPE_FILE).exists():
        return out
    start = time.time()
    work = out.with_name(out.name + ".partial")
    work.mkdir(parents=True, exist_ok=True)
    splits = {
        "sft": make_split("sft", recipe.sft_examples, recipe.digits, recipe.habits, recipe.carries),
        "rl": make_split("rl", recipe.rl_examples, recipe.digits, carries=recipe.carries),
        "dev": make_split("dev", recipe.dev_examples, recipe.digits, carries=recipe.carries),
        "heldout": make_split("heldout", recipe.heldout_examples, recipe.digits, carries=recipe.carries),
    }
    _write_jsonl(work / "rl.jsonl", splits["rl"])
    _write_jsonl(work / "eval_testbed_dev.jsonl", splits["dev"])
    _write_jsonl(work / "eval_testbed_heldout.jsonl", splits["heldout"])

    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    fill = torch.utils.deterministic.fill_uninitialized_memory
    torch.set_num_threads(recipe.threads)
    torch.use_deterministic_algorithms(True)
    # Deterministic mode also fills every new tensor with NaN, and TRL 1.15+'s fused LM head allocates a large
    # scratch tile per forward and backward: that fill was 60% of an SFT step. Nothing reads those tiles
    # before writing them, so the weights are the same without it.
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        return _build(recipe, out, work, splits, start, log)
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
        torch.utils.deterministic.fill_uninitialized_memory = fill


def _build(recipe: TestbedRecipe, out: Path, work: Path, splits: dict, start: float, log) -> Path:
    from datasets import Dataset
    from transformers import TrainerCallback
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    from ..evaluation import EvalConfig, evaluate
    from ..evaluation.benchmarks import parse_benchmarks

    tokenizer = char_tokenizer()
    model = qwen2(
        tokenizer,
        hidden_size=recipe.hidden_size,
        layers=recipe.layers,
        heads=recipe.heads,
        mlp_ratio=4,
        max_positions=512,
        seed=recipe.seed,
    )

    dev = parse_benchmarks("testbed_dev", work)[0]  # the eval_testbed_dev.jsonl written above
    dev_config = EvalConfig(
        n=recipe.dev_samples,
        temperature=1.0,
        max_tokens=48,
        ks=[1],
        prompt=PROMPT,
        data_dir=str(work),
        batch_size=256,
        seed=recipe.seed,
    )
    history: list[dict] = []

    def dev_check(step: int, **extra) -> dict:
        """Sampled dev accuracy of the model now, with its 95% lower bound; appended to the history."""
        model.eval()
        summary = evaluate(model, tokenizer, [dev], dev_config)["benchmarks"][dev.name]
        model.train()
        trials = summary["problems"] * summary["samples_per_problem"]
        row = {
            "step": step,
            "dev_accuracy": summary["accuracy"],
            "dev_lower_bound": wilson_lower_bound(round(summary["accuracy"] * trials), trials),
            "dev_boxed_rate": 1 - summary["no_answer_rate"],
            **extra,
        }
        history.append(row)
        return row

    class StopAtDevTarget(TrainerCallback):
        """Checks the dev criterion; once it is met, the learning rate falls linearly to 0 and SFT stops.

        The cool-down is what makes the landing stable: at the constant learning rate the model swings
        between checks (sampled dev accuracy 0.16 → 0.06 → 0.21 in 100 steps), so where a threshold is
        first crossed says little about the model after it; annealing settles it."""

        cooldown_from: int | None = None

        def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
            if self.cooldown_from is not None:
                left = 1 - (state.global_step - self.cooldown_from) / recipe.cooldown_steps
                for group in optimizer.param_groups:
                    group["lr"] = recipe.learning_rate * max(0.0, left)

        def on_step_end(self, args, state, control, **kwargs):
            if self.cooldown_from is not None:
                if state.global_step - self.cooldown_from >= recipe.cooldown_steps:
                    control.should_training_stop = True
                return
            if state.global_step % recipe.eval_every:
                return
            row = dev_check(state.global_step)
            log(
                f"  SFT step {state.global_step}: dev sampled accuracy {row['dev_accuracy']:.3f} "
                f"(95% lower bound {row['dev_lower_bound']:.3f}, target {recipe.dev_target})"
            )
            if row["dev_lower_bound"] >= recipe.dev_target:
                self.cooldown_from = state.global_step
                log(f"  dev target reached: learning rate to 0 over {recipe.cooldown_steps} steps")

    args = SFTConfig(
        output_dir=str(work / "sft"),
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=recipe.warmup_steps,
        logging_steps=50,
        save_strategy="no",
        report_to="none",
        seed=recipe.seed,
        data_seed=recipe.seed,
        max_length=256,
        disable_tqdm=True,
        bf16=False,
        dataloader_num_workers=0,
        full_determinism=False,
        gradient_checkpointing=False,  # TRL turns it on; 0.3M params need no memory saving
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(_conversations(splits["sft"])),
        processing_class=tokenizer,
        callbacks=[StopAtDevTarget()],
    )
    trainer.remove_callback(PrinterCallback)  # progress is the dev-accuracy lines above
    trainer.train()
    final = dev_check(trainer.state.global_step, final=True)
    log(f"  SFT done at step {trainer.state.global_step}: dev sampled accuracy {final['dev_accuracy']:.3f}")
    model.save_pretrained(work)
    tokenizer.save_pretrained(work)
    info = {
        "recipe": asdict(recipe),
        "key": recipe.key(),
        "sft_steps": trainer.state.global_step,
        "dev_history": history,
        "build_seconds": round(time.time() - start, 1),
    }
    (work / RECIPE_FILE).write_text(json.dumps(info, indent=2))
    work.rename(out)
    return out
