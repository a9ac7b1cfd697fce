"""Telegram's HTML parse mode, as the loopback Bot API applies it to what it receives.

Written apart from `notifiers.telegram.text` on purpose: the peer must catch the mistakes of the
code under test, not share them. It follows what Telegram documents and answers: only the
supported tags, balanced; the named entities `&lt; &gt; &amp; &quot;` and numeric ones decoded,
any other `&` left as text; errors worded as Telegram words them (the caller prefixes "Bad
Request: can't parse entities: ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# tag -> entity type; attributes are checked in `_entity_for`.
ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));")
_NAME_CHARS = re.compile(r"[A-Za-z0-9-]*")
_ATTR = re.compile(
    r"""\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)


class ParseError(ValueError):
    """What Telegram says after "can't parse entities: "."""


@dataclass
class Entity:
    type: str
    offset: int  # UTF-16 units, as Telegram reports them
    length: int
    url: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            out["url"] = self.url
        return out


@dataclass
class Parsed:
    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def decode_entities(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        dec, hexa, name = m.groups()
        if name is not None:
            return _NAMED.get(name, m.group())
        cp = int(dec) if dec is not None else int(hexa, 16)
        if cp == 0 or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            return m.group()
        return chr(cp)

    return _ENTITY.sub(one, text)


def parse_html(source: str) -> Parsed:
    """Visible text and entities of `source`, or ParseError the way Telegram words it."""
    out: list[str] = []
    units = 0
    stack: list[tuple[str, int, str | None, int]] = []  # (tag, text offset, url, byte offset)
    entities: list[Entity] = []
    i = 0
    while i < len(source):
        lt = source.find("<", i)
        chunk = decode_entities(source[i : lt if lt >= 0 else len(source)])
        out.append(chunk)
        units += utf16_units(chunk)
        if lt < 0:
            break
        at = len(source[:lt].encode("utf-8"))
        gt = source.find(">", lt)
        if source.startswith("</", lt):
            if gt < 0:
                raise ParseError(f"Unclosed end tag at byte offset {at}")
            name = source[lt + 2 : gt].strip().lower()
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {at}")
            tag, start, url, _ = stack.pop()
            if name != tag:
                raise ParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"'
                )
            entities.append(Entity(ENTITY_OF_TAG[tag], start, units - start, url))
            i = gt + 1
            continue
        name = _NAME_CHARS.match(source, lt + 1).group().lower()  # type: ignore[union-attr]
        if name not in ENTITY_OF_TAG:
            raise ParseError(f'Unsupported start tag "{name}" at byte offset {at}')
        if gt < 0:
            raise ParseError(f"Unclosed start tag at byte offset {at}")
        attrs = _attributes(source[lt + 1 + len(name) : gt], name, at)
        stack.append((name, units, _entity_url(name, attrs, at), at))
        i = gt + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return Parsed("".join(out), entities)


def _attributes(raw: str, tag: str, at: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.rstrip().removesuffix("/")
    while pos < len(raw):
        m = _ATTR.match(raw, pos)
        if m is None or m.end() == pos:
            if raw[pos:].strip():
                raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
            break
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs[m.group(1).lower()] = decode_entities(value)
        pos = m.end()
    return attrs


def _entity_url(tag: str, attrs: dict[str, str], at: int) -> str | None:
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if tag == "tg-emoji" and "emoji-id" not in attrs:
        raise ParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
    return attrs.get("href") if tag == "a" else None
