"""Telegram HTML for scraped text: escaping, length as Telegram counts it, and splitting. Pure.

Telegram limits a message to 4096 UTF-16 code units of its text *after* entity parsing: tags do
not count, `&amp;` counts as one, an emoji outside the BMP counts two. `split_html` cuts a longer
message at the most readable place that fits (a paragraph end, else a line end, else a sentence
end including 。！？, else a space, else anywhere that does not break a character, an entity, a
tag or an emoji sequence). Tags open at a cut are closed at the end of that part and reopened at
the start of the next, so every part is valid Telegram HTML on its own.

The input is Telegram HTML our renderers produced: every scraped string went through `escape` or
`escape_attr`, and tags are balanced. `to_plain` turns a part into the plain text sent when
Telegram still refuses the markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_MESSAGE_UNITS = 4096

# C0 controls (but tab and newline), DEL and C1 controls: Telegram shows them as boxes or refuses
# the text; a scraped string has no business carrying them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TOKEN = re.compile(
    r"<[^<>]*>"  # a tag
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # an entity
    r"|[^<&]+"  # a run of text
    r"|[<&]"  # a stray < or & (not ours: escape() never leaves one)
)
# Telegram decodes these four names and numeric references; "&nbsp;" and the like stay text.
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REF = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>")
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)

# Sentence enders, and what may follow one before the break (closing quotes and brackets).
_TERMINATORS = frozenset(".!?。！？")
_FULLWIDTH_TERMINATORS = frozenset("。！？")
_CLOSERS = frozenset("\"')]}」』）】〉》’”")
_ZWJ = "\u200d"
# Paragraph, line, sentence, space: the preferred places to cut, best first.
_LEVELS = 4
_HARD = _LEVELS
# A preferred cut is used only when it fills at least this share of the part; otherwise a lower
# level further on gives fewer, fuller parts (a paragraph break after ten characters is no help).
_MIN_FILL = 0.5
# How far back a break looks for its context (a sentence end behind spaces and quotes).
_LOOKBACK = 64


def escape(text: str) -> str:
    """Scraped `text` as Telegram HTML text content: `&`, `<`, `>` escaped, control characters
    dropped (a CR/LF pair becomes LF)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """`text` for a double-quoted attribute value (an `href`): `escape` plus `"`."""
    return escape(text).replace('"', "&quot;")


def link(url: str, text: str) -> str:
    """`<a href="url">text</a>` with both escaped; only http(s) URLs become links, anything else
    (javascript:, tg:, data:) is shown as its escaped text, so a page cannot plant a link."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return escape(text)
    return f'<a href="{escape_attr(url.strip())}">{escape(text)}</a>'


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, as Telegram counts it."""
    # Code points above U+FFFF take two units (a surrogate pair); encoding is the fast way.
    return len(text.encode("utf-16-le")) // 2


def visible_text(html: str) -> str:
    """The text Telegram shows for `html`: tags removed, entities decoded."""
    return "".join(_decode(tok) for tok in _TOKEN.findall(html) if not _is_tag(tok))


def message_units(html: str) -> int:
    """What Telegram counts against the 4096 limit for `html`."""
    return utf16_len(visible_text(html))


def to_plain(html: str) -> str:
    """Plain text for `html` (no parse mode): tags dropped, entities decoded, and each link's URL
    kept after its text, "text (url)", so the fallback still carries every link."""
    out: list[str] = []
    links: list[tuple[str | None, int]] = []  # (href, where its text starts in `out`)
    for tok in _TOKEN.findall(html):
        if not _is_tag(tok):
            out.append(_decode(tok))
            continue
        m = _TAG.fullmatch(tok)
        if m is None or m.group(2).lower() != "a":
            continue
        if not m.group(1):
            h = _HREF.search(tok)
            href = next((g for g in h.groups() if g is not None), None) if h else None
            links.append((_unescape(href) if href else None, len(out)))
        elif links:
            href, begin = links.pop()
            if href and href != "".join(out[begin:]).strip():
                out.append(f" ({href})")
    return "".join(out)


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Plain `text` in parts of at most `limit` UTF-16 units, cut by the same rules as HTML."""
    return [_unescape(part) for part in split_html(escape_plain(text), limit)]


def escape_plain(text: str) -> str:
    """`text` escaped without dropping anything, so `split_text` gives back exactly `text`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the splitter -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Atom:
    """An indivisible piece of the source: one character, one entity, or one tag."""

    start: int  # offset in the source
    units: int  # UTF-16 units it adds to the visible text
    char: str  # the decoded character ("" for a tag)
    tag: str = ""  # lower-case tag name, for tags
    raw: str = ""  # the tag as written, for tags (a reopened <a href="..."> keeps its href)
    opens: bool = False
    closes: bool = False


def split_html(html: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """`html` in parts whose visible text is at most `limit` UTF-16 units each (see module doc).

    Joining the parts' visible texts gives the visible text of `html` exactly; nothing is
    dropped or added but the closing and reopening tags at each cut. A message that fits is
    returned as is, as the only part.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 UTF-16 units (one emoji)")
    atoms = _atoms(html)
    if sum(a.units for a in atoms) <= limit:
        return [html]
    parts: list[str] = []
    start, stack = 0, []  # stack: the open tags in force where the current part starts
    while start < len(atoms):
        end = _window_end(atoms, start, limit)
        if end == len(atoms):
            parts.append(_opening(stack) + html[atoms[start].start :])
            break
        cut = _choose_cut(atoms, start, end, limit)
        body_end = atoms[cut].start if cut < len(atoms) else len(html)
        new_stack = _stack_after(stack, atoms, start, cut)
        parts.append(_opening(stack) + html[atoms[start].start : body_end] + _closing(new_stack))
        start, stack = cut, new_stack
    return parts


def _is_tag(tok: str) -> bool:
    return len(tok) > 2 and tok[0] == "<" and tok[-1] == ">"


def _decode(tok: str) -> str:
    return _unescape(tok) if tok[0] == "&" and len(tok) > 1 else tok


def _unescape(text: str) -> str:
    """Entity references decoded the way Telegram decodes them."""

    def one(m: re.Match[str]) -> str:
        dec, hexa, name = m.groups()
        if name is not None:
            return _NAMED.get(name, m.group())
        cp = int(dec) if dec is not None else int(hexa, 16)
        return m.group() if cp == 0 or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF else chr(cp)

    return _REF.sub(one, text) if "&" in text else text


def _atoms(html: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _TOKEN.finditer(html):
        tok, pos = m.group(), m.start()
        if _is_tag(tok):
            t = _TAG.fullmatch(tok)
            name = t.group(2).lower() if t else ""
            closes = bool(t and t.group(1))
            opens = bool(t and not closes and not t.group(3))
            atoms.append(_Atom(pos, 0, "", name, tok, opens, closes))
        elif tok[0] == "&" and len(tok) > 1 and (decoded := _decode(tok)) != tok:
            atoms.append(_Atom(pos, utf16_len(decoded), decoded if len(decoded) == 1 else ""))
        else:  # text, and names that are no entity (Telegram shows "&foo;" as typed)
            for i, ch in enumerate(tok):
                atoms.append(_Atom(pos + i, 2 if ord(ch) > 0xFFFF else 1, ch))
    return atoms


def _window_end(atoms: list[_Atom], start: int, limit: int) -> int:
    """Index of the first atom (from `start`) that no longer fits in `limit` units."""
    total, i = 0, start
    while i < len(atoms) and total + atoms[i].units <= limit:
        total += atoms[i].units
        i += 1
    return max(i, start + 1)  # always make progress, even on an atom wider than the limit


def _choose_cut(atoms: list[_Atom], start: int, end: int, limit: int) -> int:
    """The atom index to cut before: the best-level break that fills the part enough.

    Scans back from the end of the window, so the usual case (a paragraph end in the second
    half) looks at a few hundred characters, not the whole window.
    """
    full = [0] * _LEVELS  # per level: the last cut at or past the fill threshold
    short = [0] * _LEVELS  # per level: the last cut before it
    hard = 0
    total = sum(a.units for a in atoms[start:end])  # units up to and including atom i
    for i in range(end - 1, start - 1, -1):
        if total < limit * _MIN_FILL and any(full):
            break  # what lies further back cannot beat a cut already found
        level = _break_level(atoms, i) if atoms[i].char else None
        if level is not None:
            hard = hard or i + 1
            found = full if total >= limit * _MIN_FILL else short
            for lv in range(level, _LEVELS):  # a paragraph end is also a line end, and so on
                found[lv] = found[lv] or i + 1
            if level == 0 and found is full:
                break
        total -= atoms[i].units
    for cut in full:
        if cut:
            return _settle(atoms, start, cut)
    return _settle(atoms, start, max(short) or hard or end)


def _break_level(atoms: list[_Atom], i: int) -> int | None:
    """How good a cut right after atom `i` is: 0 (paragraph end) .. 4 (anywhere), None never."""
    ch = atoms[i].char
    if ch == "\n":
        return 0 if _char_before(atoms, i, skip=" \t") == "\n" else 1
    nxt = _next_char(atoms, i + 1)
    terminator = _sentence_end_at(atoms, i)
    if terminator and ch.isspace():
        return 2
    if terminator in _FULLWIDTH_TERMINATORS and nxt not in _CLOSERS and nxt not in _TERMINATORS:
        return 2  # Japanese and Chinese sentences end without a space
    if ch.isspace():
        return 3
    if ch == _ZWJ or (nxt and _joins_previous(nxt)):
        return None  # inside an emoji sequence or before a combining mark
    return _HARD


def _sentence_end_at(atoms: list[_Atom], i: int) -> str:
    """The terminator atom `i` follows (through closing quotes and spaces), or ""."""
    for j in range(i, max(-1, i - _LOOKBACK), -1):
        atom = atoms[j]
        if not atom.char:
            if atom.units:
                return ""  # a multi-character entity: a word
            continue  # a tag
        if atom.char in _TERMINATORS:
            return atom.char
        if not (atom.char.isspace() or atom.char in _CLOSERS):
            return ""
    return ""


def _char_before(atoms: list[_Atom], i: int, skip: str) -> str:
    for j in range(i - 1, max(-1, i - _LOOKBACK), -1):
        ch = atoms[j].char
        if ch and ch not in skip:
            return ch
        if not ch and atoms[j].units:
            return "x"
    return ""


def _joins_previous(ch: str) -> bool:
    cp = ord(ch)
    return (
        ch == _ZWJ
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences
        or unicodedata.combining(ch) != 0
    )


def _next_char(atoms: list[_Atom], i: int) -> str:
    while i < len(atoms):
        if atoms[i].units:
            return atoms[i].char or "x"  # a multi-character entity counts as a word character
        i += 1
    return ""


def _settle(atoms: list[_Atom], start: int, cut: int) -> int:
    """Move a cut off tag boundaries: tags opened just before it go to the next part, tags
    closed just after it stay in this one (no empty formatting on either side)."""
    lo = cut
    while lo - 1 > start and atoms[lo - 1].opens:
        lo -= 1
    if lo != cut and any(a.units for a in atoms[start:lo]):
        return lo
    while cut < len(atoms) and atoms[cut].closes:
        cut += 1
    return cut


def _stack_after(stack: list[_Atom], atoms: list[_Atom], start: int, cut: int) -> list[_Atom]:
    """The open tags in force after atoms[start:cut], given those in force at `start`."""
    stack = list(stack)
    for atom in atoms[start:cut]:
        if atom.opens:
            stack.append(atom)
        elif atom.closes:
            # Close the innermost tag of that name (balanced input closes the top one).
            for j in range(len(stack) - 1, -1, -1):
                if stack[j].tag == atom.tag:
                    del stack[j]
                    break
    return stack


def _opening(stack: list[_Atom]) -> str:
    return "".join(a.raw for a in stack)


def _closing(stack: list[_Atom]) -> str:
    return "".join(f"</{a.tag}>" for a in reversed(stack))
