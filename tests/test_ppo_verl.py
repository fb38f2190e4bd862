"""PPO optimised like verl's (issue 18): the critic's own learning rate, per-module gradient clipping, one
optimizer step per batch and the entropy bonus, through hooks into TRL's PPOTrainer that a test checks TRL
still calls."""

from __future__ import annotations

import pytest
import torch

pytestmark = [pytest.mark.slow, pytest.mark.ppo]


def test_clip_each_clips_policy_and_critic_separately():
    from oneshot_trl.trainers.ppo import _clip_each

    policy, critic = [torch.nn.Parameter(torch.zeros(4))], [torch.nn.Parameter(torch.zeros(9))]
    policy[0].grad, critic[0].grad = torch.full((4,), 3.0), torch.full((9,), 0.1)  # norms 6.0 and 0.3
    norms: list = []
    _clip_each(policy, critic, 1.0, norms)(None, (), {})
    assert norms == [pytest.approx((6.0, 0.3))]
    assert policy[0].grad.norm().item() == pytest.approx(1.0)  # clipped to the bound
    # Under the bound: untouched (a joint clip would scale it)
    assert critic[0].grad.norm().item() == pytest.approx(0.3)


def _trainer(tiny_model, dsr, tmp_path, **overrides):
    from oneshot_trl.modeling import load_model_and_tokenizer
    from oneshot_trl.parsing import parse_configs
    from oneshot_trl.train import _training_set
    from oneshot_trl.trainers.ppo import build_ppo_trainer

    run, args = parse_configs(
        "ppo-tiny-cpu",
        overrides={
            "model": str(tiny_model),
            "dataset": str(dsr),
            "example_id": "pi1",
            "output_dir": str(tmp_path),
            "max_steps": 1,
            "save_strategy": "no",
            **overrides,
        },
    )
    model, tokenizer = load_model_and_tokenizer(run.model, dtype="float32")
    rows, _ = _training_set(run, args.prompts_per_step, tokenizer)
    return build_ppo_trainer(run, args, model, tokenizer, rows, [], None)


def test_the_critic_learns_at_its_own_rate(tiny_model, dsr, tmp_path):
    trainer = _trainer(
        tiny_model,
        dsr,
        tmp_path,
        learning_rate=1e-4,
        critic_learning_rate=1e-3,
        weight_decay=0.0,
        max_grad_norm=1.0,
    )
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    ids = {
        "policy": {id(p) for p in wrapper.policy.parameters()},
        "critic": {id(p) for p in wrapper.value_model.parameters()},
    }
    for group in trainer.optimizer.param_groups:
        owner = {"policy" if id(p) in ids["policy"] else "critic" for p in group["params"]}
        assert len(owner) == 1 and group["lr"] == {"policy": 1e-4, "critic": 1e-3}[owner.pop()]
    before = {name: p.detach().clone() for name, p in wrapper.named_parameters()}
    trainer.train()
    moved = {"policy.": [], "value_model.": []}
    for name, p in wrapper.named_parameters():
        for prefix in moved:
            if name.startswith(prefix) and not torch.equal(p, before[name]):
                moved[prefix].append((p - before[name]).abs().mean().item())
    # Adam's first step moves each weight by about its learning rate: the critic's ten times the policy's
    policy, critic = (sum(v) / len(v) for v in moved.values())
    assert 5 < critic / policy < 20
    # One optimizer step for the rollout batch's 2 micro-batches (TRL alone stepped at each), both clipped
    assert trainer.args.gradient_accumulation_steps == 2
    assert len(trainer.clipped_norms) == 1 and all(n > 0 for n in trainer.clipped_norms[0])


@pytest.mark.parametrize("decay_all", [True, False])
def test_decay_all_parameters_decays_policy_and_critic_as_verl(tiny_model, dsr, tmp_path, decay_all):
    """verl's actor and critic AdamWs decay every parameter (issue 28).

    transformers' rule skips biases and norms; decay_all_parameters follows verl."""
    trainer = _trainer(tiny_model, dsr, tmp_path, weight_decay=0.01, decay_all_parameters=decay_all)
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    names = {id(p): n for n, p in wrapper.named_parameters() if p.requires_grad}
    decay = {id(p): g["weight_decay"] for g in trainer.optimizer.param_groups for p in g["params"]}
    assert set(decay) == set(names)
    undecayed = {names[i] for i, wd in decay.items() if wd == 0.0}
    if decay_all:
        assert undecayed == set()
    else:
        assert any(n.startswith("policy.") and n.endswith("bias") for n in undecayed)
        assert any(n.startswith("value_model.") and "norm" in n for n in undecayed)


def _adam_steps(trainer, params) -> set:
    return {int(trainer.optimizer.state[p]["step"]) for p in params if p in trainer.optimizer.state}


def test_the_critic_steps_once_per_share_of_the_batch_as_verls(tiny_model, dsr, tmp_path):
    """verl's critic mini-batch is not multiplied by rollout.n (issue 28): with the batch's 2 micro-batches
    and critic_mini_batches 2 the critic takes 2 optimizer steps per batch, the policy 1."""
    trainer = _trainer(tiny_model, dsr, tmp_path, critic_mini_batches=2, max_grad_norm=1.0)
    wrapper = trainer.accelerator.unwrap_model(trainer.model)
    trainer.train()
    assert trainer.args.gradient_accumulation_steps == 2
    assert _adam_steps(trainer, list(wrapper.value_model.parameters())) == {2}
    assert _adam_steps(trainer, list(wrapper.policy.parameters())) == {1}
    assert trainer.critic_steps == 1  # the critic-only step; the second is TRL's joint step
    # both clipped: the critic-only step saw no policy gradient
    assert len(trainer.clipped_norms) == 2 and trainer.clipped_norms[0][0] == 0.0
    assert all(critic > 0 for _, critic in trainer.clipped_norms)


DDP_RUN = """
import json, sys, torch, torch.distributed as dist
from oneshot_trl.parsing import parse_configs
from oneshot_trl.modeling import load_model_and_tokenizer
from oneshot_trl.train import _training_set
from oneshot_trl.trainers.ppo import build_ppo_trainer

model_dir, dsr, out = sys.argv[1:4]
run, args = parse_configs("ppo-tiny-cpu", overrides={
    "model": model_dir, "dataset": dsr, "example_id": "pi1", "output_dir": out, "max_steps": 1,
    "save_strategy": "no", "per_device_train_batch_size": 2, "critic_mini_batches": 2,
    "ddp_backend": "gloo", "use_cpu": True,
})
model, tokenizer = load_model_and_tokenizer(run.model, dtype="float32")
rows, _ = _training_set(run, args.prompts_per_step, tokenizer)
trainer = build_ppo_trainer(run, args, model, tokenizer, rows, [], None)
trainer.train()
critic = trainer.accelerator.unwrap_model(trainer.model).value_model
flat = torch.cat([p.detach().flatten() for p in critic.parameters()])
every = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
dist.all_gather(every, flat)
if dist.get_rank() == 0:
    json.dump({"steps": trainer.critic_steps, "accumulation": args.gradient_accumulation_steps,
               "spread": float(max((v - every[0]).abs().max() for v in every))}, open(out + "/ddp.json", "w"))
"""


def test_critic_steps_keep_the_ranks_in_step_under_ddp(tiny_model, dsr, tmp_path):
    """Under DDP accelerate syncs gradients only at the step's last micro-batch; the critic-only steps before
    it average the critic's gradients over the processes themselves, or the two ranks' critics would part."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_RUN)
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    cmd = [torchrun, "--nproc_per_node", "2", "--master_port", "29541", str(script)]
    cmd += [str(tiny_model), str(dsr), str(tmp_path)]
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=root)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads((tmp_path / "ddp.json").read_text())
    # 8 responses over 2 processes at 2 a micro-batch: 2 micro-batches each, a critic-only step after one
    assert result["accumulation"] == 2 and result["steps"] == 1
    assert result["spread"] == 0.0  # both ranks hold the same critic


def test_critic_mini_batches_must_divide_the_micro_batches(tiny_model, dsr, tmp_path):
    from oneshot_trl.errors import OneShotError

    with pytest.raises(
        OneShotError, match="--critic_mini_batches 3 does not divide the step's 2 micro-batches"
    ):
        _trainer(tiny_model, dsr, tmp_path, critic_mini_batches=3)
    one = _trainer(tiny_model, dsr, tmp_path / "one")  # TRL's one joint step: no wrapper, no extra steps
    one.train()
    assert not hasattr(one, "critic_steps") and len(one.clipped_norms) == 1


def test_no_clipping_hook_without_max_grad_norm(tiny_model, dsr, tmp_path):
    trainer = _trainer(tiny_model, dsr, tmp_path, max_grad_norm=0.0)
    trainer.train()
    assert trainer.clipped_norms == []


def _policy_entropy(trainer, ids) -> float:
    """Mean next-token entropy of the policy over a fixed sequence, at the run's temperature."""
    policy = trainer.accelerator.unwrap_model(trainer.model).policy
    with torch.no_grad():
        logits = policy(input_ids=ids).logits.float() / trainer.args.temperature
    return float((torch.logsumexp(logits, -1) - (logits.softmax(-1) * logits).sum(-1)).mean())


@pytest.mark.parametrize("coef", [-5.0, 5.0])
def test_entropy_bonus_moves_the_policy_entropy_its_way(tiny_model, dsr, tmp_path, coef):
    ids = torch.arange(3, 40).unsqueeze(0)
    after = {}
    for c in (0.0, coef):  # the same seed: the only difference is the bonus
        trainer = _trainer(tiny_model, dsr, tmp_path / str(c), entropy_coef=c, learning_rate=1e-3)
        trainer.train()
        after[c] = _policy_entropy(trainer, ids)
        assert hasattr(trainer, "entropies") == (c != 0)
    assert len(trainer.entropies) == 2 and all(h > 0 for h in trainer.entropies)  # one per micro-batch
    # a bonus (coef > 0) raises the entropy above the run without it; a penalty (coef < 0) lowers it
    assert (after[coef] - after[0.0]) * coef > 0
