"""Shared fixtures. Tests run single-threaded: two torch threads on a busy 2-core machine ran 60x slower."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("WANDB_MODE", "disabled")

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DSR_SUB = SHARED_DATA / "dsr_sub_1209.jsonl"


def pytest_configure(config):
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def pytest_collection_modifyitems(config, items):
    """On a TRL without PPOTrainer (1.13+), the PPO tests skip; scripts/test.sh runs them in .venv-ppo.

    .venv-ppo holds TRL 1.12, the last series with PPOTrainer."""
    from oneshot_trl.trainers.ppo import ppo_available

    if ppo_available():
        return
    import trl

    skip = pytest.mark.skip(
        reason=f"TRL {trl.__version__} has no PPOTrainer: the ppo tests run on TRL 1.12 (scripts/test.sh)"
    )
    for item in items:
        if item.get_closest_marker("ppo"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DSR_SUB.exists():
        pytest.skip(f"the paper's data is not beside the checkout ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def dsr(shared_data) -> Path:
    """The paper's DSR-sub (1209 problems with the authors' histories)."""
    return shared_data / "dsr_sub_1209.jsonl"


def jsonl(path: Path) -> list[dict]:
    """The rows of a JSONL file (records, metrics, samples)."""
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the real ``oneshot`` entry point in-process: (exit code, stdout, stderr)."""
    from oneshot_trl.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def exit_code(argv: list[str]) -> int:
    """The exit code of the real entry point; output stays in capsys for the test to read (unlike run_cli)."""
    from oneshot_trl.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The test suite's own data files (tests/data)."""
    return Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny Qwen2 causal LM with an in-process tokenizer, saved to a folder, loadable by path."""
    from oneshot_trl.testbed.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model):
    from oneshot_trl.modeling import load_tokenizer

    return load_tokenizer(tiny_model)
