"""Generation backends: HF ``generate`` (batched, left-padded, stop tokens and stop strings, a seed per sample
index) and vLLM."""

from __future__ import annotations

from typing import Any

from ..errors import OneShotError

STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
# The harness's stop words for its qwen25-math-cot prompt (math_eval.py line 237), matched as text: "</s>" is
# no special token in Qwen's vocabulary, so only a text match stops on it.
STOP_STRINGS = ("</s>", "<|im_end|>", "<|endoftext|>")


def cut_at_stop(text: str) -> str:
    """The text before the first stop string, as the harness cuts each completion (math_eval.py 370-372)."""
    for stop in STOP_STRINGS:
        text = text.split(stop)[0]
    return text


def stop_token_ids(tokenizer) -> list[int]:
    ids = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    for token in STOP_TOKENS:
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id and token_id not in ids:
            ids.append(token_id)
    return ids


class HFGenerator:
    """Batched sampling with transformers; each call is seeded with ``seed + sample_index`` (the evaluator
    passes a seed per chunk of (sample, problem) pairs), so reruns draw the same completions."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 16) -> None:
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self.stop_ids = stop_token_ids(tokenizer)

    def generate(
        self,
        prompts: list[str],
        *,
        sample_index: int,
        temperature: float,
        top_p: float,
        top_k: int = -1,
        max_tokens: int,
        seed: int,
    ) -> list[tuple[str, int]]:
        import torch

        tok = self.tokenizer
        side, tok.padding_side = tok.padding_side, "left"
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else self.stop_ids[0]
        device = next(self.model.parameters()).device
        # top_k is always passed: left out, generate would apply the model's generation_config (top_k 50 by
        # default), where vLLM, which the authors sampled with, applies none (-1; 0 means none to HF).
        sampling = (
            {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": max(top_k, 0)}
            if temperature > 0
            else {"do_sample": False}
        )
        outputs = []
        # Seeded inside a forked RNG: an in-training check must not move the training run's random stream.
        with torch.random.fork_rng(devices=[]):
            try:
                for start in range(0, len(prompts), self.batch_size):
                    batch = prompts[start : start + self.batch_size]
                    encoded = tok(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(
                        device
                    )
                    torch.manual_seed(seed + sample_index)
                    with torch.no_grad():
                        generated = self.model.generate(
                            **encoded,
                            max_new_tokens=max_tokens,
                            eos_token_id=self.stop_ids,
                            pad_token_id=pad_id,
                            stop_strings=list(STOP_STRINGS),
                            tokenizer=tok,  # generate needs it to match stop strings
                            **sampling,
                        )
                    for row in generated[:, encoded["input_ids"].shape[1] :].tolist():
                        ids = [t for t in row if t != pad_id]
                        cut = next((i for i, t in enumerate(ids) if t in self.stop_ids), len(ids))
                        outputs.append((cut_at_stop(tok.decode(ids[:cut], skip_special_tokens=True)), cut))
            finally:
                tok.padding_side = side
        return outputs


class VLLMGenerator:
    """vLLM sampling (GPU extra). One engine per model path; the HF model is not loaded (only its tokenizer,
    for the stop tokens), so the GPU holds one copy of the weights."""

    def __init__(
        self, model_path: str, tokenizer: Any, dtype: str = "auto", max_model_len: int | None = None
    ) -> None:
        try:
            from vllm import LLM
        except ImportError:
            raise OneShotError(
                "--backend vllm needs vLLM (GPU only): pip install 'oneshot-trl[vllm]'"
            ) from None
        from ..modeling import generation_dtype

        self.model_path, self.dtype = model_path, generation_dtype(model_path, dtype)
        self.llm = LLM(
            model=model_path, tokenizer=model_path, dtype=self.dtype, seed=0, max_model_len=max_model_len
        )
        self.stop_ids = stop_token_ids(tokenizer)

    def sampling_params(
        self,
        *,
        sample_index: int,
        temperature: float,
        top_p: float,
        top_k: int = -1,
        max_tokens: int,
        seed: int,
    ):
        """One chunk's request, seeded per chunk: greedy at temperature 0 (top-p, top-k off), else sampled."""
        from vllm import SamplingParams

        greedy = temperature == 0
        return SamplingParams(
            temperature=temperature,
            top_p=1.0 if greedy else top_p,
            top_k=-1 if greedy else top_k,
            max_tokens=max_tokens,
            seed=seed + sample_index,
            stop=list(STOP_STRINGS),  # vLLM leaves the stop string out of the text, as the harness's run did
            stop_token_ids=self.stop_ids,
        )

    def generate(self, prompts: list[str], **request) -> list[tuple[str, int]]:
        params = self.sampling_params(**request)
        return [(o.outputs[0].text, len(o.outputs[0].token_ids)) for o in self.llm.generate(prompts, params)]
