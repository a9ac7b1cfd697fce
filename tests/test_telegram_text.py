"""Telegram HTML text: escaping, UTF-16 length, the splitter (golden files and properties).

Every part the splitter makes is checked with the loopback Bot API's own HTML parser
(`replay.telegram_html`), written apart from the splitter, so the two cannot share a mistake.
Regenerate the golden files with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_telegram_text.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifiers.telegram.text import (
    MAX_MESSAGE_UNITS,
    escape,
    escape_attr,
    link,
    message_units,
    split_html,
    split_text,
    to_plain,
    utf16_len,
    visible_text,
)
from replay.telegram_html import parse_html, utf16_units

GOLDEN = Path(__file__).parent / "golden" / "telegram"


def check_parts(source: str, parts: list[str], limit: int) -> None:
    """What every split must satisfy, judged by the peer's parser. An entity cut in two would
    show as its pieces ("&am", "p;"), so the rejoined text would differ."""
    assert parts, "no parts"
    for part in parts:
        assert utf16_units(parse_html(part).text) <= limit  # parse_html raises on bad markup
    assert "".join(parse_html(p).text for p in parts) == parse_html(source).text


# -- escaping and length ------------------------------------------------------------------------


def test_escape_makes_markup_and_entities_text() -> None:
    hostile = '<a href="https://evil.example">x</a> & <script>alert(1)</script> &amp;'
    escaped = escape(hostile)
    assert parse_html(escaped).text == hostile
    assert parse_html(escaped).entities == []


def test_escape_drops_control_characters_and_normalises_crlf() -> None:
    assert escape("a\r\nb\x00c\x1bd\x7fe\tf\ng") == "a\nbcde\tf\ng"


def test_escape_attr_quotes_and_link_refuses_non_http_schemes() -> None:
    assert escape_attr('a"b<c') == "a&quot;b&lt;c"
    html = link('https://x.org/?q="1"&r=<2>', "A & B")
    parsed = parse_html(html)
    assert parsed.text == "A & B"
    assert parsed.entities[0].url == 'https://x.org/?q="1"&r=<2>'
    for url in ("javascript:alert(1)", "tg://resolve?domain=x", "data:text/html,x", "//x.org"):
        assert link(url, "click <me>") == "click &lt;me&gt;"


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("日本語", 3),
        ("😀", 2),
        ("👍🏽", 4),
        ("🇯🇵", 4),
        ("e\u0301", 2),
        ("ｱ", 1),
    ],
)
def test_utf16_len(text: str, units: int) -> None:
    assert utf16_len(text) == units


def test_message_units_count_visible_text_only() -> None:
    assert message_units("<b>a</b> &amp; <a href='https://x.org/very/long'>😀</a>") == 6


def test_only_telegrams_entities_are_decoded() -> None:
    # Telegram knows &lt; &gt; &amp; &quot; and numeric references; "&nbsp;" shows as typed.
    source = "&nbsp;&copy;&amp;&#x1F600;&#128077;&#0;"
    assert visible_text(source) == parse_html(source).text == "&nbsp;&copy;&😀👍&#0;"
    assert message_units(source) == 6 + 6 + 1 + 2 + 2 + 4


# -- golden files -------------------------------------------------------------------------------


def _golden_parts(name: str, parts: list[str]) -> list[str]:
    path = GOLDEN / f"{name}.parts.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(parts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["long_alert_en", "long_alert_both"])
def test_long_alert_splits_at_paragraph_ends(name: str) -> None:
    source = (GOLDEN / f"{name}.html").read_text(encoding="utf-8")
    assert message_units(source) > MAX_MESSAGE_UNITS
    parts = split_html(source)
    check_parts(source, parts, MAX_MESSAGE_UNITS)
    assert len(parts) >= 2
    for part in parts[:-1]:
        assert part.endswith("\n\n"), "a part should end at a paragraph end"
    assert parts == _golden_parts(name, parts)


def test_exactly_4096_units_is_one_message() -> None:
    source = (GOLDEN / "exact_4096.html").read_text(encoding="utf-8")
    text = visible_text(source)
    assert utf16_len(text) == 4096
    assert utf16_len(text) > len(text), "the fixture must hold characters outside the BMP"
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), "and CJK"
    assert split_html(source) == [source]


def test_4097_units_split_in_two() -> None:
    source = (GOLDEN / "exact_4096.html").read_text(encoding="utf-8") + "y"
    parts = split_html(source)
    check_parts(source, parts, MAX_MESSAGE_UNITS)
    assert len(parts) == 2
    assert parts == _golden_parts("exact_4097", parts)


# -- where the cut goes -------------------------------------------------------------------------


def test_paragraph_end_beats_a_later_sentence_end() -> None:
    source = "Aaaa aaaa aaaa. Bbbb.\n\nCccc cccc. Dddd dddd. Eeee."
    assert split_html(source, 30)[0] == "Aaaa aaaa aaaa. Bbbb.\n\n"


def test_line_end_when_there_is_no_paragraph_end() -> None:
    assert split_html("line one is here\nline two is here\nline three", 25)[0] == (
        "line one is here\n"
    )


def test_sentence_end_then_space() -> None:
    parts = split_html("First sentence here. Second one is here. Third", 30)
    assert parts[0] == "First sentence here. "
    assert split_html("word " * 10, 12)[0] == "word word "


def test_japanese_sentence_ends_without_spaces() -> None:
    source = "日本語の文です。次の文です。三つ目の文です。「はい。」と言った。最後"
    parts = split_html(source, 10)
    check_parts(source, parts, 10)
    assert parts[0] == "日本語の文です。"
    assert "「はい。」" in "".join(parts)
    assert not any(p.startswith("」") for p in parts), "a closing bracket stays with its sentence"


def test_hard_cut_when_there_is_no_break() -> None:
    assert [len(p) for p in split_html("x" * 50, 20)] == [20, 20, 10]


def test_surrogate_pairs_and_emoji_sequences_stay_whole() -> None:
    parts = split_html("😀" * 10, 5)
    assert parts == ["😀😀"] * 5
    family = "👨\u200d👩\u200d👧"  # 8 units, one glyph
    parts = split_html(family * 3, 10)
    assert parts == [family] * 3
    thumbs = "👍🏽" * 5  # 4 units each: the skin tone stays on its thumb
    assert split_html(thumbs, 6) == ["👍🏽"] * 5


def test_entities_are_never_cut() -> None:
    assert split_html("&amp;" * 10, 3) == ["&amp;" * 3] * 3 + ["&amp;"]


def test_tags_are_closed_and_reopened_with_their_attributes() -> None:
    opening = '<a href="https://x.org/?a=1&amp;b=2">'
    source = f"<b>{opening}" + "word " * 10 + "</a></b> tail"
    parts = split_html(source, 20)
    check_parts(source, parts, 20)
    for part in parts[1:-1]:
        assert part.startswith(f"<b>{opening}") and part.endswith("</a></b>")
    assert all(
        e.url == "https://x.org/?a=1&b=2"
        for p in parts[:-1]
        for e in parse_html(p).entities
        if e.type == "text_link"
    )


def test_no_empty_formatting_at_a_cut() -> None:
    parts = split_html("aaaa bbbb <b>cccc dddd</b>", 10)
    assert parts[0] == "aaaa bbbb "
    assert parts[1] == "<b>cccc dddd</b>"


def test_message_that_fits_is_returned_unchanged() -> None:
    source = "<b>short</b>\n\n" + escape("<not a tag>")
    assert split_html(source) == [source]
    with pytest.raises(ValueError):
        split_html("x", 1)


def test_split_text_gives_back_exactly_the_text() -> None:
    text = "A < B & C > D.\n\n" * 50 + "日本語。" * 100
    parts = split_text(text, 100)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= 100 for p in parts)


def test_to_plain_keeps_link_targets_and_decodes_entities() -> None:
    html = (
        '<b>Title &amp; co</b>\n<a href="https://x.org/?a=1&amp;b=2">METI</a> '
        '<a href="https://y.org">https://y.org</a> <i>&lt;script&gt;</i>'
    )
    assert to_plain(html) == ("Title & co\nMETI (https://x.org/?a=1&b=2) https://y.org <script>")


# -- properties ---------------------------------------------------------------------------------

_CHARS = [*"abc xyz", " ", " ", "\n", "\n", ".", "!", "?", "。", "！", "？", "」", ")"]
_CHARS += ["日", "本", "語", "😀", "👍", "\U0001f3fd", "\u200d", "\u0301", "&", "<", ">", '"', "\t"]
_TAGS = [
    ("b", ""),
    ("i", ""),
    ("u", ""),
    ("s", ""),
    ("code", ""),
    ("pre", ""),
    ("tg-spoiler", ""),
    ("blockquote", ""),
    ("span", ' class="tg-spoiler"'),
    ("a", ' href="https://e.org/?a=1&amp;b=%22x"'),
]
_text = st.text(st.sampled_from(_CHARS), max_size=30).map(escape)
# References as a renderer might write them: numeric ones are one character, unknown names text.
_refs = st.sampled_from(["&#128512;", "&#x1F44D;", "&quot;", "&nbsp;", "&#10;"])


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(tag: tuple[str, str], inner: list[str]) -> str:
        return f"<{tag[0]}{tag[1]}>{''.join(inner)}</{tag[0]}>"

    return st.builds(render, st.sampled_from(_TAGS), st.lists(children, max_size=4))


_leaf = st.one_of(_text, _text, _refs)
_html = st.lists(st.recursive(_leaf, _element, max_leaves=25), max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(source=_html, limit=st.integers(min_value=2, max_value=120))
def test_property_parts_fit_parse_and_rejoin(source: str, limit: int) -> None:
    parts = split_html(source, limit)
    check_parts(source, parts, limit)
    if message_units(source) <= limit:
        assert parts == [source]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), limit=st.integers(min_value=2, max_value=80))
def test_property_split_text_round_trips_any_text(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= limit for p in parts)
