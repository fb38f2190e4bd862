"""Reports over evaluations: a checkpoint sweep of a training run, and pass@k curves of two models."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import OneShotError
from .evaluator import SAMPLES_FILE, EvalConfig, checkpoints, evaluate, load_model
from .metrics import pass_at_k


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def base_model(run_dir: Path) -> str:
    """The model a training run started from (its ``run.json``)."""
    record = run_dir / "run.json"
    if not record.exists():
        raise OneShotError(
            f"{record} not found: it names the base model evaluated as step 0; pass --no-base to skip it"
        )
    run_config = json.loads(record.read_text())["run_config"]
    return (
        run_config.get("model_name_or_path") or run_config["model"]
    )  # "model" in runs before TRL's ModelConfig


def sweep(
    run_dir: Path,
    benchmarks,
    config: EvalConfig,
    output_dir: Path,
    overwrite: bool = False,
    include_base: bool = True,
) -> dict:
    """Evaluate the base model as step 0 (as the paper's curves start) and every checkpoint of a run, each in
    ``config.dtype`` by the same rule, each resumable with its protocol guard; write sweep.csv, sweep.png
    (each metric vs step) and sweep.json."""
    found = checkpoints(run_dir)
    if not found:
        raise OneShotError(f"{run_dir} has no checkpoint-* folders to sweep")
    if include_base:
        found = [(0, base_model(run_dir)), *found]
    rows = []
    for step, path in found:
        model, tokenizer = load_model(str(path), config.dtype)
        folder = output_dir / ("base" if step == 0 else Path(path).name)
        summary = evaluate(model, tokenizer, benchmarks, config, folder, overwrite=overwrite)
        row = {"step": step, "average": summary["average"]}
        for name, metrics in summary["benchmarks"].items():
            row[f"{name}/accuracy"] = metrics["accuracy"]
            row[f"{name}/no_answer_rate"] = metrics["no_answer_rate"]
        rows.append(row)
    with (output_dir / "sweep.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    metrics = [k for k in rows[0] if k != "step"]
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        ax.plot([r["step"] for r in rows], [r[metric] for r in rows], marker="o")
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylim(-0.02, 1.02)
    fig.tight_layout()
    fig.savefig(output_dir / "sweep.png", dpi=110)
    plt.close(fig)
    best = max(rows, key=lambda r: r["average"])
    result = {"best_step": best["step"], "best_average": best["average"], "rows": rows}
    (output_dir / "sweep.json").write_text(json.dumps(result, indent=2))
    return result


def parse_ks(spec: str) -> list[int]:
    """ "1,8,64" or a range "1..256" (powers of two from 1 to 256)."""
    try:
        if ".." in spec:
            low, high = (int(x) for x in spec.split(".."))
            ks, k = [], 1
            while k <= high:
                if k >= low:
                    ks.append(k)
                k *= 2
            return ks
        return sorted({int(x) for x in spec.split(",") if x.strip()})
    except ValueError:
        raise OneShotError(f"--k {spec!r}: write 1,8,64 or 1..256") from None


def pass_at_k_curves(eval_dir: Path, ks: list[int]) -> dict[str, dict[int, float]]:
    """Per benchmark, mean pass@k over problems for each k <= the samples per problem."""
    path = eval_dir / SAMPLES_FILE
    if not path.exists():
        raise OneShotError(
            f"{path} not found: pass an output dir of `oneshot eval` (run with --n large enough)"
        )
    counts: dict[str, dict[str, list[int]]] = {}
    with path.open() as f:
        for line in f:
            if line.endswith("\n"):
                r = json.loads(line)
                entry = counts.setdefault(r["benchmark"], {}).setdefault(r["id"], [0, 0])
                entry[0] += 1
                entry[1] += int(r["correct"])
    curves = {}
    for bench, problems in counts.items():
        n = min(n for n, _ in problems.values())
        curves[bench] = {
            k: sum(pass_at_k(pn, min(c, pn), k) for pn, c in problems.values()) / len(problems)
            for k in ks
            if k <= n
        }
    return curves


def compare(eval_dirs: list[Path], ks: list[int], output: Path, labels: list[str] | None = None) -> dict:
    """pass@k curves of several models (e.g. base vs RL) on one chart per benchmark, as PNG."""
    labels = labels or [d.name for d in eval_dirs]
    curves = {label: pass_at_k_curves(d, ks) for label, d in zip(labels, eval_dirs)}
    benchmarks = sorted(set.intersection(*(set(c) for c in curves.values())))
    if not benchmarks:
        raise OneShotError("the evaluations share no benchmark to compare")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(4.5 * len(benchmarks), 3.6), squeeze=False)
    for ax, bench in zip(axes[0], benchmarks):
        for label in labels:
            points = curves[label][bench]
            ax.plot(list(points), list(points.values()), marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("k")
        ax.set_ylabel("pass@k")
        ax.set_title(bench)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)
    return curves
