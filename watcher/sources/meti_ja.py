"""METI Japanese news releases (www.meti.go.jp/press/): listings and release pages.

Both the renewed 2026 template (`ul.float_li`, a real capture is in tests/fixtures) and the older
`dl` template are read, since back-issue pages keep the old one.
"""

from __future__ import annotations

from watcher.models import Document, ListingItem
from watcher.sources.base import Adapter

# The parsing modules (and bs4 under them) are imported on first parse, not with the adapter:
# a poll that gets 304 Not Modified never pays for them.


class MetiJaAdapter(Adapter):
    kind = "meti-ja"
    lang = "ja"

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        from watcher.htmltext import parse_html
        from watcher.sources import _meti

        return _meti.parse_listing(parse_html(text), url, "ja")

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        from watcher.htmltext import html_to_text, parse_html
        from watcher.sources import _meti

        title, body = _meti.title_and_body(parse_html(text), item.url)
        body_text, when = _meti.clean_release_text(html_to_text(body))
        return Document(
            url=item.url, title=title, text=body_text, lang="ja", date=when or item.date
        )
