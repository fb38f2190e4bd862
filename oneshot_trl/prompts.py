"""Prompt templates: the paper's training prompt and the Qwen2.5-Math CoT evaluation prompt.

Training (the authors' files): the problem, as stored, followed by ``TRAIN_SUFFIX``, as one user turn that
goes through the model's chat template (verl's ``RLHFDataset.__getitem__``: ``apply_chat_template(chat,
add_generation_prompt=True, tokenize=False)``, then tokens without special tokens, as TRL tokenizes it).
Evaluation (the Qwen2.5-Math harness, ``qwen25-math-cot``): a system turn asking for step-by-step reasoning
and a boxed answer, then the problem as the user turn.
``bare`` is the problem alone as the user turn, for small models whose context the paper's suffix would
dominate (the offline testbed). A tokenizer with no chat template (a base model saved without one) gets a
plain-text fallback.
"""

from __future__ import annotations

import warnings
from typing import Any

from .errors import OneShotError

TRAIN_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."
QWEN25_MATH_COT_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."

Messages = list[dict[str, str]]


def train_messages(problem: str) -> Messages:
    """The paper's training prompt as a conversation (one user turn): the problem as stored, unstripped,
    then the suffix, byte for byte the authors' ``f"{question} {instruction}"`` (their
    ``data/deepscaler_dataset.py``, line 44); 39 DSR-sub problems end in whitespace a strip would drop."""
    return [{"role": "user", "content": problem + TRAIN_SUFFIX}]


def qwen25_math_cot_messages(problem: str) -> Messages:
    """The Qwen2.5-Math harness's CoT prompt (``qwen25-math-cot``) as a conversation."""
    return [
        {"role": "system", "content": QWEN25_MATH_COT_SYSTEM},
        {"role": "user", "content": problem.strip()},
    ]


def bare_messages(problem: str) -> Messages:
    """The problem alone as the user turn (no instruction): for models trained on that layout."""
    return [{"role": "user", "content": problem.strip()}]


TEMPLATES = {"train": train_messages, "qwen25-math-cot": qwen25_math_cot_messages, "bare": bare_messages}


def check_template(name: str) -> None:
    """Refuse an unknown template name in one line (before any work or file is touched)."""
    if name not in TEMPLATES:
        raise OneShotError(f"unknown prompt template {name!r}; choose {', '.join(TEMPLATES)}")


def prompt_messages(problem: str, template: str = "train") -> Messages:
    """The conversation of ``problem`` in the named template."""
    check_template(template)
    return TEMPLATES[template](problem)


def has_chat_template(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def fallback_text(messages: Messages) -> str:
    """Plain-text rendering for tokenizers without a chat template: turns joined by blank lines."""
    return "\n\n".join(m["content"] for m in messages) + "\n"


def render_prompt(tokenizer: Any, messages: Messages) -> str:
    """The exact text the model sees: the chat template with a generation prompt, or the fallback."""
    if has_chat_template(tokenizer):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    warnings.warn(
        "the tokenizer has no chat template; prompts are plain text (turns joined by blank lines)",
        stacklevel=2,
    )
    return fallback_text(messages)
