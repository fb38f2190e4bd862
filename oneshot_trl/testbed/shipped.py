"""The testbed base model shipped with the package, so that every machine starts the demo from one base.

SFT's floating-point reductions differ between CPUs, so the same recipe and seed build different bases on two
machines, and where a base lands decides what RL has left to teach. The default recipe's base is therefore
built once (``python scripts/ship_testbed_base.py``) and shipped in ``testbed/base/`` (about 1 MB: weights,
tokenizer, the RL and evaluation splits, ``testbed.json`` with the recipe and its key, and ``shipped.json``
with the machine and versions that built it). ``base_model`` serves it while its key is the current recipe's
key; any change to the recipe or to the code that builds it changes the key, so a stale shipped base is never
served (and ``tests/test_testbed.py`` fails until it is shipped anew).
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from pathlib import Path

from .build import CACHE, RECIPE_FILE, TestbedRecipe, build

SHIPPED = Path(__file__).parent / "base"
SHIPPED_FILE = "shipped.json"
# What the demo and `oneshot train` read from a base folder. Every file at its top level is shipped (the
# tokenizer's files are whatever transformers writes); SFT's own output folder is not.
REQUIRED = (
    "config.json",
    "model.safetensors",
    "tokenizer_config.json",
    RECIPE_FILE,
    "rl.jsonl",
    "eval_testbed_dev.jsonl",
    "eval_testbed_heldout.jsonl",
)
REBUILD = "oneshot testbed build"  # builds the default recipe's base on this machine, into .cache/testbed


def shipped_key(folder: Path = SHIPPED) -> str | None:
    """The recipe key of the shipped base, or None when the package has none."""
    path = folder / RECIPE_FILE
    return json.loads(path.read_text())["key"] if path.exists() else None


def base_model(
    recipe: TestbedRecipe | None = None, cache: Path = CACHE, rebuild: bool = False, log=print
) -> Path:
    """The folder of the base model for ``recipe`` (default: the default recipe): the shipped one when it was
    built from this recipe (and ``rebuild`` is off), else a build on this machine (cached in ``cache``)."""
    recipe = recipe or TestbedRecipe()
    if not rebuild and shipped_key() == recipe.key():
        return SHIPPED
    return build(recipe, cache, log=log)


def ship(built: Path, dest: Path = SHIPPED) -> Path:
    """Copy a built base into ``dest`` with a note of where and with what it was built."""
    import torch
    import transformers
    import trl

    missing = [name for name in REQUIRED if not (built / name).exists()]
    if missing:
        raise FileNotFoundError(f"{built} is not a complete testbed base: no {', '.join(missing)}")
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for path in built.iterdir():
        if path.is_file():
            shutil.copy2(path, staging / path.name)
    note = {
        "key": shipped_key(built),
        "built_on": {
            "machine": platform.machine(),
            "processor": platform.processor() or None,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "trl": trl.__version__,
        },
        "shipped_at": time.strftime("%Y-%m-%d"),
        "rebuild": REBUILD,
    }
    (staging / SHIPPED_FILE).write_text(json.dumps(note, indent=2) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest
