"""The trainers, each beside its config (as TRL pairs ``grpo_config.py`` with ``grpo_trainer.py``).

``grpo``: ``OneShotGRPOConfig`` and ``OneShotGRPOTrainer``; ``ppo``: ``OneShotPPOConfig``, TRL 1.12's PPO."""
