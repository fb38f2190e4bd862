"""Per-model evaluation protocols from the paper and the authors' repository (``oneshot eval --preset NAME``).

A preset sets the prompt, the token budget, ``think`` and each benchmark's sampling; any option given on the
command line still wins. ``qwen2.5-math`` is the default protocol (``benchmarks.BENCHMARKS``).
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
        f"DeepSeek-R1-Distill-Qwen-1.5B: T=0.6, top-p 0.95, avg@16 (avg@64 on AIME24/25, AMC23), "
        f"{max_tokens // 1024}k "
        "tokens, graded after </think>, the model's chat template",
        prompt="bare",
        max_tokens=max_tokens,
        think=True,
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
