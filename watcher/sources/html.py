"""Any listing page described by CSS selectors in the config (the `html` kind).

`item` selects one element per release; inside it `link` (default "a") gives the URL, `title` and
`date` optionally give the title and date text. Release pages are read with `detail_body` when
configured, else with the generic main-content heuristic.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from watcher.config_base import LANG, SourceSettings
from watcher.dates import parse_date
from watcher.models import Document, ListingItem
from watcher.sources.base import Adapter, LayoutChanged, clean_title, generic_detail, resolve


class HtmlSource(SourceSettings, tag="html", kw_only=True):
    """Any listing page, described by CSS selectors."""

    item: str
    lang: Annotated[str, msgspec.Meta(pattern=LANG)] = "en"
    link: str = "a"
    title: str | None = None
    date: str | None = None
    detail_body: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        # A typo in a selector is a config error now, not an "internal error" at every poll.
        import soupsieve

        for key in ("item", "link", "title", "date", "detail_body"):
            selector = getattr(self, key)
            if selector is None:
                continue
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as exc:
                first = str(exc).splitlines()[0]
                raise ValueError(
                    f"{key} = {selector!r} is not a valid CSS selector: {first}"
                ) from None


class HtmlAdapter(Adapter):
    settings = HtmlSource

    # watcher.htmltext (and bs4 under it) is imported on first parse, not with the adapter.
    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        from watcher.htmltext import element_text, parse_html

        cfg = self.config
        soup = parse_html(text)
        nodes = soup.select(cfg.item)
        if not nodes:
            raise LayoutChanged(f"{url}: item selector {cfg.item!r} matched nothing")
        items = []
        for node in nodes:
            link = node if node.name == "a" and node.has_attr("href") else None
            link = link or node.select_one(cfg.link)
            if link is None or not link.get("href"):
                continue
            title_node = node.select_one(cfg.title) if cfg.title else link
            date_node = node.select_one(cfg.date) if cfg.date else node
            when = None
            if date_node is not None:
                when = parse_date(str(date_node.get("datetime") or "")) or parse_date(
                    element_text(date_node)
                )
            item_url = resolve(str(link["href"]), url)
            items.append(
                ListingItem(
                    url=item_url,
                    key=item_url,
                    title=clean_title(element_text(title_node)),
                    date=when,
                    lang=self.lang,
                )
            )
        if not items:
            raise LayoutChanged(f"{url}: no {self.config.link!r} link inside {cfg.item!r}")
        return items

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        if not self.config.detail_body:
            return generic_detail(text, item, self.lang)
        from watcher.htmltext import first_date_line, html_to_text, page_title, parse_html

        soup = parse_html(text)
        body = soup.select_one(self.config.detail_body)
        if body is None:
            raise LayoutChanged(f"{item.url}: detail_body {self.config.detail_body!r} not found")
        title = page_title(soup)
        body_text = html_to_text(body)
        found = first_date_line(body_text)
        return Document(
            url=item.url,
            title=clean_title(title) or item.title,
            text=body_text,
            lang=self.lang,
            date=found[1] if found else item.date,
        )
