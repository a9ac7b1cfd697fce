"""Dates as the releases write them, found in one place for page dates and meeting dates.

English "April 11, 2024" and "11 April 2024" (the year may be left out: "On Wednesday, June 26"),
Japanese "2024年4月11日" and "令和6年4月11日" (year optional too), and ISO "2024-04-11".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from watcher.textnorm import normalise

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_JA = "月火水木金土日"
# Full names first, then "Sept." (the one four-letter abbreviation in use), then "Sep." etc.
_MONTH_RE = "|".join(MONTHS) + r"|sept\.?|" + "|".join(m[:3] + r"\.?" for m in MONTHS)
_WEEKDAY_RE = "|".join(WEEKDAYS) + r"|(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?"
# "Friday, July 29", "July 29 (Friday)"; a weekday named with a date must agree with it.
_EN_MDY = re.compile(
    rf"\b(?:(?P<wd>{_WEEKDAY_RE}),?\s+)?(?P<month>{_MONTH_RE})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"\b(?:,?\s+(?P<year>\d{{4}}))?(?:\s*\((?P<wd2>{_WEEKDAY_RE})\))?",
    re.IGNORECASE,
)
_EN_DMY = re.compile(
    rf"\b(?:(?P<wd>{_WEEKDAY_RE}),?\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_RE})"
    rf"\b(?:,?\s+(?P<year>\d{{4}}))?(?:\s*\((?P<wd2>{_WEEKDAY_RE})\))?",
    re.IGNORECASE,
)
_JA = re.compile(
    r"(?:(?P<era>令和|平成)?\s*(?P<year>\d{1,4}|元)\s*年)?\s*(?P<month>\d{1,2})\s*月\s*"
    rf"(?P<day>\d{{1,2}})\s*日(?:\s*[(（]\s*(?P<wd>[{WEEKDAYS_JA}])(?:曜日?)?\s*[)）])?"
)
_ISO = re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)")
_ERA_BASE = {"令和": 2018, "平成": 1988}


def iso(value: date | datetime | None) -> str | None:
    """The ISO-8601 text of a date or time, None for None: how JSON and the store write them."""
    return value.isoformat() if value is not None else None


def weekday_number(word: str | None) -> int | None:
    """0 (Monday) to 6 for an English weekday name or abbreviation, or a Japanese 曜日 kanji."""
    if not word:
        return None
    if word in WEEKDAYS_JA:
        return WEEKDAYS_JA.index(word)
    word = word.casefold().rstrip(".")
    return next((i for i, d in enumerate(WEEKDAYS) if d.startswith(word[:3])), None)


def month_number(word: str) -> int | None:
    """1-12 for an English month name or its three-letter abbreviation, else None."""
    word = word.casefold().rstrip(".")
    return MONTHS.get(word) or next((n for m, n in MONTHS.items() if m[:3] == word[:3]), None)


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    year: int | None
    month: int
    day: int
    kind: str  # "en", "ja" or "iso"
    # The weekday written with the date (0 = Monday), which the date must agree with.
    weekday: int | None = None

    def to_date(self, year: int | None = None) -> date | None:
        try:
            return date(year or self.year or 0, self.month, self.day)
        except ValueError:
            return None


def mentions(text: str) -> list[Mention]:
    """Every date written in `text` (already normalised), in order of appearance."""
    found = []
    for pattern in (_EN_MDY, _EN_DMY):
        for m in pattern.finditer(text):
            month = month_number(m.group("month"))
            if month:
                year = int(m.group("year")) if m.group("year") else None
                weekday = weekday_number(m.group("wd") or m.group("wd2"))
                found.append(Mention(m.start(), year, month, int(m.group("day")), "en", weekday))
    for m in _JA.finditer(text):
        year = None
        if m.group("year"):
            y = 1 if m.group("year") == "元" else int(m.group("year"))
            year = y + _ERA_BASE[m.group("era")] if m.group("era") else y
        month, day = int(m.group("month")), int(m.group("day"))
        found.append(Mention(m.start(), year, month, day, "ja", weekday_number(m.group("wd"))))
    for m in _ISO.finditer(text):
        found.append(
            Mention(
                m.start(), int(m.group("year")), int(m.group("month")), int(m.group("day")), "iso"
            )
        )
    return sorted(found, key=lambda x: x.start)


def parse_date(text: str) -> date | None:
    """The first complete date in `text`: 2026年8月26日, 令和8年8月26日, April 11, 2024, ..."""
    for mention in mentions(normalise(text)):
        if mention.year is not None and (found := mention.to_date()):
            return found
    return None
