"""tools/import_graph.py: the project has no import cycle, and the tool finds one when there is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def graph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.import_graph", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_project_has_no_import_cycle() -> None:
    result = graph()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no import cycle" in result.stdout
    # Every package is read, imports inside functions included.
    assert "watcher.cli -> watcher.errors" in result.stdout
    assert "state.store ->" in result.stdout and "replay.server ->" in result.stdout
    assert "inside functions" in result.stdout


def test_a_cycle_closed_inside_a_function_fails(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/cli.py": "def main():\n    from pkg import commands\n",
            "pkg/commands/__init__.py": "from pkg.commands import run\n",
            "pkg/commands/run.py": "from ..cli import main\n",
            "pkg/other.py": "import json\nimport pkg.cli\n",
        },
    )
    result = graph("--root", str(tmp_path), "--package", "pkg", "--summary")
    assert result.returncode == 1
    assert "pkg.cli -> pkg.commands -> pkg.commands.run -> pkg.cli" in result.stdout


def test_type_only_imports_close_no_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import X\n"
            ),
        },
    )
    result = graph("--root", str(tmp_path), "--package", "pkg")
    assert result.returncode == 0, result.stdout
    assert "pkg.b -> (pkg.a)" in result.stdout
