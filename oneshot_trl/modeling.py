"""Loading a policy and its tokenizer by Hub id or local path, with one-line errors.

Training and evaluation load through it."""

from __future__ import annotations

from pathlib import Path

from .errors import OneShotError

# A folder whose tokenizer is one of these generic classes is loaded from its tokenizer.json as saved (the
# tokenizers built in-process by ``testbed.models`` save as one of them).
GENERIC_TOKENIZER_CLASSES = ("PreTrainedTokenizerFast", "TokenizersBackend")


def load_tokenizer(path: str | Path, revision: str = "main"):
    """Load a tokenizer by Hub id or local folder so that its ids are the ones it was saved with.

    ``AutoTokenizer`` maps a folder whose config says ``qwen2`` to ``Qwen2Tokenizer``, which rebuilds the
    vocabulary with other ids; a folder whose ``tokenizer.json`` was saved by a generic fast tokenizer is
    loaded from that file instead.
    """
    import json

    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    folder = Path(path)
    config = folder / "tokenizer_config.json"
    generic = (
        config.exists() and json.loads(config.read_text()).get("tokenizer_class") in GENERIC_TOKENIZER_CLASSES
    )
    if generic and (folder / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(str(folder))
    return AutoTokenizer.from_pretrained(str(path), revision=revision)


def load_model_and_tokenizer(
    path: str, dtype: str = "auto", revision: str = "main", attn_implementation: str | None = None
):
    """``AutoModelForCausalLM`` and its tokenizer (at ``revision``, as TRL's ``ModelConfig`` names it); a
    missing local path or an unreachable Hub id is a ``OneShotError``. A tokenizer without a pad token pads
    with its end-of-sequence token."""
    from transformers import AutoModelForCausalLM

    if path.startswith((".", "/", "~")) and not Path(path).expanduser().exists():
        raise OneShotError(f"model path not found: {path}")
    try:
        tokenizer = load_tokenizer(path, revision)
        model = AutoModelForCausalLM.from_pretrained(
            path, dtype=dtype, revision=revision, attn_implementation=attn_implementation
        )
    except OSError as e:
        raise OneShotError(
            f"could not load model {path!r} ({str(e).splitlines()[0][:160]}); offline, pass a local path"
        ) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


GENERATION_DTYPES = ("auto", "harness", "float32", "float16", "bfloat16")
# Files only a folder written by ``oneshot train`` holds (a checkpoint-*, or the run's final model).
TRAINED_MARKERS = ("trainer_state.json", "run.json")


def generation_dtype(path: str, requested: str = "auto") -> str:
    """The dtype to generate with. ``auto`` is the rule of vLLM's ``dtype="auto"``, which the authors'
    evaluation used: a float32 checkpoint runs in float16, any other in its own dtype (bfloat16 stays
    bfloat16). ``harness`` is what the authors' pipeline did with a model as it trained it: their verl
    saved the actor in float32 (``verl/workers/fsdp_workers.py`` lines 166-168 and 625-630) and
    ``math_eval.py`` (lines 114-119) loaded it with vLLM's ``auto``, so every RL checkpoint ran in float16;
    a model trained here (saved in its training dtype) runs in float16 too, any other model by ``auto``."""
    if requested not in GENERATION_DTYPES:
        raise OneShotError(f"unknown dtype {requested!r}; choose {', '.join(GENERATION_DTYPES)}")
    if requested == "harness" and any((Path(path) / name).exists() for name in TRAINED_MARKERS):
        return "float16"
    if requested not in ("auto", "harness"):
        return requested
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(path)
    except OSError as e:
        raise OneShotError(
            f"could not read the config of {path!r} ({str(e).splitlines()[0][:160]})"
        ) from None
    saved = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    saved = str(saved).replace("torch.", "") if saved is not None else "float32"
    return "float16" if saved == "float32" else saved
