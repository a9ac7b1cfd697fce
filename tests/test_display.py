"""The terminal rendering of a statement and a comparison, from the typed objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.cli import main

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> str:
    return str(next(SEEDS.glob(f"{prefix}_*.txt")))


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per item, whatever the test runner's width


def test_comparison_shows_labels_marks_and_every_commitment_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", seed("000"), seed("002")]) == 0
    out = capsys.readouterr().out
    assert "Critical minerals (first time in the series)" in out
    assert "Continued topics: Export controls, Supply chains" in out
    # Every continued commitment with its old and its new text (issue 8).
    old, new = out.split("Continued commitments (1)\n", 1)[1].splitlines()[:2]
    assert old.startswith("  - old: DOC and METI reaffirmed their commitment")
    assert new.startswith("    new: The Secretary and Minister also discussed")
    assert "reaffirm -> intend (escalation) on Critical minerals, Export controls" in out
    # Each side headed by its meeting as held, not the reposting site's date (2024-03-28).
    assert "Old: 2nd ministerial meeting held 2023-05-26 in Detroit, Michigan: Joint" in out
    assert "New: 4th ministerial meeting held 2024-06-26 in Washington, D.C.: " in out
    # METI's release on the 4th against the 2nd's joint statement: said once, and what the
    # release leaves out is not reported as dropped.
    assert out.count("Note: The two sides differ in kind") == 1
    assert "Dropped topics: none" in out and "Not in the summary: Semiconductors" in out
    assert "Comparison of two documents" in out


def test_statement_shows_its_meeting_and_commitments_by_topic_label(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["extract", seed("002")]) == 0
    out = capsys.readouterr().out
    assert "4th ministerial meeting held 2024-06-26 in Washington, D.C." in out
    assert "\nCritical minerals (" in out and "critical-minerals" not in out
    assert "weaponization of economic dependencies" in out
