"""The CLI surface: help, the examples commands, and one-line errors (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oneshot_trl.cli import main
from conftest import run_cli


def test_help_lists_every_subcommand(capsys):
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    listed = {line.split("│")[1].split()[0] for line in out.splitlines() if line.startswith("│ ") and line.split("│")[1].strip()}
    assert {"train", "eval", "select-examples", "examples", "testbed", "demo"} <= listed
    assert "not implemented" not in out.lower()


def test_examples_list(capsys):
    code, out, _ = run_cli(["examples", "list"], capsys)
    assert code == 0
    assert "pi1209" in out and "789" in out and "124" in out


def test_examples_show_prints_problem_answer_and_exact_prompt(capsys, shared_data, tiny_model):
    code, out, _ = run_cli(
        ["examples", "show", "pi1", "--dataset", str(shared_data / "dsr_sub_1209.jsonl"), "--tokenizer", str(tiny_model)],
        capsys,
    )
    assert code == 0
    assert "12.8" in out and "pressure" in out
    assert "<|im_start|>user" in out and "within \\boxed{}.<|im_end|>" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["examples", "show", "pi99", "--dataset", "{dsr}"], "unknown example id 'pi99'; valid ids: pi1"),
        (["examples", "show", "5000", "--dataset", "{dsr}"], "only 1209 rows"),
        (["examples", "show", "pi1", "--dataset", "/nonexistent/x.jsonl"], "dataset file not found"),
        (["examples", "show", "pi1", "--dataset", "{bad}"], "bad.jsonl:2: malformed JSON"),
        (["examples", "show", "pi1", "--dataset", "{dsr}", "--answer-key", "solution"], "no column 'solution'"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, message, capsys, shared_data, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "a", "answer": "1"}\n{oops\n')
    argv = [a.format(dsr=shared_data / "dsr_sub_1209.jsonl", bad=bad) for a in argv]
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_console_script_and_cli_py_run_the_same_app():
    for cmd in ([sys.executable, "-m", "oneshot_trl", "--help"], [sys.executable, "cli.py", "--help"]):
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))
        assert out.returncode == 0, out.stderr
        assert "examples" in out.stdout and "train" in out.stdout
