"""A tiny Qwen2 causal LM and a tokenizer trained in-process: a stand-in for a Hub model, offline.

The saved folder loads like any Hub checkpoint (``AutoModelForCausalLM.from_pretrained(path)``,
``load_tokenizer(path)``) and carries a ChatML chat template like Qwen2.5's. Used by the tests and by
the README's smoke run; the model is untrained (random weights) unless the caller trains it.
"""

from __future__ import annotations

from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# A folder whose tokenizer is one of these generic classes is loaded from its tokenizer.json as saved
# (checkpoints of a locally built model carry no marker file, but this class name).
GENERIC_TOKENIZER_CLASSES = ("PreTrainedTokenizerFast", "TokenizersBackend")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _default_corpus() -> list[str]:
    from .prompts import QWEN25_MATH_COT_SYSTEM, TRAIN_SUFFIX

    words = (
        "Let's think step by step. The answer is \\boxed{12} so the final answer is 3/4 and x = 7. "
        "We compute \\frac{1}{2} + \\sqrt{3} = 0.25, recheck, rethink, recalculate. Therefore (1, 2) [0, 1)."
    )
    digits = " ".join(f"{a} + {b} = {a + b}" for a in range(0, 100, 7) for b in range(0, 100, 13))
    return [words, digits, TRAIN_SUFFIX, QWEN25_MATH_COT_SYSTEM, "user assistant system\n"] * 4


def build_tokenizer(corpus: list[str] | None = None, vocab_size: int = 512):
    """Train a byte-level BPE tokenizer on ``corpus`` and wrap it as a fast HF tokenizer with ChatML."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte encodable: nothing is dropped
        show_progress=False,
    )
    tok.train_from_iterator(corpus or _default_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
    )
    fast.chat_template = CHATML_TEMPLATE
    return fast


def load_tokenizer(path: str | Path):
    """Load a tokenizer saved by this module (or any Hub tokenizer) so that its ids match what was saved.

    ``AutoTokenizer`` maps a folder whose config says ``qwen2`` to ``Qwen2Tokenizer``, which rebuilds the
    vocabulary with other ids; a folder with ``tokenizer.json`` is loaded from that file instead.
    """
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    import json

    path = Path(path)
    config = path / "tokenizer_config.json"
    generic = config.exists() and json.loads(config.read_text()).get("tokenizer_class") in GENERIC_TOKENIZER_CLASSES
    if (path / "tokenizer.json").exists() and (generic or (path / "oneshot_tiny.txt").exists()):
        return PreTrainedTokenizerFast.from_pretrained(str(path))
    return AutoTokenizer.from_pretrained(str(path))


def build_tiny_model(
    out_dir: str | Path,
    *,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 4,
    vocab_size: int = 512,
    seed: int = 0,
    corpus: list[str] | None = None,
) -> Path:
    """Build and save a tiny Qwen2 causal LM with its tokenizer to ``out_dir``; return the path."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(corpus, vocab_size)
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_heads,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=[tokenizer.eos_token_id, tokenizer.pad_token_id], pad_token_id=tokenizer.pad_token_id
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # Marker that tells load_tokenizer to read tokenizer.json as saved (see its docstring).
    (out / "oneshot_tiny.txt").write_text("tokenizer trained in-process by oneshot_trl.tiny_model\n")
    return out
