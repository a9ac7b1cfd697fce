"""Remove page chrome and reposting clutter from a release's plain text.

Adapters already strip most chrome, but raw texts (the seeds, a reposted copy, a pasted page)
still carry weather and date lines, breadcrumbs, the title, photo captions, contact blocks and a
reposting site's widgets. The main text is taken to run from the first line that reads like
prose to the last one, and to stop at the first line that opens a known trailing block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from watcher.data import load_toml
from watcher.textnorm import fold, is_japanese

# A line this long is a paragraph even when it stops without a full stop (a truncated page);
# page chrome (menus, captions, breadcrumbs) is short.
CUT_OFF_WORDS = 25
CUT_OFF_CHARS_JA = 60
_PROSE_END = re.compile(r"[.。!?！？:：;；][\"'”’)）]?\s*$")
_MARKER = re.compile(r"^\s*(?:[-•・*●○◦▪■□‣∙]|\d{1,2}\.)\s+")


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The main text, and the chrome lines cut from its head (a date line there still
    tells when a statement was issued)."""

    text: str
    head: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    stop: re.Pattern[str]
    drop: re.Pattern[str]
    min_words: int
    min_chars_ja: int


@cache
def _rules() -> _Rules:
    data = load_toml("text.toml")["clutter"]
    return _Rules(
        stop=re.compile("|".join(f"(?:{p})" for p in data["stop"])),
        drop=re.compile("|".join(f"(?:{p})" for p in data["drop"])),
        min_words=int(data["prose_min_words"]),
        min_chars_ja=int(data["prose_min_chars_ja"]),
    )


def is_prose(line: str) -> bool:
    """Long enough and ending like a sentence (or a list lead-in)."""
    body = _MARKER.sub("", line).strip()
    # A truncated line ("Joint Statement for the ... of the Japan-U.S. Commercial and...") is a
    # breadcrumb or teaser, not prose.
    if not _PROSE_END.search(body) or body.endswith(("...", "…")):
        return False
    rules = _rules()
    if is_japanese(body):
        return len(body) >= rules.min_chars_ja
    return len(body.split()) >= rules.min_words


def clean_text(text: str, title: str = "") -> Cleaned:
    """Main text with chrome removed; paragraph and list structure (blank lines, indents) kept."""
    rules = _rules()
    folded_title = fold(title) if title else ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        key = fold(_MARKER.sub("", line))
        if key and rules.stop.search(key):
            break
        if key and (rules.drop.search(key) or key == folded_title):
            continue
        kept.append(line.rstrip())

    start = next((i for i, line in enumerate(kept) if is_prose(line)), len(kept))
    end = len(kept)
    while end > start and (not kept[end - 1].strip() or _trailing_chrome(kept[end - 1])):
        end -= 1
    head = tuple(line.strip() for line in kept[:start] if line.strip())
    body = "\n".join(kept[start:end])
    # Collapse runs of blank lines: a blank line is the paragraph separator, one is enough.
    body = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", body)
    return Cleaned(text=body.strip("\n"), head=head)


def _trailing_chrome(line: str) -> bool:
    # A list item without a full stop can end a statement; a bare short line cannot. A long
    # line without one is a release cut off mid-sentence (a truncated page), still text.
    return not _MARKER.match(line) and not is_prose(line) and not _cut_off(line)


def _cut_off(line: str) -> bool:
    body = line.strip()
    if is_japanese(body):
        return len(body) >= CUT_OFF_CHARS_JA
    return len(body.split()) >= CUT_OFF_WORDS
