"""Plain data passed between the stages: source -> fetch -> detect -> extract -> compare -> store.

Everything here is a frozen dataclass or an enum so that stages stay pure and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class SourceStatus(StrEnum):
    """Outcome of polling one source. Part of the public JSON contract: keep the values."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    ERROR = "error"
    LAYOUT_CHANGED = "layout_changed"
    STALE = "stale"

    @property
    def failed(self) -> bool:
        """True when the poll did not deliver a trustworthy picture of the source."""
        return self not in (SourceStatus.OK, SourceStatus.NOT_MODIFIED)


class Relevance(StrEnum):
    PRIMARY = "primary"
    MENTION = "mention"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One release as a listing (page, feed or API) shows it.

    `key` is the stable identity used for the seen set: the full URL path, an API uuid or METI's
    11-digit release id -- never a slug, which recurs across months on commerce.gov.
    `body_html` is set when the listing already carries the full text (Commerce API, some feeds),
    so no detail fetch is needed.
    """

    url: str
    key: str
    title: str
    date: date | None = None
    lang: str = "en"
    body_html: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A release's cleaned content.

    `text` is plain text: paragraphs separated by a blank line, list items on lines of their own
    starting with "- " (indented two spaces per nesting level). Page chrome (navigation,
    breadcrumbs, footers, related links, contact blocks) is already removed by the adapter.
    `alternates` maps a language code to the URL of the same release in that language
    (METI English pages link back to the Japanese original). `attachments` maps the URL of each
    PDF the page links on its own site (METI's 関連資料: the joint statement, its translation)
    to the link's text.
    """

    url: str
    title: str
    text: str
    lang: str
    date: date | None = None
    alternates: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)
