"""Generation backends: HF ``generate`` (batched, left-padded, stop tokens, a seed per sample index) and vLLM."""

from __future__ import annotations

from typing import Any

from ..errors import OneShotError

STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")


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

    def generate(self, prompts: list[str], *, sample_index: int, temperature: float, top_p: float,
                 max_tokens: int, seed: int) -> list[tuple[str, int]]:  # fmt: skip
        import torch

        tok = self.tokenizer
        side, tok.padding_side = tok.padding_side, "left"
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else self.stop_ids[0]
        device = next(self.model.parameters()).device
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 \
            else {"do_sample": False}  # fmt: skip
        outputs = []
        # Seeded inside a forked RNG: an in-training check must not move the training run's random stream.
        with torch.random.fork_rng(devices=[]):
            try:
                for start in range(0, len(prompts), self.batch_size):
                    batch = prompts[start : start + self.batch_size]
                    encoded = tok(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
                    torch.manual_seed(seed + sample_index)
                    with torch.no_grad():
                        generated = self.model.generate(**encoded, max_new_tokens=max_tokens, eos_token_id=self.stop_ids,
                                                        pad_token_id=pad_id, **sampling)  # fmt: skip
                    for row in generated[:, encoded["input_ids"].shape[1] :].tolist():
                        ids = [t for t in row if t != pad_id]
                        cut = next((i for i, t in enumerate(ids) if t in self.stop_ids), len(ids))
                        outputs.append((tok.decode(ids[:cut], skip_special_tokens=True), cut))
            finally:
                tok.padding_side = side
        return outputs


class VLLMGenerator:
    """vLLM sampling (GPU extra). One engine per model path."""

    def __init__(self, model_path: str, tokenizer: Any) -> None:
        try:
            from vllm import LLM
        except ImportError:
            raise OneShotError("--backend vllm needs vLLM (GPU only): pip install 'oneshot-trl[vllm]'") from None
        self.llm = LLM(model=model_path, tokenizer=model_path, seed=0)
        self.stop_ids = stop_token_ids(tokenizer)

    def generate(self, prompts: list[str], *, sample_index: int, temperature: float, top_p: float,
                 max_tokens: int, seed: int) -> list[tuple[str, int]]:  # fmt: skip
        from vllm import SamplingParams

        params = SamplingParams(temperature=temperature, top_p=top_p if temperature > 0 else 1.0, max_tokens=max_tokens,
                                seed=seed + sample_index, stop_token_ids=self.stop_ids)  # fmt: skip
        return [(o.outputs[0].text, len(o.outputs[0].token_ids)) for o in self.llm.generate(prompts, params)]
