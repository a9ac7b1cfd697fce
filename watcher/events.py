"""Group releases about one meeting into one event (pure).

METI publishes in Japanese first and in English days or weeks later; Commerce and State post their
own versions. Subscribers want one alert per meeting, so a release joins an existing event when:
1. it links to a release already in that event (METI English pages link the Japanese original), or
2. same series, and the same ordinal and level ("4th ministerial"), or
3. same series, level not in conflict, and meeting dates within a day, or
4. same series, nothing in conflict, and dates (meeting or posting) within two weeks.
A conflicting ordinal, level or meeting date always keeps releases apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

SAME_MEETING_DAYS = 1
NEAR_DAYS = 14


@dataclass(frozen=True, slots=True)
class MeetingKey:
    series: str
    ordinal: int | None
    level: str | None
    meeting_date: date | None
    posting_date: date | None

    @property
    def when(self) -> date | None:
        return self.meeting_date or self.posting_date


@dataclass(frozen=True, slots=True)
class Candidate:
    event_id: int
    key: MeetingKey


def _conflict(a: object | None, b: object | None) -> bool:
    return a is not None and b is not None and a != b


def _days(a: date | None, b: date | None) -> int | None:
    return abs((a - b).days) if a and b else None


def match_event(
    new: MeetingKey,
    candidates: Sequence[Candidate],
    *,
    linked_urls: Sequence[str] = (),
    events_by_url: Mapping[str, int] | None = None,
) -> int | None:
    """The id of the event `new` belongs to, or None for a new event."""
    for url in linked_urls:
        if events_by_url and url in events_by_url:
            return events_by_url[url]
    same_series = [c for c in candidates if c.key.series == new.series]
    for c in same_series:
        k = c.key
        if k.ordinal is not None and k.ordinal == new.ordinal and not _conflict(k.level, new.level):
            return c.event_id
    for c in same_series:
        k = c.key
        if _conflict(k.ordinal, new.ordinal) or _conflict(k.level, new.level):
            continue
        d = _days(k.meeting_date, new.meeting_date)
        if d is not None and d <= SAME_MEETING_DAYS:
            return c.event_id
    for c in same_series:
        k = c.key
        if _conflict(k.ordinal, new.ordinal) or _conflict(k.level, new.level):
            continue
        if k.meeting_date and new.meeting_date:
            continue  # both dated and more than a day apart: different meetings
        d = _days(k.when, new.when)
        if d is not None and d <= NEAR_DAYS:
            return c.event_id
    return None
