#!/usr/bin/env bash
# The offline smoke run: set up, build a tiny local Qwen2 model, and train it 1-shot on π1 with the real
# `oneshot train` (the paper's pipeline scaled to a CPU). No GPU, no Hub.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
DATA=${ONESHOT_DATA:-../shared/data/dsr_sub_1209.jsonl}
[ -f "$DATA" ] || DATA=""  # no local copy: fall back to the paper's DSR-sub (needs the network)
[ -d .cache/tiny ] || .venv/bin/oneshot testbed tiny .cache/tiny
.venv/bin/oneshot examples show pi1 ${DATA:+--dataset "$DATA"} --tokenizer .cache/tiny
.venv/bin/oneshot train --model .cache/tiny --example-id pi1 ${DATA:+--dataset "$DATA"} --recipe tiny-cpu \
  --max-steps 8 --output-dir runs/demo-pi1 --overwrite
.venv/bin/python - <<'PY'
import json
rows = [json.loads(line) for line in open("runs/demo-pi1/metrics.jsonl")]
print("step  reward  train_acc  entropy  distinct_answers")
for r in rows:
    print(f"{r['step']:>4}  {r['reward']:.3f}   {r['oneshot/train_accuracy']:.3f}      {r['entropy']:.3f}    {r['oneshot/distinct_answers']:.2f}")
print("records: runs/demo-pi1/{run.json,metrics.jsonl,history.jsonl}")
PY
