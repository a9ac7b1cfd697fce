"""A PDF's text, as paragraphs of `Document.text` (pdfminer.six, imported only here, and only
when a PDF is read).

pdfminer.six's layout analysis groups characters into lines and text boxes by position, and the
boxes are put in reading order here, a column to its foot before the next, so paragraphs stay
apart and whole (pypdf, measured on the same PDFs, interleaves the lines of two columns and
loses paragraph breaks); pages come with a form feed
after each, which `watcher.analysis.pages.reflow` turns into paragraphs (running headers,
footers and page numbers dropped, wrapped lines joined). Japanese text set in the standard CID
fonts (no embedded font, no ToUnicode map) is read through pdfminer's own CMaps.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from watcher.attachments import is_pdf
from watcher.models import Document
from watcher.textnorm import is_japanese, normalise

# How far a column's box may reach past the middle of the text area (a share of its width).
COLUMN_SLACK = 0.02
# The size note METI and MOFA put after a link's text: "共同声明（仮訳）（PDF形式：298KB）".
_SIZE_NOTE = re.compile(r"\s*[(（]\s*PDF[^)）]*[)）]\s*$", re.IGNORECASE)


class PdfError(ValueError):
    """Bytes that are not a PDF, or a PDF whose text cannot be read (one-line message)."""


def pdf_text(data: bytes) -> str:
    """The text of every page, a form feed after each, columns in reading order."""
    if not is_pdf(data):
        raise PdfError("not a PDF (no %PDF- header)")
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox
    from pdfminer.pdfparser import PDFSyntaxError

    pages = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            boxes = [
                _Box(b.x0, b.y0, b.x1, b.y1, b.get_text())
                for b in page
                if isinstance(b, LTTextBox) and b.get_text().strip()
            ]
            pages.append(_page_text(boxes))
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AssertionError) as exc:
        # pdfminer reports damaged files with whatever its parser tripped on.
        raise PdfError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    return "".join(f"{p}\f" for p in pages)


@dataclass(frozen=True, slots=True)
class _Box:
    x0: float
    y0: float  # PDF coordinates: y grows upwards
    x1: float
    y1: float
    text: str


def _page_text(boxes: list[_Box]) -> str:
    """A page's text boxes in reading order: a box that crosses the middle of the text area
    (a title, a full-width paragraph, a centred page number) stands alone at its height; the
    boxes between two such are read as columns, the left one to its foot, then the right.
    (pdfminer's own ordering read the top of the right column before the left's end.)"""
    if not boxes:
        return ""
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    mid = (left + right) / 2
    slack = COLUMN_SLACK * (right - left)
    spanning = sorted(
        (b for b in boxes if b.x0 < mid - slack and b.x1 > mid + slack), key=lambda b: -b.y1
    )
    in_columns = [b for b in boxes if b not in spanning]
    ordered: list[_Box] = []
    above = float("inf")
    for cut in [*spanning, None]:
        below = cut.y1 if cut is not None else float("-inf")
        band = [b for b in in_columns if below <= b.y1 < above]
        ordered += sorted(band, key=lambda b: (b.x1 > mid + slack, -b.y1))
        if cut is not None:
            ordered.append(cut)
            above = cut.y1
    return "\n".join(b.text.rstrip("\n") + "\n" for b in ordered)


def link_title(text: str) -> str:
    """A link's text as a title, without the size note ("（PDF形式：298KB）")."""
    return _SIZE_NOTE.sub("", normalise(text))


def document_from_pdf(
    data: bytes, url: str, *, title: str = "", posted: date | None = None, lang: str | None = None
) -> Document:
    """A Document from a PDF: its text as paragraphs, its own heading as the title (else
    `title`, the text of the link to it), its date line (else `posted`)."""
    from watcher.analysis.pages import reflow
    from watcher.documents import document_from_text

    text = reflow(pdf_text(data))
    doc = document_from_text(text, url) if text.strip() else None
    body = doc.text if doc else ""
    return Document(
        url=url,
        title=(doc.title if doc and doc.title else "") or link_title(title),
        text=body,
        lang=lang or ("ja" if is_japanese(body[:2000]) else "en"),
        date=(doc.date if doc else None) or posted,
    )
