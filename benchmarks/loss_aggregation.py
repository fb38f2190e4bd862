"""How much each completion token weighs in the loss, side by side: the authors' verl, TRL's ``dapo``.

The authors' verl (``dp_actor.py``, ``use_dynamic_bsz=True``, ``ppo_max_token_len_per_gpu=24000``) splits each
rank's share of the step into micro-batches of balanced token counts, takes a token mean inside each
micro-batch, scales it by that micro-batch's share of the rank's sequences, and averages gradients over ranks:
a token in micro-batch m weighs (n_m / N_rank) / T_m / ranks. TRL's ``dapo`` divides the summed token losses
of the whole step by its total token count: every token weighs 1 / T. The two agree when every micro-batch has
the same mean length. This draws completion lengths for the paper's layout (128 prompts x 8 completions, 8
ranks, ~120 prompt tokens, up to 3072 new tokens) and prints, per scheme, the weight of a token relative to
dapo's, overall and for the shortest and longest quarter of completions.

    python benchmarks/loss_aggregation.py [--ranks 8] [--max-token-len 24000] [--seed 0]

verl balances micro-batches with Karmarkar-Karp; this uses the greedy longest-first rule (each sequence to the
least-filled micro-batch), which balances nearly as well.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics


def micro_batches(lengths: list[int], max_tokens: int) -> list[list[int]]:
    """Indices per micro-batch: as many as verl makes (ceil(total / max_tokens)), filled longest first."""
    count = max(1, math.ceil(sum(lengths) / max_tokens))
    bins: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        j = loads.index(min(loads))
        bins[j].append(i)
        loads[j] += lengths[i]
    return bins


def verl_token_weights(responses: list[int], prompt: int, ranks: int, max_tokens: int) -> list[float]:
    """Weight of each completion's tokens (one value per completion) under the authors' verl aggregation."""
    per_rank = len(responses) // ranks
    weights = [0.0] * len(responses)
    for r in range(ranks):
        idx = list(range(r * per_rank, (r + 1) * per_rank))
        # The budget counts prompts too
        packed = micro_batches([responses[i] + prompt for i in idx], max_tokens)
        for bucket in packed:
            members = [idx[k] for k in bucket]
            tokens = sum(responses[i] for i in members)  # the token mean runs over response tokens
            for i in members:
                weights[i] = (len(members) / per_rank) / tokens / ranks
    return weights


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--prompts", type=int, default=128)
    cli.add_argument("--generations", type=int, default=8)
    cli.add_argument("--ranks", type=int, default=8)
    cli.add_argument("--prompt-tokens", type=int, default=120)
    cli.add_argument("--max-new-tokens", type=int, default=3072)
    cli.add_argument("--max-token-len", type=int, default=24000, help="verl's ppo_max_token_len_per_gpu")
    cli.add_argument("--seed", type=int, default=0)
    args = cli.parse_args()
    rng = random.Random(args.seed)
    layouts = {
        # early 1-shot training: mostly 300-900 tokens, some runaway completions cut at the limit
        "mixed, 10% truncated": [
            args.max_new_tokens if rng.random() < 0.1 else int(rng.lognormvariate(6.3, 0.45))
            for _ in range(args.prompts * args.generations)
        ],
        "all short-ish (lognormal)": [
            int(rng.lognormvariate(6.3, 0.3)) for _ in range(args.prompts * args.generations)
        ],
    }
    print(
        f"{args.prompts} prompts x {args.generations} completions on {args.ranks} ranks, micro-batches of <= "
        f"{args.max_token_len} tokens; token weight relative to TRL dapo's 1/T (1.00 = the same)"
    )
    print(
        f"{'lengths':28} {'scheme':6} {'mean':>6} {'min':>6} {'max':>6} {'shortest 25%':>13} "
        f"{'longest 25%':>12}"
    )
    for name, lengths in layouts.items():
        lengths = [min(max(n, 16), args.max_new_tokens) for n in lengths]
        total = sum(lengths)
        verl = [
            w * total for w in verl_token_weights(lengths, args.prompt_tokens, args.ranks, args.max_token_len)
        ]
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        quarter = len(order) // 4
        for scheme, rel in (("dapo", [1.0] * len(lengths)), ("verl", verl)):
            # mean over tokens: each completion's relative weight counted once per token
            token_mean = sum(r * n for r, n in zip(rel, lengths, strict=True)) / total
            short = statistics.fmean(rel[i] for i in order[:quarter])
            long = statistics.fmean(rel[i] for i in order[-quarter:])
            print(
                f"{name:28} {scheme:6} {token_mean:6.3f} {min(rel):6.3f} {max(rel):6.3f} {short:13.3f} "
                f"{long:12.3f}"
            )


if __name__ == "__main__":
    main()
