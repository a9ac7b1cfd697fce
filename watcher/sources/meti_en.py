"""METI English news releases (www.meti.go.jp/english/press/): listings and release pages.

Listing: the older `div.main > dl.date_sp` (dt date, dd a); the renewed English markup is not
known yet, so the Japanese renewed template (`ul.float_li`) is also tried. A release page links to
its Japanese original with a "Japanese" link, which becomes `Document.alternates["ja"]` so the
pipeline can join the English page to the Japanese release already seen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from watcher.models import Document, ListingItem
from watcher.sources.base import Adapter, resolve
from watcher.textnorm import normalise

if TYPE_CHECKING:
    from bs4 import Tag

# The parsing modules (and bs4 under them) are imported on first parse, not with the adapter:
# a poll that gets 304 Not Modified never pays for them.

_JAPANESE_LINK = re.compile(r"^(japanese|japanese version|日本語|日本語版)$", re.IGNORECASE)
# The category line under the date ("External Economic Policy"): METI's seven categories.
_CATEGORY = re.compile(
    r"^(economic and industrial policy|external economic policy|"
    r"manufacturing industries ?/ ?information ?/ ?distribution and services|"
    r"manufacturing industries.*|smes and regional economy|sme and regional economy|"
    r"energy and environment|safety and security|others?)$",
    re.IGNORECASE,
)


class MetiEnAdapter(Adapter):
    kind = "meti-en"
    lang = "en"

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        from watcher.htmltext import parse_html
        from watcher.sources import _meti

        return _meti.parse_listing(parse_html(text), url, "en")

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        from watcher.htmltext import html_to_text, parse_html
        from watcher.sources import _meti

        soup = parse_html(text)
        alternates = {}
        for link in soup.select("a[href]"):
            if _JAPANESE_LINK.match(normalise(link.get_text(" "))):
                alternates["ja"] = resolve(str(link["href"]), item.url)
                _remove_with_empty_parent(link)
                break
        title, body = _meti.title_and_body(soup, item.url)
        body_text, when = _meti.clean_release_text(html_to_text(body), drop_first=[_CATEGORY])
        return Document(
            url=item.url,
            title=title,
            text=body_text,
            lang="en",
            date=when or item.date,
            alternates=alternates,
        )


def _remove_with_empty_parent(link: Tag) -> None:
    from bs4 import Tag

    parent = link.parent
    link.decompose()
    if (
        isinstance(parent, Tag)
        and parent.name in ("p", "div", "span", "li")
        and not normalise(parent.get_text(" "))
    ):
        parent.decompose()
