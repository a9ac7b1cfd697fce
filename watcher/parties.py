"""Whose dialogue a name is: the countries a "Japan-UK ...", "日豪...", "... between Japan and
the Philippines" qualifier names (pure; the country names live in data/countries.toml).

Japan holds an economic "2+2" with several countries, and the United States a "2+2" with several
others: the words "Economic 2+2" say nothing about the parties, the qualifier in front of them
does. All functions take text already passed through `textnorm.fold`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from watcher.data import load_toml
from watcher.textnorm import fold

US, JAPAN = "us", "jp"

# An English pair: hyphen-joined names of up to four words each, ending where the name starts.
_EN_CHAIN = re.compile(r"((?:[a-z.]+ ){0,3}[a-z.]+(?: ?- ?(?:[a-z.]+ ){0,3}[a-z.]+)+)\s*$")
# "... between Japan and the Philippines", close after the name.
_EN_BETWEEN = re.compile(
    r"^[^.;:]{0,40}?\b(?:between|among) (?:the )?([a-z. ]+?),? and (?:the )?([a-z. ]+?)"
    r"(?=[,.;:()\"]|$| (?:in|on|at|for|to|was|were|is|are|held|will)\b)"
)
EN_WINDOW = 80
JA_WINDOW = 16


@dataclass(frozen=True, slots=True)
class _Lexicon:
    en: dict[str, str]
    ja: dict[str, str]
    ja_longest_first: tuple[str, ...]  # a chain is read greedily: "米国" before "米"
    ja_chain: re.Pattern[str]
    en_any: re.Pattern[str]
    offices_en: dict[str, str]
    offices_en_any: re.Pattern[str] | None
    offices_ja: dict[str, str]


@cache
def _lexicon() -> _Lexicon:
    en: dict[str, str] = {}
    ja: dict[str, str] = {}
    offices_en: dict[str, str] = {}
    offices_ja: dict[str, str] = {}
    for c in load_toml("countries.toml")["countries"]:
        en.update({fold(name): c["id"] for name in c["en"]})
        ja.update({fold(name): c["id"] for name in c["ja"]})
        offices_en.update({fold(name): c["id"] for name in c.get("offices_en", [])})
        offices_ja.update({fold(name): c["id"] for name in c.get("offices_ja", [])})
    ja_longest_first = tuple(sorted(ja, key=len, reverse=True))
    names = "|".join(re.escape(n) for n in ja_longest_first)
    words = "|".join(re.escape(n) for n in sorted(en, key=len, reverse=True))
    offices = "|".join(re.escape(n) for n in sorted(offices_en, key=len, reverse=True))
    return _Lexicon(
        en=en,
        ja=ja,
        ja_longest_first=ja_longest_first,
        ja_chain=re.compile(rf"(?:(?:{names})・?){{2,}}$"),
        en_any=re.compile(rf"(?<![\w.])(?:{words})(?![\w])"),
        # "Secretary of State for Business" is another country's office than "Secretary of State".
        offices_en=offices_en,
        offices_en_any=re.compile(rf"(?<![\w.])(?:{offices})(?![\w])(?! for\b)")
        if offices_en
        else None,
        offices_ja=offices_ja,
    )


def _country(words: str, *, suffix: bool) -> str | None:
    """The country a name part names; with `suffix`, the longest known tail of it ("the first
    japan" -> Japan), since the chain may start inside a sentence."""
    lex = _lexicon()
    tokens = words.strip().split()
    starts = range(len(tokens)) if suffix else range(1)
    for i in starts:
        found = lex.en.get(" ".join(tokens[i:]))
        if found:
            return found
    return None


def _ja_parties(chain: str) -> frozenset[str]:
    lex = _lexicon()
    out, i = set(), 0
    while i < len(chain):
        if chain[i] == "・":
            i += 1
            continue
        name = next(n for n in lex.ja_longest_first if chain.startswith(n, i))
        out.add(lex.ja[name])
        i += len(name)
    return frozenset(out)


def parties_before(folded: str, start: int) -> frozenset[str] | None:
    """The countries of a pair written just before `start` ("japan-uk ", "日英"), or None when
    what precedes is not a pair of known countries."""
    window = folded[max(0, start - JA_WINDOW) : start]
    m = _lexicon().ja_chain.search(window)
    if m:
        return _ja_parties(m.group())
    m = _EN_CHAIN.search(folded[max(0, start - EN_WINDOW) : start])
    if not m:
        return None
    parts = re.split(r" ?- ?", m.group(1))
    found = [_country(p, suffix=i == 0) for i, p in enumerate(parts)]
    if None in found:
        return None
    return frozenset(f for f in found if f)


def parties_after(folded: str, end: int) -> frozenset[str] | None:
    """The countries of a "between A and B" that follows a name closely, or None."""
    m = _EN_BETWEEN.search(folded[end : end + EN_WINDOW])
    if not m:
        return None
    found = [_country(m.group(1), suffix=True), _country(m.group(2), suffix=False)]
    if None in found:
        return None
    return frozenset(f for f in found if f)


def countries_named(folded: str) -> set[str]:
    """Every country the text names in full ("Japan", "the United States", "米国", "日米") or
    through an office only it has ("Secretary of Commerce", "経済産業大臣")."""
    lex = _lexicon()
    out = {lex.en[m.group()] for m in lex.en_any.finditer(folded)}
    out.update(lex.ja[n] for n in lex.ja if len(n) > 1 and n in folded)
    if re.search(r"日・?米|米・?日", folded):
        out.update((US, JAPAN))
    if lex.offices_en_any is not None:
        out.update(lex.offices_en[m.group()] for m in lex.offices_en_any.finditer(folded))
    out.update(country for office, country in lex.offices_ja.items() if office in folded)
    return out


# The parties of a dialogue are named where a release introduces it: its title and its lead.
LEAD_BLOCKS = 3
LEAD_CHARS = 1000


def countries_introduced(folded: str) -> set[str]:
    """The countries a release names in its title and lead (the first paragraphs), else in the
    whole text: a question about a third country further down does not make it a party."""
    lead = "\n\n".join(folded.split("\n\n")[:LEAD_BLOCKS])[:LEAD_CHARS]
    return countries_named(lead) or countries_named(folded)
