"""www.commerce.gov press releases (Drupal): the paged listing and the release page.

Markup: rows `div.view-content div.views-row article`, title and link `h2 a`,
date `div.field--name-field-release-datetime time.datetime`; release title in the first h1, body in
`.field--name-body` (unverified) else `main`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import msgspec

from watcher.config_base import SourceSettings
from watcher.dates import parse_date
from watcher.models import Document, ListingItem
from watcher.sources.base import (
    Adapter,
    BackPage,
    LayoutChanged,
    clean_title,
    month_of_url,
    resolve,
    with_query,
)

if TYPE_CHECKING:
    from bs4 import Tag

# watcher.htmltext (and bs4 under it) is imported on first parse, not with the adapter:
# a poll that gets 304 Not Modified never pays for it.

_IMMEDIATE = re.compile(r"FOR\s+IMMEDIATE\s+RELEASE", re.IGNORECASE)


class CommerceHtmlSource(SourceSettings, tag="commerce-html"):
    default_url = "https://www.commerce.gov/news/press-releases"
    release_pages = ("commerce.gov/news/",)

    # The listing is paged (?page=N); METI's listings and feeds are single pages.
    max_pages: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1


def release_key(url: str) -> str:
    """The full path: slugs recur across months, so the slug alone is not an identity."""
    return urlsplit(url).path.rstrip("/") or "/"


def time_date(node: Tag | None) -> date | None:
    if node is None:
        return None
    return parse_date(str(node.get("datetime") or "")) or parse_date(node.get_text(" "))


class CommerceHtmlAdapter(Adapter):
    settings = CommerceHtmlSource
    lang = "en"

    def listing_urls(self) -> list[str]:
        return [with_query(self.config.url, "page", str(n)) for n in range(self.config.max_pages)]

    def back_pages(self, today: date) -> Iterator[BackPage]:
        """?page=N past the pages a poll reads, until a page lists nothing."""
        for n in itertools.count(self.config.max_pages):
            yield BackPage(with_query(self.config.url, "page", str(n)))

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        from bs4 import SoupStrainer

        from watcher.htmltext import parse_html

        # Only the view's rows are parsed: the page around them is large and irrelevant.
        soup = parse_html(text, SoupStrainer("div", class_="view-content"))
        rows = soup.select("div.view-content div.views-row article")
        if not rows:
            raise LayoutChanged(f"{url}: no 'div.view-content div.views-row article' rows")
        items = []
        for row in rows:
            link = row.select_one("h2 a[href]")
            if link is None:
                continue
            item_url = resolve(str(link["href"]), url)
            when = time_date(
                row.select_one("div.field--name-field-release-datetime time")
            ) or month_of_url(item_url)
            items.append(
                ListingItem(
                    url=item_url,
                    key=release_key(item_url),
                    title=clean_title(link.get_text(" ")),
                    date=when,
                    lang="en",
                )
            )
        if not items:
            raise LayoutChanged(f"{url}: listing rows have no 'h2 a' links")
        return items

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        from watcher.htmltext import element_text, html_to_text, parse_html, pdf_links

        soup = parse_html(text)
        h1 = soup.find("h1")
        title = element_text(h1)
        body = soup.select_one(".field--name-body") or soup.find("main")
        if not title or body is None:
            raise LayoutChanged(f"{item.url}: no h1 title or body ('.field--name-body'/'main')")
        if body.name == "main":
            # The whole <main> also holds the title and the date field: keep only the prose.
            for extra in body.select("h1, div.field--name-field-release-datetime"):
                extra.decompose()
        when = time_date(soup.select_one("div.field--name-field-release-datetime time"))
        when = when or time_date(soup.find("time"))
        body_text = html_to_text(body)
        body_text, released = _strip_release_line(body_text)
        return Document(
            url=item.url,
            title=clean_title(title),
            text=body_text,
            lang="en",
            date=when or released or item.date or month_of_url(item.url),
            attachments=pdf_links(body, item.url),
        )


def _strip_release_line(text: str) -> tuple[str, date | None]:
    """Drop the leading "FOR IMMEDIATE RELEASE <date>" boilerplate; return its date."""
    from watcher.htmltext import drop_paragraphs, is_date_line

    paras = text.split("\n\n")
    for i, para in enumerate(paras[:3]):
        m = _IMMEDIATE.search(para)
        if not m:
            continue
        when = parse_date(para[m.end() :])
        drop = {i}
        if when is None and i + 1 < len(paras) and is_date_line(paras[i + 1]):
            when = parse_date(paras[i + 1])
            drop.add(i + 1)
        return drop_paragraphs(text, lambda j, _p, drop=drop: j in drop), when
    return text, None
