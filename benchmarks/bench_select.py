"""Selection at scale: streaming ranking (ours) vs loading every history into memory and calling np.std
(the reference approach), side by side, on synthetic histories of 1k, 10k and 100k examples x 50 appearances.

Each measurement runs in a fresh process, so peak RSS is that ranking's alone.

    python benchmarks/bench_select.py [--sizes 1000,10000,100000] [--appearances 50]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

OURS = r"""
import json, resource, sys, time, warnings
from oneshot_trl.selection import rank, read_stats
warnings.simplefilter("ignore")
t = time.perf_counter()
ranked = rank(read_stats(sys.argv[1]))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"s": time.perf_counter() - t, "rss": rss,
                  "top": ranked[0].stats.index}))
"""
REFERENCE = r"""
import json, resource, sys, time
from collections import defaultdict
import numpy as np
t = time.perf_counter()
histories = defaultdict(list)
with open(sys.argv[1]) as f:
    for line in f:
        row = json.loads(line)
        if "step" in row:
            histories[row["index"]].append(row["accuracy"])
        else:
            histories[row["index"]].extend(row["hv_history"])
order = sorted(histories, key=lambda i: -float(np.std(histories[i])))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"s": time.perf_counter() - t, "rss": rss,
                  "top": order[0]}))
"""


def write_histories(path: Path, kind: str, n: int, appearances: int) -> None:
    rng = random.Random(n)
    with path.open("w") as f:
        if kind == "rows":
            for i in range(n):
                p = rng.random()
                f.write(
                    json.dumps(
                        {
                            "index": i,
                            "hv_history": [
                                sum(rng.random() < p for _ in range(8)) / 8 for _ in range(appearances)
                            ],
                        }
                    )
                    + "\n"
                )
        else:
            p = [rng.random() for _ in range(n)]
            for step in range(appearances):
                for i in range(n):
                    k = sum(rng.random() < p[i] for _ in range(8))
                    f.write(
                        f'{{"step": {step + 1}, "index": {i}, "correct": {k}, '
                        f'"total": 8, "accuracy": {k / 8}}}\n'
                    )


def measure(code: str, path: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--appearances", type=int, default=50)
    parser.add_argument(
        "--formats", default="rows,steps", help="rows: one example per line; steps: history.jsonl"
    )
    args = parser.parse_args()
    print(
        f"{'format':<6} {'examples':>9} {'rows':>10} | {'ours s':>7} {'ref s':>7} {'ratio':>6} | "
        f"{'ours MB':>8} {'ref MB':>8} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.formats.split(","):
            for n in map(int, args.sizes.split(",")):
                path = Path(tmp) / f"{kind}-{n}.jsonl"
                write_histories(path, kind, n, args.appearances)
                ours, ref = measure(OURS, path), measure(REFERENCE, path)
                assert ours["top"] == ref["top"], "the two rankings disagree on the top example"
                rows = n if kind == "rows" else n * args.appearances
                print(
                    f"{kind:<6} {n:>9,} {rows:>10,} | {ours['s']:>7.2f} {ref['s']:>7.2f} "
                    f"{ours['s'] / ref['s']:>6.2f} | "
                    f"{ours['rss']:>8.0f} {ref['rss']:>8.0f} {ours['rss'] / ref['rss']:>6.2f}"
                )
                path.unlink()


if __name__ == "__main__":
    main()
