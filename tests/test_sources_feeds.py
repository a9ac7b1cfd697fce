"""The rss adapter (state.gov RSS 2.0, an Atom feed like METI's) and the selector-driven html."""

from __future__ import annotations

import urllib.request
from datetime import date

import pytest

from replay.loopback import SITES
from replay.server import ReplayServer
from watcher.config import source_from_dict
from watcher.sources import LayoutChanged, adapter_for

FEED_PATH = "/rss-feed/east-asia-and-the-pacific/feed/index.xml"
EPCC_SLUG = "joint-statement-of-the-u-s-japan-economic-policy-consultative-committee-2"


def rss(url: str = "https://www.state.gov" + FEED_PATH, lang: str = "en"):
    return adapter_for(source_from_dict({"name": "state", "kind": "rss", "url": url, "lang": lang}))


def state(path: str) -> str:
    p = SITES / "state" / path.strip("/")
    return (p / "index.html" if p.is_dir() else p).read_bytes().decode("utf-8")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def test_rss_items():
    items = rss().parse_listing(state(FEED_PATH), "https://www.state.gov" + FEED_PATH)
    assert len(items) == 10
    top = items[0]
    assert top.title == "Joint Statement of the U.S.-Japan Economic Policy Consultative Committee"
    assert top.url == f"https://www.state.gov/{EPCC_SLUG}/"
    assert top.key.startswith("https://www.state.gov/?p=")  # the guid
    assert top.date == date(2023, 11, 14)
    assert top.body_html is None  # an excerpt: the release page is fetched
    assert len({i.key for i in items}) == 10


def test_rss_detail_via_generic_main_content():
    adapter = rss()
    item = adapter.parse_listing(state(FEED_PATH), "https://www.state.gov" + FEED_PATH)[0]
    doc = adapter.parse_detail(state(EPCC_SLUG), item)
    assert doc.title == item.title
    assert doc.date == date(2023, 11, 14)
    assert doc.lang == "en"
    assert 'U.S.-Japan Economic Policy Consultative Committee (EPCC, or Economic "2+2")' in doc.text
    assert "\n- counter economic coercion and non-market policies" in doc.text
    assert doc.text.endswith("End Text.")
    for chrome in ("Related Articles", "Press Releases", "Published by"):
        assert chrome not in doc.text


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
<title>経済産業省 ニュースリリース</title>
<updated>2026-06-19T10:00:00+09:00</updated>
<entry>
<title>　日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました</title>
<link href="https://www.meti.go.jp/press/2026/06/20260619001.html"/>
<updated>2026-06-19T10:00:00+09:00</updated>
<content type="html">{body}</content>
</entry>
</feed>"""


def test_atom_without_ids_keys_on_the_link_and_keeps_a_full_body():
    full = "&lt;p&gt;" + "両閣僚は協力を確認した。" * 120 + "&lt;/p&gt;"
    items = rss("https://www.meti.go.jp/ml_index_release_atom.xml", "ja").parse_listing(
        ATOM.format(body=full), "https://www.meti.go.jp/ml_index_release_atom.xml"
    )
    (item,) = items
    assert item.key == item.url == "https://www.meti.go.jp/press/2026/06/20260619001.html"
    assert item.title == "日米商務・産業パートナーシップ(JUCIP)閣僚会合を開催しました"
    assert item.date == date(2026, 6, 19)
    assert item.lang == "ja"
    doc = rss().document_from_item(item)
    assert doc.text.startswith("両閣僚は協力を確認した。") and doc.lang == "ja"
    short = rss().parse_listing(ATOM.format(body="&lt;p&gt;概要のみ&lt;/p&gt;"), "https://x.test/a")
    assert short[0].body_html is None


@pytest.mark.parametrize(
    "text",
    ["", "<html><body><p>Access denied</p></body></html>", '<rss version="2.0"><channel/></rss>'],
)
def test_not_a_feed_raises_layout_changed(text):
    with pytest.raises(LayoutChanged):
        rss().parse_listing(text, "https://www.state.gov" + FEED_PATH)


def test_served_feed_items_resolve_to_loopback():
    with ReplayServer(SITES / "state") as site:
        url = site.url(FEED_PATH)
        adapter = rss(url)
        items = adapter.parse_listing(fetch(url), url)
        assert all(i.url.startswith(site.base_url + "/") for i in items)
        doc = adapter.parse_detail(fetch(items[0].url), items[0])
        assert "EPCC" in doc.text


# -- html (selectors from the config) -----------------------------------------------------------
def meti_html(url: str = "https://www.meti.go.jp/press/index.html", **kw):
    cfg = {"item": "ul.float_li > li", "link": "a.cut_txt", "date": "div.txt_box p", **kw}
    return adapter_for(
        source_from_dict({"name": "meti-html", "kind": "html", "url": url, "lang": "ja", **cfg})
    )


def meti(path: str) -> str:
    return (SITES / "meti" / path.lstrip("/")).read_bytes().decode("utf-8")


def test_html_adapter_reads_the_capture_with_selectors():
    items = meti_html().parse_listing(meti("/press/index.html"), "https://www.meti.go.jp/press/")
    assert len(items) == 20
    assert items[0].key == items[0].url == "https://www.meti.go.jp/press/2026/08/20260826001.html"
    assert items[0].date == date(2026, 8, 26)
    assert items[-1].title.startswith("東京電力パワーグリッド株式会社から報告徴収命令")
    assert all(i.lang == "ja" for i in items)


@pytest.mark.parametrize("detail_body", [None, "div.main.w1000"])
def test_html_adapter_detail(detail_body):
    adapter = meti_html(detail_body=detail_body)
    item = adapter.parse_listing(meti("/press/index.html"), "https://www.meti.go.jp/press/")[-2]
    doc = adapter.parse_detail(meti("/press/2026/08/20260806002.html"), item)
    assert doc.title == "日米政府の戦略的投資イニシアティブに関する協議委員会の会合を開催しました"
    assert doc.date == date(2026, 8, 6)
    assert "米国商務省が出席しました。" in doc.text
    assert "ホーム" not in doc.text and "印刷" not in doc.text


def test_html_adapter_raises_when_the_selector_matches_nothing():
    with pytest.raises(LayoutChanged, match="float_li"):
        meti_html().parse_listing(meti("/press/layout_changed.html"), "https://www.meti.go.jp/")
    item = meti_html().parse_listing(meti("/press/index.html"), "https://www.meti.go.jp/")[0]
    with pytest.raises(LayoutChanged, match="detail_body"):
        meti_html(detail_body="div.article").parse_detail(meti("/press/index.html"), item)


def test_served_html_source_resolves_to_loopback():
    with ReplayServer(SITES / "meti") as site:
        url = site.url("/press/index.html")
        items = meti_html(url).parse_listing(fetch(url), url)
        assert len(items) == 20
        assert items[0].url == site.url("/press/2026/08/20260826001.html")
        text = meti_html(url).parse_detail(fetch(items[0].url), items[0]).text
        assert text.startswith("2026年8月26日\n\n中小企業・小規模事業者の省力化投資を後押しする")
        assert "ホーム" not in text  # the generic heuristic drops chrome but not METI's 担当 tail
