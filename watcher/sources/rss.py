"""RSS 2.0 and Atom feeds (state.gov regional feeds, METI's Atom feed) through feedparser.

feedparser is imported inside the functions that use it: it is slow to import and most
`jucip-watch` commands never read a feed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from watcher.config_base import LANG, SourceSettings
from watcher.models import Document, ListingItem
from watcher.sources.base import Adapter, LayoutChanged, clean_title, generic_detail, resolve

# Feeds often carry an excerpt; only a body this long (as text) is taken as the full release.
FULL_TEXT_CHARS = 1200
_EXCERPT_ENDINGS = ("…", "...", "[…]", "[...]", "Read more", "Continue reading")


def _entry_date(entry: Any) -> date | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(field)
        if value:
            return date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


def _full_body(entry: Any) -> str | None:
    """content:encoded / Atom content, else the summary, when it is the whole text."""
    candidates = [c.get("value", "") for c in entry.get("content") or []]
    candidates.append(entry.get("summary", ""))
    for html in candidates:
        if not html:
            continue
        from watcher.htmltext import html_to_text

        text = html_to_text(html)
        if len(text) >= FULL_TEXT_CHARS and not text.rstrip().endswith(_EXCERPT_ENDINGS):
            return html
    return None


class RssSource(SourceSettings, tag="rss"):
    """Any RSS 2.0 or Atom feed; there is no default: the url names the feed."""

    lang: Annotated[str, msgspec.Meta(pattern=LANG)] = "en"


class RssAdapter(Adapter):
    settings = RssSource

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        import feedparser

        # Passing the base URL resolves relative links against the feed's own address.
        feed = feedparser.parse(text, response_headers={"content-location": url})
        if not feed.get("version") and not feed.entries:
            reason = feed.get("bozo_exception") or "no RSS/Atom root element"
            raise LayoutChanged(f"{url}: not an RSS or Atom feed ({reason})")
        if not feed.entries:
            raise LayoutChanged(f"{url}: the feed has no items")
        items = []
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            item_url = resolve(link, url)
            items.append(
                ListingItem(
                    url=item_url,
                    # METI's Atom entries have no id: the link is the identity then.
                    key=entry.get("id") or item_url,
                    title=clean_title(entry.get("title", "")),
                    date=_entry_date(entry),
                    lang=self.lang,
                    body_html=_full_body(entry),
                )
            )
        if not items:
            raise LayoutChanged(f"{url}: feed items have no links")
        return items

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        return generic_detail(text, item, self.lang)
