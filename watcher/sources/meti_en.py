"""METI English news releases (www.meti.go.jp/english/press/): listings and release pages.

Listing: the older `div.main > dl.date_sp` (dt date, dd a); the renewed English markup is not
known yet, so the Japanese renewed template (`ul.float_li`) is also tried. A release page links to
its Japanese original with a "Japanese" link, which becomes `Document.alternates["ja"]` so the
pipeline can join the English page to the Japanese release already seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from watcher.config_base import SourceSettings
from watcher.models import ListingItem
from watcher.sources.base import BackPage, months_back, resolve
from watcher.sources.meti_ja import MetiAdapter, fiscal_year
from watcher.textnorm import normalise

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

_JAPANESE_LINK = re.compile(r"^(japanese|japanese version|日本語|日本語版)$", re.IGNORECASE)
# The category line under the date ("External Economic Policy"): METI's seven categories.
_CATEGORY = re.compile(
    r"^(economic and industrial policy|external economic policy|"
    r"manufacturing industries ?/ ?information ?/ ?distribution and services|"
    r"manufacturing industries.*|smes and regional economy|sme and regional economy|"
    r"energy and environment|safety and security|others?)$",
    re.IGNORECASE,
)


class MetiEnSource(SourceSettings, tag="meti-en"):
    default_url = "https://www.meti.go.jp/english/press/category_02.html"
    release_pages = ("meti.go.jp/english/press/",)


class MetiEnAdapter(MetiAdapter):
    settings = MetiEnSource
    lang = "en"
    drop_first = (_CATEGORY,)

    def back_pages(self, today: date) -> Iterator[BackPage]:
        """The monthly back issues /english/press/{FY}/nBackIssue{YYYYMM}.html, this month
        first (the English site keeps them for many years: --pages or --since stops)."""
        for month in months_back(today):
            path = f"/english/press/{fiscal_year(month)}/nBackIssue{month:%Y%m}.html"
            yield BackPage(urljoin(self.config.url, path), month)

    def alternates(self, soup: BeautifulSoup, item: ListingItem) -> dict[str, str]:
        for link in soup.select("a[href]"):
            if _JAPANESE_LINK.match(normalise(link.get_text(" "))):
                japanese = resolve(str(link["href"]), item.url)
                _remove_with_empty_parent(link)
                return {"ja": japanese}
        return {}


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
