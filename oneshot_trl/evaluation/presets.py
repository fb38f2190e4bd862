"""Per-model evaluation protocols from the paper and the authors' repository (``oneshot eval --preset NAME``).

A preset sets the prompt, the token budget, ``think``, the answer rule, the dtype and each benchmark's
sampling; any option given on the command line still wins. ``qwen2.5-math`` is the default protocol
(``benchmarks.BENCHMARKS``).

The R1-Distill presets follow the authors' rllm-style evaluation in their repository
(``verl/trainer/main_generation.py``): test rows built by ``data/deepscaler_dataset.py`` (lines 42-44: the
problem, a space, "Let's think step by step and output the final answer within \\boxed{}.", one user turn)
through the model's chat template (main_generation.py 97-104), vLLM rollout in bfloat16
(``verl/trainer/config/generation.yaml`` line 23), graded by ``verl/utils/reward_score/deepscaler.py``
(lines 65-100): the last ``\\boxed{}`` of the response against the gold. main_generation.py (lines 177-181)
passes ``use_think=False`` whenever the model path contains "qwen", as DeepSeek-R1-Distill-Qwen-1.5B's does,
so the whole response is read, thinking included; rllm's own ``RewardMathFn`` reads only what follows
``</think>`` (``--think`` gives that rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import OneShotError
from .benchmarks import BenchmarkSpec

R1_LONG = ("aime24", "aime25", "amc23")  # avg@64 for R1-Distill; the others avg@16


@dataclass(frozen=True)
class EvalPreset:
    name: str
    summary: str
    prompt: str = "qwen25-math-cot"
    max_tokens: int = 3072
    think: bool = False
    extraction: str | None = None  # None: each benchmark's own (the harness rule for the paper's six)
    dtype: str = "harness"  # modeling.generation_dtype's rule for the authors' harness pipeline
    # benchmark name -> (samples, temperature, top_p); benchmarks not named keep the paper's protocol
    sampling: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    def apply(self, specs: list[BenchmarkSpec]) -> list[BenchmarkSpec]:
        out = []
        for spec in specs:
            if spec.name in self.sampling:
                n, temperature, top_p = self.sampling[spec.name]
                spec = replace(spec, n=n, temperature=temperature, top_p=top_p)
            out.append(spec)
        return out


def _r1(max_tokens: int) -> EvalPreset:
    names = ("math500", "minerva_math", "olympiadbench", *R1_LONG)
    return EvalPreset(
        f"r1-distill-1.5b-{max_tokens // 1024}k",
        f"DeepSeek-R1-Distill-Qwen-1.5B (the authors' rllm-style evaluation): T=0.6, top-p 0.95, avg@16 "
        f"(avg@64 on AIME24/25, AMC23), {max_tokens // 1024}k tokens, the problem + rllm's step-by-step "
        "boxed instruction in the model's chat template, the last boxed answer of the response, bfloat16",
        prompt="train",
        max_tokens=max_tokens,
        extraction="boxed",
        dtype="bfloat16",
        sampling={name: (64 if name in R1_LONG else 16, 0.6, 0.95) for name in names},
    )


PRESETS: dict[str, EvalPreset] = {
    preset.name: preset
    for preset in (
        EvalPreset(
            "qwen2.5-math",
            "Qwen2.5-Math-1.5B/7B (the paper's tables): the Qwen2.5-Math CoT prompt, greedy "
            "(avg@8 at T=0.6 on AIME24/25, AMC23), 3072 tokens",
        ),
        _r1(8192),  # the training length, the authors' first table
        _r1(32768),  # the model's own context, their second table
        EvalPreset(
            "llama-3.2-3b-instruct",
            "Llama-3.2-3B-Instruct: the problem alone in the model's own chat template "
            "(the harness's 'llama' prompt), otherwise the paper's protocol",
            prompt="bare",
        ),
    )
}


def get_preset(name: str) -> EvalPreset:
    if name not in PRESETS:
        raise OneShotError(f"unknown preset {name!r}; choose {', '.join(PRESETS)}")
    return PRESETS[name]
