"""Split a cleaned statement into units: sentences of paragraphs, bullets and numbered items.

A unit that introduces a list ("they committed to advance the following: ...") is a lead-in;
the list items under it remember it, so an item without a verb of its own can take the lead-in's
actor and verb. English sentences end at . ! ? except after abbreviations (U.S., D.C., Dr., No.,
initials); Japanese sentences end at 。！？.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from watcher.data import load_toml
from watcher.textnorm import is_japanese, normalise

BlockKind = Literal["para", "bullet", "item"]


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    depth: int
    text: str


@dataclass(frozen=True, slots=True)
class Unit:
    text: str
    kind: BlockKind
    block: int
    # First sentence of its block: the one a list item's lead-in grammatically continues.
    first: bool
    # Index (in the unit list) of the lead-in this list unit belongs to.
    lead_in: int | None
    is_lead_in: bool
    lang: str


@dataclass(frozen=True, slots=True)
class _Lexicon:
    glyph: re.Pattern[str]
    number: re.Pattern[str]
    never_final: frozenset[str]
    may_be_final: frozenset[str]
    openers: frozenset[str]
    lead_in_en: re.Pattern[str]
    lead_in_ja: re.Pattern[str]


@cache
def _lexicon() -> _Lexicon:
    text = load_toml("text.toml")
    lead = load_toml("commitments.toml")["lead_in"]
    return _Lexicon(
        glyph=re.compile(text["bullets"]["glyph"]),
        number=re.compile(text["bullets"]["number"]),
        never_final=frozenset(a.casefold() for a in text["sentences"]["never_final"]),
        may_be_final=frozenset(a.casefold() for a in text["sentences"]["may_be_final"]),
        openers=frozenset(text["sentences"]["openers"]),
        lead_in_en=re.compile("|".join(lead["en"]), re.IGNORECASE),
        lead_in_ja=re.compile("|".join(lead["ja"])),
    )


def _indent(prefix: str) -> int:
    return len(prefix.replace("\t", "  ").replace("\u3000", "  "))


def parse_blocks(text: str) -> list[Block]:
    """Paragraphs (joined lines between blank lines) and list items (one per marker line)."""
    lex = _lexicon()
    blocks: list[Block] = []
    open_block = False  # the previous line belongs to a block a plain line can continue
    for line in text.split("\n"):
        if not line.strip():
            open_block = False
            continue
        glyph = lex.glyph.match(line)
        rest = line[glyph.end() :] if glyph else line
        number = lex.number.match(rest)
        if glyph or number:
            depth = (_indent(glyph.group("indent")) + 1) // 2 if glyph else 0
            if number and not glyph:
                depth = (_indent(line[: len(line) - len(line.lstrip())]) + 1) // 2
            kind: BlockKind = "item" if number else "bullet"
            blocks.append(Block(kind, depth, normalise(rest)))
            open_block = True
        elif open_block and blocks:
            prev = blocks[-1]
            joiner = "" if is_japanese(prev.text) else " "
            blocks[-1] = Block(prev.kind, prev.depth, prev.text + joiner + normalise(line))
        else:
            blocks.append(Block("para", 0, normalise(line)))
            open_block = True
    return blocks


_EN_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+")
_JA_SENTENCE = re.compile(r"[^。！？]*[。！？]+[」』）)\"']*|[^。！？]+$")
_LAST_WORD = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"^[A-Z]\.?$")


def _ends_sentence(before: str, after: str) -> bool:
    lex = _lexicon()
    if not after or not (after[0].isupper() or after[0].isdigit() or after[0] in "\"“'‘("):
        return False
    m = _LAST_WORD.search(before)
    word = m.group(1).lstrip("\"“'‘(") if m else ""
    if before.endswith("."):
        # "Japan-U.S." is the abbreviation "U.S." for this purpose.
        stem = re.split(r"[-/]", word[:-1])[-1]
        if _INITIAL.match(stem) or stem.casefold() in lex.never_final:
            return False
        if stem.casefold() in lex.may_be_final or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", stem):
            opener = after.split(None, 1)[0].strip("\"“'‘(,")
            return opener in lex.openers
    return True


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Sentences of one paragraph or list item."""
    text = text.strip()
    if not text:
        return []
    if (lang or ("ja" if is_japanese(text) else "en")) == "ja":
        return [s.strip() for s in _JA_SENTENCE.findall(text) if s.strip()]
    out, start = [], 0
    for m in _EN_BOUNDARY.finditer(text):
        before = text[start : m.start() + 1]
        if _ends_sentence(before, text[m.end() :]):
            out.append(text[start : m.end()].strip())
            start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _is_lead_in(sentence: str, lang: str) -> bool:
    lex = _lexicon()
    pattern = lex.lead_in_ja if lang == "ja" else lex.lead_in_en
    return bool(pattern.search(sentence))


def segment(text: str, lang: str | None = None) -> list[Unit]:
    """Units of a cleaned text, with each list unit linked to the lead-in it sits under."""
    blocks = parse_blocks(text)
    units: list[Unit] = []
    para_lead: int | None = None  # lead-in of a paragraph: rules the list that follows
    list_lead: tuple[int, Block] | None = None  # lead-in inside a list item: rules its sub-items
    for bi, block in enumerate(blocks):
        block_lang = lang or ("ja" if is_japanese(block.text) else "en")
        next_is_list = bi + 1 < len(blocks) and blocks[bi + 1].kind != "para"
        if block.kind == "para":
            list_lead = None
            lead = None
            # A paragraph between list items (a continuation) keeps the section's lead-in; one
            # followed by another paragraph closes the list.
            if not next_is_list:
                para_lead = None
        else:
            if list_lead is not None and (
                block.depth > list_lead[1].depth
                or (block.kind == "item" and list_lead[1].kind == "bullet")
            ):
                lead = list_lead[0]
            else:
                list_lead = None
                lead = para_lead
        sentences = split_sentences(block.text, block_lang)
        for si, sentence in enumerate(sentences):
            last = si == len(sentences) - 1
            lead_in = last and next_is_list and _is_lead_in(sentence, block_lang)
            units.append(
                Unit(
                    text=sentence,
                    kind=block.kind,
                    block=bi,
                    first=si == 0,
                    lead_in=lead,
                    is_lead_in=lead_in,
                    lang=block_lang,
                )
            )
            if lead_in:
                if block.kind == "para":
                    para_lead = len(units) - 1
                else:
                    list_lead = (len(units) - 1, block)
    return units
