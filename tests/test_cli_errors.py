"""Bad input anywhere in the CLI ends in one line on stderr and exit 2, never a traceback (issue #26).

"One line" means the whole of stderr is one line: click's own rendering of a usage error is four (usage, "Try
... --help", a blank line, "Error: ..."); the CLI prints the error line alone, naming the help command that
shows the valid usage: ``error: No such option: --bogus; see 'oneshot select-examples --help'``.

Each subcommand gets an unknown option, an option without its value, a value of the wrong type and a file
that cannot be used. These tests run in .venv (the newest typer) and in .venv-lowest (the oldest typer
pyproject.toml allows: ``bash scripts/test.sh --lowest``): typer 0.15 raises the `click` package's
exceptions, typer 0.29 those of its own copy of click.
"""

from __future__ import annotations

import pytest

from conftest import run_cli

UNKNOWN, MISSING, BAD_TYPE, BAD_FILE = "unknown option", "missing value", "bad type or value", "bad file"

# (subcommand, its arguments, kind of mistake, text the error line must hold). {file} is an existing plain
# file, {missing} a path that does not exist, {problems} a two-problem JSONL. `examples list` takes no options
# or arguments: an unknown option and an extra argument are the mistakes it can be given; `examples show` has
# no typed option: its bad value is an example id.
CASES = [
    ((), ["--bogus"], UNKNOWN, "see 'oneshot --help'"),
    (("train",), ["--bogus", "1"], UNKNOWN, "unknown option(s) --bogus"),
    (("train",), ["--max-steps"], MISSING, "--max-steps: expected one argument"),
    (("train",), ["--max-steps", "x"], BAD_TYPE, "--max-steps: invalid int value: 'x'"),
    (
        ("train",),
        ["--recipe", "tiny-cpu", "--max_steps", "x"],
        BAD_TYPE,
        "--max_steps: invalid int value: 'x'",
    ),
    (("train",), ["--config", "{missing}.yaml"], BAD_FILE, "config file not found"),
    (
        ("examples", "list"),
        ["--bogus"],
        UNKNOWN,
        "see 'oneshot examples list --help'",
    ),
    (("examples", "list"), ["extra"], BAD_TYPE, "unexpected extra argument"),
    (("examples", "show"), ["pi1", "--bogus"], UNKNOWN, "--bogus"),
    (("examples", "show"), ["pi1", "--dataset"], MISSING, "'--dataset' requires an argument"),
    (("examples", "show"), [], MISSING, "Missing argument"),
    (("examples", "show"), ["pix", "--dataset", "{problems}"], BAD_TYPE, "unknown example id 'pix'"),
    (("examples", "show"), ["pi1", "--dataset", "{missing}.jsonl"], BAD_FILE, "dataset file not found"),
    (("examples", "show"), ["pi1", "--dataset", "{file}"], BAD_FILE, "unsupported file type"),
    (
        ("select-examples",),
        ["--bogus"],
        UNKNOWN,
        "see 'oneshot select-examples --help'",
    ),
    (("select-examples",), ["--top"], MISSING, "'--top' requires an argument"),
    (("select-examples",), ["--top", "x"], BAD_TYPE, "Invalid value for '--top'"),
    (("select-examples",), ["--history", "{missing}"], BAD_FILE, "history file not found"),
    (("select-examples",), ["--history", "{file}"], BAD_FILE, "malformed or truncated JSON"),
    (("eval",), ["--bogus", "1"], UNKNOWN, "--bogus"),
    (("eval",), ["--limit"], MISSING, "'--limit' requires an argument"),
    (("eval",), ["--limit", "x"], BAD_TYPE, "Invalid value for '--limit'"),
    (("eval",), ["--model", "{missing}"], BAD_FILE, "could not read the config of"),
    (("eval", "compare"), ["a", "b", "--bogus"], UNKNOWN, "--bogus"),
    (("eval", "compare"), ["a", "b", "--k"], MISSING, "'--k' requires an argument"),
    (("eval", "compare"), ["{missing}", "{missing}", "--k", "x"], BAD_TYPE, "x"),
    (
        ("eval", "compare"),
        ["{missing}", "{file}"],
        BAD_FILE,
        "summary.json not found: pass an output dir of `oneshot eval`",
    ),
    (
        ("testbed", "build"),
        ["--bogus"],
        UNKNOWN,
        "see 'oneshot testbed build --help'",
    ),
    (("testbed", "build"), ["--seed"], MISSING, "'--seed' requires an argument"),
    (("testbed", "build"), ["--max-steps", "x"], BAD_TYPE, "Invalid value for '--max-steps'"),
    (("testbed", "build"), ["--cache", "{file}"], BAD_FILE, "a file is in the way; pass a folder"),
    (("testbed", "tiny"), ["out", "--bogus"], UNKNOWN, "--bogus"),
    (("testbed", "tiny"), ["out", "--layers"], MISSING, "'--layers' requires an argument"),
    (("testbed", "tiny"), ["out", "--layers", "x"], BAD_TYPE, "Invalid value for '--layers'"),
    (("testbed", "tiny"), ["{file}"], BAD_FILE, "{file}: a file is in the way; pass a folder"),
    (("demo",), ["--bogus"], UNKNOWN, "see 'oneshot demo --help'"),
    (("demo",), ["--steps"], MISSING, "'--steps' requires an argument"),
    (("demo",), ["--steps", "x"], BAD_TYPE, "Invalid value for '--steps'"),
    (
        ("demo",),
        ["--output-dir", "{file}", "--steps", "1"],
        BAD_FILE,
        "{file}: a file is in the way; pass a folder",
    ),
]


@pytest.mark.parametrize("command, args, kind, message", CASES, ids=[" ".join([*c[0], *c[1]]) for c in CASES])
def test_bad_input_is_one_line_and_exit_2(command, args, kind, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing a command might write lands in the checkout
    plain = tmp_path / "plain.txt"
    plain.write_text("not what any command reads\n")
    problems = tmp_path / "problems.jsonl"
    problems.write_text('{"problem": "1+1", "answer": "2"}\n{"problem": "2+2", "answer": "4"}\n')
    paths = {"file": str(plain), "missing": str(tmp_path / "nothing-here"), "problems": str(problems)}
    argv = [*command, *(a.format(**paths) for a in args)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2, (kind, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message.format(**paths) in lines[0], (kind, lines[0])
    if kind == UNKNOWN:  # "No such option: --bogus", or in newer click "No such option '--bogus'"
        worded = "no such option" in lines[0].lower() or "unknown option" in lines[0]
        assert "--bogus" in lines[0] and worded, lines[0]


def test_every_subcommand_is_covered_by_each_kind_of_mistake():
    # A subcommand added to the CLI without bad-input cases here fails this test.
    import typer

    from oneshot_trl.cli import app

    def leaves(command, path=()):
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            return {path}
        found = {path} if getattr(command, "invoke_without_command", False) else set()
        for name, sub in subcommands.items():
            found |= leaves(sub, (*path, name))
        return found

    commands = leaves(typer.main.get_command(app))
    covered: dict[tuple, set] = {}
    for command, _, kind, _ in CASES:
        covered.setdefault(command, set()).add(kind)
    assert set(covered) == commands | {()}
    for command in commands:
        kinds = (
            {UNKNOWN, BAD_TYPE} if command == ("examples", "list") else {UNKNOWN, MISSING, BAD_TYPE, BAD_FILE}
        )
        assert kinds <= covered[command], (command, covered[command])
