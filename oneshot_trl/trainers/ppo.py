"""PPO with a learned critic (the paper's Tab. 4 rows), on TRL's ``PPOTrainer`` (``trl.experimental.ppo``,
TRL 1.12.x; TRL 1.13 removed it).

TRL's PPO scores responses with a neural reward model: ``get_reward`` runs ``model.<base_model_prefix>`` and
``model.score`` on the token ids. ``VerifiableRewardModel`` is that interface over the verifiable reward: its
"backbone" decodes each response, grades it against the gold answer of its prompt, and returns the 0/1
score as a one-channel "hidden state"; ``score`` passes it through. It has no trainable weights.
The value model is initialised from the policy (``AutoModelForSequenceClassification``, one label).

Made to optimise like verl's PPO (``ppo_trainer.yaml``; the authors shipped no PPO script), through the hooks
listed in ``TRL_PPO_HOOKS`` (a test fails if TRL stops calling them):
- ``create_optimizer``: one AdamW with two parameter groups, the policy at ``learning_rate`` and the critic at
  its own ``critic_learning_rate`` (verl's ``critic.optim.lr``, 1e-5); TRL puts both at one rate. With
  ``decay_all_parameters`` every parameter is decayed, as verl's AdamWs do.
- one optimizer step per ``gradient_accumulation_steps`` micro-batches (``build_ppo_trainer``), as verl takes
  one per mini-batch;
- a pre-step hook on that optimizer clips the policy's and the critic's gradients to ``max_grad_norm``, each
  on its own (verl's ``actor.grad_clip`` and ``critic.grad_clip``); TRL's PPO loop clips nothing. Under
  DeepSpeed the engine clips instead, over both at once (its ``gradient_clipping``, set from
  ``max_grad_norm``).
- ``critic_mini_batches`` critic steps per rollout batch (``add_critic_steps``): verl's critic mini-batch is
  not multiplied by ``rollout.n``, so it steps ``num_generations`` times where the policy steps once;
- the entropy bonus (``entropy_coef``, verl's ``actor.entropy_coeff``): TRL builds the PPO loss inline in
  ``train()``, so ``add_entropy_bonus`` keeps the policy's training logits (a forward hook) and adds the term
  where TRL hands the loss to ``accelerator.backward``.
Value clip 0.5 (``cliprange_value``), the k1 KL estimator in the reward (``kl_estimator: k1``, verl's
``kl_penalty: kl``) and ``vf_coef: 1.0`` (verl's critic loss is its own, unscaled) are TRL settings the
paper recipe sets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn
from transformers import TrainerCallback

from ..errors import OneShotError
from ..history import HistoryWriter, accuracy_metrics, step_rows
from ..rewards import format_reward, grade_answer
from .layout import derived_accumulation, prompts_per_step_field

VALUE_FILE = "value_model.safetensors"
#: methods of TRL's PPOTrainer this module relies on: name -> lines its source must contain.
TRL_PPO_HOOKS = {
    "__init__": ["self.create_optimizer_and_scheduler("],  # builds the optimizer through our create_optimizer
    "train": [
        "optimizer.step()",  # steps the optimizer whose pre-step hook clips gradients
        "dataloader = self.dataloader",  # iterates the loader that records each batch's prompt width
        "context_length = queries.shape[1]",  # ... which is where responses start
        "accelerator = self.accelerator",  # calls backward on this object (the entropy bonus is added there)
        "accelerator.backward(loss)",
        "logits /= args.temperature",  # the policy's loss uses temperature-scaled logits, as our entropy does
    ],
}


def ppo_hint() -> str:
    """The one line for a TRL without PPOTrainer (1.13 and later)."""
    import trl

    return (
        f"--algo ppo needs TRL 1.12.x, the last series with PPOTrainer (this environment has TRL "
        f"{trl.__version__}): pip install 'oneshot-trl[ppo]'"
    )


def ppo_classes():
    """TRL's PPOConfig and PPOTrainer, or a one-line error naming the install that has them."""
    # We depend on trl.experimental knowingly (pinned TRL)
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    try:
        from trl.experimental.ppo import PPOConfig, PPOTrainer
    except ImportError:
        raise OneShotError(ppo_hint()) from None
    return PPOConfig, PPOTrainer


def ppo_available() -> bool:
    try:
        ppo_classes()
    except OneShotError:
        return False
    return True


def _ppo_config_base():
    try:
        return ppo_classes()[0]
    except OneShotError:
        from transformers import TrainingArguments

        return TrainingArguments  # lets this module import; --algo ppo still fails with the hint


@dataclass
class OneShotPPOConfig(_ppo_config_base()):
    """TRL's ``PPOConfig`` plus the fields every oneshot algorithm shares."""

    _argument_group_name = "the trainer (TRL's PPOConfig and oneshot's additions)"  # a --help section

    prompts_per_step: int | None = prompts_per_step_field()
    num_generations: int = field(
        default=8,
        metadata={"help": "Responses per prompt copy per step (each copy is repeated this many times)."},
    )
    max_completion_length: int = field(
        default=3072, metadata={"help": "Max new tokens (TRL's response_length)."}
    )
    reward_timeout: float = field(
        default=1.0, metadata={"help": "Seconds allowed to grade one answer symbolically."}
    )
    think: bool = field(default=False, metadata={"help": "Grade only the text after </think>."})
    critic_learning_rate: float = field(
        default=1e-5,
        metadata={
            "help": "The critic's own learning rate (verl's critic.optim.lr); the policy's is learning_rate."
        },
    )
    critic_mini_batches: int = field(
        default=1,
        metadata={
            "help": "Critic optimizer steps per rollout batch, each on its share of the responses. verl's "
            "critic mini-batch is ppo_mini_batch_size prompts' responses, not multiplied by rollout.n "
            "(fsdp_workers.py): num_generations steps per rollout batch; 1 is TRL's one joint step."
        },
    )
    decay_all_parameters: bool = field(
        default=False,
        metadata={
            "help": "Apply weight_decay to every parameter of policy and critic, biases and norms too, as "
            "verl's two AdamWs do; off: transformers' rule leaves biases and norms undecayed."
        },
    )
    entropy_coef: float = field(
        default=0.0,
        metadata={
            "help": "Entropy bonus: the loss minus this times the policy's mean token entropy on the "
            "temperature-scaled logits (verl's actor.entropy_coeff)."
        },
    )

    def __post_init__(self):
        self.response_length = self.max_completion_length
        if self.prompts_per_step is not None:  # oneshot's layout; TRL's PPO counts episodes (responses)
            self.gradient_accumulation_steps = derived_accumulation(self)
            self.total_episodes = max(1, self.max_steps) * self.prompts_per_step * self.num_generations
        super().__post_init__()


class _GradingBackbone(nn.Module):
    def __init__(self, owner: VerifiableRewardModel) -> None:
        super().__init__()
        self._owner = [owner]  # a list, so the owner is not registered as a submodule (no cycle)

    def forward(self, input_ids, attention_mask, **kwargs):
        scores = self._owner[0].grade(input_ids, attention_mask)
        hidden = scores.to(input_ids.device)[:, None, None].expand(input_ids.shape[0], input_ids.shape[1], 1)
        # TRL 1.12's get_reward reads hidden_states[-1]; 1.13+ reads last_hidden_state
        return SimpleNamespace(hidden_states=(hidden,), last_hidden_state=hidden)


class VerifiableRewardModel(nn.Module):
    """A "reward model" for TRL's PPO that decodes and grades instead of running a network."""

    base_model_prefix = "backbone"

    def __init__(
        self,
        tokenizer,
        prompts: dict[tuple[int, ...], dict],
        *,
        reward: str = "math",
        think: bool = False,
        timeout: float = 1.0,
    ) -> None:
        super().__init__()
        self.tokenizer = tokenizer
        self.prompts = prompts  # prompt token ids → {"answer", "index", "example_id"}
        self.lengths = sorted({len(k) for k in prompts}, reverse=True)
        self.reward, self.think, self.timeout = reward, think, timeout
        self.backbone = _GradingBackbone(self)
        self.anchor = nn.Parameter(torch.zeros(1), requires_grad=False)  # so .to()/DeepSpeed see a parameter
        self.config = SimpleNamespace()  # TRL's prepare_deepspeed reads model.config (no hidden size here)
        self.pending: list[dict] = []

    def score(self, hidden_states):
        return hidden_states

    def _match(self, ids: list[int]) -> tuple[dict, list[int]]:
        for n in self.lengths:
            meta = self.prompts.get(tuple(ids[:n]))
            if meta is not None:
                return meta, ids[n:]
        raise RuntimeError("a PPO response does not start with any training prompt")

    @torch.no_grad()
    def grade(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        scores = []
        for ids, mask in zip(input_ids.tolist(), attention_mask.tolist(), strict=True):
            meta, response_ids = self._match([t for t, m in zip(ids, mask, strict=True) if m])
            text = self.tokenizer.decode(response_ids, skip_special_tokens=True)
            pred, verdict = grade_answer(text, meta["answer"], think=self.think, timeout=self.timeout)
            correct = bool(verdict)  # no verdict (timeout, ungradable gold) scores 0, as in the GRPO reward
            if self.reward == "format":
                scores.append(format_reward([text])[0])
            else:
                scores.append(float(correct) if self.reward == "math" else 0.0)
            self.pending.append(
                {
                    "index": meta["index"],
                    "example_id": meta["example_id"],
                    "correct": correct,
                    "answered": pred is not None,
                }
            )
        return torch.tensor(scores, dtype=torch.float32)


class PPORecordsCallback(TrainerCallback):
    """Adds oneshot's accuracy metrics to PPO's logs and writes history rows (rank 0), once per step."""

    def __init__(
        self,
        reward_model: VerifiableRewardModel,
        history_path: Path | None,
        step_offset: int = 0,
        episode_offset: int = 0,
    ) -> None:
        self.reward_model = reward_model
        self.history = HistoryWriter(history_path) if history_path else None
        self.step_offset, self.episode_offset = step_offset, episode_offset

    trainer = None  # set by build_ppo_trainer, for on_save

    def on_save(self, args, state, control, **kwargs):
        # TRL's PPO checkpoints hold only the policy; keep the critic too, so a resumed run has it.
        if self.trainer is None or not state.is_world_process_zero or self.trainer.is_deepspeed_enabled:
            # under DeepSpeed the critic's shards are not gathered here: PPO resume is single-process/DDP
            return
        from safetensors.torch import save_file

        value_model = self.trainer.accelerator.unwrap_model(self.trainer.model).value_model
        tensors = {k: v.detach().contiguous().cpu() for k, v in value_model.state_dict().items()}
        save_file(tensors, str(Path(args.output_dir) / f"checkpoint-{state.global_step}" / VALUE_FILE))

    def on_train_begin(self, args, state, control, **kwargs):
        # PPOTrainer.train() zeroes the counters before this call; a resumed run continues its numbering.
        state.global_step += self.step_offset
        state.episode = getattr(state, "episode", 0) + self.episode_offset
        state.max_steps += self.step_offset

    def on_log(self, args, state, control, logs=None, **kwargs):
        from accelerate.utils import gather_object

        rows = gather_object(self.reward_model.pending)
        self.reward_model.pending = []
        if logs is not None and rows:
            logs.update(accuracy_metrics(rows))
            logs["math_reward/no_answer_rate"] = sum(not r["answered"] for r in rows) / len(rows)
        if self.history is not None and state.is_world_process_zero and rows:
            self.history.append(
                step_rows(
                    state.global_step,
                    [r["index"] for r in rows],
                    [r["example_id"] for r in rows],
                    [r["correct"] for r in rows],
                )
            )


class _PromptWidths:
    """TRL's PPO dataloader, recording where responses start: the width of each batch's padded prompts."""

    def __init__(self, loader) -> None:
        self.loader, self.context_length = loader, None

    def __iter__(self):
        for batch in self.loader:
            self.context_length = batch["input_ids"].shape[1]
            yield batch

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name):
        return getattr(self.loader, name)


def add_entropy_bonus(trainer, coef: float) -> None:
    """verl's entropy bonus on TRL's PPO: ``loss - coef * H``, H the mean entropy of the temperature-scaled
    policy over the micro-batch's response tokens. A forward hook keeps the logits of the policy's training
    forward pass (grad enabled); ``accelerator.backward``, which TRL calls with the micro-batch's loss, adds
    the term before the backward pass (so gradient accumulation scales it as it scales the loss)."""
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    widths = trainer.dataloader = _PromptWidths(trainer.dataloader)
    kept: dict = {}

    def keep_logits(module, args, kwargs, output):
        if torch.is_grad_enabled() and module.training:
            kept["logits"], kept["mask"] = output.logits, kwargs["attention_mask"]

    wrapper.policy.register_forward_hook(keep_logits, with_kwargs=True)
    backward, temperature = trainer.accelerator.backward, trainer.args.temperature + 1e-7

    def backward_with_entropy(loss, **kwargs):
        logits, mask = kept.pop("logits", None), kept.pop("mask", None)
        if logits is not None and widths.context_length is not None:
            start = widths.context_length
            scaled = logits[:, start - 1 : -1].float() / temperature
            entropy = torch.logsumexp(scaled, -1) - (scaled.softmax(-1) * scaled).sum(-1)
            response = mask[:, start:].to(entropy.dtype)
            mean_entropy = (entropy * response).sum() / response.sum().clamp(min=1.0)
            loss = loss - coef * mean_entropy
            # Per micro-batch, the latest 100 (tests, debugging)
            trainer.entropies.append(float(mean_entropy))
            del trainer.entropies[:-100]
        return backward(loss, **kwargs)

    trainer.entropies = []
    trainer.accelerator.backward = backward_with_entropy


def add_critic_steps(trainer, steps: int) -> None:
    """verl's critic update on TRL's PPO: ``steps`` critic optimizer steps per rollout batch, each over an
    equal run of the step's micro-batches (verl: ``ppo_mini_batch_size`` prompts' responses per critic step,
    ``fsdp_workers.py`` 683 against the actor's ``*= rollout.n`` at 122), while the policy keeps its one step.

    ``accelerator.backward`` is wrapped: after the last micro-batch of each run but the step's last, the
    critic's gradients (averaged over processes under DDP, where accelerate has not synced them yet) are
    scaled to the mean over the run, clipped by the optimizer's pre-step hook and applied to the critic's
    parameter groups alone, then cleared; the policy's gradients are set aside meanwhile and keep
    accumulating. The step's last run is scaled the same way and applied with the policy by TRL's own
    ``optimizer.step()``. The critic's later runs are evaluated by the critic the earlier ones updated, as in
    verl's loop over mini-batches."""
    accumulation = trainer.accelerator.gradient_accumulation_steps
    if steps < 1 or accumulation % steps:
        raise OneShotError(
            f"--critic_mini_batches {steps} does not divide the step's {accumulation} micro-batches per "
            f"process; use a divisor of {accumulation} (the paper recipe's 8 needs per-process micro-batches "
            "in multiples of 8, e.g. 8 processes x 16)"
        )
    if steps == 1:
        return
    if trainer.is_deepspeed_enabled:
        raise OneShotError(
            f"--critic_mini_batches {steps} steps the critic between micro-batches, which a DeepSpeed engine "
            "does not allow; run PPO without DeepSpeed (DDP or one process) or pass --critic_mini_batches 1"
        )
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    critic = [p for n, p in wrapper.named_parameters() if n.startswith("value_model.") and p.requires_grad]
    policy = [p for n, p in wrapper.named_parameters() if not n.startswith("value_model.")]
    optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # the torch AdamW, not gated
    run, backward, seen = accumulation // steps, trainer.accelerator.backward, [0]
    processes = trainer.accelerator.num_processes

    def scale_critic_grads():
        grads = [p.grad for p in critic if p.grad is not None]
        if processes > 1 and seen[0] % accumulation:  # accelerate syncs only the step's last micro-batch
            for g in grads:
                torch.distributed.all_reduce(g)
                g.div_(processes)
        for g in grads:
            g.mul_(steps)  # accelerate divided each micro-batch's loss by the whole step's count

    def backward_with_critic_steps(loss, **kwargs):
        result = backward(loss, **kwargs)
        seen[0] += 1
        if seen[0] % run:
            return result
        scale_critic_grads()
        if seen[0] % accumulation:  # a critic-only step now; the step's last is TRL's optimizer.step()
            held = [p.grad for p in policy]
            for p in policy:
                p.grad = None  # AdamW skips parameters without gradients: the policy stays as it is
            optimizer.step()
            for p, g in zip(policy, held, strict=True):
                p.grad = g
            for p in critic:
                p.grad = None
            trainer.critic_steps += 1
        return result

    trainer.critic_steps = 0  # critic-only steps taken (tests, debugging)
    trainer.accelerator.backward = backward_with_critic_steps


def _clip_each(policy: list, critic: list, max_norm: float, norms: list):
    """An optimizer pre-step hook: clip the policy's and the critic's gradients to ``max_norm``, each on its
    own, and record their norms before clipping."""

    def hook(optimizer, args, kwargs):
        norms.append(
            tuple(
                float(torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], max_norm))
                for params in (policy, critic)
            )
        )
        del norms[:-100]  # the latest steps only

    return hook


def _trainer_class():
    from ..card import ModelCardMixin

    _, PPOTrainer = ppo_classes()

    class OneShotPPOTrainer(ModelCardMixin, PPOTrainer):
        """TRL's PPOTrainer with verl's optimisation (module docstring) and a DeepSpeed-safe ``save_model``:
        TRL 1.12 hands transformers 5 the bare policy where it expects the DeepSpeed engine. Here every rank
        joins the gather (a collective under ZeRO-3) and the main process saves the policy's weights."""

        def create_optimizer(self):
            """AdamW over policy and critic, each with its own learning rate and its own gradient clip."""
            if self.optimizer is not None:
                return self.optimizer
            wrapper, args = self.model, self.args
            self.clipped_norms: list[
                tuple[float, float]
            ] = []  # (policy, critic) norms before clipping, per step
            decay = set(
                [n for n, _ in wrapper.named_parameters()]  # verl: AdamW over every parameter, one decay
                if args.decay_all_parameters
                else self.get_decay_parameter_names(wrapper)
            )
            groups = []
            for prefix, lr in (("policy.", args.learning_rate), ("value_model.", args.critic_learning_rate)):
                named = [
                    (n, p) for n, p in wrapper.named_parameters() if n.startswith(prefix) and p.requires_grad
                ]
                groups += [
                    {
                        "params": [p for n, p in named if n in decay],
                        "weight_decay": args.weight_decay,
                        "lr": lr,
                    },
                    {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0, "lr": lr},
                ]
            optimizer_cls, kwargs = self.get_optimizer_cls_and_kwargs(args, wrapper)
            self.optimizer = optimizer_cls([g for g in groups if g["params"]], **kwargs)
            # The DeepSpeed engine is set later in __init__; the plugin already tells whether there is one
            deepspeed = getattr(self.accelerator.state, "deepspeed_plugin", None) is not None
            if args.max_grad_norm and args.max_grad_norm > 0 and not deepspeed:
                policy = [p for n, p in wrapper.named_parameters() if n.startswith("policy.")]
                critic = [p for n, p in wrapper.named_parameters() if n.startswith("value_model.")]
                self.optimizer.register_step_pre_hook(
                    _clip_each(policy, critic, args.max_grad_norm, self.clipped_norms)
                )
            return self.optimizer

        def save_model(self, output_dir: str | None = None, _internal_call: bool = False):
            if not self.is_deepspeed_enabled:
                return super().save_model(output_dir, _internal_call)
            output_dir = output_dir or self.args.output_dir
            state = self.accelerator.get_state_dict(self.deepspeed)
            if self.args.should_save:
                policy = {k[len("policy.") :]: v for k, v in state.items() if k.startswith("policy.")}
                self.accelerator.unwrap_model(self.model).policy.save_pretrained(
                    output_dir, state_dict=policy
                )
                self.processing_class.save_pretrained(output_dir)

    return OneShotPPOTrainer


def tokenize_prompts(dataset, tokenizer, num_generations: int):
    """PPO rows: each prompt's token ids, repeated ``num_generations`` times; and the id → gold lookup."""
    from datasets import Dataset

    from ..prompts import fallback_text, has_chat_template

    rows, lookup = [], {}
    for row in dataset:
        prompt = row["prompt"]
        if isinstance(prompt, list):
            text = (
                tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
                if has_chat_template(tokenizer)
                else fallback_text(prompt)
            )
        else:
            text = prompt
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        lookup[tuple(ids)] = {"answer": row["answer"], "index": row["index"], "example_id": row["example_id"]}
        rows.extend([{"input_ids": ids}] * num_generations)
    return Dataset.from_list(rows), lookup


def load_checkpoint_state(trainer, checkpoint: str) -> None:
    """Restore policy+value weights, optimizer, scheduler and random state from a PPO checkpoint (TRL's
    PPOTrainer has no resume of its own)."""
    from safetensors.torch import load_file

    path = Path(checkpoint)
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    for module, name in ((wrapper.policy, "model.safetensors"), (wrapper.value_model, VALUE_FILE)):
        if not (path / name).exists():
            raise OneShotError(
                f"{checkpoint}: no {name}; it is not a oneshot PPO checkpoint (start without --resume)"
            )
        state = load_file(str(path / name))
        expected = module.state_dict()
        if (
            "lm_head.weight" in expected
            and "lm_head.weight" not in state
            and "model.embed_tokens.weight" in state
        ):
            state["lm_head.weight"] = state["model.embed_tokens.weight"]  # tied embeddings are saved once
        try:
            missing, unexpected = module.load_state_dict(state, strict=False)
        except RuntimeError as e:
            raise OneShotError(
                f"{checkpoint}/{name}: weights do not fit this model ({str(e).splitlines()[0]})"
            ) from None
        if missing or unexpected:
            raise OneShotError(
                f"{checkpoint}/{name}: {len(missing)} missing and {len(unexpected)} unexpected tensors"
            )
    if (path / "optimizer.pt").exists():
        trainer.optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=False))
    if (path / "scheduler.pt").exists():
        trainer.lr_scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=False))
    if (path / "rng_state.pth").exists():  # the random streams of sampling and minibatch shuffling, as saved
        import random

        import numpy as np

        rng = torch.load(path / "rng_state.pth", weights_only=False)
        random.setstate(rng["python"])
        np.random.set_state(rng["numpy"])
        torch.random.set_rng_state(rng["cpu"])
        if torch.cuda.is_available() and rng.get("cuda") is not None:
            if isinstance(rng["cuda"], list):
                torch.cuda.random.set_rng_state_all(rng["cuda"])
            else:
                torch.cuda.random.set_rng_state(rng["cuda"])


def checkpoint_progress(checkpoint: str) -> tuple[int, int]:
    state = json.loads((Path(checkpoint) / "trainer_state.json").read_text())
    return int(state["global_step"]), int(state.get("episode", 0))


def build_ppo_trainer(
    run,
    args,
    model,
    tokenizer,
    train_rows,
    callbacks: list,
    history_path: Path | None,
    step_offset: int = 0,
    episode_offset: int = 0,
) -> Any:
    """TRL's PPOTrainer with the value model initialised from the policy and the grading reward model."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, set_seed

    PPOTrainer = _trainer_class()
    dataset, lookup = tokenize_prompts(train_rows, tokenizer, args.num_generations)
    set_seed(args.seed)  # the critic's value head is newly initialised: the same seed, the same critic
    value_model = AutoModelForSequenceClassification.from_pretrained(
        run.model_name_or_path, revision=run.model_revision, num_labels=1, dtype="float32"
    )
    # The frozen KL reference, loaded from the same weights (TRL's copy of the policy fails under ZeRO-3).
    ref_model = AutoModelForCausalLM.from_pretrained(
        run.model_name_or_path, revision=run.model_revision, dtype="float32"
    )
    value_model.config.pad_token_id = tokenizer.pad_token_id
    reward_model = VerifiableRewardModel(
        tokenizer, lookup, reward=run.reward, think=args.think, timeout=args.reward_timeout
    )
    records = PPORecordsCallback(reward_model, history_path, step_offset, episode_offset)
    trainer = PPOTrainer(
        args=args,
        processing_class=tokenizer,
        model=model,
        ref_model=ref_model,
        reward_model=reward_model,
        train_dataset=dataset,
        value_model=value_model,
        callbacks=[records, *callbacks],
    )
    records.trainer = trainer
    # TRL's PPO steps the optimizer inside accelerate's accumulate(), which by default also syncs (steps) at
    # the end of the dataloader; a 1-shot dataset is one batch per step, every batch its last, so each
    # micro-batch would step: 8 optimizer steps per rollout batch in the paper recipe instead of 1. As
    # transformers' Trainer does, step on the accumulation count only.
    trainer.accelerator.gradient_state.plugin_kwargs["sync_with_dataloader"] = False
    if args.entropy_coef:
        add_entropy_bonus(trainer, args.entropy_coef)
    add_critic_steps(trainer, args.critic_mini_batches)
    return trainer
