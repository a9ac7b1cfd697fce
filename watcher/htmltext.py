"""HTML to the plain-text format of `Document.text`, and a generic main-content extractor.

The output format: paragraphs separated by one blank line; list items on lines of their own starting
with "- ", indented two spaces per nesting level; table rows one per line (cells joined by " | ");
<br> is a line break inside a paragraph. Page chrome is dropped before rendering.

bs4 with the lxml parser throughout: one parse per page, shared by the adapters.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bs4 import BeautifulSoup, NavigableString, SoupStrainer, Tag
from bs4.element import PreformattedString

from watcher.dates import parse_date
from watcher.models import Document
from watcher.textnorm import is_japanese, normalise

# Never content: dropped with everything inside.
_DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "iframe",
        "svg",
        "button",
        "select",
        "input",
        "textarea",
        "object",
        "embed",
        "canvas",
        "map",
        "head",
        "title",
        "meta",
        "link",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "address",
        "hr",
        "table",
        "caption",
        "center",
        "fieldset",
        "details",
        "summary",
        "body",
        "html",
    ]
)
# Class or id tokens that mark chrome on the watched sites: METI's breadcrumb is `div.pan`,
# Drupal's `nav.breadcrumb`/`.block-system-breadcrumb-block`, share bars and "related" boxes.
_CHROME_TOKEN = re.compile(
    r"^(pan|pankuzu|topicpath|topic_path|sns|share|sharing|social|social-share|addtoany|"
    r"related|related-links|related-content|pagetop|page-top|skip-link|skip|"
    r"visually-hidden|sr-only|element-invisible|print|btn|border-btn)$"
    r"|breadcrumb|^share[-_]|^related[-_]",
    re.IGNORECASE,
)
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u200b]+")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def parse_html(html: str, only: SoupStrainer | None = None) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml", parse_only=only)


def is_chrome(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    if tag.get("role") in ("navigation", "banner", "contentinfo", "search"):
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    tokens = list(tag.get("class") or [])
    if tag.get("id"):
        tokens.append(str(tag["id"]))
    return any(_CHROME_TOKEN.search(t) for t in tokens)


def _squash(text: str) -> str:
    """Collapse white space; a line break between two CJK characters is not a space in Japanese."""

    def repl(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        before = text[s - 1] if s else ""
        after = text[e] if e < len(text) else ""
        if "\n" in m.group(0) and _CJK.match(before) and _CJK.match(after):
            return ""
        return " "

    return _WS.sub(repl, text).strip()


class _Writer:
    """Collects inline text into lines and lines into paragraphs."""

    def __init__(self) -> None:
        self.paras: list[str] = []
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.prefix = ""
        self.in_item = 0

    def text(self, s: str) -> None:
        self.buf.append(s)

    def line(self, continuation: str | None = None) -> None:
        text = _squash("".join(self.buf))
        self.buf = []
        if text:
            self.lines.append(self.prefix + text)
            if continuation is not None:
                self.prefix = continuation
        elif continuation is not None and self.prefix.endswith("- "):
            # An item whose text has not started yet keeps its bullet.
            return

    def block(self) -> None:
        if self.in_item:
            # Paragraphs inside a list item stay on the item's line.
            self.buf.append(" ")
            return
        self.line()
        if self.lines:
            self.paras.append("\n".join(self.lines))
            self.lines = []

    def start_item(self, depth: int) -> None:
        self.line()
        self.prefix = "  " * depth + "- "
        self.in_item += 1

    def end_item(self, depth: int) -> None:
        self.line()
        self.in_item -= 1
        self.prefix = "  " * depth + "  " if self.in_item else ""

    def result(self) -> str:
        self.in_item = 0
        self.block()
        return "\n\n".join(self.paras)


def _render(node: Tag, out: _Writer, depth: int) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            # Comments, doctypes and processing instructions are never text.
            if not isinstance(child, PreformattedString):
                out.text(str(child))
            continue
        if not isinstance(child, Tag) or is_chrome(child):
            continue
        name = child.name
        if name == "br":
            out.line()
        elif name in ("ul", "ol", "menu"):
            out.block()
            _render_list(child, out, depth)
            out.block()
        elif name == "table":
            out.block()
            _render_table(child, out)
            out.block()
        elif name in _BLOCK_TAGS:
            out.block()
            _render(child, out, depth)
            out.block()
        else:
            _render(child, out, depth)


def _render_list(node: Tag, out: _Writer, depth: int) -> None:
    for li in node.find_all("li", recursive=False):
        if is_chrome(li):
            continue
        out.start_item(depth)
        _render(li, out, depth + 1)
        out.end_item(depth)
    # Stray text or tags directly in a list are rare; render them as plain lines.
    for child in node.children:
        if isinstance(child, Tag) and child.name != "li" and not is_chrome(child):
            _render(child, out, depth)


def _render_table(table: Tag, out: _Writer) -> None:
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = [
            _squash(html_to_text(cell).replace("\n", " "))
            for cell in tr.find_all(["td", "th"], recursive=False)
        ]
        cells = [c for c in cells if c]
        if cells:
            out.text(" | ".join(cells))
            out.line()


def html_to_text(node_or_html: Tag | str) -> str:
    """Render an element (or an HTML string) to the `Document.text` format, chrome removed."""
    node = parse_html(node_or_html) if isinstance(node_or_html, str) else node_or_html
    out = _Writer()
    if isinstance(node, Tag) and node.name not in ("[document]",) and is_chrome(node):
        return ""
    if isinstance(node, Tag) and node.name in ("ul", "ol"):
        _render_list(node, out, 0)
    else:
        _render(node, out, 0)
    return out.result()


# -- dates ----------------------------------------------------------------------------------------
def is_date_line(line: str) -> bool:
    """A short line that is (almost) only a date, such as METI's "2024年4月11日"."""
    line = normalise(line)
    return bool(line) and len(line) <= 40 and parse_date(line) is not None


def first_date_line(text: str, within: int = 12) -> tuple[int, date] | None:
    """(index, date) of the first date-looking paragraph among the first `within` paragraphs."""
    for i, para in enumerate(text.split("\n\n")[:within]):
        if is_date_line(para):
            found = parse_date(para)
            assert found is not None
            return i, found
    return None


def drop_paragraphs(text: str, drop: Any) -> str:
    return "\n\n".join(p for i, p in enumerate(text.split("\n\n")) if not drop(i, p))


# -- generic documents ----------------------------------------------------------------------------
_MAIN_SELECTORS = (
    ".field--name-body",
    "div.main.w1000",
    "#__main_contents",
    "article",
    "main",
    '[role="main"]',
)


def pdf_links(node: Tag, base: str) -> dict[str, str]:
    """The PDFs a page links on its own site, in page order, with each link's text
    (`watcher.attachments`)."""
    from urllib.parse import urljoin, urlsplit, urlunsplit

    from watcher.attachments import same_site_pdfs

    links = []
    for a in node.select("a[href]"):
        parts = urlsplit(urljoin(base, str(a["href"]).strip()))
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        links.append((url, element_text(a)))
    return same_site_pdfs(links, base)


def element_text(tag: Tag | None) -> str:
    return normalise(tag.get_text(" ")) if tag is not None else ""


def main_content(soup: BeautifulSoup) -> Tag | None:
    """The element holding a page's main text: a known container, else the biggest text block."""
    for sel in _MAIN_SELECTORS:
        found = soup.select_one(sel)
        if found is not None and element_text(found):
            return found
    best, best_len = None, 0
    for cand in soup.find_all(["div", "section", "td", "body"]):
        if is_chrome(cand) or any(is_chrome(p) for p in cand.parents if isinstance(p, Tag)):
            continue
        # Direct paragraph text counts, so the innermost block that owns the prose wins.
        size = sum(len(p.get_text()) for p in cand.find_all("p", recursive=False))
        if size > best_len:
            best, best_len = cand, size
    return best or soup.body


def page_title(soup: BeautifulSoup, scope: Tag | None = None) -> str:
    h1 = (scope.find("h1") if scope is not None else None) or soup.find("h1")
    title = element_text(h1) if h1 is not None else ""
    if not title and soup.title is not None:
        title = element_text(soup.title)
    return title


def page_lang(soup: BeautifulSoup, text: str) -> str:
    html = soup.find("html")
    declared = str(html.get("lang") or "") if isinstance(html, Tag) else ""
    if declared[:2].lower() in ("en", "ja"):
        return declared[:2].lower()
    return "ja" if is_japanese(text) else "en"


def generic_document(html: str, url: str, lang: str | None = None) -> Document:
    """A Document from any article page: main content, h1 (else <title>), first date line."""
    soup = parse_html(html)
    body = main_content(soup)
    title = page_title(soup, body)
    if body is not None:
        for h1 in body.find_all("h1"):
            if element_text(h1) == title:
                h1.decompose()
                break
    text = html_to_text(body) if body is not None else ""
    found = first_date_line(text)
    return Document(
        url=url,
        title=title,
        text=text,
        lang=lang or page_lang(soup, text),
        date=found[1] if found else None,
        attachments=pdf_links(body, url) if body is not None else {},
    )
