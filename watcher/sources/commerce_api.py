"""api.commerce.gov content API: `data[]` of releases with the body HTML included.

Items carry their body, so the pipeline uses `document_from_item` and fetches no detail page. The
key is the path of the canonical `href`, the same as the commerce-html adapter's key, so a release
seen by both sources is one item.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from watcher.config_base import Seconds, SourceSettings
from watcher.models import Document, ListingItem
from watcher.sources.base import (
    Adapter,
    LayoutChanged,
    clean_title,
    month_of_url,
    resolve,
    with_query,
)
from watcher.sources.commerce_html import release_key

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


class CommerceApiSource(SourceSettings, tag="commerce-api"):
    default_url = "https://api.commerce.gov/api/news"

    api_key_env: str = "COMMERCE_API_KEY"
    # DEMO_KEY allows about 50 calls a day: poll every two hours unless told otherwise.
    interval: Seconds | None = Seconds(7200.0)

    def api_key(self) -> str:
        return os.environ.get(self.api_key_env) or "DEMO_KEY"


@cache
def _eastern() -> ZoneInfo:
    # post_date is Unix seconds; the release's calendar date is Washington's. Loaded on first
    # use: every command imports the adapter modules, few read the API.
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def _post_date(entry: dict[str, Any]) -> date | None:
    for field in ("post_date", "created", "updated"):
        value = entry.get(field)
        if value in (None, ""):
            continue
        try:
            return datetime.fromtimestamp(int(value), UTC).astimezone(_eastern()).date()
        except (TypeError, ValueError, OverflowError):
            try:
                return datetime.fromisoformat(str(value)).date()
            except ValueError:
                continue
    return None


class CommerceApiAdapter(Adapter):
    settings = CommerceApiSource
    lang = "en"

    def listing_urls(self) -> list[str]:
        # Paging parameters are reported as ignored: one call, which also spares the daily quota.
        return [with_query(self.config.url, "api_key", self.config.api_key())]

    def parse_listing(self, text: str, url: str) -> list[ListingItem]:
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise LayoutChanged(f"{url}: not JSON ({exc})") from None
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or not data:
            raise LayoutChanged(f"{url}: no 'data' array of releases in the JSON")
        items = []
        for entry in data:
            if not isinstance(entry, dict) or not entry.get("href") or not entry.get("label"):
                continue
            item_url = resolve(str(entry["href"]), url)
            body = entry.get("body")
            if isinstance(body, dict):  # Drupal JSON sometimes wraps text as {"value": ...}
                body = body.get("value")
            items.append(
                ListingItem(
                    url=item_url,
                    key=release_key(item_url),
                    title=clean_title(str(entry["label"])),
                    date=_post_date(entry) or month_of_url(item_url),
                    lang="en",
                    body_html=str(body) if body else None,
                )
            )
        if not items:
            raise LayoutChanged(f"{url}: 'data' entries have no 'href'/'label'")
        return items

    def parse_detail(self, text: str, item: ListingItem) -> Document:
        # An API item without a body falls back to the release page on www.commerce.gov.
        from watcher.sources.commerce_html import CommerceHtmlAdapter

        return CommerceHtmlAdapter(self.config).parse_detail(text, item)
