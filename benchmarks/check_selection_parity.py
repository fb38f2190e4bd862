"""Does `select-examples` rank the authors' own history file as their script does? Side by side on it.

Ranks ``acc_step_500.json`` (``data/`` in ypwang61/One-Shot-RLVR) with ``oneshot_trl.selection`` and with
the authors' method (``data/data_selection.py`` lines 60-71: ``np.std`` of each list, ``sorted(...,
reverse=True)`` over the JSON's key order), and, for contrast, with scores rounded to 12 digits before the
same stable sort. Prints how many of the ranks differ from the authors' in each.

    python benchmarks/check_selection_parity.py --authors-json One-Shot-RLVR/data/acc_step_500.json
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--authors-json", type=Path, required=True, help="their data/acc_step_500.json")
    args = cli.parse_args()
    from oneshot_trl.selection import rank, read_stats

    data = json.loads(args.authors_json.read_text())
    scores = {key: np.std(values) for key, values in data.items()}
    theirs = [int(k) for k, _ in sorted(scores.items(), key=lambda item: item[1], reverse=True)]
    rounded = [int(k) for k, _ in sorted(scores.items(), key=lambda item: -round(float(item[1]), 12))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [r.stats.index for r in rank(read_stats(args.authors_json))]

    def moved(order: list[int]) -> int:
        return sum(a != b for a, b in zip(order, theirs, strict=True))

    print(f"{len(theirs)} examples: select-examples differs from the authors' ranking at {moved(ours)} ranks")
    print(f"scores rounded to 12 digits before sorting would differ at {moved(rounded)} ranks")


if __name__ == "__main__":
    main()
