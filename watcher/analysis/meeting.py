"""Meeting metadata: series, ordinal, level, date held, place and principals.

Read from the title and the sentence that reports the meeting ("On May 26th, 2023, Secretary ...
held the second Ministerial Meeting of ... in Detroit, Michigan."). A date without a year ("On
Wednesday, June 26") takes the year that puts it closest before the posting date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from watcher.analysis.segment import Unit
from watcher.analysis.statement import Meeting
from watcher.data import load_toml
from watcher.dates import WEEKDAYS, mentions, month_number, weekday_number
from watcher.series import SeriesCatalog

_MEETING_WORD = r"(?:meeting|ministerial|dialogue|session|round|consultations?)"
_EN_PLACE = re.compile(
    r"\b(?:in|at)\s+(?P<place>(?:[A-Z][\w'’-]*\.?)"
    r"(?:(?:\s+|,\s*)(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z][\w'’-]*\.?))*)"
)
# A meeting date may be a day off the posting date either way (Washington is a day behind Tokyo).
SLACK_DAYS = 1
_ON_WEEKDAY = re.compile(rf"\b(?:on|this|last)\s+({'|'.join(WEEKDAYS)})\b", re.IGNORECASE)
# A sentence that announces the meeting rather than reports it.
_AHEAD = re.compile(
    r"\bwill (?:host|hold|meet|convene|co-chair|chair|travel|visit|attend|welcome)\b|"
    r"開催します|開催されます|開催する予定|開催される予定|開催予定|出席します|出席する予定"
)
_VIRTUAL = re.compile(r"\b(?:virtually|by video ?conference|videoconference|online)\b|オンライン")
_JA_PLACE = re.compile(r"(?:^|[、,\s])(?P<place>[^\s、。,]{2,24}?)(?:において|にて)")


@dataclass(frozen=True, slots=True)
class _Lexicon:
    held: re.Pattern[str]
    ordinal_en: re.Pattern[str]
    ordinal_ja: re.Pattern[str]
    ordinal_words: dict[str, int]
    ja_numerals: dict[str, int]
    levels: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]
    title_en: re.Pattern[str]
    title_ja: re.Pattern[str]
    not_names: frozenset[str]


@cache
def _lexicon() -> _Lexicon:
    data = load_toml("meeting.toml")
    words = {w: i + 1 for i, w in enumerate(data["ordinals"]["en_words"])}
    words.update({w: 1 for w in data["ordinals"]["en_inaugural"]})
    word_alt = "|".join(sorted(words, key=len, reverse=True))
    pr = data["principals"]
    titles_en = sorted(pr["titles_en"], key=len, reverse=True)
    honor = "|".join(re.escape(h) for h in pr["honorifics"])
    name_token = r"(?:[A-Z][a-z'’-]+|[A-Z]\.)"
    return _Lexicon(
        held=re.compile(f"{data['held_en']}|{data['held_ja']}", re.IGNORECASE),
        ordinal_en=re.compile(
            rf"\b(?:(?P<word>{word_alt})|(?P<num>\d{{1,2}})(?:st|nd|rd|th))\b"
            # "the second Ministerial Meeting", not "their first meeting since ...": a bare
            # "meeting" counts only when the series is named around it (checked by the caller).
            rf"(?=[^,;]{{0,120}}?\b(?:(?:vice[- ])?ministerial|working[- ]level)\b)"
            rf"|\b(?:(?P<word2>{word_alt})|(?P<num2>\d{{1,2}})(?:st|nd|rd|th))\b"
            rf"(?P<rest>[^,;]{{0,120}}?\b{_MEETING_WORD}\b[^,;]{{0,60}})",
            re.IGNORECASE,
        ),
        ordinal_ja=re.compile(r"第\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})\s*回"),
        ordinal_words=words,
        ja_numerals={n: i + 1 for i, n in enumerate(data["ordinals"]["ja_numerals"])},
        levels=tuple(
            (
                lv["id"],
                re.compile("|".join(lv["en"] + lv["ja"]), re.IGNORECASE),
                tuple(lv.get("principal_titles", [])),
            )
            for lv in data["levels"]
        ),
        title_en=re.compile(
            rf"(?P<title>{'|'.join(re.escape(t) for t in titles_en)})\s+(?:(?:{honor})\s+)?"
            rf"(?P<name>{name_token}(?:\s+{name_token}){{0,3}})"
        ),
        title_ja=re.compile(
            r"(?P<name>[\u4e00-\u9fff\u30a0-\u30ff・ー]{2,12}?)"
            rf"(?P<title>{'|'.join(re.escape(t) for t in pr['titles_ja'])})"
        ),
        not_names=frozenset(pr["not_names"]),
    )


def _ja_number(s: str, numerals: dict[str, int]) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + numerals.get(s[1:], 0)
    if s.endswith("十"):
        return numerals.get(s[:-1], 0) * 10
    if "十" in s:
        tens, ones = s.split("十", 1)
        return numerals.get(tens, 0) * 10 + numerals.get(ones, 0)
    return numerals.get(s)


def find_ordinal(text: str, catalog: SeriesCatalog | None = None) -> int | None:
    """The meeting's number in its series: "Second Ministerial", "4th ... Ministerial",
    "第2回", or "third meeting of the EPCC" when the series is named with "meeting"."""
    lex = _lexicon()
    m = lex.ordinal_ja.search(text)
    if m:
        return _ja_number(m.group("n"), lex.ja_numerals)
    for m in lex.ordinal_en.finditer(text):
        if m.group("rest") is not None and not (catalog and catalog.find(m.group("rest"))):
            continue
        num = m.group("num") or m.group("num2")
        if num:
            return int(num)
        return lex.ordinal_words[(m.group("word") or m.group("word2")).casefold()]
    return None


def _infer_year(
    month: int, day: int, posted: date | None, *, weekday: int | None = None, ahead: bool = False
) -> date | None:
    """The year for a date written without one, from the posting date: the nearest date that
    agrees with the weekday written with it, and lies on or before the posting (a readout, a
    release) or on or after it (an announcement, `ahead`); a day's slack either way for time
    zones. A weekday that no year near the posting agrees with is ignored."""
    if posted is None:
        return None
    candidates = []
    for year in (posted.year - 1, posted.year, posted.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    slack = timedelta(days=SLACK_DAYS)
    if ahead:
        side = [c for c in candidates if c >= posted - slack]
    else:
        side = [c for c in candidates if c <= posted + slack]
    agreeing = [c for c in candidates if weekday is None or c.weekday() == weekday]
    for pool in ([c for c in side if c in agreeing], agreeing if weekday is not None else [], side):
        if pool:
            return min(pool, key=lambda c: (abs((c - posted).days), c))
    return None


def _weekday_only(text: str, posted: date | None, *, ahead: bool) -> date | None:
    """ "On Wednesday, ..." with no date: the nearest such day on the side of the posting date
    the release looks to (today counts)."""
    m = _ON_WEEKDAY.search(text)
    if m is None or posted is None:
        return None
    weekday = weekday_number(m.group(1))
    if weekday is None:
        return None
    step = 1 if ahead else -1
    when = posted
    while when.weekday() != weekday:
        when += timedelta(days=step)
    return when


def find_date(
    text: str, posted: date | None, *, ahead: bool = False
) -> tuple[date | None, str | None]:
    """The first date in text, and "text" or "inferred" (when the year had to be supplied);
    `ahead` when the text announces a meeting still to come."""
    for mention in mentions(text):
        if mention.kind == "iso":
            continue  # statements write dates out; an ISO string is a reference or a file name
        if mention.year is not None:
            found = mention.to_date()
            if found:
                return found, "text"
            continue
        inferred = _infer_year(
            mention.month, mention.day, posted, weekday=mention.weekday, ahead=ahead
        )
        if inferred:
            return inferred, "inferred"
    on_day = _weekday_only(text, posted, ahead=ahead)
    if on_day:
        return on_day, "inferred"
    return None, None


def find_place(text: str) -> str | None:
    if _VIRTUAL.search(text):
        return "virtual"
    m = _JA_PLACE.search(text)
    if m:
        return m.group("place")
    for m in _EN_PLACE.finditer(text):
        place = m.group("place").strip(" ,")
        first = place.split()[0].rstrip(".,").casefold()
        if month_number(first) or first == "the":
            continue
        if place.endswith(".") and not re.search(r"[A-Z]\.[A-Z]\.$", place):
            place = place[:-1]
        return place
    return None


def find_principals(text: str) -> list[tuple[str, str]]:
    """(name, title) of people named with their office, in order, one entry per person."""
    lex = _lexicon()
    found: list[tuple[int, str, str]] = []
    for m in lex.title_en.finditer(text):
        tokens = m.group("name").split()
        while tokens and tokens[-1].rstrip(".") in lex.not_names:
            tokens.pop()
        if tokens and tokens[0].rstrip(".") not in lex.not_names:
            found.append((m.start(), " ".join(tokens), m.group("title")))
    for m in lex.title_ja.finditer(text):
        found.append((m.start(), m.group("name"), m.group("title")))
    people: list[tuple[str, str]] = []
    for _, name, title in sorted(found):
        key = {t for t in re.split(r"[\s・]", name) if len(t.rstrip(".")) > 1}
        for i, (other, other_title) in enumerate(people):
            # Japanese names have no spaces: "西村" and "西村康稔" are one person.
            if key & {t for t in re.split(r"[\s・]", other) if len(t.rstrip(".")) > 1} or (
                name.startswith(other) or other.startswith(name)
            ):
                if len(name) > len(other):
                    people[i] = (name, other_title)
                break
        else:
            people.append((name, title))
    return people


def find_level(text: str, principals: Sequence[tuple[str, str]] = ()) -> str | None:
    lex = _lexicon()
    for level, pattern, _ in lex.levels:
        if pattern.search(text):
            return level
    for level, _, titles in lex.levels:
        if any(t in title for _, title in principals for t in titles):
            return level
    return None


def meeting_unit(units: Sequence[Unit], window: int = 6) -> Unit | None:
    """The opening sentence that reports the meeting ("... held the second Ministerial ...")."""
    lex = _lexicon()
    for unit in units[:window]:
        if lex.held.search(unit.text):
            return unit
    return None


def extract_meeting(
    *,
    title: str,
    units: Sequence[Unit],
    head: Sequence[str],
    posted: date | None,
    catalog: SeriesCatalog,
    detected: Sequence[str],
    kind: str | None = None,
) -> Meeting:
    sentence = meeting_unit(units)
    said = sentence.text if sentence else ""
    opening = " ".join(u.text for u in units[:3])

    series = None
    for text in (title, said):
        named = catalog.find(text) if text else set()
        ranked = [s for s in detected if s in named] or sorted(named)
        if ranked:
            series = ranked[0]
            break
    if series is None and detected:
        series = detected[0]

    ordinal = find_ordinal(title, catalog) if title else None
    if ordinal is None and said:
        ordinal = find_ordinal(said, catalog)

    # The meeting sentence may name "Minister Saito"; the next one "Minister ... Ken Saito".
    principals = find_principals(f"{said} {opening}")
    level = find_level(title) if title else None
    level = level or find_level(said, principals)

    ahead = kind == "media-note" or bool(_AHEAD.search(said or opening))
    when, source = find_date(said, posted, ahead=ahead) if said else (None, None)
    if when is None:
        when, source = find_date(opening, posted, ahead=ahead)
    if when is None:
        when, source = find_date(" ".join(head), posted)
        source = "dateline" if when else None
    if when is None and posted is not None:
        when, source = posted, "posting"

    return Meeting(
        series=series,
        ordinal=ordinal,
        level=level,
        date=when,
        place=find_place(said) if said else None,
        principals=tuple(name for name, _ in principals),
        date_source=source,
    )
