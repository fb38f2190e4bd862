"""The formatter owns the layout and the linter checks the code (as in TRL): the code is as `ruff format`
writes it, passes `ruff check` with the project's selection (pyproject.toml: pycodestyle, pyflakes, isort,
pyupgrade, bugbear, no line past 110) and carries no exemptions from the formatter."""

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


def test_code_passes_the_project_lint_selection():
    # Rules and line length come from pyproject.toml alone: the suite and a plain `ruff check` agree.
    result = subprocess.run(
        [*_ruff(), "check", "--no-fix", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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


def _imports(path: Path) -> set[str]:
    """The oneshot_trl modules a source file imports (absolute names; relative imports resolved)."""
    import ast

    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("oneshot_trl")}


@pytest.mark.parametrize(
    "importer, forbidden",
    [
        # The CLI calls the library, never the reverse.
        ("oneshot_trl", "oneshot_trl.cli"),
        # The trainer may call evaluation, not the reverse.
        ("oneshot_trl/evaluation", "oneshot_trl.trainers"),
        # Selection reads history files.
        ("oneshot_trl/selection.py", "oneshot_trl.trainers"),
        ("oneshot_trl/rewards", "oneshot_trl.trainers"),
    ],
)
def test_dependencies_point_one_way(importer, forbidden):
    root = ROOT / importer
    files = [root]
    if root.suffix != ".py":
        # The entry points (the cli package, __main__.py) may import everything.
        files = [p for p in root.rglob("*.py") if "cli" not in p.parts and p.name != "__main__.py"]
    wrong = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in files
        for name in sorted(_imports(p))
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert files and not wrong, wrong


def test_scripts_the_benchmarks_run_in_subprocesses_compile():
    # Code kept in strings (a worker per process) is invisible to the formatter and to imports: a wrapped
    # line there broke bench_trainer.py once.
    import ast

    scripts = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            value = getattr(node, "value", None)
            if (
                isinstance(node, ast.Assign)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                if "\nimport " in value.value:
                    scripts.append((f"{path.name}:{node.targets[0].id}", value.value))
    assert len(scripts) >= 3  # bench_select's two, bench_trainer's worker
    for name, code in scripts:
        compile(code, name, "exec")
