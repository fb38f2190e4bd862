"""Trainer overhead: OneShotGRPOTrainer vs TRL's plain GRPOTrainer, same config, tiny model on CPU.

Pairs measured side by side in one run (each variant in a fresh process, alternated, --repeats times):
  1. entropy 0 for both: what our metrics/history/pg_coef hooks cost;
  2. entropy 0.001: ours vs TRL's native entropy_coef (the same term, so the ratio should be ~1).
Prints the median step time over all measured steps and each process's peak RSS, and their ratios.

    python benchmarks/bench_trainer.py [--steps 25] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = r"""
import json, resource, sys, time, os
import torch
torch.set_num_threads(1)
from datasets import Dataset
from transformers import AutoModelForCausalLM, TrainerCallback
from trl import GRPOConfig, GRPOTrainer
from oneshot_trl.rewards import math_reward
from oneshot_trl.modeling import load_tokenizer
from oneshot_trl.trainers.grpo import OneShotGRPOConfig, OneShotGRPOTrainer

kind, model_dir, out = sys.argv[1], sys.argv[2], sys.argv[5]
steps, entropy = int(sys.argv[3]), float(sys.argv[4])

class Timer(TrainerCallback):
    def __init__(self): self.times, self.t = [], None
    def on_step_begin(self, *a, **k): self.t = time.perf_counter()
    def on_step_end(self, *a, **k): self.times.append(time.perf_counter() - self.t)

tok = load_tokenizer(model_dir)
question = "What is 12 + 30? Let's think step by step and output the final answer within \\boxed{}."
prompt = [{"role": "user", "content": question}]
data = Dataset.from_list([{"prompt": prompt, "answer": "42", "index": 0, "example_id": "idx0"}] * 4)
common = dict(output_dir=out, per_device_train_batch_size=32, num_generations=8, max_completion_length=24,
              max_steps=steps, learning_rate=1e-4, use_cpu=True, report_to="none", save_strategy="no",
              logging_steps=1, disable_tqdm=True, entropy_coef=entropy, beta=0.001, seed=0)
model = AutoModelForCausalLM.from_pretrained(model_dir)
if kind == "ours":
    trainer = OneShotGRPOTrainer(model=model, args=OneShotGRPOConfig(**common), reward_funcs=[math_reward],
                                 train_dataset=data, processing_class=tok)
else:
    trainer = GRPOTrainer(model=model, args=GRPOConfig(**common), reward_funcs=[math_reward],
                          train_dataset=data, processing_class=tok)
timer = Timer()
trainer.add_callback(timer)
trainer.train()
peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"times": timer.times[3:], "peak_rss_mb": peak_rss_mb}))
"""


def run(kind: str, model_dir: Path, steps: int, entropy: float) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, "-c", WORKER, kind, str(model_dir), str(steps), str(entropy), out],
            capture_output=True,
            text=True,
            env=env,
        )
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="steps per process (the first 3 are warm-up)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from oneshot_trl.testbed.models import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "tiny", hidden_size=64, num_layers=2)
        print(
            f"tiny Qwen2 (hidden 64, 2 layers), 4 copies x 8 generations = 32 completions per step, "
            f"24 new tokens, {args.steps} steps x {args.repeats} processes per variant, CPU, 1 thread"
        )
        for label, entropy in (
            ("entropy 0 (ours vs plain GRPOTrainer)", 0.0),
            ("entropy 0.001 (ours vs TRL's native entropy_coef)", 0.001),
        ):
            results = {"ours": [], "trl": []}
            for _ in range(args.repeats):
                for kind in ("trl", "ours"):
                    results[kind].append(run(kind, model_dir, args.steps, entropy))
            step = {k: statistics.median(t for r in v for t in r["times"]) for k, v in results.items()}
            rss = {k: max(r["peak_rss_mb"] for r in v) for k, v in results.items()}
            n = sum(len(r["times"]) for r in results["ours"])
            print(f"\n{label}: median over {n} steps each")
            print(
                f"  step time  TRL {step['trl'] * 1000:8.1f} ms   ours {step['ours'] * 1000:8.1f} ms   "
                f"ratio {step['ours'] / step['trl']:.3f}"
            )
            print(
                f"  peak RSS   TRL {rss['trl']:8.1f} MB   ours {rss['ours']:8.1f} MB   ratio "
                f"{rss['ours'] / rss['trl']:.3f}"
            )


if __name__ == "__main__":
    main()
