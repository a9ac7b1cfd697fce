"""METI adapters (JA and EN) over the recorded pages in replay/sites/meti/."""

from __future__ import annotations

import urllib.request
from datetime import date
from pathlib import Path

import pytest

from replay.loopback import SITES
from replay.server import ReplayServer
from watcher.config import source_from_dict
from watcher.models import ListingItem
from watcher.sources import LayoutChanged, adapter_for, adapter_for_url
from watcher.sources._meti import release_key

SITE = SITES / "meti"
LIVE = "https://www.meti.go.jp"
CAPTURE = Path(__file__).parent / "fixtures" / "meti_press_index_ja_2026-08-26.html"


def ja():
    return adapter_for(source_from_dict({"name": "meti-ja", "kind": "meti-ja"}))


def en():
    return adapter_for(source_from_dict({"name": "meti-en", "kind": "meti-en"}))


def page(path: str, encoding: str = "utf-8") -> str:
    return (SITE / path.lstrip("/")).read_bytes().decode(encoding)


def detail(adapter, item: ListingItem, encoding: str = "utf-8"):
    path = item.url.removeprefix(LIVE)
    return adapter.parse_detail(page(path, encoding), item)


# -- the real capture -----------------------------------------------------------------------------
def test_capture_is_served_byte_exact():
    assert (SITE / "press" / "index.html").read_bytes() == CAPTURE.read_bytes()


def test_capture_yields_its_twenty_items_with_dates():
    raw = CAPTURE.read_bytes().decode("utf-8")
    items = ja().parse_listing(raw, f"{LIVE}/press/index.html")
    assert raw.count('class="cut_txt"') == 20
    assert len(items) == 20
    assert len({i.key for i in items}) == 20
    first, last = items[0], items[-1]
    assert first.key == "20260826001"
    assert first.url == f"{LIVE}/press/2026/08/20260826001.html"
    assert first.date == date(2026, 8, 26)
    assert first.title.startswith("業種別のノウハウが直感的にわかる")
    assert last.key == "20260806001" and last.date == date(2026, 8, 6)
    # The capture's title with leading spaces comes out stripped.
    leading = next(i for i in items if i.key == "20260814001")
    assert leading.title.startswith("令和8年8月13日からの大雨")
    sipi = next(i for i in items if i.key == "20260806002")
    assert sipi.title == "日米政府の戦略的投資イニシアティブに関する協議委員会の会合を開催しました"
    assert all(i.lang == "ja" for i in items)


def test_every_capture_item_has_a_detail_page_that_parses():
    adapter = ja()
    items = adapter.parse_listing(page("/press/index.html"), f"{LIVE}/press/index.html")
    for item in items:
        doc = detail(adapter, item)
        assert doc.title == item.title
        assert doc.date == item.date
        assert doc.text and "担当" not in doc.text and "ホーム" not in doc.text


# -- category page and the JUCIP release ----------------------------------------------------------
def test_category_02_newest_item_is_the_jucip_release_under_the_old_url_form():
    items = ja().parse_listing(page("/press/category_02.html"), f"{LIVE}/press/category_02.html")
    assert len(items) == 6
    top = items[0]
    assert top.key == "20230526001"
    assert top.url == f"{LIVE}/press/2023/05/20230526001/20230526001.html"
    assert "日米商務・産業パートナーシップ(JUCIP)" in top.title  # NFKC: （） -> ()
    assert top.date == date(2023, 5, 26)
    assert [i.date for i in items] == sorted((i.date for i in items), reverse=True)


def test_jucip_detail_text_is_the_statement_without_chrome():
    adapter = ja()
    item = adapter.parse_listing(page("/press/category_02.html"), f"{LIVE}/press/category_02.html")[
        0
    ]
    doc = detail(adapter, item)
    assert doc.title.startswith("西村経済産業大臣がレモンド米国商務長官と第2回日米商務")
    assert doc.date == date(2023, 5, 26)
    assert doc.lang == "ja"
    assert doc.text.startswith("2023年5月26日（金曜日）（現地時間）、西村経済産業大臣は")
    assert doc.text.endswith("ユースケースを開発することを決定した。")
    assert "\n\n共同声明（仮訳）\n\n" in doc.text
    assert "\n- 経済産業省と商務省は、以下を含む輸出管理協力" in doc.text
    assert "\n  - (2) ASEAN その他第三国への能力構築とアウトリーチ、そして、\n" in doc.text
    for chrome in ("担当", "関連資料", "米州課長", "PDF形式", "写真", "ホーム", "印刷", "English"):
        assert chrome not in doc.text, chrome


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"{LIVE}/press/2023/05/20230526001/20230526001.html", "20230526001"),
        (f"{LIVE}/press/2026/08/20260806002.html", "20260806002"),
        (f"{LIVE}/english/press/2024/0627_001.html", "en:2024/0627_001"),
        (f"{LIVE}/press/category_02.html", "/press/category_02.html"),
    ],
)
def test_release_keys(url, key):
    assert release_key(url) == key


# -- older template, Shift_JIS and EUC-JP ---------------------------------------------------------
@pytest.mark.parametrize(
    ("folder", "encoding", "key", "day", "title_part", "body_part"),
    [
        (
            "sjis",
            "shift_jis",
            "20220505001",
            date(2022, 5, 5),
            "(JUCIP)閣僚会合",
            "半導体協力基本原則",
        ),
        (
            "eucjp",
            "euc_jp",
            "20211115002",
            date(2021, 11, 15),
            "会談を行いました",
            "JUCIP）を立ち上げる",
        ),
    ],
)
def test_old_template_in_legacy_encodings(folder, encoding, key, day, title_part, body_part):
    raw = (SITE / "old" / folder / "press" / "index.html").read_bytes()
    assert f'charset="{"Shift_JIS" if folder == "sjis" else "EUC-JP"}"'.encode() in raw
    adapter = ja()
    items = adapter.parse_listing(raw.decode(encoding), f"{LIVE}/old/{folder}/press/index.html")
    assert len(items) == 2
    top = items[0]
    assert (top.key, top.date) == (key, day)
    assert title_part in top.title
    doc = detail(adapter, top, encoding)
    assert doc.title == top.title  # from the h1 inside #__main_contents (no id in this template)
    assert doc.date == day
    assert body_part in doc.text
    assert "担当" not in doc.text and "ホーム" not in doc.text and "霞が関" not in doc.text


# -- English --------------------------------------------------------------------------------------
def test_english_listing_older_markup():
    items = en().parse_listing(
        page("/english/press/category_02.html"), f"{LIVE}/english/press/category_02.html"
    )
    assert [i.key for i in items] == [
        "en:2024/0627_001",
        "en:2024/0626_002",
        "en:2024/0621_001",
        "en:2024/0614_003",
    ]
    assert items[0].date == date(2024, 6, 27)
    assert items[0].title.startswith("Minister Saito Holds the Fourth Japan-U.S. Commercial")
    assert all(i.lang == "en" for i in items)


def test_english_jucip_detail_links_the_japanese_original_and_drops_chrome():
    adapter = en()
    item = adapter.parse_listing(
        page("/english/press/category_02.html"), f"{LIVE}/english/press/category_02.html"
    )[0]
    doc = detail(adapter, item)
    assert doc.alternates == {"ja": f"{LIVE}/press/2024/06/20240627001/20240627001.html"}
    assert doc.date == date(2024, 6, 27)
    assert doc.title == item.title
    assert doc.text.startswith("On Wednesday, June 26, METI Minister Saito held the 4th")
    assert doc.text.endswith("strengthen the supply of gallium, germanium, and graphite.")
    for chrome in (
        "Home",
        "Back Issues",
        "External Economic Policy",
        "photo",
        "Division in Charge",
        "Americas Division",
        "June 27, 2024",
    ):
        assert chrome not in doc.text, chrome
    assert "Japanese" not in doc.text.split("\n\n")  # the link line, not the word in the body
    # The Japanese original exists on the recorded site and parses as the same release.
    ja_item = ListingItem(url=doc.alternates["ja"], key="20240627001", title="", lang="ja")
    ja_doc = detail(ja(), ja_item)
    assert "第4回日米商務・産業パートナーシップ(JUCIP)" in ja_doc.title
    assert ja_doc.date == date(2024, 6, 27)


# -- layout changes -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [ja, en])
def test_unknown_markup_raises_layout_changed(make):
    with pytest.raises(LayoutChanged, match="float_li"):
        make().parse_listing(
            page("/press/layout_changed.html"), f"{LIVE}/press/layout_changed.html"
        )
    with pytest.raises(LayoutChanged):
        make().parse_listing("", f"{LIVE}/press/index.html")


def test_detail_without_title_or_body_raises():
    item = ListingItem(url=f"{LIVE}/press/x.html", key="x", title="x", lang="ja")
    with pytest.raises(LayoutChanged, match="MainContentsArea"):
        ja().parse_detail("<html><body><p>nothing</p></body></html>", item)


def test_adapter_for_url_picks_the_site_adapter():
    assert adapter_for_url(f"{LIVE}/press/2026/08/20260806002.html").kind == "meti-ja"
    assert adapter_for_url(f"{LIVE}/english/press/2024/0627_001.html").kind == "meti-en"
    assert adapter_for_url("https://www.commerce.gov/news/press-releases/2023/05/x").kind == (
        "commerce-html"
    )
    assert adapter_for_url("https://example.org/press/1.html") is None


# -- served on loopback ---------------------------------------------------------------------------
def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read()


def test_served_site_yields_loopback_urls_and_details():
    with ReplayServer(SITE) as site:
        for adapter, listing in (
            (ja(), "/press/category_02.html"),
            (en(), "/english/press/category_02.html"),
        ):
            url = site.url(listing)
            items = adapter.parse_listing(fetch(url).decode("utf-8"), url)
            assert items and all(i.url.startswith(site.base_url + "/") for i in items)
            doc = adapter.parse_detail(fetch(items[0].url).decode("utf-8"), items[0])
            assert "JUCIP" in doc.title
        assert items[0].key == "en:2024/0627_001"
        assert doc.alternates["ja"] == site.url("/press/2024/06/20240627001/20240627001.html")
