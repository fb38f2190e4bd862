"""The formatter owns the layout (as in TRL): the code is as `ruff format` writes it, within the project's
line length (pyproject.toml), and carries no exemptions from the formatter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    return [found]


def test_code_is_as_the_formatter_writes_it():
    result = subprocess.run([*_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_line_is_longer_than_the_project_limit():
    result = subprocess.run(
        [*_ruff(), "check", "--select", "E501", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_no_formatter_exemptions():
    marker = "fmt: " + "skip"  # spelled apart, so this file does not match itself
    sources = [
        p for p in ROOT.rglob("*.py") if not any(part.startswith((".venv", ".cache")) for part in p.parts)
    ]
    exempt = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in sources
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if marker in line
    ]
    assert not exempt, exempt
