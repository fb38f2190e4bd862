"""Choose the example without a full-set RL run: sample the base model k times on each candidate, estimate
its pass rate p̂, and rank by learnability p̂(1−p̂) (or by a pass-rate band, or by p̂ closest to a target).

The sampling is ``oneshot eval``'s (``evaluation.evaluate``: the same HF or vLLM backends, batching, seeds,
and resume from ``samples.jsonl`` under a ``protocol.json`` with the model's fingerprint), run on the
candidates as one local benchmark graded by the training reward's rule (the last ``\\boxed{}``).

The same pass checks the labels: when more than ``majority`` of an example's samples give one answer and the
grader says it differs from the label, the row is flagged as a likely wrong label (the paper's π1207 is one:
label 4/5, true answer 2/3, and among the worst 1-shot examples of its Table 3). Flagged rows rank last.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OneShotError
from .selection_proxies import learnability

METHODS = ("learnability", "learnability-band", "learnability-target")
POOL = "candidates"  # the local benchmark's name: eval_candidates.jsonl in the output folder


@dataclass
class SamplingConfig:
    """How the base model is sampled on each candidate (the protocol a resume must match)."""

    samples: int = field(default=8, metadata={"help": "Samples per candidate (k >= 2)."})
    temperature: float = field(default=1.0, metadata={"help": "Sampling temperature (RL samples at 1)."})
    top_p: float = field(default=1.0, metadata={"help": "Top-p."})
    max_tokens: int = field(default=3072, metadata={"help": "New tokens per completion (the paper's)."})
    prompt: str = field(default="train", metadata={"help": "Prompt template: train (the paper's), bare."})
    batch_size: int = field(default=16, metadata={"help": "HF generation batch size."})
    seed: int = field(default=0, metadata={"help": "Base seed of the sampling."})
    dtype: str = field(default="auto", metadata={"help": "Weights' dtype (as oneshot eval --dtype)."})

    def __post_init__(self):
        if self.samples < 2:
            raise OneShotError(
                f"--samples {self.samples}: a pass rate needs at least 2 samples per candidate"
            )


@dataclass
class Candidate:
    index: int  # row of the pool
    problem: str
    answer: str
    samples: int = 0
    correct: int = 0
    majority_answer: str | None = None
    majority_share: float = 0.0
    wrong_label: bool = False
    score: float = 0.0

    @property
    def pass_rate(self) -> float:
        return self.correct / self.samples if self.samples else 0.0


def choose_candidates(
    size: int,
    *,
    limit: int | None = None,
    indices: list[int] | None = None,
    subset: int | None = None,
    seed: int = 0,
) -> list[int]:
    """Which rows of a pool of ``size`` to screen: all, the first ``limit``, the given ``indices`` or a seeded
    random ``subset``; one of them at most."""
    given = [name for name, v in (("--limit", limit), ("--indices", indices), ("--subset", subset)) if v]
    if len(given) > 1:
        raise OneShotError(f"{' and '.join(given)}: pass one way of choosing candidates")
    if size == 0:
        raise OneShotError("the pool is empty; pass a --dataset with rows (problem, answer)")
    if indices:
        bad = [i for i in indices if not 0 <= i < size]
        if bad:
            raise OneShotError(f"--indices {bad[0]} is not a row of the pool ({size} rows: 0-{size - 1})")
        return list(dict.fromkeys(indices))
    if subset is not None or limit is not None:
        count = subset if subset is not None else limit
        if count < 1:
            raise OneShotError(f"{given[0] if given else '--limit'} {count}: must be at least 1")
        if subset is not None:
            return sorted(random.Random(seed).sample(range(size), min(subset, size)))
        return list(range(min(limit, size)))
    return list(range(size))


def sample_candidates(
    model: Any,
    tokenizer: Any,
    problems: Any,
    rows: list[int],
    config: SamplingConfig,
    output_dir: str | Path,
    *,
    generator: Any = None,
    overwrite: bool = False,
    on_generated: Callable[[int], None] = lambda n: None,
    already: Callable[[int], None] = lambda n: None,
) -> dict:
    """Sample ``config.samples`` completions of the base model on each of ``rows`` (``problems``: a Dataset
    with problem, answer), resumably in ``output_dir``. Returns {"records", "generated", "reused",
    "seconds"}; ``on_generated(n)`` is called after each batch, ``already(n)`` once with the samples
    reused."""
    from .evaluation.benchmarks import BenchmarkSpec
    from .evaluation.evaluator import SAMPLES_FILE, EvalConfig, _done, evaluate

    unlabelled = [i for i in rows if not str(problems[i]["answer"]).strip()]
    if unlabelled:
        raise OneShotError(
            f"row {unlabelled[0]} of the pool has no answer"
            + (f" (and {len(unlabelled) - 1} more)" if len(unlabelled) > 1 else "")
            + "; learnability needs labelled rows (name the label column with --answer-key)"
        )
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Written before sampling and keyed by the pool's row number, so a rerun on another choice of
    # candidates reuses every sample already made for a row (the protocol check still applies).
    (out / f"eval_{POOL}.jsonl").write_text(
        "".join(
            json.dumps(
                {"id": str(i), "problem": problems[i]["problem"], "answer": str(problems[i]["answer"])}
            )
            + "\n"
            for i in rows
        )
    )
    spec = BenchmarkSpec(POOL, "", "", "problem", "answer", config.samples, config.temperature)
    eval_config = EvalConfig(
        n=config.samples,
        temperature=config.temperature,
        top_p=config.top_p,
        max_tokens=config.max_tokens,
        ks=[1],
        prompt=config.prompt,
        data_dir=str(out),
        seed=config.seed,
        extraction="boxed",  # the training reward's rule: what RL on this example would be rewarded for
        dtype=config.dtype,
        batch_size=config.batch_size,
    )
    if generator is None:
        from .evaluation.generation import HFGenerator

        generator = HFGenerator(model, tokenizer, batch_size=config.batch_size)
    wanted = {str(i) for i in rows}
    reused = 0
    if not overwrite:
        reused = sum(1 for key in _done(out / SAMPLES_FILE) if key[0] == POOL and key[1] in wanted)
    already(reused)
    counter = _Counting(generator, on_generated)
    start = time.time()
    evaluate(model, tokenizer, [spec], eval_config, out, generator=counter, overwrite=overwrite)
    records = [
        r
        for r in map(json.loads, (out / SAMPLES_FILE).read_text().splitlines())
        if r["benchmark"] == POOL and r["id"] in wanted and r["sample"] < config.samples
    ]
    return {"records": records, "generated": counter.count, "reused": reused, "seconds": time.time() - start}


class _Counting:
    """A generator that counts its completions (for the progress bar and the cost report)."""

    def __init__(self, inner: Any, on_generated: Callable[[int], None]) -> None:
        self.inner, self.on_generated, self.count = inner, on_generated, 0

    def generate(self, prompts: list[str], **request) -> list[tuple[str, int]]:
        result = self.inner.generate(prompts, **request)
        self.count += len(prompts)
        self.on_generated(len(prompts))
        return result

    def __getattr__(self, name: str) -> Any:  # dtype and model_path of the vLLM generator
        return getattr(self.inner, name)


def score_candidates(
    problems: Any, rows: list[int], records: list[dict], *, majority: float = 0.5
) -> list[Candidate]:
    """Per candidate: pass rate, the most common answer and its share, and the label check."""
    by_id: dict[str, list[dict]] = {}
    for r in records:
        by_id.setdefault(r["id"], []).append(r)
    out = []
    for i in rows:
        got = by_id.get(str(i), [])
        c = Candidate(index=i, problem=problems[i]["problem"], answer=str(problems[i]["answer"]))
        c.samples, c.correct = len(got), sum(bool(r["correct"]) for r in got)
        answers = Counter(r["answer"].strip() for r in got if r.get("answer"))
        if answers:
            top, count = answers.most_common(1)[0]
            c.majority_answer, c.majority_share = top, count / len(got)
            wrong = all(not r["correct"] for r in got if r.get("answer") and r["answer"].strip() == top)
            c.wrong_label = c.majority_share > majority and wrong
        out.append(c)
    return out


def rank_candidates(
    candidates: list[Candidate],
    method: str = "learnability",
    *,
    band: tuple[float, float] = (0.1, 0.9),
    target: float = 0.5,
) -> list[Candidate]:
    """Best first. ``learnability``: p̂(1−p̂); ``learnability-band``: p̂ inside the band, closest to its middle
    first (open-r1's pass-rate filter); ``learnability-target``: p̂ closest to ``target`` (0.5 ranks as
    learnability). Likely wrong labels rank last; ties keep the candidates' order."""
    if method not in METHODS:
        raise OneShotError(f"unknown --method {method!r}; choose one of {', '.join(METHODS)}")
    lo, hi = band
    if not 0 <= lo <= hi <= 1:
        raise OneShotError(f"--band {lo},{hi}: need 0 <= low <= high <= 1")
    if not 0 <= target <= 1:
        raise OneShotError(f"--target {target}: a pass rate, between 0 and 1")
    kept = []
    for c in candidates:
        p = c.pass_rate
        if method == "learnability":
            c.score = learnability(p)
        elif method == "learnability-target":
            c.score = -abs(p - target)
        elif lo <= p <= hi:
            c.score = -abs(p - (lo + hi) / 2)
        else:
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: (c.wrong_label, -round(c.score, 12)))
