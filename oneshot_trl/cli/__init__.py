"""The ``oneshot`` command line (Typer). One module per subcommand; this module only assembles them.

The CLI calls the library, never the reverse. User errors (``OneShotError``) print as one line and exit 2.
"""

from __future__ import annotations

import sys
import warnings

import typer
from rich.console import Console
from rich.text import Text

from ..errors import OneShotError
from . import demo, examples, select_examples, testbed, train
from . import eval as eval_cli

app = typer.Typer(
    name="oneshot",
    help="1-shot RLVR on TRL: train on one example, select it by historical variance, evaluate.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.command("train", help=train.HELP, context_settings=train.CONTEXT, add_help_option=False)(train.train)
app.add_typer(examples.app, name="examples")
app.command("select-examples", help=select_examples.HELP, no_args_is_help=True)(
    select_examples.select_examples
)
app.add_typer(eval_cli.app, name="eval")
app.add_typer(testbed.app, name="testbed")
app.command("demo", help=demo.HELP)(demo.demo)

err_console = Console(stderr=True)

# Click's exception classes as Typer raises them: older typer (0.15) raises the `click` package's, newer typer
# (0.29) those of its own copy of click (typer._click), which the `click` package's classes do not catch.
# typer.BadParameter is click's BadParameter in both, so its bases are the classes in use.
ClickException, UsageError = (
    next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)
    for name in ("ClickException", "UsageError")
)


# A path given on the command line that the file system refuses (an output folder that is a file, a folder
# with no write permission): the fix for each refusal.
PATH_FIXES = {
    FileExistsError: "a file is in the way; pass a folder",
    NotADirectoryError: "a file is in the way; pass a folder",
    IsADirectoryError: "it is a folder; pass a file",
    PermissionError: "permission denied; pass a path you can write to",
    FileNotFoundError: "not found; check the path",
}


def _error(e) -> str:
    """Click's error as one line, with the help command that shows the valid usage."""
    message = " ".join(e.format_message().split())
    if isinstance(e, UsageError):
        command = e.ctx.command_path if e.ctx is not None else "oneshot"
        return f"{message.rstrip('.')}; see '{command} --help'"
    return message


def _quiet_libraries() -> None:
    """Library chatter that says nothing to a user of this CLI: per-call progress bars and deprecation
    notices raised from inside TRL/transformers (not from calls this package makes)."""
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"trl\..*")
    try:
        import datasets
        from transformers.utils import logging as hf_logging

        datasets.disable_progress_bars()
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``oneshot`` script and of ``cli.py``."""
    _quiet_libraries()
    try:
        code = app(args=argv, prog_name="oneshot", standalone_mode=False)
    except OneShotError as e:
        err_console.print(Text.assemble(("error: ", "bold red"), str(e)), highlight=False, soft_wrap=True)
        sys.exit(2)
    except tuple(PATH_FIXES) as e:
        if e.filename is None:  # not about a path: a bug, whose traceback is wanted
            raise
        fix = next(fix for cls, fix in PATH_FIXES.items() if isinstance(e, cls))
        err_console.print(
            Text.assemble(("error: ", "bold red"), f"{e.filename}: {fix}"), highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `oneshot` (or a group) alone: click prints the help
            e.show()
        else:
            err_console.print(
                Text.assemble(("error: ", "bold red"), _error(e)), highlight=False, soft_wrap=True
            )
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
