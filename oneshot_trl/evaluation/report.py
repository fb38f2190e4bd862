"""Reports over evaluations: a checkpoint sweep of a training run (with intervals and the checkpoint choice),
and comparisons of models (paired differences with intervals, pass@k curves)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ..errors import OneShotError
from . import intervals
from .evaluator import SAMPLES_FILE, SUMMARY_FILE, EvalConfig, checkpoints, evaluate, load_model
from .metrics import pass_at_k


def pyplot():
    """matplotlib's pyplot on the non-interactive backend (files only), as every plot of the package uses."""
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
    # "model" in runs made before RunConfig extended TRL's ModelConfig
    return run_config.get("model_name_or_path") or run_config["model"]


def score_matrix(summaries: list[dict], benchmark: str, metric: str = "accuracy") -> np.ndarray:
    """(runs, problems): each run's per-problem score (the share of its samples right, or pass@k), problems in
    the first run's order. Every run must hold the same problems (``check_comparable``)."""
    first = summaries[0]["benchmarks"][benchmark]
    ids = list(first["correct_per_problem"])
    rows = []
    for summary in summaries:
        b = summary["benchmarks"][benchmark]
        n, correct = b["samples_per_problem"], b["correct_per_problem"]
        if metric == "accuracy":
            rows.append([correct[i] / n for i in ids])
        else:
            rows.append([pass_at_k(n, correct[i], int(metric[5:])) for i in ids])
    return np.asarray(rows, dtype=np.float64)


def sweep_intervals(matrices: dict[str, np.ndarray], samples: dict[str, int]) -> dict:
    """Per benchmark and for the average, every checkpoint's accuracy with its 95% interval, computed for all
    checkpoints at once. ``matrices``: benchmark -> (checkpoints, problems) per-problem accuracy;
    ``samples``: benchmark -> samples per problem (1: Wilson, else the bootstrap)."""
    found = {name: intervals.mean_interval(m, binary=samples[name] == 1) for name, m in matrices.items()}
    found["average"] = intervals.average_interval(list(matrices.values()))
    return found


def _halves(problems: int, seed: int = intervals.SEED) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random split of a benchmark's problems into a selection half and a held-out half."""
    order = np.random.default_rng([seed, problems, 1]).permutation(problems)
    return np.sort(order[: problems // 2]), np.sort(order[problems // 2 :])


def pick_checkpoint(rows: list[dict], matrices: dict[str, np.ndarray]) -> dict:
    """The best checkpoint (highest average) and how far it stands from the next, the last checkpoint, and a
    held-out pick: the checkpoint best on half of each benchmark's problems, scored on the other half.

    The best of many checkpoints scored on the same problems is biased upward (its score includes the luck
    that made it the best); the last checkpoint involves no choice, and the held-out pick's score comes from
    problems the choice never saw. Both are reported beside the best."""
    averages = np.array([r["average"] for r in rows])
    order = np.argsort(-averages, kind="stable")  # first on ties, as max()
    best = int(order[0])
    report = {
        "best_step": rows[best]["step"],
        "best_average": rows[best]["average"],
        "best_ci": [rows[best]["average_low"], rows[best]["average_high"]],
        "checkpoints": len(rows),
        "last_step": rows[-1]["step"],
        "last_average": rows[-1]["average"],
        "last_ci": [rows[-1]["average_low"], rows[-1]["average_high"]],
    }
    if len(rows) > 1:
        second = int(order[1])
        gap = intervals.difference(
            [m[best] for m in matrices.values()], [m[second] for m in matrices.values()]
        )["average"]
        report["runner_up"] = {
            "step": rows[second]["step"],
            "average": rows[second]["average"],
            "gap": gap["diff"],
            "gap_ci": [gap["low"], gap["high"]],
        }
        splits = {name: _halves(m.shape[1]) for name, m in matrices.items()}
        choose = np.mean([m[:, splits[name][0]].mean(axis=1) for name, m in matrices.items()], axis=0)
        pick = int(np.argmax(choose))
        heldout = intervals.average_interval([m[pick, splits[name][1]] for name, m in matrices.items()])
        best_heldout = np.mean([m[best, splits[name][1]].mean() for name, m in matrices.items()])
        report["heldout_pick"] = {
            "step": rows[pick]["step"],
            "selection_average": float(choose[pick]),
            "heldout_average": float(heldout["mean"]),
            "heldout_ci": [float(heldout["low"]), float(heldout["high"])],
            "best_on_heldout_half": float(best_heldout),
        }
    return report


def pick_lines(report: dict) -> list[str]:
    """The checkpoint choice in words: the best with its gap to the next, the bias, the alternatives."""
    lo, hi = report["best_ci"]
    lines = [f"best step {report['best_step']}: average {report['best_average']:.3f} [{lo:.3f}, {hi:.3f}]"]
    if "runner_up" in report:
        r = report["runner_up"]
        glo, ghi = r["gap_ci"]
        verdict = "which holds 0: the two are not told apart" if glo <= 0 <= ghi else "which excludes 0"
        lines[0] += (
            f", {r['gap']:+.3f} over the next, step {r['step']} (paired 95% interval {glo:+.3f} to "
            f"{ghi:+.3f}, {verdict})"
        )
        lines.append(
            f"the best of {report['checkpoints']} checkpoints scored on the same problems is biased upward; "
            "choices free of that bias:"
        )
        llo, lhi = report["last_ci"]
        lines.append(
            f"  last checkpoint, step {report['last_step']}: {report['last_average']:.3f} "
            f"[{llo:.3f}, {lhi:.3f}]"
        )
        h = report["heldout_pick"]
        hlo, hhi = h["heldout_ci"]
        lines.append(
            f"  held-out pick, step {h['step']}: chosen on half of each benchmark's problems "
            f"({h['selection_average']:.3f}), {h['heldout_average']:.3f} [{hlo:.3f}, {hhi:.3f}] on the "
            f"other half (the best step scores {h['best_on_heldout_half']:.3f} there)"
        )
    return lines


def sweep(
    run_dir: Path,
    benchmarks,
    config: EvalConfig,
    output_dir: Path,
    overwrite: bool = False,
    include_base: bool = True,
) -> dict:
    """Evaluate the base model as step 0 (as the paper's curves start) and every checkpoint of a run, each in
    ``config.dtype`` by the same rule, each resumable with its protocol guard; write sweep.csv (each metric
    with its 95% interval), sweep.png (each metric vs step, the interval as a band) and sweep.json (the
    rows, and the checkpoint choice of ``pick_checkpoint``)."""
    found = checkpoints(run_dir)
    if not found:
        raise OneShotError(f"{run_dir} has no checkpoint-* folders to sweep")
    if include_base:
        found = [(0, base_model(run_dir)), *found]
    summaries = []
    for step, path in found:
        model, tokenizer = load_model(str(path), config.dtype)
        folder = output_dir / ("base" if step == 0 else Path(path).name)
        summaries.append(evaluate(model, tokenizer, benchmarks, config, folder, overwrite=overwrite))
    names = list(summaries[0]["benchmarks"])
    matrices = {name: score_matrix(summaries, name) for name in names}
    samples = {name: summaries[0]["benchmarks"][name]["samples_per_problem"] for name in names}
    bands = sweep_intervals(matrices, samples)
    rows = []
    for i, ((step, _), summary) in enumerate(zip(found, summaries, strict=True)):
        row = {
            "step": step,
            "average": summary["average"],
            "average_low": float(bands["average"]["low"][i]),
            "average_high": float(bands["average"]["high"][i]),
        }
        for name, metrics in summary["benchmarks"].items():
            row[f"{name}/accuracy"] = metrics["accuracy"]
            row[f"{name}/accuracy_low"] = float(bands[name]["low"][i])
            row[f"{name}/accuracy_high"] = float(bands[name]["high"][i])
            row[f"{name}/no_answer_rate"] = metrics["no_answer_rate"]
            row[f"{name}/problems"] = metrics["problems"]
            row[f"{name}/samples_per_problem"] = metrics["samples_per_problem"]
        rows.append(row)
    with (output_dir / "sweep.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _plot_sweep(rows, output_dir / "sweep.png")
    result = {**pick_checkpoint(rows, matrices), "rows": rows}
    (output_dir / "sweep.json").write_text(json.dumps(result, indent=2))
    return result


def _plot_sweep(rows: list[dict], path: Path) -> None:
    metrics = [k for k in rows[0] if k == "average" or k.endswith(("/accuracy", "/no_answer_rate"))]
    steps = [r["step"] for r in rows]
    plt = pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        if f"{metric}_low" in rows[0]:
            low, high = [r[f"{metric}_low"] for r in rows], [r[f"{metric}_high"] for r in rows]
            ax.fill_between(steps, low, high, alpha=0.25, lw=0, label="95% interval")
            ax.legend(fontsize=7, loc="lower right")
        ax.plot(steps, [r[metric] for r in rows], marker="o")
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylim(-0.02, 1.02)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def compare(arms, ks: list[int], output: Path, labels: list[str] | None = None) -> dict:
    """pass@k curves of several models (e.g. base vs RL) on one chart per benchmark, as PNG. ``arms``: eval
    dirs (one curve each), or arm name -> eval dirs (one curve each: the mean over the arm's runs)."""
    if not isinstance(arms, dict):
        labels = labels or [d.name for d in arms]
        if len(labels) != len(arms):
            raise OneShotError(f"{len(labels)} labels for {len(arms)} evaluations: give one label each")
        arms = {label: [d] for label, d in zip(labels, arms, strict=True)}
    curves = {}
    for label, dirs in arms.items():
        runs = [pass_at_k_curves(d, ks) for d in dirs]
        curves[label] = {
            bench: {
                k: sum(r[bench][k] for r in runs) / len(runs)
                for k in runs[0][bench]
                if all(k in r.get(bench, {}) for r in runs)
            }
            for bench in runs[0]
            if all(bench in r for r in runs)
        }
    labels = list(curves)
    benchmarks = sorted(set.intersection(*(set(c) for c in curves.values())))
    if not benchmarks:
        raise OneShotError("the evaluations share no benchmark to compare")
    plt = pyplot()
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(4.5 * len(benchmarks), 3.6), squeeze=False)
    for ax, bench in zip(axes[0], benchmarks, strict=True):
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


# What must match for two evaluations to be compared: how samples were drawn and graded. The generation
# seed and batch size only pick which samples are drawn, so runs that differ in them are still compared.
_COMPARED = ("n", "temperature", "top_p", "top_k", "max_tokens", "prompt", "extraction", "dtype")


def load_summary(eval_dir: Path) -> dict:
    """An evaluation's ``summary.json``, with the per-problem counts that comparisons need."""
    path = Path(eval_dir) / SUMMARY_FILE
    if not path.exists():
        raise OneShotError(f"{path} not found: pass an output dir of `oneshot eval`")
    summary = json.loads(path.read_text())
    if any("correct_per_problem" not in b for b in summary["benchmarks"].values()):
        raise OneShotError(
            f"{path} predates per-problem counts: rerun the same `oneshot eval` command on it "
            "(it resumes and rewrites the summary without generating)"
        )
    return summary


def check_comparable(runs: dict[str, dict]) -> list[str]:
    """The benchmarks every run holds, after checking that each was evaluated with one protocol and on one
    problem set in every run; a mismatch is refused in one line naming it."""
    labels = list(runs)
    shared = [b for b in runs[labels[0]]["benchmarks"] if all(b in runs[x]["benchmarks"] for x in labels)]
    if not shared:
        raise OneShotError(f"{', '.join(labels)} share no benchmark to compare")
    ref = labels[0]
    for name in shared:
        a = runs[ref]["benchmarks"][name]
        for label in labels[1:]:
            b = runs[label]["benchmarks"][name]
            pa = {**{k: a["protocol"].get(k) for k in _COMPARED}, "think": runs[ref]["config"].get("think")}
            pb = {**{k: b["protocol"].get(k) for k in _COMPARED}, "think": runs[label]["config"].get("think")}
            changed = [f"{k} {pa[k]!r} vs {pb[k]!r}" for k in pa if pa[k] != pb[k]]
            if changed:
                raise OneShotError(
                    f"{name}: {ref} and {label} were evaluated with different protocols "
                    f"({', '.join(changed)}); evaluate both the same way to compare them"
                )
            ids_a, ids_b = set(a["correct_per_problem"]), set(b["correct_per_problem"])
            if ids_a != ids_b:
                raise OneShotError(
                    f"{name}: {ref} and {label} were evaluated on different problems ({len(ids_a)} vs "
                    f"{len(ids_b)} problems, {len(ids_a ^ ids_b)} not in both; another --limit or data?); "
                    "a paired comparison needs the same problems"
                )
    return shared


def compare_arms(arms: dict[str, list[Path]]) -> dict:
    """Paired comparison of arms (each one or more evaluated runs, e.g. training seeds) against the first.

    Per arm and benchmark (and the average over the benchmarks all share): the mean over its runs and the
    standard deviation over runs. Per other arm: its difference from the first arm with a 95% interval that
    resamples problems (the same for both arms: paired) and, for arms of several runs, the runs within each
    arm (seeds and problems)."""
    # a run is named by its arm, or within an arm of several runs by its position: seeds[1]
    labels = {
        arm: [arm] if len(dirs) == 1 else [f"{arm}[{i}]" for i in range(len(dirs))]
        for arm, dirs in arms.items()
    }
    runs = {
        label: load_summary(d)
        for arm, dirs in arms.items()
        for label, d in zip(labels[arm], dirs, strict=True)
    }
    shared = check_comparable(runs)
    reference = next(iter(arms))
    first = runs[labels[reference][0]]
    # every run's per-problem scores, its problems in the reference run's order
    scores = {
        arm: {b: score_matrix([first, *(runs[x] for x in labels[arm])], b)[1:] for b in shared}
        for arm in arms
    }
    table = {}
    for arm, per_bench in scores.items():
        means = {b: m.mean(axis=1) for b, m in per_bench.items()}  # per run
        average = np.mean(list(means.values()), axis=0)
        entry = {"runs": len(arms[arm]), "dirs": [str(d) for d in arms[arm]]}
        for b, values in [*means.items(), ("average", average)]:
            entry[b] = {
                "mean": float(values.mean()),
                "std": float(values.std(ddof=1)) if len(values) > 1 else None,
            }
        table[arm] = entry
    differences = {}
    for arm in list(arms)[1:]:
        found = intervals.difference([scores[arm][b] for b in shared], [scores[reference][b] for b in shared])
        differences[arm] = {
            **{b: found["benchmarks"][i] for i, b in enumerate(shared)},
            "average": found["average"],
        }
    problems = {b: len(first["benchmarks"][b]["correct_per_problem"]) for b in shared}
    samples = {b: first["benchmarks"][b]["samples_per_problem"] for b in shared}
    return {
        "reference": reference,
        "benchmarks": shared,
        "problems": problems,
        "samples_per_problem": samples,
        "arms": table,
        "differences": differences,
    }


def difference_lines(result: dict) -> list[str]:
    """Each arm's difference from the reference in words, saying plainly where the interval holds 0."""
    lines = []
    for arm, diffs in result["differences"].items():
        where = (
            "seeds and problems"
            if max(result["arms"][a]["runs"] for a in (arm, result["reference"])) > 1
            else "problems"
        )
        parts, unclear = [], []
        for b in [*result["benchmarks"], "average"]:
            d = diffs[b]
            parts.append(f"{b} {100 * d['diff']:+.1f} [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]")
            if intervals.holds_zero(d):
                unclear.append(b)
        lines.append(
            f"{arm} − {result['reference']} (points, 95% interval over {where}): " + "; ".join(parts)
        )
        if unclear:
            lines.append(f"  the interval holds 0 on {', '.join(unclear)}: no difference shown there")
        else:
            lines.append("  every interval excludes 0")
    return lines
