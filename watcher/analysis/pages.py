"""Paged text (what a PDF text extractor yields) into the paragraphs of `Document.text` (pure).

A PDF's text comes page by page, a form feed after each, with the running header and footer of
every page, the page numbers, and each column's lines wrapped at its width: "semi-" at the end of
one line and "conductors" at the start of the next; a paragraph cut by the end of a column or a
page into two blocks. Here lines that recur at the top or bottom of the pages and page-number
lines are dropped, wrapped lines joined (Japanese without a space, an English word broken at a
hyphen rejoined where the document writes it whole), and a block that stops mid-sentence on a
full line joined with the block that continues it.
"""

from __future__ import annotations

import re
from collections import Counter
from statistics import median

from watcher.textnorm import is_japanese, is_word_char

# Lines looked at for a running header (top of each page) or footer (bottom).
EDGE_LINES = 3
# A line recurring at the edge of at least this share of the pages is a running line.
RUNNING_SHARE = 0.6
# A block whose last line is at least this share of the usual line length was cut by the end
# of a column or page, not ended.
FULL_LINE = 0.75

_PAGE_NUMBER = re.compile(
    r"^[\s\-–—]*(?:page\s*)?\d{1,3}(?:\s*(?:/|of)\s*\d{1,3})?[\s\-–—]*$|^[\s\-–—]*[-–—]\s*\d{1,3}\s*[-–—][\s\-–—]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?。！？:：;；」』）)\]]$")
_MARKER = re.compile(r"^(?:[-•・*●○▪■]|\(?\d{1,2}[.)]|（\d{1,2}）|[①-⑳])\s*")
_DIGITS = re.compile(r"\d+")


def _key(line: str) -> str:
    """A line as it recurs from page to page: page numbers vary, the rest does not."""
    return _DIGITS.sub("#", " ".join(line.split()))


def _running_lines(pages: list[list[str]]) -> set[tuple[int, str]]:
    """(position, line) of the lines that recur at one place at the top or bottom of the
    pages: position 0, 1, 2 from the top, -1, -2, -3 from the bottom."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[int, str]] = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        top = [(i, _key(ln)) for i, ln in enumerate(body[:EDGE_LINES])]
        bottom = [(-1 - i, _key(ln)) for i, ln in enumerate(reversed(body[-EDGE_LINES:]))]
        seen.update(set(top + bottom))
    need = max(2, round(RUNNING_SHARE * len(pages)))
    return {k for k, n in seen.items() if n >= need}


def _strip_edges(lines: list[str], running: set[tuple[int, str]]) -> list[str]:
    """A page's lines without its running header and footer and its page number."""
    body = [ln for ln in lines if ln.strip()]
    drop: set[int] = set()
    for step, start in ((1, 0), (-1, -1)):
        for i in range(EDGE_LINES):
            at = start + step * i
            if abs(at) > len(body) or (at if at >= 0 else len(body) + at) in drop:
                break
            line = body[at]
            if (at, _key(line)) in running or _PAGE_NUMBER.match(line):
                drop.add(at if at >= 0 else len(body) + at)
            else:
                break
    kept, index = [], 0
    for line in lines:
        if line.strip():
            if index not in drop:
                kept.append(line)
            index += 1
        else:
            kept.append(line)
    return kept


def _blocks(pages: list[list[str]]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for lines in pages:
        current: list[str] = []
        for line in [*lines, ""]:
            if line.strip():
                current.append(line.strip())
            elif current:
                blocks.append(current)
                current = []
    return blocks


def _join_lines(a: str, b: str, vocabulary: set[str]) -> str:
    """Two wrapped lines as one: Japanese without a space, an English word broken at a hyphen
    rejoined when the document writes it whole ("semi-" + "conductors")."""
    if a.endswith("-") and b[:1].islower():
        head = re.search(r"(\w+)-$", a)
        tail = re.match(r"\w+", b)
        if head and tail and (head.group(1) + tail.group()).casefold() in vocabulary:
            return a[:-1] + b
        return a + b
    if is_word_char(a[-1:]) and is_word_char(b[:1]):
        return f"{a} {b}"
    if is_japanese(a[-8:] + b[:8]) or a.endswith("-"):
        return a + b
    return f"{a} {b}"


def _continues(block: list[str], following: list[str], usual: float) -> bool:
    """`following` carries on the sentence `block` was cut in (a column or page break)."""
    last, first = block[-1], following[0]
    if _SENTENCE_END.search(last) or _MARKER.match(first) or len(last) < FULL_LINE * usual:
        return False
    if is_japanese(last):
        # A one-line Japanese block may be a heading, which ends without punctuation too.
        return len(block) >= 2
    # English: the next block starts in the middle of a sentence.
    return first[:1].islower() or first[:1].isdigit()


def reflow(text: str) -> str:
    """Paged text, a form feed after each page, as paragraphs separated by blank lines."""
    raw_pages = [p.split("\n") for p in text.split("\f")]
    raw_pages = [p for p in raw_pages if any(line.strip() for line in p)]
    running = _running_lines(raw_pages)
    pages = [_strip_edges(p, running) for p in raw_pages]
    blocks = _blocks(pages)
    wrapped = [len(line) for b in blocks if len(b) > 1 for line in b[:-1]]
    usual = median(wrapped) if wrapped else 0.0
    vocabulary = {w.casefold() for b in blocks for line in b for w in re.findall(r"\w+", line)}
    merged: list[list[str]] = []
    for block in blocks:
        if merged and usual and _continues(merged[-1], block, usual):
            merged[-1] = merged[-1] + block
        else:
            merged.append(block)
    paragraphs = []
    for block in merged:
        para = block[0]
        for line in block[1:]:
            if _MARKER.match(line):
                para += "\n" + line
            else:
                para = _join_lines(para, line, vocabulary)
        paragraphs.append(para)
    return "\n\n".join(paragraphs)
