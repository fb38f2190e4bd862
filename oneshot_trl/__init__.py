"""oneshot-trl: 1-shot RLVR (Wang et al., arXiv 2504.20571) on Hugging Face TRL.

Pipeline stages, one module each: ``examples`` (the π registry) → ``data`` / ``prompts`` (datasets and
chat prompts) → ``rewards`` (the verifiable math reward) → ``trainers`` (GRPO and PPO with the paper's
extras) → ``evaluation`` (the paper's benchmarks). Import what you need from those modules; this package
root stays light so that ``import oneshot_trl.rewards`` never pulls in torch or TRL.
"""

__version__ = "0.1.0"
