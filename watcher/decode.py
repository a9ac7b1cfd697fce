"""Bytes -> text for fetched pages, feeds and API answers. Pure: no I/O, no logging.

Order of evidence, strongest first: a byte-order mark, the HTTP header charset, the document's own
declaration (HTML `<meta>` or the XML declaration, searched in the first few KB), strict UTF-8,
then Japanese legacy encodings recognised by trying strict decodes. Latin-1 is never guessed: it
decodes any byte string, which is exactly how Japanese pages end up as mojibake; for the same
reason a Western default label (ISO-8859-1, windows-1252, ASCII) yields to UTF-8 or Japanese that
decodes cleanly. When nothing decodes cleanly the text is UTF-8 (or the declared encoding) with
replacement characters, and `lossy` says so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# METI declares its charset only in <meta>, some 600 bytes in; a few KB covers long <head> scripts.
_SNIFF_BYTES = 4096

# Labels seen on Japanese sites. Shift_JIS labels go to cp932 because real "Shift_JIS" pages use
# the Windows extensions (①, 髙, NEC specials) that strict shift_jis rejects.
_ALIASES = {
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms-kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "euc-jp": "euc-jp",
    "x-euc-jp": "euc-jp",
    "eucjp": "euc-jp",
    "ujis": "euc-jp",
    "cseucpkdfmtjapanese": "euc-jp",
    "iso-2022-jp": "iso-2022-jp",
    "csiso2022jp": "iso-2022-jp",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}
# Servers send these by default (Apache's old default) for pages that are really UTF-8 or
# Japanese, and they decode any bytes: so they count only when nothing better decodes cleanly.
_WESTERN_DEFAULTS = frozenset({"iso8859-1", "cp1252", "ascii"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
# ISO-2022-JP is 7-bit, so strict UTF-8 would accept it as ASCII; its escapes give it away.
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J")
# Hiragana, katakana, CJK punctuation, kanji. Half-width katakana is left out on purpose: EUC-JP
# read as cp932 turns into a stream of it.
_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff]+")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name, e.g. "utf-8", "cp932", "euc-jp"
    lossy: bool = False  # True when undecodable bytes were replaced with U+FFFD


def decode_body(body: bytes, content_type: str | None) -> Decoded:
    """Decode a response body; never raises, never guesses latin-1."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(encoding, errors="replace"), encoding)

    declared = _declared_encodings(body, content_type)
    strong = [e for e in declared if e not in _WESTERN_DEFAULTS]
    weak = [e for e in declared if e in _WESTERN_DEFAULTS]
    for encoding in strong:
        found = _strict(body, encoding)
        if found is not None:
            return found
    found = _undeclared(body)
    if found is not None:
        return found
    for encoding in weak:
        found = _strict(body, encoding)
        if found is not None:
            return found
    # A declared encoding with a few bad bytes still beats UTF-8 for the rest of the page.
    fallback = strong[0] if strong else "utf-8"
    return Decoded(body.decode(fallback, errors="replace"), fallback, lossy=True)


def normalize_encoding(label: str) -> str | None:
    """A usable Python codec name for a charset label, or None for unknown/non-text codecs."""
    key = label.strip().strip("\"'").lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    # codecs also knows bytes-to-bytes transforms (base64, zlib); they are not charsets.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """Encodings the header and the document claim, header first, without duplicates."""
    labels: list[str] = []
    media = ""
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        m = _HEADER_CHARSET.search(content_type)
        if m:
            labels.append(m.group(1))
    labels.extend(_document_labels(body, media))

    found: list[str] = []
    for label in labels:
        encoding = normalize_encoding(label)
        if encoding is not None and encoding not in found:
            found.append(encoding)
    return found


def _document_labels(body: bytes, media: str) -> list[str]:
    """Charset labels the document declares about itself, by what the media type allows."""
    if media.endswith("json"):
        return []  # JSON is UTF-8 by definition (RFC 8259); its strings may quote any HTML
    head = body[:_SNIFF_BYTES]
    labels: list[str] = []
    if not media.endswith("xml") or "html" in media:
        m = _META_CHARSET.search(head)
        if m:
            label = m.group(1).decode("ascii")
            # The HTML standard: a <meta> cannot declare UTF-16 (the bytes it is in are ASCII).
            labels.append("utf-8" if label.lower().startswith("utf-16") else label)
    if "html" not in media or media.endswith("xml"):
        m = _XML_ENCODING.search(head)
        if m:
            labels.append(m.group(1).decode("ascii"))
    return labels


def _undeclared(body: bytes) -> Decoded | None:
    if body.isascii() and any(esc in body for esc in _ISO2022_ESCAPES):
        found = _strict(body, "iso-2022-jp")
        if found is not None:
            return found
    found = _strict(body, "utf-8")
    if found is not None:
        return found
    return _guess_japanese(body)


def _guess_japanese(body: bytes) -> Decoded | None:
    """The legacy Japanese encoding that decodes cleanly into the most Japanese text."""
    best: Decoded | None = None
    best_score = 0
    for encoding in ("cp932", "euc-jp"):  # cp932 first: it wins ties, being far more common
        found = _strict(body, encoding)
        if found is None:
            continue
        score = sum(len(run) for run in _JAPANESE.findall(found.text))
        if score > best_score:
            best, best_score = found, score
    return best


def _strict(body: bytes, encoding: str) -> Decoded | None:
    try:
        return Decoded(body.decode(encoding), encoding)
    except (UnicodeDecodeError, LookupError):
        return None
