"""METI Japanese news releases (www.meti.go.jp/press/): listings and release pages.

Both the renewed 2026 template (`ul.float_li`, a real capture is in tests/fixtures) and the older
`dl` template are read, since back-issue pages keep the old one. `MetiAdapter` is also the base of
the English adapter: the two sites share their templates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from re import Pattern
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from watcher.config_base import SourceSettings
from watcher.models import Document, ListingItem
from watcher.sources.base import Adapter, BackPage, months_back

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# The parsing modules (and bs4 under them) are imported on first parse, not with the adapter:
# a poll that gets 304 Not Modified never pays for them.


class MetiJaSource(SourceSettings, tag="meti-ja"):
    # The 対外経済 (external economic policy) category: JUCIP and EPCC releases are filed there.
    default_url = "https://www.meti.go.jp/press/category_02.html"
    release_pages = ("meti.go.jp/press/",)


def fiscal_year(day: date) -> int:
    """Japan's fiscal year (April to March) that `day` falls in."""
    return day.year if day.month >= 4 else day.year - 1


class MetiAdapter(Adapter):
    settings = MetiJaSource
    lang = "ja"
    # Lines dropped from the top of a release's text (the English pages' category line).
    drop_first: Sequence[Pattern[str]] = ()
    # The Japanese site keeps the monthly archives of the last three fiscal years.
    kept_fiscal_years = 3

    def back_pages(self, today: date) -> Iterator[BackPage]:
        """The monthly archives /press/archive_YYYYMM.html (every category), this month first,
        back to the April that starts the oldest fiscal year the site keeps."""
        oldest = date(fiscal_year(today) - self.kept_fiscal_years + 1, 4, 1)
        for month in months_back(today):
            if month < oldest:
                return
            yield BackPage(urljoin(self.config.url, f"/press/archive_{month:%Y%m}.html"), month)

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        from watcher.htmltext import parse_html
        from watcher.sources import _meti

        return _meti.parse_listing(parse_html(text), url, self.lang)

    def alternates(self, soup: BeautifulSoup, item: ListingItem) -> dict[str, str]:
        """Links to the same release in other languages (removed from the page)."""
        return {}

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        from watcher.htmltext import html_to_text, parse_html, pdf_links
        from watcher.sources import _meti

        soup = parse_html(text)
        alternates = self.alternates(soup, item)
        title, body = _meti.title_and_body(soup, item.url)
        # The 関連資料 list is cut from the text below, but its PDFs are the meeting's.
        attachments = pdf_links(body, item.url)
        body_text, when = _meti.clean_release_text(html_to_text(body), drop_first=self.drop_first)
        return Document(
            url=item.url,
            title=title,
            text=body_text,
            lang=self.lang,
            date=when or item.date,
            alternates=alternates,
            attachments=attachments,
        )
