#!/usr/bin/env bash
# Multi-node 1-shot RLVR on SLURM: one `accelerate launch` per node, 8 GPUs each, ZeRO-2.
#   sbatch --nodes 2 scripts/slurm_multinode.sh --model Qwen/Qwen2.5-Math-7B --example-id pi1
#SBATCH --job-name=oneshot
#SBATCH --ntasks-per-node=1
#SBATCH --gres=gpu:8
#SBATCH --cpus-per-task=64
#SBATCH --exclusive
#SBATCH --output=%x-%j.out          # in the submit directory: SLURM opens it before the script runs
set -euo pipefail
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CONFIG=${ACCELERATE_CONFIG:-accelerate_configs/zero2.yaml}
MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
MASTER_PORT=${MASTER_PORT:-29500}
NUM_PROCESSES=$((SLURM_NNODES * GPUS_PER_NODE))
# Gradient accumulation is derived from WORLD_SIZE; 1024 completions per step must divide by
# NUM_PROCESSES x per-device batch (e.g. 16 GPUs x 16 = 256 -> 4 accumulation steps).
srun --ntasks-per-node=1 bash -c "accelerate launch --config_file $CONFIG \
  --num_machines $SLURM_NNODES --num_processes $NUM_PROCESSES \
  --machine_rank \$SLURM_PROCID --main_process_ip $MASTER_ADDR --main_process_port $MASTER_PORT \
  --rdzv_backend c10d cli.py train $*"
