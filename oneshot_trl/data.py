"""Datasets: load problems from the Hub or a local file, and lay out a 1-shot training set.

``load_problems`` returns a ``datasets.Dataset`` with the columns ``problem``, ``answer`` and ``index``
(the row's position in the source, which π ids refer to). ``build_training_set`` copies the chosen
example(s) into N rows; each row is its own GRPO group of ``num_generations`` completions.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from datasets import Dataset

from .errors import OneShotError
from .examples import ExampleRef
from .prompts import TRAIN_SUFFIX, fallback_text, has_chat_template, prompt_messages

#: The paper's DSR-sub (1209 problems, index order 0..1208) as the authors publish it. The file is in
#: verl's layout; ``load_problems`` recognises that layout and maps it to problem/answer/index.
DEFAULT_DATASET = (
    "https://raw.githubusercontent.com/ypwang61/One-Shot-RLVR/main/data/train/one_shot_rlvr/dsr_sub.parquet"
)
LOCAL_SUFFIXES = (".jsonl", ".json", ".parquet")
#: Where downloaded dataset files are kept, one per URL, reused until deleted (``ONESHOT_CACHE`` moves it).
DOWNLOADS = Path(os.environ.get("ONESHOT_CACHE") or Path.home() / ".cache" / "oneshot-trl") / "downloads"


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise OneShotError(
                    f"{path}:{lineno}: malformed JSON ({e.msg}); fix or remove that line"
                ) from None
            if not isinstance(row, dict):
                raise OneShotError(
                    f"{path}:{lineno}: expected a JSON object per line, got {type(row).__name__}"
                )
            rows.append(row)
    return rows


def _read_json(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise OneShotError(f"{path}:{e.lineno}: malformed JSON ({e.msg})") from None
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if isinstance(data, dict):  # columns: {"problem": [...], "answer": [...]}
        columns = list(data)
        lists = list(data.values())
        if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists}) > 1:
            raise OneShotError(f"{path}: expected a list of objects or an object of equal-length lists")
        data = [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise OneShotError(f"{path}: expected a list of objects or an object of equal-length lists")
    return data


def _rows_to_dataset(rows: list[dict]) -> Dataset:
    """Arrow needs one type per column: a column mixing strings and numbers ("2", 4.0) becomes strings."""
    kinds: dict[str, set] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, set()).add(type(value))
    mixed = {k for k, types in kinds.items() if len(types) > 1 and types <= {str, int, float, bool}}
    if mixed:
        rows = [{k: (str(v) if k in mixed and v is not None else v) for k, v in row.items()} for row in rows]
    return Dataset.from_list(rows)


def _read_local(path: Path) -> Dataset:
    if not path.exists():
        raise OneShotError(f"dataset file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return Dataset.from_parquet(str(path))
        except Exception as e:  # pyarrow's errors (not a parquet file, truncated) have no common base
            reason = " ".join(str(e).split())[:160] or type(e).__name__
            raise OneShotError(f"{path}: not a readable parquet file ({reason})") from None
    rows = _read_jsonl(path) if suffix == ".jsonl" else _read_json(path)
    if not rows:
        raise OneShotError(f"{path}: no rows")
    return _rows_to_dataset(rows)


def _answer_text(answer: Any) -> str:
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    return str(answer)


def download(url: str, cache: Path | None = None) -> Path:
    """The local copy of the dataset file at ``url``, downloaded on first use into ``cache``.

    ``cache`` defaults to ``DOWNLOADS``.

    With ``requests`` (a dependency), not fsspec's HTTP file system, which needs aiohttp, a package that
    datasets 5 no longer installs. The file is written under a temporary name and renamed once complete, so
    an interrupted download leaves nothing that a later run would take for the file.
    """
    import requests

    cache = Path(cache or DOWNLOADS)
    name = Path(urlsplit(url).path).name or "data"
    target = cache / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}-{name}"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=cache, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as f, requests.get(url, stream=True, timeout=(10, 60)) as response:
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            received = 0
            for chunk in response.iter_content(chunk_size=1 << 20):
                f.write(chunk)
                received += len(chunk)
            # Older urllib3 accepts a body shorter than its Content-Length without complaint.
            if expected is not None and received != int(expected):
                raise OSError(f"the connection broke off mid-download, at {received} of {expected} bytes")
        os.replace(partial, target)
    except (requests.RequestException, OSError) as e:
        Path(partial).unlink(missing_ok=True)
        if isinstance(e, requests.HTTPError) and e.response is not None:
            reason = f"HTTP {e.response.status_code} {e.response.reason}"
        elif isinstance(e, requests.exceptions.ChunkedEncodingError):  # urllib3's IncompleteRead
            reason = "the connection broke off mid-download"
        elif isinstance(e, requests.Timeout):
            reason = "the server stopped answering"
        # a ConnectionError's text is urllib3's retry report, several lines long
        elif isinstance(e, requests.ConnectionError):
            reason = f"cannot reach {urlsplit(url).netloc}: offline?"
        else:
            reason = " ".join(str(e).split())[:200] or type(e).__name__
        raise OneShotError(
            f"could not download {url} ({reason}); retry, or download the file and pass "
            f"--dataset path/to/{name}"
        ) from None
    return target


def _load_remote(source: str, split: str, config: str | None = None) -> Dataset:
    import datasets

    try:
        return datasets.load_dataset(source, config, split=split)
    except Exception as e:  # offline, unknown id, missing split: all end the same way for the user
        reason = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        raise OneShotError(
            f"could not load dataset {source!r} ({reason}); offline or without the Hub, pass a local file: "
            f"--dataset path/to/problems.jsonl (.jsonl, .json or .parquet)"
        ) from None


def _is_verl_layout(ds: Dataset) -> bool:
    return "reward_model" in ds.column_names and "prompt" in ds.column_names


def _from_verl(row: dict) -> dict:
    # verl rows: prompt=[{"role": "user", "content": problem + suffix}], reward_model={"ground_truth": ...}
    content = row["prompt"][-1]["content"] if isinstance(row["prompt"], list) else str(row["prompt"])
    problem = content[: -len(TRAIN_SUFFIX)] if content.endswith(TRAIN_SUFFIX) else content
    extra = row.get("extra_info") or {}
    return {
        "problem": problem,
        "answer": str(row["reward_model"]["ground_truth"]),
        "source_index": extra.get("index"),
    }


def load_problems(
    source: str | None = None,
    *,
    problem_key: str = "problem",
    answer_key: str = "answer",
    split: str = "train",
    config: str | None = None,
) -> Dataset:
    """Load a problem set as a Dataset with columns ``problem``, ``answer`` (str) and ``index`` (row number).

    ``source`` is a local ``.jsonl``/``.json``/``.parquet`` file, an ``http(s)`` URL of such a file, or a
    Hub dataset id (``split`` picks the split, ``config`` the subset). Other columns are kept. Default: the
    paper's DSR-sub.
    """
    source = source or DEFAULT_DATASET
    local = Path(source).expanduser()
    if source.startswith(("http://", "https://")):
        suffix = Path(urlsplit(source).path).suffix.lower()
        if suffix not in LOCAL_SUFFIXES:
            raise OneShotError(f"{source}: a dataset URL names a .jsonl, .json or .parquet file")
        path = download(source)
        try:
            ds = _read_local(path)
        except OneShotError as e:
            path.unlink(missing_ok=True)  # not kept: the next run downloads it again
            raise OneShotError(str(e).replace(str(path), source)) from None
    elif local.suffix.lower() in LOCAL_SUFFIXES:
        ds = _read_local(local)
    elif local.exists():
        raise OneShotError(f"{source}: unsupported file type; use .jsonl, .json or .parquet")
    else:
        ds = _load_remote(source, split, config)

    if _is_verl_layout(ds) and problem_key not in ds.column_names:
        ds = ds.map(_from_verl, remove_columns=ds.column_names)
        problem_key, answer_key = "problem", "answer"
    missing = [k for k in (problem_key, answer_key) if k not in ds.column_names]
    if missing:
        raise OneShotError(
            f"dataset {source} has no column {' or '.join(map(repr, missing))} (columns: "
            f"{', '.join(ds.column_names)}); "
            f"name them with --problem-key / --answer-key"
        )
    if problem_key != "problem":
        ds = ds.remove_columns([c for c in ["problem"] if c in ds.column_names]).rename_column(
            problem_key, "problem"
        )
    if answer_key != "answer":
        ds = ds.remove_columns([c for c in ["answer"] if c in ds.column_names]).rename_column(
            answer_key, "answer"
        )
    # Answers are graded as strings: a float column (AMC's 27.0) becomes "27.0", which the grader handles.
    # OlympiadBench on the Hub keeps each answer in a one-item list; the harness reads its first item.
    ds = ds.map(lambda row, i: {"answer": _answer_text(row["answer"]), "index": i}, with_indices=True)
    return ds


def prompt_for(tokenizer: Any | None, problem: str, template: str = "train") -> Any:
    """The training prompt column value: conversational when the tokenizer has a chat template (TRL then
    applies it), else the plain-text fallback string."""
    messages = prompt_messages(problem, template)
    if tokenizer is None or has_chat_template(tokenizer):
        return messages
    return fallback_text(messages)


def build_training_set(
    problems: Dataset,
    examples: list[ExampleRef],
    *,
    copies: int = 128,
    tokenizer: Any | None = None,
    template: str = "train",
) -> Dataset:
    """Copy the chosen example(s) into ``copies`` rows, split evenly in a fixed interleaved order.

    Columns: ``prompt`` (the paper's training prompt), ``answer``, ``index`` (source row) and
    ``example_id``. With ``num_generations`` completions per row, each row is one GRPO group.
    """
    if copies < len(examples):
        raise OneShotError(f"--copies {copies} is fewer than the {len(examples)} examples in the mix")
    if copies % len(examples):
        raise OneShotError(
            f"--copies {copies} does not split evenly over {len(examples)} examples; "
            f"use a multiple of {len(examples)} (e.g. {copies - copies % len(examples) or len(examples)})"
        )
    chosen = []
    for ref in examples:
        if ref.index >= len(problems):
            raise OneShotError(
                f"example {ref.label} is row {ref.index}, but the dataset has {len(problems)} rows"
            )
        row = problems[ref.index]
        chosen.append(
            {
                "prompt": prompt_for(tokenizer, row["problem"], template),
                "answer": row["answer"],
                "index": ref.index,
                "example_id": ref.label,
            }
        )
    rows = [chosen[i % len(chosen)] for i in range(copies)]
    return Dataset.from_list(rows)


def build_full_set(problems: Dataset, *, tokenizer: Any | None = None, template: str = "train") -> Dataset:
    """Every problem once (the full-set baseline and the run that records histories)."""
    return problems.map(
        lambda row: {
            "prompt": prompt_for(tokenizer, row["problem"], template),
            "example_id": f"idx{row['index']}",
        },
        remove_columns=[c for c in problems.column_names if c not in ("answer", "index")],
    )
