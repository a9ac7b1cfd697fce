"""Plain-text releases handed to extract/compare/import. No mocks."""

from __future__ import annotations

from datetime import date

from watcher.documents import document_from_text

# A fact sheet: a title, a date line, then commitments as bullets without full stops.
FACT_SHEET = (
    "Japan-U.S. Commercial and Industrial Partnership (JUCIP) Ministerial Joint Statement\n"
    "May 26, 2023\n"
    "\n"
    "- Semiconductor supply chain cooperation\n"
    "- Clean energy investment\n"
)


def test_text_without_prose_keeps_its_title_and_date() -> None:
    doc = document_from_text(FACT_SHEET, "file:fact-sheet.txt")
    # Title and date come from the head even when no line reads as prose; the date places the
    # release in its meeting.
    assert doc.date == date(2023, 5, 26)
    assert doc.title.startswith("Japan-U.S. Commercial and Industrial Partnership")
    assert "May 26, 2023" not in doc.text
