"""The paper's benchmarks and their protocol (the Qwen2.5-Math harness the authors used).

MATH500, Minerva Math and OlympiadBench: greedy. AIME24, AIME25 and AMC23: avg@8 at temperature 0.6, top-p 1.
All: 3072 new tokens, the Qwen2.5-Math CoT prompt, stop on the chat end and end-of-text tokens, the
harness's answer extraction. ARC-Easy and ARC-Challenge (the paper's out-of-domain check): greedy, the
question with its lettered choices, graded by the harness's choice-letter rule.
``--data-dir`` reads local ``eval_<name>.jsonl`` files instead of the Hub (for ARC, rows as on the Hub:
question, choices {text, label}, answerKey).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data import load_problems
from ..errors import OneShotError


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    hub_id: str
    split: str
    problem_key: str
    answer_key: str
    n: int  # samples per problem in the paper's protocol
    temperature: float
    top_p: float = 1.0
    # the authors' answer extraction; local benchmarks default to the strict boxed rule
    extraction: str = "harness"
    hub_config: str | None = None  # the Hub dataset's subset
    choices: bool = False  # multiple choice: the problem lists lettered options, the answer is a letter

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


BENCHMARKS: dict[str, BenchmarkSpec] = {
    spec.name: spec
    for spec in (
        BenchmarkSpec("math500", "HuggingFaceH4/MATH-500", "test", "problem", "answer", 1, 0.0),
        BenchmarkSpec("aime24", "HuggingFaceH4/aime_2024", "train", "problem", "answer", 8, 0.6),
        BenchmarkSpec("aime25", "math-ai/aime25", "test", "problem", "answer", 8, 0.6),
        BenchmarkSpec("amc23", "math-ai/amc23", "test", "question", "answer", 8, 0.6),
        BenchmarkSpec("minerva_math", "math-ai/minervamath", "test", "question", "answer", 1, 0.0),
        BenchmarkSpec("olympiadbench", "math-ai/olympiadbench", "test", "question", "final_answer", 1, 0.0),
        BenchmarkSpec(
            "arc_easy",
            "allenai/ai2_arc",
            "test",
            "question",
            "answerKey",
            1,
            0.0,
            hub_config="ARC-Easy",
            choices=True,
        ),
        BenchmarkSpec(
            "arc_challenge",
            "allenai/ai2_arc",
            "test",
            "question",
            "answerKey",
            1,
            0.0,
            hub_config="ARC-Challenge",
            choices=True,
        ),
    )
}
# What ``oneshot eval`` runs without --benchmarks: the paper's six math benchmarks (ARC on request).
MATH_BENCHMARKS = "math500,aime24,aime25,amc23,minerva_math,olympiadbench"
MAX_TOKENS = 3072


def parse_benchmarks(spec: str, data_dir: str | Path | None = None) -> list[BenchmarkSpec]:
    """Benchmarks by name: the paper's six, or any ``eval_<name>.jsonl`` in ``data_dir`` (columns problem,
    answer; greedy unless --n/--temperature say otherwise), e.g. the testbed's ``testbed_heldout``."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    local = {n for n in names if data_dir is not None and (Path(data_dir) / f"eval_{n}.jsonl").exists()}
    unknown = [n for n in names if n not in BENCHMARKS and n not in local]
    if unknown or not names:
        shown = ", ".join(unknown) if unknown else repr(spec)
        where = (
            f" or an eval_<name>.jsonl in {data_dir}"
            if data_dir is not None
            else " (or pass --data-dir with eval_<name>.jsonl)"
        )
        raise OneShotError(f"unknown benchmark(s) {shown}; choose from {', '.join(BENCHMARKS)}{where}")
    return [
        BENCHMARKS.get(n) or BenchmarkSpec(n, "", "", "problem", "answer", 1, 0.0, extraction="boxed")
        for n in names
    ]


def choice_problem(question: str, texts: list[str], labels: list[str]) -> tuple[str, dict[str, str]]:
    """The question with its options as the harness lays out multiple choice ("Answer Choices: (A) … (B) …"),
    and the map from the dataset's labels to letters (a few ARC rows label their options 1–4)."""
    letters = {label: label if label in "ABCDE" else "ABCDE"[i] for i, label in enumerate(labels)}
    options = " ".join(
        f"({letters[label]}) {str(text).strip()}" for text, label in zip(texts, labels, strict=True)
    )
    return f"{question.strip()}\nAnswer Choices: {options}", letters


def _with_choices(row: dict) -> dict:
    problem, letters = choice_problem(row["problem"], row["choices"]["text"], row["choices"]["label"])
    return {"problem": problem, "answer": letters.get(row["answer"], row["answer"])}


def load_benchmark(spec: BenchmarkSpec, data_dir: str | Path | None = None, limit: int | None = None):
    """The benchmark's problems (columns problem, answer, index), from ``data_dir`` or the Hub."""
    if data_dir is not None:
        path = Path(data_dir) / f"eval_{spec.name}.jsonl"
        if not path.exists():
            raise OneShotError(f"{path} not found: --data-dir must hold eval_<benchmark>.jsonl files")
        # ARC files keep the Hub's columns; the math files are problem, answer (../shared/data's layout).
        keys = {"problem_key": spec.problem_key, "answer_key": spec.answer_key} if spec.choices else {}
        problems = load_problems(str(path), **keys)
    else:
        problems = load_problems(
            spec.hub_id,
            problem_key=spec.problem_key,
            answer_key=spec.answer_key,
            split=spec.split,
            config=spec.hub_config,
        )
    if spec.choices:
        problems = problems.map(_with_choices)
    if limit is not None:
        problems = problems.select(range(min(limit, len(problems))))
    return problems
