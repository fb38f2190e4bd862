"""``oneshot train``: 1-shot (or few-shot, or full-set) GRPO with the paper's recipe as the default."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .options import AnswerKeyOpt, DatasetOpt, ProblemKeyOpt

HELP = (
    "Train with GRPO on one example (--example-id pi1), a mix (pi1,pi13), or a whole dataset (no --example-id). "
    "Values come from the recipe, then --config YAML, then flags; any GRPOConfig field can be passed as "
    "--field_name VALUE after the options below."
)
RUN, ALGO, OUT, LORA = "Run", "Algorithm", "Output", "LoRA"


def train(
    ctx: typer.Context,
    model: Annotated[Optional[str], typer.Option(help="Hub id or local path of the policy.", rich_help_panel=RUN)] = None,
    example_id: Annotated[Optional[str], typer.Option(help="pi1, π1, a row index, or a comma list. Unset: the whole dataset.",
                                                      rich_help_panel=RUN)] = None,  # fmt: skip
    dataset: DatasetOpt = None,
    problem_key: ProblemKeyOpt = None,
    answer_key: AnswerKeyOpt = None,
    prompt: Annotated[Optional[str], typer.Option(help="Prompt template: train (the paper's), bare (problem only) or "
                                                  "qwen25-math-cot.", rich_help_panel=RUN)] = None,  # fmt: skip
    algo: Annotated[Optional[str], typer.Option(help="grpo or ppo (learned critic).", rich_help_panel=RUN)] = None,
    recipe: Annotated[Optional[str], typer.Option(help="Shipped recipe name or YAML path. Default: the paper's recipe "
                                                  "for the algorithm.", rich_help_panel=RUN)] = None,  # fmt: skip
    config: Annotated[Optional[str], typer.Option(help="User YAML; overrides the recipe.", rich_help_panel=RUN)] = None,
    output_dir: Annotated[Optional[str], typer.Option(help="Where checkpoints and records go.", rich_help_panel=OUT)] = None,
    resume: Annotated[Optional[bool], typer.Option("--resume", help="Continue from the latest checkpoint.", rich_help_panel=OUT)] = None,
    overwrite: Annotated[Optional[bool], typer.Option("--overwrite", help="Replace a run found in --output-dir.",
                                                      rich_help_panel=OUT)] = None,  # fmt: skip
    max_steps: Annotated[Optional[int], typer.Option(help="Optimizer steps.", rich_help_panel=ALGO)] = None,
    learning_rate: Annotated[Optional[float], typer.Option(help="AdamW learning rate.", rich_help_panel=ALGO)] = None,
    num_generations: Annotated[Optional[int], typer.Option(help="Completions per prompt (group size).", rich_help_panel=ALGO)] = None,
    prompts_per_step: Annotated[Optional[int], typer.Option(help="Prompts (copies) per step.", rich_help_panel=ALGO)] = None,
    max_completion_length: Annotated[Optional[int], typer.Option(help="Max new tokens per completion.", rich_help_panel=ALGO)] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Rollout temperature.", rich_help_panel=ALGO)] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed.", rich_help_panel=ALGO)] = None,
    entropy_coef: Annotated[Optional[float], typer.Option(help="Entropy bonus coefficient (TRL's entropy_coef).",
                                                          rich_help_panel=ALGO)] = None,  # fmt: skip
    pg_coef: Annotated[Optional[float], typer.Option(help="Policy-gradient scale; 0 = entropy/KL-only.", rich_help_panel=ALGO)] = None,
    reward: Annotated[Optional[str], typer.Option(help="math, format or none.", rich_help_panel=ALGO)] = None,
    use_vllm: Annotated[Optional[bool], typer.Option("--use-vllm", help="Generate rollouts with vLLM (GPU extra).",
                                                     rich_help_panel=ALGO)] = None,  # fmt: skip
    vllm_mode: Annotated[Optional[str], typer.Option(help="colocate (default: in the training processes) or server "
                                                     "(a separate `trl vllm-serve`).", rich_help_panel=ALGO)] = None,  # fmt: skip
    eval_every: Annotated[Optional[int], typer.Option(help="Validate every N steps (0: never).", rich_help_panel=OUT)] = None,
    eval_benchmarks: Annotated[Optional[str], typer.Option(help="Validation benchmarks, e.g. math500.", rich_help_panel=OUT)] = None,
    eval_limit: Annotated[Optional[int], typer.Option(help="First N problems per validation benchmark.", rich_help_panel=OUT)] = None,
    eval_data_dir: Annotated[Optional[str], typer.Option(help="Folder of eval_<benchmark>.jsonl.", rich_help_panel=OUT)] = None,
    lora_r: Annotated[Optional[int], typer.Option(help="LoRA rank (0: full fine-tuning).", rich_help_panel=LORA)] = None,
    lora_alpha: Annotated[Optional[int], typer.Option(help="LoRA alpha.", rich_help_panel=LORA)] = None,
    lora_target_modules: Annotated[Optional[str], typer.Option(help="Comma list or all-linear.", rich_help_panel=LORA)] = None,
    merge_lora: Annotated[Optional[bool], typer.Option("--merge-lora", help="Also save the merged model.", rich_help_panel=LORA)] = None,
) -> None:
    from ..config import resolve
    from ..train import run_training

    overrides = {
        "algo": algo, "model": model, "example_id": example_id, "dataset": dataset, "problem_key": problem_key,
        "answer_key": answer_key, "prompt": prompt, "output_dir": output_dir, "resume": resume, "overwrite": overwrite,
        "max_steps": max_steps, "learning_rate": learning_rate, "num_generations": num_generations,
        "prompts_per_step": prompts_per_step, "max_completion_length": max_completion_length,
        "temperature": temperature, "seed": seed, "entropy_coef": entropy_coef, "pg_coef": pg_coef, "reward": reward,
        "eval_every": eval_every, "eval_benchmarks": eval_benchmarks, "eval_limit": eval_limit,
        "eval_data_dir": eval_data_dir, "use_vllm": use_vllm, "vllm_mode": vllm_mode or ("colocate" if use_vllm else None), "lora_r": lora_r, "lora_alpha": lora_alpha, "lora_target_modules": lora_target_modules, "merge_lora": merge_lora,
    }  # fmt: skip
    run, args = resolve(recipe, config, overrides, extra_args=list(ctx.args))
    out = run_training(run, args)
    typer.echo(f"done: model and records in {out}")
