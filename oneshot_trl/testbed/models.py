"""Small models built in-process, offline: the tokenizers and the one Qwen2 constructor used by the testbed's
base model (``build.py``) and by the untrained tiny model of the tests and smoke runs (``build_tiny_model``).

A saved folder loads like any Hub checkpoint (``AutoModelForCausalLM.from_pretrained(path)``,
``modeling.load_tokenizer(path)``) and carries a ChatML chat template like Qwen2.5's.
"""

from __future__ import annotations

import string
from pathlib import Path

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def qwen2(
    tokenizer, *, hidden_size: int, layers: int, heads: int, mlp_ratio: int, max_positions: int, seed: int
):
    """A randomly initialised ``Qwen2ForCausalLM`` sized for ``tokenizer`` (tied embeddings, no GQA), whose
    generation stops at the tokenizer's end-of-sequence token."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=mlp_ratio * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=[tokenizer.eos_token_id], pad_token_id=tokenizer.pad_token_id
    )
    return model


def char_tokenizer():
    """One token per character (digits stay digits), ChatML special tokens, and a template like Qwen2.5's."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = sorted(set(string.printable) - set("\x0b\x0c\r"))
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, "<unk>", *chars])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token="<unk>"
    )
    fast.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS})
    # Role names as single tokens, as in Qwen's vocabulary: the chat template's "<|im_start|>assistant\n" is
    # 3 tokens instead of 11, and the template was a third of every training sequence.
    fast.add_tokens(["system", "user", "assistant"])
    fast.chat_template = CHATML_TEMPLATE
    return fast


def _default_corpus() -> list[str]:
    from ..prompts import QWEN25_MATH_COT_SYSTEM, TRAIN_SUFFIX

    words = (
        "Let's think step by step. The answer is \\boxed{12} so the final answer is 3/4 and x = 7. "
        "We compute \\frac{1}{2} + \\sqrt{3} = 0.25, recheck, rethink, recalculate. Therefore (1, 2) [0, 1)."
    )
    digits = " ".join(f"{a} + {b} = {a + b}" for a in range(0, 100, 7) for b in range(0, 100, 13))
    return [words, digits, TRAIN_SUFFIX, QWEN25_MATH_COT_SYSTEM, "user assistant system\n"] * 4


def bpe_tokenizer(corpus: list[str] | None = None, vocab_size: int = 512):
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
    """Build and save an untrained tiny Qwen2 causal LM with a BPE tokenizer to ``out_dir``; return the
    path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = bpe_tokenizer(corpus, vocab_size)
    model = qwen2(
        tokenizer,
        hidden_size=hidden_size,
        layers=num_layers,
        heads=num_heads,
        mlp_ratio=2,
        max_positions=2048,
        seed=seed,
    )
    # Untrained, it may sample the pad token at any point: stop there too, as at the end of sequence.
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, tokenizer.pad_token_id]
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
