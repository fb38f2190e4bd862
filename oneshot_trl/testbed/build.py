"""Build the testbed's base model: a char-level tokenizer, a tiny Qwen2, and SFT (TRL's ``SFTTrainer``) on
worked solutions with planted habits, stopped when greedy accuracy on the dev split reaches a target
(partial competence, not a step count). Cached under a hash of the recipe; loadable by path like a Hub model.
"""

from __future__ import annotations

import hashlib
import json
import string
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..prompts import bare_messages
from .task import Habits, make_split

CACHE = Path(".cache") / "testbed"
RECIPE_FILE = "testbed.json"
# The problem alone as the user turn: the paper's 72-character instruction would be ~40% of every sequence of
# this char-level model, and compute is the build's bottleneck. Train and evaluate it with ``--prompt bare``.
PROMPT = "bare"


@dataclass(frozen=True)
class TestbedRecipe:
    """Everything that determines the base model (its hash names the cache folder)."""

    digits: tuple[int, int] = (3, 3)  # one width, one layout: 2-4 digits took ~1.6x the SFT steps
    habits: Habits = field(default_factory=lambda: Habits(slip=0.3, skip_carry=0.1, unboxed=0.3))
    sft_examples: int = 4000
    rl_examples: int = 64
    dev_examples: int = 64
    heldout_examples: int = 200
    hidden_size: int = 64
    layers: int = 4
    heads: int = 4
    learning_rate: float = 3e-3
    warmup_steps: int = 0
    batch_size: int = 32
    max_steps: int = 1500
    eval_every: int = 50
    dev_target: float = 0.6  # greedy accuracy on dev at which SFT stops
    seed: int = 0

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def build_char_tokenizer():
    """One token per character (digits stay digits), ChatML special tokens, and a template like Qwen2.5's."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from ..tiny_model import CHATML_TEMPLATE, SPECIAL_TOKENS

    chars = sorted(set(string.printable) - set("\x0b\x0c\r"))
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, "<unk>", *chars])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   unk_token="<unk>")  # fmt: skip
    fast.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS})
    # Role names as single tokens, as in Qwen's vocabulary: the chat template's "<|im_start|>assistant\n" is
    # 3 tokens instead of 11, and the template was a third of every training sequence.
    fast.add_tokens(["system", "user", "assistant"])
    fast.chat_template = CHATML_TEMPLATE
    return fast


def _conversations(rows: list[dict]) -> list[dict]:
    return [{"prompt": bare_messages(r["problem"]), "completion": [{"role": "assistant", "content": r["solution"]}]}
            for r in rows]  # fmt: skip


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps({k: r[k] for k in ("problem", "answer", "index")}) + "\n" for r in rows))


def build(recipe: TestbedRecipe = TestbedRecipe(), cache: Path = CACHE, log=print) -> Path:
    """Return the folder of the base model for ``recipe``, building it (≈2 min on 2 cores) if not cached."""
    import torch
    from datasets import Dataset
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM, TrainerCallback
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    from ..evaluation import EvalConfig, evaluate
    from ..evaluation.benchmarks import parse_benchmarks

    out = cache / recipe.key()
    if (out / RECIPE_FILE).exists():
        return out
    start = time.time()
    work = out.with_name(out.name + ".partial")
    work.mkdir(parents=True, exist_ok=True)
    splits = {
        "sft": make_split("sft", recipe.sft_examples, recipe.digits, recipe.habits),
        "rl": make_split("rl", recipe.rl_examples, recipe.digits),
        "dev": make_split("dev", recipe.dev_examples, recipe.digits),
        "heldout": make_split("heldout", recipe.heldout_examples, recipe.digits),
    }
    _write_jsonl(work / "rl.jsonl", splits["rl"])
    _write_jsonl(work / "eval_testbed_dev.jsonl", splits["dev"])
    _write_jsonl(work / "eval_testbed_heldout.jsonl", splits["heldout"])

    torch.manual_seed(recipe.seed)
    tokenizer = build_char_tokenizer()
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=recipe.hidden_size, intermediate_size=4 * recipe.hidden_size,
        num_hidden_layers=recipe.layers, num_attention_heads=recipe.heads, num_key_value_heads=recipe.heads,
        max_position_embeddings=512, tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=[tokenizer.eos_token_id], pad_token_id=tokenizer.pad_token_id)

    dev = parse_benchmarks("testbed_dev", work)[0]  # the eval_testbed_dev.jsonl written above
    dev_config = EvalConfig(n=1, temperature=0.0, max_tokens=48, ks=[1], prompt=PROMPT, data_dir=str(work), batch_size=64)
    history: list[dict] = []

    class StopAtDevTarget(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step % recipe.eval_every:
                return
            model.eval()
            accuracy = evaluate(model, tokenizer, [dev], dev_config)["average"]
            model.train()
            history.append({"step": state.global_step, "dev_accuracy": accuracy})
            log(f"  SFT step {state.global_step}: dev greedy accuracy {accuracy:.3f}")
            if accuracy >= recipe.dev_target:
                control.should_training_stop = True

    args = SFTConfig(
        output_dir=str(work / "sft"), max_steps=recipe.max_steps, per_device_train_batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate, lr_scheduler_type="constant_with_warmup", warmup_steps=recipe.warmup_steps, logging_steps=50,
        save_strategy="no", report_to="none", seed=recipe.seed, max_length=256, disable_tqdm=True, bf16=False,
    )  # fmt: skip
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(_conversations(splits["sft"])),
                         processing_class=tokenizer, callbacks=[StopAtDevTarget()])  # fmt: skip
    trainer.remove_callback(PrinterCallback)  # progress is the dev-accuracy lines above
    trainer.train()
    model.save_pretrained(work)
    tokenizer.save_pretrained(work)
    info = {"recipe": asdict(recipe), "key": recipe.key(), "sft_steps": trainer.state.global_step,
            "dev_history": history, "build_seconds": round(time.time() - start, 1)}  # fmt: skip
    (work / RECIPE_FILE).write_text(json.dumps(info, indent=2))
    work.rename(out)
    return out
