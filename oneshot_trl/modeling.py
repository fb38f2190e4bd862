"""Loading a policy and its tokenizer by Hub id or local path, with one-line errors (training and evaluation)."""

from __future__ import annotations

from pathlib import Path

from .errors import OneShotError


def load_model_and_tokenizer(path: str, dtype: str = "auto"):
    """``AutoModelForCausalLM`` and its tokenizer; a missing local path or an unreachable Hub id is a
    ``OneShotError``. A tokenizer without a pad token pads with its end-of-sequence token."""
    from transformers import AutoModelForCausalLM

    from .tiny_model import load_tokenizer

    if path.startswith((".", "/", "~")) and not Path(path).expanduser().exists():
        raise OneShotError(f"model path not found: {path}")
    try:
        tokenizer = load_tokenizer(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except OSError as e:
        raise OneShotError(
            f"could not load model {path!r} ({str(e).splitlines()[0][:160]}); offline, pass a local path"
        ) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer
