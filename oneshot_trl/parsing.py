"""``parse_configs``: a run's two configs (``RunConfig`` and the trainer's) from a recipe, a YAML file, a
caller's overrides and command-line flags, as TRL's and open-r1's scripts do it with ``TrlParser``.

Each layer becomes the parser's defaults in turn (``TrlParser.set_defaults_with_config``): oneshot's own, the
recipe's, the YAML file's, the caller's. The flags are then parsed once, over those defaults, and each config
is built from the result and checks itself (``__post_init__``), the trainer's config deriving its gradient
accumulation from ``prompts_per_step`` (``trainers/layout.py``) and, for PPO, TRL's episode count.

``--recipe`` and ``--config`` are read first (as ``TrlParser`` reads ``--config``): they decide the defaults.
``--algo`` too: it decides the trainer's config class, hence the parser's options.
"""

from __future__ import annotations

import argparse
import functools
import os
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any

from .config import (
    ALGOS,
    DEFAULT_RECIPES,
    RunConfig,
    check_vllm,
    load_recipe,
    read_yaml,
    trainer_config_class,
)
from .errors import OneShotError

NULLS = ("None", "null", "~")  # a flag's value that sets a field to None, as YAML's null does
USAGE = "oneshot train [--recipe NAME|PATH] [--config YAML] [--field_name VALUE ...]"


def _parser_class():
    from trl import TrlParser

    class ConfigParser(TrlParser):
        """``TrlParser`` whose errors are one line naming the option as the user typed it, and whose fields
        that allow None take ``None`` (or ``null``) as a value."""

        def __init__(self, dataclass_types) -> None:
            super().__init__(dataclass_types, allow_abbrev=False, usage=USAGE)  # --prompt is not --prompts_*
            self.typed: list[str] = []
            self.nullable = {name for cls in dataclass_types for name in _nullable(cls)}
            for action in self._actions:
                if action.option_strings and action.type is not None:
                    action.type = _null_aware(action.type, action.dest in self.nullable)

        def error(self, message: str):
            # argparse: "argument --max_steps/--max-steps: invalid int value: 'x'"
            if message.startswith("argument ") and ": " in message:
                names, message = message[len("argument ") :].split(": ", 1)
                typed = [name for name in names.split("/") if name in self.typed]
                message = f"{(typed or names.split('/'))[0]}: {message}"
            raise OneShotError(f"{message}; see 'oneshot train --help'")

    return ConfigParser


def _nullable(cls) -> set[str]:
    """Fields that may be None: declared Optional, or None by default."""
    hints = typing.get_type_hints(cls)  # the declared types (HfArgumentParser rewrites ``field.type``)
    return {
        f.name for f in fields(cls) if f.default is None or type(None) in typing.get_args(hints.get(f.name))
    }


def _null_aware(convert, nullable: bool):
    @functools.wraps(convert)  # argparse names the type in its message: "invalid int value"
    def read(value: str):
        if value in NULLS:
            if not nullable:
                raise argparse.ArgumentTypeError("cannot be null (None): give a value")
            return None
        return convert(value)

    return read


def _aliases() -> dict[str, str]:
    """A field's alias (``model``) -> its name (``model_name_or_path``)."""
    return {alias.lstrip("-"): f.name for f in fields(RunConfig) for alias in f.metadata.get("aliases", [])}


def _canonical(values: dict[str, Any]) -> dict[str, Any]:
    aliases = _aliases()
    return {aliases.get(key, key): value for key, value in values.items()}


def _take(argv: list[str], flag: str) -> str | None:
    """Remove ``flag VALUE`` (or ``flag=VALUE``) from argv; the last one given wins."""
    value, i = None, 0
    while i < len(argv):
        if argv[i] == flag:
            if i + 1 >= len(argv):
                raise OneShotError(f"'{flag}' requires an argument; see 'oneshot train --help'")
            value = argv.pop(i + 1)
            argv.pop(i)
        elif argv[i].startswith(flag + "="):
            value = argv.pop(i).split("=", 1)[1]
        else:
            i += 1
    return value


def _peek(argv: list[str], flag: str) -> str | None:
    return _take(list(argv), flag)


class _Layers:
    """Recipe, YAML and caller's values as the parser's defaults, each checked for unknown keys and nulls."""

    def __init__(self, parser, classes) -> None:
        self.parser, self.classes = parser, classes
        self.known = {f.name for cls in classes for f in fields(cls) if f.init}

    def apply(self, values: dict[str, Any], source: str, strict: bool = True) -> None:
        unknown = sorted(set(values) - self.known)
        if unknown and strict:
            raise OneShotError(
                f"unknown config key(s) {', '.join(map(repr, unknown))} in {source}; keys are "
                f"{' and '.join(c.__name__ for c in self.classes)} field names (see `oneshot train --help`)"
            )
        values = {k: v for k, v in values.items() if k in self.known}
        for key, value in values.items():
            if value is None and key not in self.parser.nullable:
                raise OneShotError(f"--{key} cannot be null (None) in {source}: give a value")
            values[key] = self._typed(key, value, source)
        self.parser.set_defaults_with_config(**values)

    def _typed(self, key: str, value, source: str):
        """A value read from YAML as the field's type, as if given on the command line: YAML's ``1`` for a
        float field is 1.0, its ``1e-6`` (a string to YAML) the number."""
        convert = next((a.type for a in self.parser._actions if a.dest == key and a.type is not None), None)
        if convert is None or value is None or isinstance(value, dict):
            return value
        try:
            if isinstance(value, list):
                return [convert(str(item)) for item in value]
            return convert(str(value))
        except (ValueError, TypeError, argparse.ArgumentTypeError) as e:
            raise OneShotError(f"--{key}: invalid value {value!r} in {source} ({e})") from None


def _prepare(recipe, config_file, overrides, argv):
    """The parser with every layer's defaults set, and what the run record says of them."""
    argv = list(argv)
    recipe = _take(argv, "--recipe") or recipe
    config_file = _take(argv, "--config") or config_file
    explicit = _canonical({k: v for k, v in (overrides or {}).items() if v is not None})
    user = _canonical(read_yaml(config_file, "config file")) if config_file else {}
    base = _canonical(load_recipe(recipe)) if recipe else {}
    algo = _peek(argv, "--algo") or explicit.get("algo") or user.get("algo") or base.get("algo") or "grpo"
    if algo not in ALGOS:
        raise OneShotError(f"unknown --algo {algo!r}; choose one of {', '.join(ALGOS)}")
    if not recipe:
        recipe = DEFAULT_RECIPES[algo]
        base = _canonical(load_recipe(recipe))
    trainer_cls = trainer_config_class(algo) if _trainer_available(algo) else None
    classes = (RunConfig,) if trainer_cls is None else (RunConfig, trainer_cls)
    parser = _parser_class()(classes)
    parser.add_argument(
        "--recipe", help="Shipped recipe name or YAML path (the defaults shown are its values)."
    )
    parser.add_argument("--config", help="YAML of config fields over the recipe's (as TrlParser's --config).")
    layers = _Layers(parser, classes)
    strict = trainer_cls is not None  # without it, the trainer's keys and flags cannot be told from typos
    # colocate: no `trl vllm-serve` needed; prompts_per_step: oneshot's batch layout (None in the trainer
    # configs, which keeps TRL's own for a config built by hand)
    defaults = {"output_dir": "runs/oneshot", "vllm_mode": "colocate", "prompts_per_step": 128}
    if os.environ.get("DS_ACCELERATOR") == "cpu" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # DeepSpeed on CPU: accelerate picks no process-group backend without a GPU and then counts one
        # process. Only when launched distributed: a single process has no process group to give a backend to.
        defaults["ddp_backend"] = "gloo"
    layers.apply({k: v for k, v in defaults.items() if k in layers.known}, "oneshot's defaults")
    layers.apply(base, f"recipe {recipe}", strict)
    layers.apply(user, str(config_file), strict)
    layers.apply(explicit, "the caller's overrides", strict)
    parser.set_defaults(recipe=recipe, config=config_file)
    source = {"recipe": recipe, "config_file": str(config_file) if config_file else None, "base": base}
    return parser, argv, algo, strict, source, set(user) | set(explicit)


def _trainer_available(algo: str) -> bool:
    """False for PPO on a TRL without it: the run's own options are still parsed and checked, then the TRL to
    install is named."""
    if algo != "ppo":
        return True
    from .trainers.ppo import ppo_available

    return ppo_available()


def train_help(argv: list[str]) -> str:
    """``oneshot train --help``: every field with its help, and as its default the value the recipe (and
    ``--config``) give it."""
    argv = [a for a in argv if a not in ("--help", "-h")]
    parser = _prepare(None, None, None, argv)[0]
    return parser.format_help()


def parse_configs(
    recipe: str | None = None,
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    argv: list[str] | tuple[str, ...] = (),
):
    """``(RunConfig, trainer config)`` from the recipe (default: the paper's for the algorithm), the YAML
    file, ``overrides`` (a caller's field values; None means not given) and ``argv`` (flags, as ``oneshot
    train`` takes them), each over the ones before."""
    parser, argv, algo, strict, source, given = _prepare(recipe, config_file, overrides, argv)
    parser.typed = [a.split("=", 1)[0] for a in argv if a.startswith("-")]
    namespace, rest = parser.parse_known_args(argv)
    if rest and strict:
        raise OneShotError(
            f"unknown option(s) {' '.join(rest)}; options are RunConfig and "
            f"{trainer_config_class(algo).__mro__[1].__name__} field names (see 'oneshot train --help')"
        )
    values = {
        k: None if isinstance(v, list) and v and all(x is None for x in v) else v  # --list_field None
        for k, v in vars(namespace).items()
    }
    run = _build(RunConfig, values)
    if not strict:
        from .trainers.ppo import ppo_hint

        raise OneShotError(ppo_hint())
    args = _build(trainer_config_class(algo), values)
    flags = {action.dest for action in parser._actions if set(action.option_strings) & set(parser.typed)}
    changed = sorted((given | flags) - {"recipe", "config"})
    # For run.json and the model card: the recipe, and the fields set on top of it (an attribute, not a
    # field: it is no option).
    run.recipe_source = {
        "recipe": source["recipe"],
        "config_file": source["config_file"],
        "changed": changed,
        "recipe_values": {k: source["base"][k] for k in changed if k in source["base"]},
    }
    if getattr(args, "use_vllm", False):
        check_vllm()
    return run, args


def _build(cls, values: dict[str, Any]):
    """One config from the parsed values; its own checks (``__post_init__``) as one line."""
    try:
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.init})
    except OneShotError:
        raise
    except (ValueError, TypeError) as e:
        message = str(e).splitlines()[0]
        if "bf16" in message:
            message += " (no GPU here: pass --bf16 false --use_cpu true, or --recipe tiny-cpu)"
        raise OneShotError(f"invalid configuration: {message}") from None
