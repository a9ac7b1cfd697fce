"""Real PDFs made in the test suite (reportlab): paragraphs set in two columns, a running header
and a page-number footer on every page, English in Helvetica and Japanese in the built-in CID
font HeiseiMin-W3 (no font file, no ToUnicode map: the reader must know the CMap).

The two columns are drawn line by line across the page (left line, right line, next row), the
order a naive reader would return them in, so a test that reads them back in column order shows
the extractor's layout analysis at work.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from watcher.textnorm import is_japanese

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN, GUTTER = 60.0, 24.0
SIZE, LEADING = 10.5, 15.0
ROWS = 44  # lines per column
JA_FONT, EN_FONT = "HeiseiMin-W3", "Helvetica"


def _font(japanese: bool) -> str:
    if not japanese:
        return EN_FONT
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if JA_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JA_FONT))
    return JA_FONT


def _wrap(text: str, font: str, width: float, japanese: bool) -> list[str]:
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not japanese:
        return simpleSplit(text, font, SIZE, width)
    lines, current = [], ""
    for ch in text:
        if current and stringWidth(current + ch, font, SIZE) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    return [*lines, current] if current else lines


def render(
    paragraphs: Sequence[str], *, header: str, footer: str = "- {page} -", columns: int = 2
) -> bytes:
    """The paragraphs as a PDF of `columns` columns, `header` atop and `footer` below each page
    ("{page}" is the page number). A blank line separates paragraphs within a column."""
    from reportlab.pdfgen import canvas

    japanese = is_japanese(" ".join(paragraphs)[:2000])
    font = _font(japanese)
    column_w = (PAGE_W - 2 * MARGIN - GUTTER * (columns - 1)) / columns
    lines: list[str] = []
    for para in paragraphs:
        lines += [*_wrap(para, font, column_w, japanese), ""]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=True)
    per_page = ROWS * columns
    for page, start in enumerate(range(0, len(lines), per_page), 1):
        chunk = lines[start : start + per_page]
        pdf.setFont(font, 9)
        pdf.drawString(MARGIN, PAGE_H - 40, header)
        pdf.drawCentredString(PAGE_W / 2, 30, footer.format(page=page))
        pdf.setFont(font, SIZE)
        for row in range(ROWS):
            for col in range(columns):
                i = col * ROWS + row
                if i < len(chunk) and chunk[i]:
                    x = MARGIN + col * (column_w + GUTTER)
                    pdf.drawString(x, PAGE_H - 80 - row * LEADING, chunk[i])
        pdf.showPage()
    pdf.save()
    return out.getvalue()
