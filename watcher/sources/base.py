"""The interface every source adapter implements, and the helpers they share.

An adapter knows one site's markup and nothing else: it turns a fetched listing into ListingItems
and a fetched detail page into a Document. Its module also declares the kind's settings (a
`SourceSettings` subclass whose msgspec tag is the kind), and the class names them in `settings`:
that one declaration registers the kind for the config, the registry and `extract URL`.

Parsing is pure (text in, data out); fetching is the pipeline's job. When the markup the adapter
was written for is missing, it raises LayoutChanged rather than returning nothing, so a renewed
site is reported instead of looking like "no news".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from watcher.config_base import SourceSettings
from watcher.models import Document, ListingItem
from watcher.secrets import without_secrets
from watcher.textnorm import normalise

REGISTRY: dict[str, type[Adapter]] = {}


class LayoutChanged(Exception):
    """The page no longer has the markup the adapter knows (message says what is missing)."""


@dataclass(frozen=True, slots=True)
class BackPage:
    """An older listing page: its URL, and the month it lists when it is a monthly archive
    (day 1; None for a numbered page, whose dates are known only once it is read)."""

    url: str
    month: date | None = None


def months_back(today: date) -> Iterator[date]:
    """Day 1 of this month, of the month before, and so on."""
    year, month = today.year, today.month
    while True:
        yield date(year, month, 1)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def can_page_back(cls: type[Adapter]) -> bool:
    return cls.back_pages is not Adapter.back_pages


class Adapter(ABC):
    settings: ClassVar[type[SourceSettings]]
    kind: ClassVar[str]  # the settings' tag, set when the class is defined

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        # urlwatch-style: defining an adapter class for a kind's settings registers the kind.
        if "settings" in cls.__dict__:
            cls.kind = str(cls.settings.__struct_config__.tag)
            if REGISTRY.get(cls.kind, cls) is not cls:
                raise TypeError(f"two adapters for source kind {cls.kind!r}")
            REGISTRY[cls.kind] = cls

    def __init__(self, config: Any) -> None:
        self.config = config

    @property
    def lang(self) -> str:
        return str(getattr(self.config, "lang", "en"))

    def listing_urls(self) -> list[str]:
        return [self.config.url]

    def back_pages(self, today: date) -> Iterator[BackPage]:
        """The site's older listing pages, newest first, for `jucip-watch backfill` (which
        stops at --pages or --since, and where the site keeps no more). A kind whose site
        keeps none (a feed, an API) yields nothing: this default."""
        return iter(())

    @abstractmethod
    def parse_listing(self, text: str, url: str) -> list[ListingItem]: ...

    @abstractmethod
    def parse_detail(self, text: str, item: ListingItem) -> Document: ...

    def document_from_item(self, item: ListingItem) -> Document:
        """A Document for an item whose listing already carried the full body."""
        if item.body_html is None:
            raise ValueError(f"{item.url}: the listing carried no body; fetch the detail page")
        from watcher.htmltext import html_to_text

        return Document(
            url=item.url,
            title=item.title,
            text=html_to_text(item.body_html),
            lang=item.lang,
            date=item.date,
        )


def generic_detail(text: str, item: ListingItem, lang: str) -> Document:
    """A release page without a known template, read by the main-content heuristic."""
    from watcher.htmltext import generic_document

    doc = generic_document(text, item.url, lang)
    if not doc.text:
        raise LayoutChanged(f"{item.url}: no main content found")
    return Document(
        url=doc.url,
        title=clean_title(doc.title) or item.title,
        text=doc.text,
        lang=doc.lang,
        date=doc.date or item.date,
        attachments=doc.attachments,
    )


def clean_title(text: str) -> str:
    return normalise(text)


def resolve(href: str, base: str) -> str:
    """Absolute URL of `href` against `base`, fragment dropped (a fragment is not a new page).

    Never against a base that carries a secret: the API listing's URL holds the key, and an
    item linked as "#readout" would otherwise be filed under it."""
    parts = urlsplit(urljoin(without_secrets(base), href.strip()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


_YYYY_MM = re.compile(r"/(\d{4})/(\d{2})/")


def month_of_url(url: str) -> date | None:
    """Day 1 of the YYYY/MM in a commerce.gov release path: the date when the page shows none."""
    m = _YYYY_MM.search(urlsplit(url).path)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    return date(year, month, 1) if 1 <= month <= 12 else None


def with_query(url: str, name: str, value: str) -> str:
    """`url` with query parameter `name` set to `value` (replacing any already there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))
