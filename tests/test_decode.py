"""watcher.decode: Japanese pages in every encoding the watched sites (and their elders) use."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from watcher.decode import decode_body, normalize_encoding

FIXTURES = Path(__file__).parent / "fixtures"
ENCODINGS = FIXTURES / "encodings"
# The text inside the fixtures under encodings/ (written once by Python in each encoding).
JA = "経済産業省は、日米商務・産業パートナーシップ（JUCIP）閣僚会合の開催について発表しました。"
CIRCLED = "①サプライチェーン強靱化、②重要鉱物。"  # in cp932, not in strict shift_jis


@pytest.mark.parametrize(
    ("name", "content_type", "encoding", "expected"),
    [
        ("sjis_meta.html", "text/html", "cp932", JA + CIRCLED),
        ("eucjp_meta.html", "text/html", "euc-jp", JA),
        ("utf8_nocharset.html", "text/html", "utf-8", JA + CIRCLED),
        ("sjis_nodecl.html", "text/html", "cp932", JA + CIRCLED),
        ("eucjp_nodecl.html", "text/html", "euc-jp", JA),
        ("sjis_nodecl.html", None, "cp932", JA + CIRCLED),
        ("rss_eucjp.xml", "application/rss+xml", "euc-jp", JA),
    ],
)
def test_fixture_pages_decode_to_their_japanese_text(
    name: str, content_type: str | None, encoding: str, expected: str
) -> None:
    decoded = decode_body((ENCODINGS / name).read_bytes(), content_type)
    assert decoded.encoding == encoding
    assert expected in decoded.text
    assert "ニュースリリース" in decoded.text
    assert not decoded.lossy


def test_legacy_fixtures_are_not_utf8_so_the_tests_mean_something() -> None:
    for name in ("sjis_meta.html", "eucjp_meta.html", "sjis_nodecl.html", "eucjp_nodecl.html"):
        with pytest.raises(UnicodeDecodeError):
            (ENCODINGS / name).read_bytes().decode("utf-8")


def test_real_meti_capture_decodes_as_utf8() -> None:
    body = (FIXTURES / "meti_press_index_ja_2026-08-26.html").read_bytes()
    decoded = decode_body(body, "text/html")  # what METI sends: no charset in the header
    assert decoded.encoding == "utf-8"
    assert not decoded.lossy
    assert "ニュースリリース" in decoded.text
    assert "日米政府の戦略的投資イニシアティブ" in decoded.text
    assert "\r\n" in decoded.text  # decoding leaves line ends alone


def test_header_charset_wins_over_meta() -> None:
    # These EUC-JP bytes also decode strictly as cp932 (to half-width katakana), so only the
    # order of evidence picks the right reading.
    body = '<meta charset="Shift_JIS"><p>経済産業省</p>'.encode("euc-jp")
    assert "経済産業省" not in body.decode("cp932")
    decoded = decode_body(body, "text/html; charset=EUC-JP")
    assert decoded.encoding == "euc-jp"
    assert "経済産業省" in decoded.text


def test_meta_is_used_when_the_header_has_no_charset() -> None:
    body = '<meta charset="Shift_JIS"><p>経済産業省</p>'.encode("euc-jp")
    assert decode_body(body, "text/html").encoding == "cp932"  # as declared, even if wrong


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins_over_everything(bom: bytes, encoding: str) -> None:
    body = bom + '<meta charset="Shift_JIS"><p>経済産業省</p>'.encode(encoding)
    decoded = decode_body(body, "text/html; charset=EUC-JP")
    assert decoded.encoding == encoding
    assert decoded.text.startswith("<meta")  # the BOM itself is not text
    assert "経済産業省" in decoded.text


def test_http_equiv_content_type_meta() -> None:
    body = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html;charset=x-sjis" />'
        + "<title>日米</title>".encode("cp932")
    )
    decoded = decode_body(body, None)
    assert (decoded.encoding, decoded.text.endswith("<title>日米</title>")) == ("cp932", True)


def test_json_ignores_charsets_declared_inside_it() -> None:
    # JSON is UTF-8; a quoted HTML body inside it must not redirect the decoding.
    payload = {"body": '<meta charset="Shift_JIS"><p>日米商務・産業パートナーシップ</p>'}
    decoded = decode_body(json.dumps(payload, ensure_ascii=False).encode(), "application/json")
    assert decoded.encoding == "utf-8"
    assert json.loads(decoded.text) == payload


def test_latin1_is_never_guessed() -> None:
    body = b"caf\xe9 \xff\xfe\xfd \x80"  # valid in latin-1 only
    decoded = decode_body(body, "text/html")
    assert decoded.lossy
    assert decoded.encoding == "utf-8"
    assert "\ufffd" in decoded.text


def test_a_western_default_header_yields_to_clean_utf8_or_japanese() -> None:
    # Old Apache defaults send ISO-8859-1 for everything; a latin-1 reading would be mojibake.
    assert decode_body("日米".encode(), "text/html; charset=ISO-8859-1").text == "日米"
    assert decode_body(JA.encode("cp932"), "text/html; charset=iso-8859-1").text == JA
    # ...but a page that really is latin-1 still decodes as declared.
    decoded = decode_body("café crème".encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert (decoded.text, decoded.encoding) == ("café crème", "iso8859-1")


def test_declared_encoding_with_a_bad_byte_is_lossy_not_utf8() -> None:
    body = '<meta charset="shift_jis"><p>経済産業省</p>'.encode("cp932") + b"\x81\xff"
    decoded = decode_body(body, "text/html")
    assert decoded.lossy
    assert decoded.encoding == "cp932"
    assert "経済産業省" in decoded.text


def test_meta_cannot_declare_utf16() -> None:
    decoded = decode_body('<meta charset="utf-16"><p>日米</p>'.encode(), "text/html")
    assert (decoded.encoding, decoded.text.endswith("日米</p>")) == ("utf-8", True)


def test_undeclared_iso2022jp() -> None:
    decoded = decode_body(JA.encode("iso-2022-jp"), "text/plain")
    assert (decoded.encoding, decoded.text) == ("iso-2022-jp", JA)


def test_empty_body() -> None:
    decoded = decode_body(b"", None)
    assert (decoded.text, decoded.lossy) == ("", False)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Shift_JIS", "cp932"),
        ("shift-jis", "cp932"),
        ("x-sjis", "cp932"),
        ("SJIS", "cp932"),
        ("Windows-31J", "cp932"),
        ("EUC-JP", "euc-jp"),
        ("x-euc-jp", "euc-jp"),
        ('"UTF-8"', "utf-8"),
        ("utf8", "utf-8"),
        ("bogus-charset", None),
        ("base64", None),  # a codec, but not a charset
    ],
)
def test_charset_aliases(label: str, expected: str | None) -> None:
    assert normalize_encoding(label) == expected
