"""``run_training``: one call from parsed configs to a trained model and its records.

Order: check the request and the output dir → model and tokenizer → training set → records (clear, cut back
or start) → trainer (GRPO or PPO) → train → save. Every user error surfaces before any file of an existing
run is touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .card import write_model_card
from .config import RunConfig
from .data import build_full_set, build_training_set, load_problems
from .errors import OneShotError
from .examples import parse_example_ids, selection_info
from .history import HISTORY_FILE
from .modeling import load_model_and_tokenizer
from .prompts import check_template, prompt_messages, render_prompt
from .records import (
    METRICS_FILE,
    RUN_FILE,
    MetricsFileCallback,
    RichProgressCallback,
    text_hash,
    truncate_jsonl,
    write_run_record,
)
from .rewards import format_reward, make_math_reward
from .trainers.grpo import OneShotGRPOConfig

RUN_ARTEFACTS = (RUN_FILE, METRICS_FILE, HISTORY_FILE)


def _check_output_dir(out: Path, run: RunConfig) -> None:
    existing = (out / RUN_FILE).exists() or any(out.glob("checkpoint-*"))
    if existing and not (run.resume or run.overwrite):
        raise OneShotError(
            f"{out} already holds a run; pass --resume to continue it, --overwrite to replace it, "
            f"or choose another --output-dir"
        )
    if run.resume and not existing:
        raise OneShotError(f"--resume: no run found in {out} (no {RUN_FILE} or checkpoint-*)")


def _clear_run(out: Path) -> None:
    for name in RUN_ARTEFACTS:
        (out / name).unlink(missing_ok=True)
    for checkpoint in out.glob("checkpoint-*"):
        shutil.rmtree(checkpoint)


def _dtype(run: RunConfig, args: OneShotGRPOConfig):
    import torch

    name = run.dtype
    if name == "auto":
        name = "bfloat16" if args.bf16 else "float16" if args.fp16 else "float32"
    return getattr(torch, name)


def _prompt_tokens(tokenizer, problem: str, template: str) -> int:
    return len(tokenizer(render_prompt(tokenizer, prompt_messages(problem, template)))["input_ids"])


def _training_set(run: RunConfig, copies: int, tokenizer):
    problems = load_problems(
        run.dataset, problem_key=run.problem_key, answer_key=run.answer_key, split=run.split
    )
    if run.example_id:
        refs = parse_example_ids(run.example_id, len(problems))
        for ref in refs:
            n_tokens = _prompt_tokens(tokenizer, problems[ref.index]["problem"], run.prompt)
            if n_tokens > run.max_prompt_length:
                raise OneShotError(
                    f"example {ref.label}'s prompt has {n_tokens} tokens, over --max-prompt-length "
                    f"{run.max_prompt_length}"
                )
        dataset = build_training_set(problems, refs, copies=copies, tokenizer=tokenizer, template=run.prompt)
        examples = [
            {
                "id": r.label,
                "index": r.index,
                "answer": problems[r.index]["answer"],
                "problem_sha256": text_hash(problems[r.index]["problem"]),
                "problem": problems[r.index]["problem"],  # the model card shows it
                "selection": selection_info(r, problems[r.index]),
            }
            for r in refs
        ]
    else:
        dataset = build_full_set(problems, tokenizer=tokenizer, template=run.prompt)
        lengths = [_prompt_tokens(tokenizer, p, run.prompt) for p in problems["problem"]]
        keep = [i for i, n in enumerate(lengths) if n <= run.max_prompt_length]
        dataset = dataset.select(keep)
        examples = [{"id": "full-set", "rows": len(dataset), "dropped_overlong": len(problems) - len(keep)}]
    return dataset, examples


def _rewards(run: RunConfig, args: OneShotGRPOConfig):
    if run.reward == "format":
        return [format_reward], None
    reward = make_math_reward(think=args.think, timeout=args.reward_timeout)
    # "none": the math reward still runs, for its logged accuracy, with weight 0: every advantage is 0.
    return [reward], ([0.0] if run.reward == "none" else None)


def last_complete_checkpoint(out: Path, algo: str = "grpo") -> str | None:
    """The newest checkpoint that was written to the end. A run killed while saving leaves a partial
    folder (no trainer state yet, or, for PPO, no critic); resuming goes back to the one before it."""
    from .evaluation.evaluator import checkpoints

    needed = ["trainer_state.json"] + (
        ["model.safetensors", "value_model.safetensors"] if algo == "ppo" else []
    )
    for _, path in reversed(checkpoints(out)):
        if all((path / name).exists() for name in needed):
            return str(path)
    return None


def run_training(run: RunConfig, args, *, progress: bool = True) -> Path:
    """Train per the two configs; return the output directory holding the model and its records.
    ``progress=False`` drops the rich progress bar (runs in parallel workers, e.g. ``oneshot demo``)."""
    from accelerate import PartialState
    from transformers.trainer_callback import PrinterCallback

    out = Path(args.output_dir)
    _check_output_dir(out, run)
    state = PartialState()
    dtype = _dtype(run, args)
    check_template(run.prompt)  # before any file is touched
    # Master weights stay float32: a 1e-6 learning rate vanishes in bf16 rounding. Mixed precision comes
    # from --bf16; the final model is saved in the training dtype (below).
    model, tokenizer = load_model_and_tokenizer(
        run.model_name_or_path,
        dtype="float32",
        revision=run.model_revision,
        attn_implementation=run.attn_implementation,
    )
    dataset, examples = _training_set(run, args.prompts_per_step, tokenizer)
    callbacks = [MetricsFileCallback(out / METRICS_FILE)] + ([RichProgressCallback()] if progress else [])
    validation = None
    if run.eval_every > 0:  # built here: an unknown benchmark fails before any file is touched
        from .evaluation.callback import EvalCallback

        validation = EvalCallback(
            run.eval_config(run.prompt, think=getattr(args, "think", False)),
            run.eval_benchmarks,
            run.eval_every,
            tokenizer,
        )

    checkpoint = last_complete_checkpoint(out, run.algo) if run.resume else None
    if run.resume and checkpoint is None and any(out.glob("checkpoint-*")):  # every rank sees it: none hangs
        why = " (PPO under DeepSpeed saves no critic: its runs cannot resume)" if run.algo == "ppo" else ""
        raise OneShotError(f"--resume: no complete checkpoint in {out}{why}; pass --overwrite to start over")
    if state.is_main_process:
        if run.overwrite:
            _clear_run(out)
        if run.resume:
            done = int(checkpoint.rsplit("-", 1)[1]) if checkpoint else 0
            for name in (METRICS_FILE, HISTORY_FILE):
                truncate_jsonl(out / name, done)
        extra = {
            "world_size": state.num_processes,
            "resumed_from": checkpoint,
            "recipe": getattr(run, "recipe_source", None),  # set by parsing.parse_configs
        }
        write_run_record(out, run, args, examples, extra)
    state.wait_for_everyone()
    if run.algo == "ppo":
        trainer = _ppo_trainer(run, args, model, tokenizer, dataset, callbacks, out, checkpoint)
    else:
        trainer = _grpo_trainer(run, args, model, tokenizer, dataset, callbacks, out)
    trainer.remove_callback(PrinterCallback)  # metrics.jsonl and the rich bar replace its raw dict prints
    if validation:  # first, so report_to integrations see the eval metrics it adds to the log row
        trainer.callback_handler.callbacks.insert(0, validation)
        validation.attach(trainer, before_train=run.eval_before_train and checkpoint is None)
    if run.algo == "ppo":
        trainer.train()  # TRL's PPO resumes through _ppo_trainer (it has no resume_from_checkpoint)
    else:
        trainer.train(resume_from_checkpoint=checkpoint)
    # Save in the dtype the model trained in, weights and config alike: the paper found an fp32 save of a
    # bf16-trained model moved benchmark scores by points. Checkpoints keep float32 master weights to resume.
    trainer.model.to(dtype)
    trainer.save_model(str(out))
    if state.is_main_process:
        tokenizer.save_pretrained(out)
    if state.is_main_process:  # after the trainer's own card (a push wrote ours already: create_model_card)
        write_model_card(out, steps=trainer.state.global_step)
    if run.use_peft and run.merge_lora and state.is_main_process:
        merged = trainer.model.merge_and_unload()
        merged.save_pretrained(out / "merged")
        tokenizer.save_pretrained(out / "merged")
    state.wait_for_everyone()
    return out


def _grpo_trainer(run, args, model, tokenizer, dataset, callbacks, out):
    from trl import get_peft_config

    from .trainers.grpo import OneShotGRPOTrainer

    reward_funcs, weights = _rewards(run, args)
    if weights is not None:
        args.reward_weights = weights
    return OneShotGRPOTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        reward_funcs=reward_funcs,
        processing_class=tokenizer,
        peft_config=get_peft_config(run),  # None unless --use_peft: TRL's LoRA settings, TRL's helper
        history_path=out / HISTORY_FILE,
        callbacks=callbacks,
    )


def _ppo_trainer(run, args, model, tokenizer, dataset, callbacks, out, checkpoint):
    from .trainers.ppo import build_ppo_trainer, checkpoint_progress, load_checkpoint_state

    steps_done, episodes_done = checkpoint_progress(checkpoint) if checkpoint else (0, 0)
    rollouts = args.prompts_per_step * args.num_generations
    if steps_done:
        args.total_episodes = max(args.total_episodes - steps_done * rollouts, rollouts)
    trainer = build_ppo_trainer(
        run, args, model, tokenizer, dataset, callbacks, out / HISTORY_FILE, steps_done, episodes_done
    )
    if checkpoint:
        load_checkpoint_state(trainer, checkpoint)
    return trainer
