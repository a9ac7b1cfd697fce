"""`jucip-watch backfill`: walk a source's older listing pages and archive what they list, silently.

The adapter says which pages exist (`Adapter.back_pages`: Commerce's `?page=N`, METI's monthly
archives); this module walks them through the one fetcher, politely spaced like a poll, and hands
each page's items to `Poller.take_in`, which judges them like any release and archives the
JUCIP/EPCC ones as baseline: nobody is alerted about the past.

Where the walk stops:
- after `pages` pages (a month that has no archive page counts: it was asked for);
- with `since`: at the first monthly archive of a month before it, or after the first numbered
  page whose every item is older; items dated before it are not taken in;
- where the site keeps no more: a numbered page that lists nothing (or answers 404), the oldest
  month the adapter knows the site keeps;
- at the first page that fails otherwise (blocked, throttled, a layout the adapter does not
  know): reported, and `backfill` exits 3, as `check` does.
A monthly archive that answers 404 is skipped (reported as missing): a quiet month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from watcher.config import SourceConfig
from watcher.models import ListingItem
from watcher.pipeline import Poller, ReleaseReport
from watcher.sources import adapter_for
from watcher.sources.base import Adapter, BackPage, LayoutChanged

_GONE = (404, 410)


@dataclass(slots=True)
class PageReport:
    url: str
    status: str  # "ok", "missing" (a month with no archive), "end", or a SourceStatus value
    items: int = 0
    new: int = 0
    releases: list[ReleaseReport] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status not in ("ok", "missing", "end")

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "items": self.items,
            "new": self.new,
            "releases": len(self.releases),
            "error": self.error,
        }


@dataclass(slots=True)
class BackfillReport:
    source: str
    pages: list[PageReport] = field(default_factory=list)

    @property
    def releases(self) -> list[ReleaseReport]:
        return [r for p in self.pages for r in p.releases]

    @property
    def failed(self) -> bool:
        return any(p.failed for p in self.pages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "pages": [p.to_dict() for p in self.pages],
            "releases": [r.to_dict() for r in self.releases],
        }


# on_page(pages walked so far, how many will be walked or None when unknown, the page's report)
OnPage = Callable[[int, int | None, PageReport], None]


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _beyond(page: BackPage, walked: int, pages: int | None, since: date | None) -> bool:
    """Whether the walk ends before `page`, `walked` pages in: `pages` are walked, or it is the
    monthly archive of a month before `since`."""
    if pages is not None and walked >= pages:
        return True
    return since is not None and page.month is not None and _month_end(page.month) < since


def _total(adapter: Adapter, pages: int | None, since: date | None, today: date) -> int | None:
    """How many pages the walk will visit, when that is known before it starts: monthly
    archives back to `since`; numbered pages only show where they end once read."""
    if since is None:
        return pages
    count = 0
    for page in adapter.back_pages(today):
        if page.month is None:
            return pages
        if _beyond(page, count, pages, since):
            break
        count += 1
    return count


async def _read(
    poller: Poller,
    cfg: SourceConfig,
    adapter: Adapter,
    page: BackPage,
    *,
    since: date | None,
    first: bool,
) -> tuple[PageReport, list[ListingItem]]:
    """Fetch one older page and take in its items: (its report, every item it lists)."""
    result = await poller.fetcher.get(page.url, spacing=poller.settings.spacing_of(cfg))
    if result.http_status in _GONE:
        return PageReport(page.url, "missing" if page.month else "end", error="not found"), []
    if not result.ok:
        return PageReport(page.url, result.status.value, error=result.error), []
    try:
        items = adapter.parse_listing(result.text or "", result.final_url)
        error = f"{result.final_url} lists nothing"
    except LayoutChanged as exc:
        items, error = [], str(exc)
    if not items:
        # Past its last numbered page a site shows an empty list; the first page asked for,
        # or a monthly archive, with nothing the adapter can read is a layout it does not know.
        if not first and page.month is None:
            return PageReport(page.url, "end", error="lists no releases: the end"), []
        return PageReport(page.url, "layout_changed", error=error), []
    taken = [i for i in items if since is None or i.date is None or i.date >= since]
    polled = await poller.take_in(cfg, adapter, taken)
    done = PageReport(page.url, "ok", len(items), polled.new_items, list(polled.releases))
    if polled.status.failed:  # a release page refused (blocked, throttled) stops the walk
        done.status, done.error = polled.status.value, polled.error
    return done, items


async def backfill(
    poller: Poller,
    cfg: SourceConfig,
    *,
    pages: int | None,
    since: date | None,
    today: date,
    on_page: OnPage | None = None,
) -> BackfillReport:
    """Walk `cfg`'s older listing pages (see the module docstring); `pages` or `since` bounds
    it (one page when neither is given)."""
    if pages is None and since is None:
        pages = 1
    adapter = adapter_for(cfg)
    report = BackfillReport(cfg.name)
    total = _total(adapter, pages, since, today)
    for page in adapter.back_pages(today):
        if _beyond(page, len(report.pages), pages, since):
            break
        done, items = await _read(poller, cfg, adapter, page, since=since, first=not report.pages)
        report.pages.append(done)
        if on_page is not None:
            on_page(len(report.pages), total, done)
        if done.status not in ("ok", "missing"):
            break
        older = since is not None and all(i.date is not None and i.date < since for i in items)
        if page.month is None and items and older:
            break
    return report
