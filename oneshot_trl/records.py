"""Run records written whatever ``report_to`` says: ``run.json`` (how to reproduce the run) and
``metrics.jsonl`` (one line per logged step), plus a rich progress bar. Rank 0 writes; others do nothing."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

RUN_FILE = "run.json"
METRICS_FILE = "metrics.jsonl"
PACKAGES = (
    "torch",
    "trl",
    "transformers",
    "peft",
    "accelerate",
    "datasets",
    "deepspeed",
    "math-verify",
    "oneshot-trl",
)


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_sha() -> str | None:
    """The toolkit's commit, when it runs from a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


def write_run_record(
    output_dir: Path, run_config: Any, trainer_config: Any, examples: list[dict], extra: dict
) -> None:
    record = {
        "command": sys.argv,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": trainer_config.seed,
        "run_config": {k: _jsonable(v) for k, v in asdict(run_config).items()},
        "trainer_config": {k: _jsonable(v) for k, v in trainer_config.to_dict().items()},
        "examples": examples,
        "versions": versions(),
        "git_sha": git_sha(),
        **extra,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = output_dir / (RUN_FILE + ".tmp")
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, output_dir / RUN_FILE)


def truncate_jsonl(path: Path, max_step: int) -> int:
    """Keep rows with ``step <= max_step`` (and drop a partial last line); return how many rows remain.
    Used on resume: the checkpoint is the truth, rows written after it are replayed by the resumed run."""
    if not path.exists():
        return 0
    kept = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            if json.loads(line).get("step", 0) <= max_step:
                kept.append(line)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(kept))
    os.replace(tmp, path)
    return len(kept)


class MetricsFileCallback(TrainerCallback):
    """Writes every training log (TRL's metrics and ours) to ``metrics.jsonl``, flushed per line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs or "train_runtime" in logs:
            return
        row = {"step": state.global_step, **{k: _jsonable(v) for k, v in logs.items()}}
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


class RichProgressCallback(TrainerCallback):
    """A rich progress bar with step, reward, entropy and ETA (replaces TRL's tqdm bar)."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeRemainingColumn(),
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=state.max_steps, completed=state.global_step, stats=""
        )

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.progress is None or not logs:
            return
        parts = [
            f"{key} {logs[key]:.3f}"
            for key in ("reward", "oneshot/train_accuracy", "entropy")
            if isinstance(logs.get(key), (int, float))
        ]
        self.progress.update(self.task, completed=state.global_step, stats="  ".join(parts))

    def on_step_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
