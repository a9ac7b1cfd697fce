"""watcher.htmltext: the Document.text format, chrome removal, dates, generic documents."""

from __future__ import annotations

from datetime import date

import pytest

from watcher.dates import parse_date
from watcher.htmltext import generic_document, html_to_text


def test_paragraphs_lists_nesting_breaks_and_tables():
    html = """<div><h2>Heading</h2><p>One
    two&nbsp; three</p>
    <ul><li>a<ul><li>a1</li><li><p>a2</p></li></ul></li><li>b</li></ul>
    <p>line1<br>line2</p>
    <table><tr><th>k</th><th>v</th></tr><tr><td>x</td><td><p>y</p></td></tr></table></div>"""
    assert html_to_text(html) == (
        "Heading\n\nOne two three\n\n- a\n  - a1\n  - a2\n- b\n\nline1\nline2\n\nk | v\nx | y"
    )


def test_chrome_is_removed():
    html = """<body><header>Site</header><nav>Menu</nav>
    <div class="pan"><ol><li>ホーム</li></ol></div>
    <nav class="breadcrumb">Home</nav><div class="share-links">Share</div><script>x()</script>
    <main><p>本文です。</p><aside>Related</aside><div class="related">Related</div>
    <form><input value="q"><button>Search</button></form></main><footer>Footer</footer></body>"""
    assert html_to_text(html) == "本文です。"


def test_japanese_line_breaks_join_without_spaces():
    assert html_to_text("<p>経済産業省は\n本日、発表しました。\nMETI and\nDOC</p>") == (
        "経済産業省は本日、発表しました。 METI and DOC"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年8月26日", date(2026, 8, 26)),
        ("２０２６年８月２６日", date(2026, 8, 26)),
        ("令和8年8月13日から", date(2026, 8, 13)),
        ("April 11, 2024", date(2024, 4, 11)),
        ("Tuesday, January 9, 2024", date(2024, 1, 9)),
        ("Sept. 3, 2023", date(2023, 9, 3)),
        ("2023-11-14T23:10:00Z", date(2023, 11, 14)),
        ("no date here", None),
        ("2024年2月30日", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_generic_document_picks_main_content_title_date_and_lang():
    html = """<html lang="ja"><head><title>題名（METI）</title></head><body>
    <div id="menu"><a href="/">ホーム</a></div>
    <div class="content"><h1>会合を開催しました</h1><p>2024年4月11日</p>
    <p>本日、会合を開催しました。</p><p>詳細は以下の通りです。</p></div>
    <div class="side"><p>短い</p></div></body></html>"""
    doc = generic_document(html, "https://example.jp/a.html")
    assert doc.title == "会合を開催しました"
    assert doc.date == date(2024, 4, 11)
    assert doc.lang == "ja"
    assert doc.text == "2024年4月11日\n\n本日、会合を開催しました。\n\n詳細は以下の通りです。"


def test_generic_document_title_falls_back_to_title_tag_and_lang_is_sniffed():
    doc = generic_document(
        "<html><head><title>Readout</title></head><body><article><p>Text.</p></article></body></html>",
        "https://example.org/r",
    )
    assert (doc.title, doc.text, doc.lang, doc.date) == ("Readout", "Text.", "en", None)
