"""Cheap stand-ins for the paper's selection, checked on data nobody here made: the authors' accuracy
histories of DSR-sub (a 500-step full-set GRPO run of Qwen2.5-Math-1.5B, 44-57 appearances per example)
against the paper's Table 3 (MATH500 of 1-shot RLVR on each of 14 single examples).

1. Each score's Spearman ρ with those 14 results, with a 95% interval (Fisher z, Bonett-Wright standard
   error; and a percentile bootstrap over the 14 examples), and the MATH500 of the example it ranks first.
2. How well the ranking from each example's first K appearances recovers the full one (all 1209 examples):
   Spearman ρ, and the share of the full top-20 and top-50 found in the K-appearance top-20 and top-50.

    python benchmarks/selection_proxies.py [--history ../shared/data/dsr_sub_1209.jsonl]

Runs in seconds on a CPU; it prints the numbers of the README's "How much does the choice of example matter?".
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from oneshot_trl.examples import PI_TO_INDEX
from oneshot_trl.selection import rank, read_stats
from oneshot_trl.selection_proxies import (
    bootstrap_interval,
    describe,
    fisher_interval,
    learnability,
    spearman,
    top_overlap,
)

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "dsr_sub_1209.jsonl"
# The paper's Table 3: MATH500 (%) of the best checkpoint of 1-shot RLVR on each example (Qwen2.5-Math-1.5B).
TABLE3 = {
    "pi1": 74.0,
    "pi2": 70.6,
    "pi4": 65.6,
    "pi7": 64.0,
    "pi11": 64.0,
    "pi13": 74.4,
    "pi16": 67.0,
    "pi17": 67.2,
    "pi605": 71.8,
    "pi606": 64.4,
    "pi1201": 71.4,
    "pi1207": 54.0,
    "pi1208": 45.0,
    "pi1209": 72.2,
}
EARLY = (2, 3, 5, 10, 20)
RECOVERY = (1, 2, 3, 5, 10, 20)


def stats_by_index(path: Path, k: int | None = None) -> dict:
    """Per-example statistics. Exact ties keep index order: the authors' tie order (hv_rank) comes from the
    full ranking, and a K-appearance ranking that borrowed it would recover the full one for free."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unequal lengths (44-57): expected for this run
        return {s.index: s for s in read_stats(path, max_appearances=k)}


def proxies(path: Path) -> dict[str, dict[int, float]]:
    """Each score of every example (higher = predicted better), by name."""
    full = stats_by_index(path)
    scores = {
        "historical std, all appearances (the paper)": {i: s.std for i, s in full.items()},
        "p(1-p) of the mean accuracy, all appearances": {i: learnability(s.mean) for i, s in full.items()},
        "mean accuracy, all appearances": {i: s.mean for i, s in full.items()},
    }
    for k in EARLY:
        early = stats_by_index(path, k)
        scores[f"historical std, first {k} appearances"] = {i: s.std for i, s in early.items()}
    for k in (1, 3):
        early = stats_by_index(path, k)
        scores[f"p(1-p) of the mean accuracy, first {k} appearance(s)"] = {
            i: learnability(s.mean) for i, s in early.items()
        }
    return scores


def against_table3(path: Path) -> list[dict]:
    pis = list(TABLE3)
    math500 = [TABLE3[pi] for pi in pis]
    rows = []
    for name, score in proxies(path).items():
        x = [score[PI_TO_INDEX[pi]] for pi in pis]
        rho = spearman(x, math500)
        best = max(range(len(pis)), key=lambda i: x[i])
        tied = [pis[i] for i in range(len(pis)) if x[i] == x[best]]
        rows.append(
            {
                "score": name,
                "rho": rho,
                "fisher": fisher_interval(rho, len(pis)),
                "bootstrap": bootstrap_interval(x, math500),
                "top": tied,  # a tie at the top is reported whole, with its mean result
                "top_math500": sum(TABLE3[pi] for pi in tied) / len(tied),
            }
        )
    return rows


def recovery(path: Path) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = rank(read_stats(path, tie_order="hv_rank"))  # the paper's π ids
    full_order = [r.stats.index for r in full]
    full_std = {r.stats.index: r.stats.std for r in full}
    pi1 = full_order[0]
    rows = []
    for k in RECOVERY:
        early = rank(list(stats_by_index(path, k).values()))
        order = [r.stats.index for r in early]
        std = {r.stats.index: r.stats.std for r in early}
        keys = sorted(full_std)
        rows.append(
            {
                "k": k,
                "rho": spearman([std[i] for i in keys], [full_std[i] for i in keys]),
                "top20": top_overlap(order, full_order, 20),
                "top50": top_overlap(order, full_order, 50),
                "pi1_rank": order.index(pi1) + 1,
                "share_of_run": k / sum(s.count for s in stats_by_index(path).values()) * len(keys),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, default=DEFAULT)
    parser.add_argument("--json", type=Path, help="Also write the numbers as JSON.")
    args = parser.parse_args()
    if not args.history.exists():
        raise SystemExit(f"{args.history} not found: pass --history (the shared dsr_sub_1209.jsonl)")

    table = against_table3(args.history)
    print(f"Scores vs the paper's Table 3 (MATH500 of 1-shot RLVR on each of {len(TABLE3)} examples)")
    print("score | Spearman ρ [95% Fisher] | 95% bootstrap | its top pick among the 14 (MATH500)")
    for r in table:
        boot = f"[{r['bootstrap'][0]:+.2f}, {r['bootstrap'][1]:+.2f}]"
        top = ", ".join(r["top"])
        print(f"{r['score']} | {describe(r['rho'], r['fisher'])} | {boot} | {top} ({r['top_math500']:.1f})")
    best, worst = max(TABLE3.values()), min(TABLE3.values())
    print(
        f"(the 14 results span {worst:.1f}-{best:.1f}; their mean is "
        f"{sum(TABLE3.values()) / len(TABLE3):.1f}: what a pick at random among them gets on average)"
    )

    rec = recovery(args.history)
    print()
    print("The ranking from each example's first K appearances vs the full one (1209 examples)")
    print("K | share of the run | Spearman ρ of std | top-20 overlap | top-50 overlap | rank of the full π1")
    for r in rec:
        if r["rho"] != r["rho"]:  # NaN: one appearance has no spread, every std is 0
            print(f"{r['k']} | {r['share_of_run']:.0%} | undefined: every std is 0, no ranking | - | - | -")
            continue
        print(
            f"{r['k']} | {r['share_of_run']:.0%} | {r['rho']:+.3f} | {r['top20']:.2f} | {r['top50']:.2f} | "
            f"{r['pi1_rank']}"
        )
    if args.json:
        args.json.write_text(json.dumps({"table3": table, "recovery": rec}, indent=1))


if __name__ == "__main__":
    main()
