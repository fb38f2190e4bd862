"""``evaluate``: one model on a set of benchmarks, resumable; ``sweep``: every checkpoint of a run."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OneShotError
from ..modeling import generation_dtype, load_model_and_tokenizer
from ..prompts import check_template, prompt_messages, render_prompt
from .benchmarks import MAX_TOKENS, BenchmarkSpec, load_benchmark
from .grading import EXTRACTIONS, grade_completion
from .intervals import average_interval
from .metrics import problem_scores, summarize

SAMPLES_FILE = "samples.jsonl"
SUMMARY_FILE = "summary.json"
PROTOCOL_FILE = "protocol.json"  # how the samples in SAMPLES_FILE were made, and by which model
# Evaluation can afford what training cannot: a symbolic check that runs past 1 s is retried with 10 s
# before the sample is recorded as ungraded (counted in the summary, scored as not correct).
GRADE_TIMEOUT, GRADE_RETRY_TIMEOUT = 1.0, 10.0


@dataclass
class EvalConfig:
    """How to evaluate. ``None`` fields take each benchmark's paper protocol."""

    n: int | None = field(
        default=None, metadata={"help": "Samples per problem (default: the paper's, 1 or 8)."}
    )
    temperature: float | None = field(
        default=None, metadata={"help": "Sampling temperature (default: the paper's)."}
    )
    top_p: float | None = field(default=None, metadata={"help": "Top-p (default: 1.0)."})
    top_k: int = field(
        default=-1, metadata={"help": "Top-k; -1 is off (vLLM's default, which the harness keeps)."}
    )
    max_tokens: int = field(default=MAX_TOKENS, metadata={"help": "New tokens per completion."})
    ks: list[int] = field(default_factory=lambda: [1, 8, 64], metadata={"help": "pass@k for every k <= n."})
    prompt: str = field(
        default="qwen25-math-cot", metadata={"help": "qwen25-math-cot (the paper's eval), train or bare."}
    )
    limit: int | None = field(default=None, metadata={"help": "Evaluate only the first N problems."})
    data_dir: str | None = field(default=None, metadata={"help": "Folder of local eval_<name>.jsonl files."})
    seed: int = field(
        default=0, metadata={"help": "Base seed; each (sample, chunk of problems) has its own."}
    )
    think: bool = field(default=False, metadata={"help": "Grade only the text after </think>."})
    extraction: str | None = field(
        default=None,
        metadata={
            "help": "harness (the authors' Qwen2.5-Math parser; default for the paper's benchmarks) "
            "or boxed (the training reward's rule; default for local ones)."
        },
    )
    dtype: str = field(
        default="auto",
        metadata={
            "help": "Weights' dtype for generation: auto is vLLM's rule (fp16 for an fp32 checkpoint, "
            "else the checkpoint's own); harness is the authors' pipeline (fp16 for a model trained here, "
            "as for their fp32 RL checkpoints; auto otherwise); or float32, float16, bfloat16."
        },
    )
    batch_size: int = field(default=16, metadata={"help": "HF generation batch size."})

    def protocol(self, spec: BenchmarkSpec) -> dict:
        temperature = spec.temperature if self.temperature is None else self.temperature
        n = self.n if self.n is not None else spec.n
        if temperature == 0 and n > 1:
            raise OneShotError(
                f"{spec.name}: {n} samples at temperature 0 would all be the same; pass --temperature"
            )
        extraction = self.extraction or spec.extraction
        if extraction not in EXTRACTIONS:
            raise OneShotError(f"unknown extraction {extraction!r}; choose {' or '.join(EXTRACTIONS)}")
        return {
            "n": n,
            "temperature": temperature,
            "top_p": spec.top_p if self.top_p is None else self.top_p,
            "top_k": self.top_k,
            "max_tokens": self.max_tokens,
            "prompt": self.prompt,
            "extraction": extraction,
        }


def _done(path: Path) -> dict[tuple, dict]:
    """Samples already written. A partial last line (a killed run) is cut off the file, so that appending
    resumes on a line boundary."""
    done = {}
    if path.exists():
        complete = 0
        with path.open("rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break
                complete += len(line)
                r = json.loads(line)
                done[(r["benchmark"], r["id"], r["sample"])] = r
        if complete < path.stat().st_size:
            with path.open("r+b") as f:
                f.truncate(complete)
    return done


def model_fingerprint(model: Any) -> dict:
    """What identifies the weights: for a local folder, its weight and config files with sizes and
    modification times (a model retrained at the same path differs); for a Hub id, the id and commit."""
    if isinstance(model, (str, Path)):  # a path or Hub id (the vLLM backend loads no HF model)
        name = str(model)
    else:
        name = str(
            getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", "")
        )
    path = Path(name)
    if name and path.is_dir():
        files = sorted(
            p
            for pattern in ("*.safetensors", "*.bin", "config.json", "adapter_config.json")
            for p in path.glob(pattern)
        )
        return {
            "path": str(path.resolve()),
            "files": [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files],
        }
    return {"hub_id": name, "commit": getattr(getattr(model, "config", None), "_commit_hash", None)}


def _sample_protocol(config: EvalConfig, spec: BenchmarkSpec, dtype: str) -> dict:
    """What changes how a benchmark's samples are made or graded (``limit`` only picks the problems)."""
    return {
        **config.protocol(spec),
        "dtype": dtype,
        "seed": config.seed,
        "batch_size": config.batch_size,
        "think": config.think,
    }


def _weights_dtype(model: Any, generator: Any) -> str:
    """The dtype the completions are generated in (the vLLM generator knows its own)."""
    dtype = getattr(generator, "dtype", None) or next(model.parameters()).dtype
    return str(dtype).replace("torch.", "")


def _check_resume(out: Path, done: dict, record: dict, stored: dict | None) -> None:
    """Refuse to resume samples made with another protocol or by another model (one line, names the fix)."""
    fix = "pass --overwrite to start over, or another --output-dir"
    made = {key[0] for key in done}
    if not made:
        return
    if stored is None:
        raise OneShotError(
            f"{out / SAMPLES_FILE} has samples but no {PROTOCOL_FILE} saying how they were made; {fix}"
        )
    if stored.get("model") != record["model"]:
        raise OneShotError(
            f"{out / SAMPLES_FILE} was made by another model (or these weights changed since); {fix}"
        )
    for name in sorted(made & set(record["benchmarks"])):
        before, now = stored.get("benchmarks", {}).get(name), record["benchmarks"][name]
        if before != now:
            changed = ", ".join(
                f"{k} {(before or {}).get(k)!r} -> {now[k]!r}" for k in now if (before or {}).get(k) != now[k]
            )
            raise OneShotError(
                f"{out / SAMPLES_FILE}: {name} samples were made with another protocol ({changed}); {fix}"
            )


def evaluate(
    model: Any,
    tokenizer: Any,
    benchmarks: list[BenchmarkSpec],
    config: EvalConfig,
    output_dir: str | Path | None = None,
    generator: Any = None,
    overwrite: bool = False,
    shard: tuple[int, int] | None = None,
) -> dict:
    """Generate, grade and summarise.

    ``model`` may be None when ``generator`` brings its own (vLLM). With ``output_dir``, samples are appended
    to ``samples.jsonl`` as they are made, and a rerun with the same protocol and model generates only what
    is missing; a rerun with another protocol or model is refused unless ``overwrite`` (which starts the
    folder over).

    ``shard=(rank, world)``: this process takes problems rank, rank + world, ... (padded to the same count
    on every rank, so that under ZeRO-3 every rank runs the same number of forward passes) and the summary
    carries its per-sample ``records`` for the caller to merge (``merge_shards``)."""
    from .generation import HFGenerator

    check_template(config.prompt)
    out = Path(output_dir) if output_dir else None
    if out:
        if overwrite:
            for name in (SAMPLES_FILE, SUMMARY_FILE, PROTOCOL_FILE):
                (out / name).unlink(missing_ok=True)
        out.mkdir(parents=True, exist_ok=True)
    samples_path = out / SAMPLES_FILE if out else None
    done = _done(samples_path) if samples_path else {}
    generator = generator or HFGenerator(model, tokenizer, batch_size=config.batch_size)
    dtype = _weights_dtype(model, generator)
    if out:
        fingerprint = model_fingerprint(model if model is not None else generator.model_path)
        record = {
            "model": fingerprint,
            "benchmarks": {s.name: _sample_protocol(config, s, dtype) for s in benchmarks},
        }
        stored = json.loads((out / PROTOCOL_FILE).read_text()) if (out / PROTOCOL_FILE).exists() else None
        _check_resume(out, done, record, stored)
        if stored:  # keep the protocols of benchmarks evaluated before, add this run's
            record["benchmarks"] = {**stored.get("benchmarks", {}), **record["benchmarks"]}
        (out / PROTOCOL_FILE).write_text(json.dumps(record, indent=2))
    summary: dict[str, Any] = {"benchmarks": {}}
    accuracies: dict[str, list[float]] = {}  # per benchmark, per problem: for the average's interval
    for spec in benchmarks:
        protocol = config.protocol(spec)
        problems = load_benchmark(spec, config.data_dir, config.limit)
        if shard is not None:
            rank, world = shard
            mine = list(range(rank, len(problems), world))
            # Every rank gets an equal share, padded with its last problem; the repeats are dropped below
            mine += [mine[-1] if mine else 0] * (-(-len(problems) // world) - len(mine))
            problems = problems.select(mine) if hasattr(problems, "select") else [problems[i] for i in mine]
        ids = [str(row.get("id", row["index"])) for row in problems]
        prompts = [
            render_prompt(tokenizer, prompt_messages(row["problem"], config.prompt)) for row in problems
        ]
        size = config.batch_size
        # Chunks run over all (sample, problem) pairs, so a small benchmark sampled many times still fills
        # each batch. A chunk is seeded by its position and, if any of its samples is missing, regenerated
        # whole (only the missing ones are kept): a resumed run equals an uninterrupted one.
        pairs = [(j, i) for j in range(protocol["n"]) for i in range(len(ids))]
        for start in range(0, len(pairs), size):
            chunk = pairs[start : start + size]
            if all((spec.name, ids[i], j) in done for j, i in chunk):
                continue
            generated = generator.generate(
                [prompts[i] for _, i in chunk],
                sample_index=chunk[0][0],
                temperature=protocol["temperature"],
                top_p=protocol["top_p"],
                top_k=protocol["top_k"],
                max_tokens=protocol["max_tokens"],
                seed=config.seed + 7919 * start,
            )
            new = []
            for (j, i), (text, n_tokens) in zip(chunk, generated, strict=True):
                if (spec.name, ids[i], j) in done:
                    continue
                gold = problems[i]["answer"]
                pred, correct = grade_completion(
                    text,
                    gold,
                    spec.name,
                    protocol["extraction"],
                    think=config.think,
                    timeout=GRADE_TIMEOUT,
                    retry_timeout=GRADE_RETRY_TIMEOUT,
                    solution=problems[i].get("solution"),  # the harness's gold source on MATH500, Minerva
                )
                new.append(
                    {
                        "benchmark": spec.name,
                        "id": ids[i],
                        "sample": j,
                        "completion": text,
                        "answer": pred,
                        "gold": gold,
                        "correct": bool(correct),
                        "graded": correct is not None,
                        "tokens": n_tokens,
                    }
                )
            if samples_path:
                with samples_path.open("a") as f:
                    f.writelines(json.dumps(r) + "\n" for r in new)
            for r in new:
                done[(spec.name, r["id"], r["sample"])] = r
        records = list({(spec.name, ids[i], j): done[(spec.name, ids[i], j)] for j, i in pairs}.values())
        summary["benchmarks"][spec.name] = {
            **summarize(records, config.ks),
            "protocol": {**protocol, "dtype": dtype},
        }
        accuracies[spec.name] = [s["accuracy"] for s in problem_scores(records, []).values()]
        if shard is not None:
            summary.setdefault("records", {})[spec.name] = records
    _add_average(summary, accuracies)
    summary["config"] = asdict(config)
    if out:
        tmp = out / (SUMMARY_FILE + ".tmp")
        tmp.write_text(json.dumps(summary, indent=2))
        os.replace(tmp, out / SUMMARY_FILE)
    return summary


def merge_shards(shard_records: list[dict], config: EvalConfig) -> dict:
    """One summary from the ``records`` of every rank's ``evaluate(..., shard=...)``."""
    merged: dict[str, dict] = {}
    for records in shard_records:
        for name, rows in records.items():
            merged.setdefault(name, {}).update({(r["id"], r["sample"]): r for r in rows})
    summary: dict[str, Any] = {
        "benchmarks": {name: summarize(list(rows.values()), config.ks) for name, rows in merged.items()}
    }
    accuracies = {
        name: [s["accuracy"] for s in problem_scores(list(rows.values()), []).values()]
        for name, rows in merged.items()
    }
    return _add_average(summary, accuracies)


def _add_average(summary: dict, accuracies: dict[str, list[float]]) -> dict:
    """The unweighted average accuracy over benchmarks, its 95% interval (each benchmark's problems
    resampled on their own) and the problems behind it."""
    summary["average"] = sum(b["accuracy"] for b in summary["benchmarks"].values()) / len(
        summary["benchmarks"]
    )
    found = average_interval(list(accuracies.values()))
    summary["average_ci"] = [float(found["low"]), float(found["high"])]
    summary["average_problems"] = sum(len(v) for v in accuracies.values())
    return summary


def load_model(path: str, dtype: str = "auto"):
    """A model (in eval mode) and tokenizer for evaluation, by Hub id or local path (checkpoints included), in
    ``generation_dtype(path, dtype)``: for ``auto``, the authors' rule, the same for every checkpoint of a
    sweep and for the final model."""
    model, tokenizer = load_model_and_tokenizer(path, dtype=generation_dtype(path, dtype))
    model.eval()
    return model, tokenizer


def checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, path) of every checkpoint of a training run, in step order."""
    return sorted(
        (int(p.name.rsplit("-", 1)[1]), p)
        for p in run_dir.glob("checkpoint-*")
        if p.name.rsplit("-", 1)[1].isdigit()
    )
