"""The report of ``oneshot demo``: its results as typed objects (written to ``demo.json`` as they are), the
numbers read off them (mean ± half-range over seeds, gains with 95% intervals, the gain split into format and
accuracy, where π1 saturated), the one-line conclusion those numbers decide, and its plots.

Nothing here trains or evaluates a model (``oneshot_trl.demo`` runs the jobs): it reads what they wrote.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the result records the settings it was run with; the demo imports this module
    from ..demo import DemoConfig

ARMS = ("1-shot", "format-only", "full-set")
HELDOUT = "testbed_heldout"
# π1 counts as saturated once this share of its completions is right between two in-training checks; the
# paper's post-saturation generalisation is held-out accuracy still rising after that point.
PI1_SATURATED = 0.9
# The in-training checks' held-out accuracy, as the trainer logs it in metrics.jsonl.
HELDOUT_CHECK = f"eval/{HELDOUT}/accuracy"


@dataclass
class BaseBuild:
    """Where the base model landed: its SFT steps and dev criterion (read from its build record)."""

    key: str
    sft_steps: int
    dev_history: list[dict]
    build_seconds: float
    # the base every machine shares, or one built on this machine (--rebuild-base, another recipe)
    shipped: bool


@dataclass
class Pi1:
    """The selected training example: its historical accuracy (std, mean, per epoch) and the problem."""

    index: int
    std: float
    mean: float
    history: list[float]
    problem: str
    answer: str


@dataclass
class Candidate:
    """An RL row in the selector's order, with its historical accuracy std."""

    index: int
    std: float


@dataclass
class ArmRun:
    """One trained run of an arm: its held-out scores (``eval``: metric → value), its training log
    (``metrics.jsonl`` rows) and its times."""

    arm: str
    seed: int
    run_dir: str
    eval: dict[str, float]
    metrics: list[dict]
    train_seconds: float
    eval_seconds: float


@dataclass
class ProblemScores:
    """Per held-out problem, the sampled pass@1 (share of its samples right) of the base and of every run (in
    the order of ``DemoResult.runs``), problems in the base's order: what the gains' intervals resample."""

    base: list[float]
    runs: list[list[float]]


@dataclass
class Saturation:
    """Where a 1-shot run's π1 saturated (``saturated_at``: the first in-training check whose window reached
    the threshold, or None), π1's accuracy over the last window, and the held-out checks at saturation and
    at the last check (None when the run did not saturate)."""

    seed: int
    pi1_window: float | None
    saturated_at: int | None
    heldout_at: float | None = None
    heldout_last: float | None = None
    last_step: int | None = None


@dataclass
class DemoResult:
    """Everything the demo measured and what it concludes; ``as_json()`` is ``demo.json``."""

    config: DemoConfig
    base_model: str
    base_build: BaseBuild
    pi1: Pi1
    top5: list[Candidate]
    base: dict[str, float]  # the base model's held-out scores
    base_checks: float  # step 0 of the in-training curves: the base on the checks' problems
    runs: list[ArmRun]
    history_seconds: float
    problem_scores: ProblemScores
    table: dict[str, dict[str, list[float]]]
    gain_intervals: dict[str, dict[str, float]]
    conclusion: str
    post_saturation: list[Saturation]
    plots: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- numbers


def mean_spread(values: list[float]) -> tuple[float, float]:
    """Mean and half-range (the spread shown as ±; with 2 seeds, half their difference)."""
    return sum(values) / len(values), (max(values) - min(values)) / 2


def table(base: dict[str, float], runs: list[ArmRun]) -> dict[str, dict[str, list[float]]]:
    """Per arm (and base): metric → [mean, spread] over seeds."""
    rows = {"base": {m: [v, 0.0] for m, v in base.items()}}
    for arm in ARMS:
        evals = [r.eval for r in runs if r.arm == arm]
        rows[arm] = {m: list(mean_spread([e[m] for e in evals])) for m in evals[0]}
    return rows


def gains(
    base: dict[str, float], runs: list[ArmRun], metric: str = "pass@1"
) -> dict[str, tuple[float, float]]:
    """Per arm: mean and half-range over seeds of (arm − base) in ``metric``, in points."""
    return {
        arm: mean_spread([100 * (r.eval[metric] - base[metric]) for r in runs if r.arm == arm])
        for arm in ARMS
    }


def problem_scores(out: Path, runs: list[ArmRun]) -> ProblemScores:
    """The per-problem sampled pass@1 of the base (evaluated in ``out/base-eval``) and of every run, read from
    each evaluation's ``summary.json`` (its per-problem counts) and aligned on the base's problems."""
    from .report import load_summary, score_matrix

    base = load_summary(out / "base-eval" / "sampled")
    evaluated = [load_summary(Path(r.run_dir) / "eval" / "sampled") for r in runs]
    matrix = score_matrix([base, *evaluated], HELDOUT)
    return ProblemScores(base=matrix[0].tolist(), runs=matrix[1:].tolist())


def gain_intervals(scores: ProblemScores, runs: list[ArmRun]) -> dict[str, dict[str, float]]:
    """Gains in held-out pass@1, in points, with 95% intervals over seeds and problems (a paired bootstrap:
    every arm and the base on the same resampled problems, each arm's seeds resampled too): each arm minus
    the base, and 1-shot minus format-only."""
    import numpy as np

    from .intervals import difference

    base = np.asarray([scores.base])
    arms = {
        arm: np.asarray([s for s, r in zip(scores.runs, runs, strict=True) if r.arm == arm]) for arm in ARMS
    }
    pairs = {arm: (arms[arm], base) for arm in ARMS}
    pairs["1-shot vs format-only"] = (arms["1-shot"], arms["format-only"])
    found = {}
    for name, (a, b) in pairs.items():
        d = difference([a], [b])["benchmarks"][0]
        found[name] = {k: 100 * v for k, v in d.items()}
    return found


def decompose(base: dict[str, float], runs: list[ArmRun], arm: str) -> tuple[float, float]:
    """Points of held-out pass@1 gained by ``arm`` from answering in the boxed format more often, and from
    answering correctly more often when it does, averaged over seeds. Pass@1 over all samples is exactly
    boxed rate × accuracy among boxed answers, so the two parts sum to the gain."""
    b0, a0 = base["boxed_rate"], base["boxed_accuracy"]
    parts = [
        (100 * (e["boxed_rate"] - b0) * a0, 100 * e["boxed_rate"] * (e["boxed_accuracy"] - a0))
        for e in (r.eval for r in runs if r.arm == arm)
    ]
    return sum(p[0] for p in parts) / len(parts), sum(p[1] for p in parts) / len(parts)


def _with_interval(d: dict[str, float]) -> str:
    return f"{d['diff']:+.1f} points (95% interval {d['low']:+.1f} to {d['high']:+.1f})"


def conclusion(base: dict[str, float], runs: list[ArmRun], intervals: dict[str, dict[str, float]]) -> str:
    """One line saying what the numbers say, decided by the numbers (sampled pass@1 on held-out problems):
    whether 1-shot helped (its gain's 95% interval over seeds and problems above 0), how much of its gain is
    the boxed format, and where the two controls landed, each gain with its interval (``gain_intervals``)."""
    one_spread = gains(base, runs)["1-shot"][1]
    t = table(base, runs)
    from_format, from_skill = decompose(base, runs, "1-shot")
    boxed = f"boxed rate {t['base']['boxed_rate'][0]:.2f} → {t['1-shot']['boxed_rate'][0]:.2f}"
    base_among, one_among = t["base"]["boxed_accuracy"][0], t["1-shot"]["boxed_accuracy"][0]
    among = f"accuracy among boxed answers {base_among:.2f} → {one_among:.2f}"
    gain = _with_interval(intervals["1-shot"])
    parts = (
        f"of its {gain} of held-out pass@1, {from_format:+.1f} come from the {boxed} "
        f"and {from_skill:+.1f} from {among}"
    )
    controls = (
        f"1-shot vs format-only reward {_with_interval(intervals['1-shot vs format-only'])}; "
        f"full-set GRPO {_with_interval(intervals['full-set'])} on the same budget"
    )
    seeds = sum(r.arm == "1-shot" for r in runs)
    if intervals["1-shot"]["low"] <= 0:
        return (
            f"1-shot did not raise held-out pass@1 beyond noise ({gain} over {seeds} seed(s) "
            f"and the problems; {boxed}, {among}); {controls}."
        )
    if from_skill <= max(one_spread, 1.0):
        return f"The gain is format: {parts}; {controls}."
    if from_format >= from_skill:
        return f"1-shot helped, mostly through format: {parts}; {controls}."
    return f"1-shot helped beyond format: {parts}; {controls}."


def after_saturation(run: ArmRun, every: int, threshold: float = PI1_SATURATED) -> Saturation:
    """Where a 1-shot run's π1 saturated and what the held-out checks did after it.

    π1's accuracy is taken over the steps between two in-training checks (``every`` steps); the run is
    saturated at the first check where that reaches ``threshold``. A held-out rise after saturation is the
    paper's post-saturation generalisation."""
    solved = {m["step"]: m["oneshot/train_accuracy"] for m in run.metrics if "oneshot/train_accuracy" in m}
    checks = [(m["step"], m[HELDOUT_CHECK]) for m in run.metrics if HELDOUT_CHECK in m]

    def window(step: int) -> float:
        values = [v for s, v in solved.items() if step - every < s <= step]
        return sum(values) / len(values)

    last = window(max(solved)) if solved else None
    for step, heldout in checks:
        if window(step) >= threshold:
            return Saturation(run.seed, last, step, heldout, checks[-1][1], checks[-1][0])
    return Saturation(run.seed, last, None)


def saturation_line(post_saturation: list[Saturation], every: int, steps: int) -> str:
    """One line on each 1-shot seed: when π1 saturated and what the held-out checks did after it."""
    parts = []
    for r in post_saturation:
        if r.saturated_at is None:
            parts.append(f"seed {r.seed} not within {steps} steps ({r.pi1_window:.2f} over the last {every})")
        else:
            rise = 100 * (r.heldout_last - r.heldout_at)
            parts.append(
                f"seed {r.seed} at step {r.saturated_at}, held-out checks {r.heldout_at:.3f} there "
                f"→ {r.heldout_last:.3f} at step {r.last_step} ({rise:+.1f} points)"
            )
    solved = f"≥ {PI1_SATURATED:.2f} of its completions right over {every} steps"
    return f"π1 saturated ({solved}): " + "; ".join(parts)


# ---------------------------------------------------------------- plots

COLORS = {"1-shot": "tab:red", "format-only": "tab:gray", "full-set": "tab:blue", "base": "black"}


def plot(result: DemoResult, out: Path) -> list[Path]:
    """``curves.png`` (held-out sampled accuracy and training-example accuracy vs step) and
    ``pass_at_k.png``; returns their paths."""
    from .report import pyplot

    plt = pyplot()
    return [
        _plot_curves(plt, result, out / "curves.png"),
        _plot_pass_at_k(plt, result, out / "pass_at_k.png"),
    ]


def _plot_curves(plt, result: DemoResult, path: Path) -> Path:
    fig, (heldout, train) = plt.subplots(1, 2, figsize=(11, 4))
    for arm in ARMS:
        for i, run in enumerate(r for r in result.runs if r.arm == arm):
            label = arm if i == 0 else None
            checks = [(0, result.base_checks)] + [
                (m["step"], m[HELDOUT_CHECK]) for m in run.metrics if HELDOUT_CHECK in m
            ]
            heldout.plot(
                *zip(*checks, strict=True), color=COLORS[arm], alpha=0.8, label=label, marker="o", ms=3
            )
            solved = [
                (m["step"], m["oneshot/train_accuracy"]) for m in run.metrics if "oneshot/train_accuracy" in m
            ]
            if solved and arm != "full-set":  # full-set trains on every row, not on π1
                train.plot(*zip(*solved, strict=True), color=COLORS[arm], alpha=0.6, label=label, lw=1)
    for i, report in enumerate(r for r in result.post_saturation if r.saturated_at):
        label = f"π1 saturated (≥ {PI1_SATURATED:.0%} right)" if i == 0 else None
        heldout.axvline(report.saturated_at, color=COLORS["1-shot"], ls=":", lw=1, label=label)
    config = result.config
    level = f"saturation: mean over {config.eval_every} steps ≥ {PI1_SATURATED}"
    train.axhline(PI1_SATURATED, color="gray", ls="--", lw=0.8, label=level)
    checked = f"{config.eval_every_problems} problems × {config.eval_every_samples} samples"
    heldout.set(
        title=f"Held-out sampled accuracy (T=1) vs step\n({checked}; step 0: the base)",
        xlabel="step",
        ylabel="accuracy",
    )
    train.set(
        title="Accuracy on the training example (π1) vs step",
        xlabel="step",
        ylabel="share of the step's completions correct",
    )
    heldout.legend()
    train.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plot_pass_at_k(plt, result: DemoResult, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [int(m.split("@")[1]) for m in result.base if m.startswith("pass@")]
    ax.plot(ks, [result.base[f"pass@{k}"] for k in ks], color=COLORS["base"], marker="o", label="base")
    for arm in ARMS:
        means = [result.table[arm][f"pass@{k}"][0] for k in ks]
        ax.plot(ks, means, color=COLORS[arm], marker="o", label=arm)
    ax.set(
        xscale="log",
        xlabel="k",
        ylabel="pass@k (held-out)",
        title="pass@k: base vs trained (mean over seeds)",
    )
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
