"""A Document from a page or a text file the user hands us (`extract`, `compare`, `import`).

Known live sites go through their own adapter; anything else (a saved page, a repost, a pasted
text) through the generic main-content heuristic or the plain-text cleaner.
"""

from __future__ import annotations

import re

from watcher.analysis.clean import clean_text
from watcher.dates import parse_date
from watcher.htmltext import generic_document, is_date_line
from watcher.models import Document, ListingItem
from watcher.sources import LayoutChanged, adapter_for_url
from watcher.textnorm import is_japanese, normalise

_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|div|p|h1|article|main)\b", re.I)
_BULLET = re.compile(r"^(?:[-•・*●○▪■]|\(?\d{1,2}[.)]|[①-⑳])\s*")
_DATE_ONLY = re.compile(r"^[\w ,.年月日()（）-]{0,40}\d{4}[\w ,.年月日()（）-]{0,20}$")


def looks_like_html(text: str) -> bool:
    return bool(_HTML.search(text[:4096]))


def document_from_html(html: str, url: str) -> Document:
    adapter = adapter_for_url(url)
    if adapter is not None:
        try:
            return adapter.parse_detail(
                html, ListingItem(url=url, key=url, title="", lang=adapter.lang)
            )
        except LayoutChanged:
            pass  # a page the site adapter does not know (an index, a renewed template)
    return generic_document(html, url)


def _title(head: tuple[str, ...]) -> str:
    """The title of a plain-text release: the last substantial line before the body. A text
    that starts straight with its body has none (its first sentence is not a title)."""
    for line in reversed(head):
        line = normalise(line)
        if _DATE_ONLY.match(line) or _BULLET.match(line):
            continue
        if (is_japanese(line) and len(line) >= 8) or len(line.split()) >= 4:
            return line
    return ""


def document_from_text(raw: str, url: str) -> Document:
    if "\f" in raw:
        # Paged text (a PDF's, saved with its form feeds): paragraphs first, then the rest.
        from watcher.analysis.pages import reflow

        raw = reflow(raw)
    cleaned = clean_text(raw)
    head = [normalise(line) for line in cleaned.head if line.strip()]
    title = _title(cleaned.head)
    # The date line nearest the body is the release's own; a repost's masthead date comes first.
    dated = [parse_date(line) for line in head if is_date_line(line)]
    text = cleaned.text
    if not text.strip():
        # No line read as prose (a pasted paragraph without a heading, a fact sheet of
        # bullets): what is not the title or a date line is the body.
        body = [line for line in head if line != title and not is_date_line(line)]
        text = "\n\n".join(body) if body else raw.strip()
    return Document(
        url=url,
        title=title,
        text=text,
        lang="ja" if is_japanese(text) else "en",
        date=dated[-1] if dated else None,
    )
