"""commerce.gov adapters (Drupal listing and release pages, content API) over recorded pages."""

from __future__ import annotations

import json
import urllib.request
from datetime import date

import pytest

from replay.loopback import SITES
from replay.server import ReplayServer
from watcher.config import source_from_dict
from watcher.sources import LayoutChanged, adapter_for

LIVE = "https://www.commerce.gov"
LISTING = f"{LIVE}/news/press-releases"
JUCIP_PATH = (
    "/news/press-releases/2023/05/"
    "joint-statement-second-ministerial-meeting-japan-us-commercial-and"
)
SLUG = "readout-secretary-raimondos-meeting-minister-economy-trade-and-industry"


def html_adapter(**kw):
    return adapter_for(source_from_dict({"name": "commerce", "kind": "commerce-html", **kw}))


def api_adapter(**kw):
    return adapter_for(source_from_dict({"name": "api", "kind": "commerce-api", **kw}))


def page(path: str) -> str:
    return (SITES / "commerce" / path.lstrip("/") / "index.html").read_bytes().decode("utf-8")


def api_json() -> str:
    return (SITES / "commerce-api" / "api" / "news.json").read_bytes().decode("utf-8")


def test_listing_urls_page_from_zero():
    assert html_adapter(max_pages=3).listing_urls() == [
        f"{LISTING}?page=0",
        f"{LISTING}?page=1",
        f"{LISTING}?page=2",
    ]


def test_api_listing_url_carries_the_key(monkeypatch):
    monkeypatch.setenv("COMMERCE_API_KEY", "k3y")
    assert api_adapter().listing_urls() == ["https://api.commerce.gov/api/news?api_key=k3y"]
    monkeypatch.delenv("COMMERCE_API_KEY")
    assert api_adapter().listing_urls() == ["https://api.commerce.gov/api/news?api_key=DEMO_KEY"]


def test_listing_items_keys_dates_and_same_slug_releases():
    items = html_adapter().parse_listing(page("/news/press-releases"), f"{LISTING}?page=0")
    assert len(items) == 6
    by_key = {i.key: i for i in items}
    assert len(by_key) == 6
    jucip = by_key[JUCIP_PATH]
    assert jucip.url == LIVE + JUCIP_PATH
    assert jucip.date == date(2023, 5, 26)
    assert jucip.title == (
        "Joint Statement for the Second Ministerial Meeting of the Japan-U.S. Commercial "
        "and Industrial Partnership (JUCIP)"
    )
    same_slug = [i for i in items if i.url.endswith(SLUG)]
    assert [i.key for i in same_slug] == [
        f"/news/press-releases/2024/01/{SLUG}",
        f"/news/press-releases/2022/05/{SLUG}",
    ]
    assert [i.date for i in same_slug] == [date(2024, 1, 9), date(2022, 5, 4)]
    # A row without a date field falls back to the YYYY/MM of its URL.
    undated = next(i for i in items if "/2023/11/" in i.url)
    assert undated.date == date(2023, 11, 1)


def test_jucip_detail_is_the_statement_without_chrome():
    adapter = html_adapter()
    item = next(
        i
        for i in adapter.parse_listing(page("/news/press-releases"), LISTING)
        if "2023/05" in i.url
    )
    doc = adapter.parse_detail(page(JUCIP_PATH), item)
    assert doc.title == item.title
    assert doc.date == date(2023, 5, 26)
    assert doc.lang == "en"
    assert doc.text.startswith("On May 26th, 2023, Secretary of Commerce Gina M. Raimondo")
    assert doc.text.endswith("classical and quantum computer technologies in both countries.")
    assert "\n- DOC and METI welcomed progress in bilateral cooperation in promoting" in doc.text
    for chrome in (
        "Home",
        "Skip to main",
        "Share",
        "Twitter",
        "Related Content",
        "official website",
        "Originally posted",
        "seo services",
        "Press Releases",
    ):
        assert chrome not in doc.text, chrome


def test_readout_dated_by_its_for_immediate_release_line():
    adapter = html_adapter()
    path = f"/news/press-releases/2024/01/{SLUG}"
    item = next(
        i for i in adapter.parse_listing(page("/news/press-releases"), LISTING) if i.key == path
    )
    assert "JUCIP" not in item.title
    # The item's own date is not used here: the page's FOR IMMEDIATE RELEASE line is.
    undated_item = type(item)(url=item.url, key=item.key, title=item.title)
    doc = adapter.parse_detail(page(path), undated_item)
    assert doc.date == date(2024, 1, 9)
    assert "FOR IMMEDIATE RELEASE" not in doc.text
    assert doc.text.startswith("Office of Public Affairs\n\nToday, U.S. Secretary of Commerce")
    assert "Japan-U.S. Commercial and Industrial Partnership (JUCIP)" in doc.text


def test_detail_without_any_date_falls_back_to_the_url_month():
    adapter = html_adapter()
    item_url = f"{LIVE}/news/press-releases/2024/02/some-release"
    html = "<html><body><main><h1>A release</h1><p>Text.</p></main></body></html>"
    item = type(adapter.parse_listing(page("/news/press-releases"), LISTING)[0])(
        url=item_url, key="/news/press-releases/2024/02/some-release", title="A release"
    )
    doc = adapter.parse_detail(html, item)
    assert (doc.title, doc.text, doc.date) == ("A release", "Text.", date(2024, 2, 1))


def test_api_items_agree_with_the_html_listing_and_carry_bodies():
    api = api_adapter()
    items = api.parse_listing(api_json(), "https://api.commerce.gov/api/news?api_key=DEMO_KEY")
    html_items = html_adapter().parse_listing(page("/news/press-releases"), LISTING)
    assert [i.key for i in items] == [i.key for i in html_items]
    assert all(i.body_html for i in items)
    by_key = {i.key: i for i in items}
    jucip = by_key[JUCIP_PATH]
    assert jucip.url == LIVE + JUCIP_PATH
    assert jucip.date == date(2023, 5, 26)  # post_date 1685134800 is 17:00 in Washington
    assert by_key[
        "/news/press-releases/2023/11/commerce-department-launches-semiconductor-workforce-program"
    ].date == date(2023, 11, 14)
    doc = api.document_from_item(jucip)
    html_doc = html_adapter().parse_detail(page(JUCIP_PATH), jucip)
    assert doc.text == html_doc.text
    assert doc.title == jucip.title and doc.date == jucip.date


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"data": []}', '{"error": {"code": "API_KEY_INVALID"}}', "<html>Forbidden</html>"],
)
def test_api_unknown_payload_raises_layout_changed(text):
    with pytest.raises(LayoutChanged):
        api_adapter().parse_listing(text, "https://api.commerce.gov/api/news")


def test_unknown_listing_markup_raises_layout_changed():
    with pytest.raises(LayoutChanged, match="views-row"):
        html_adapter().parse_listing(page("/news/layout-changed"), f"{LIVE}/news/layout-changed")
    with pytest.raises(LayoutChanged):
        html_adapter().parse_listing("", LISTING)


def test_detail_without_title_raises_layout_changed():
    item = html_adapter().parse_listing(page("/news/press-releases"), LISTING)[0]
    with pytest.raises(LayoutChanged):
        html_adapter().parse_detail("<html><body><div>moved</div></body></html>", item)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def test_served_listing_resolves_to_loopback_and_pages_are_found():
    with ReplayServer(SITES / "commerce") as site:
        adapter = html_adapter(url=site.url("/news/press-releases"), max_pages=2)
        urls = adapter.listing_urls()
        assert urls[0] == site.url("/news/press-releases?page=0")
        items = adapter.parse_listing(fetch(urls[0]), urls[0])
        assert all(i.url.startswith(site.base_url + "/news/press-releases/") for i in items)
        jucip = next(i for i in items if i.key == JUCIP_PATH)  # same key as on the live host
        doc = adapter.parse_detail(fetch(jucip.url), jucip)
        assert "JUCIP" in doc.title


def test_served_api_json():
    with ReplayServer(SITES / "commerce-api") as site:
        adapter = api_adapter(url=site.url("/api/news.json"))
        (url,) = adapter.listing_urls()
        assert url.startswith(site.url("/api/news.json?api_key="))
        body = fetch(url)
        assert json.loads(body)["meta"]["count"] == 6
        items = adapter.parse_listing(body, url)
        # Canonical hrefs are absolute: API items keep the live URL (their body needs no fetch).
        assert items[0].url.startswith(LIVE + "/news/press-releases/")
