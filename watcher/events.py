"""The one rule for "these releases are about the same meeting" (pure).

METI publishes in Japanese first and in English days or weeks later; Commerce and State post their
own versions. Subscribers want one alert per meeting, and a comparison must not take another
version of the same meeting for its predecessor, so the archive (grouping releases into events)
and the comparison (`find_previous`, first-in-series) both ask this module. Two releases are about
one meeting when:
1. one links to the other (METI English pages link the Japanese original), or
2. same series, the same ordinal, levels not in conflict ("4th ministerial"), and meeting dates
   (where both are known) not weeks apart, or
3. same series, ordinal and level not in conflict, and meeting dates within a day (a meeting in
   Washington on the 10th is the 11th in Tokyo), or
4. same series, nothing in conflict, not both with a meeting date, and dates (meeting, else
   posting) within two weeks.
A conflicting ordinal or level always keeps releases apart; so do meeting dates more than a day
apart, unless rule 2 joins them. A date that is only the posting date is no meeting date: METI's
English page follows the meeting by weeks. An ordinal read from a reference to another meeting
("our third JUCIP ministerial, in April") cannot join two meetings weeks apart. Among several
matching events the lowest-numbered rule wins, then the first candidate (the caller lists the
newest event first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for the annotation: a poll that finds nothing new must not load the analysis.
    from watcher.analysis.statement import Statement

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


def series_of(statement: Statement) -> str | None:
    """The series a statement's meeting belongs to, else the one it was detected for."""
    if statement.meeting and statement.meeting.series:
        return statement.meeting.series
    return statement.series[0] if statement.series else None


def meeting_key(statement: Statement) -> MeetingKey | None:
    """The key of a statement's meeting; None when it belongs to no series."""
    series = series_of(statement)
    if series is None:
        return None
    m = statement.meeting
    return MeetingKey(
        series=series,
        ordinal=m.ordinal if m else None,
        level=m.level if m else None,
        meeting_date=m.stated_date if m else None,
        posting_date=statement.date,
    )


def _conflict(a: object | None, b: object | None) -> bool:
    return a is not None and b is not None and a != b


def _days(a: date | None, b: date | None) -> int | None:
    return abs((a - b).days) if a and b else None


def _rule(a: MeetingKey, b: MeetingKey) -> int | None:
    """The rule (2, 3 or 4 above) by which a and b are one meeting, or None."""
    if a.series != b.series or _conflict(a.level, b.level):
        return None
    apart = _days(a.meeting_date, b.meeting_date)
    if a.ordinal is not None and a.ordinal == b.ordinal:
        return 2 if apart is None or apart <= NEAR_DAYS else None
    if _conflict(a.ordinal, b.ordinal):
        return None
    if apart is not None:
        return 3 if apart <= SAME_MEETING_DAYS else None
    apart = _days(a.when, b.when)
    return 4 if apart is not None and apart <= NEAR_DAYS else None


def same_meeting(a: MeetingKey, b: MeetingKey) -> bool:
    """Rules 2 to 4: the keys describe one meeting."""
    return _rule(a, b) is not None


def same_event(a: Statement, b: Statement) -> bool:
    """Two statements about one meeting (e.g. the English and the Japanese release)."""
    if (a.url and a.url in b.alternates.values()) or (b.url and b.url in a.alternates.values()):
        return True
    ka, kb = meeting_key(a), meeting_key(b)
    return ka is not None and kb is not None and same_meeting(ka, kb)


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
    best: tuple[int, int] | None = None
    for c in candidates:
        rule = _rule(new, c.key)
        if rule is not None and (best is None or rule < best[0]):
            best = (rule, c.event_id)
    return best[1] if best else None


def follows(new: MeetingKey, old: MeetingKey) -> bool:
    """`old` is the kind of meeting `new` follows in its series: a numbered meeting ("the 3rd
    ministerial") follows the previous numbered one at its level, not a readout of a call or a
    vice-ministerial in between; any other follows whatever came before."""
    if new.ordinal is None:
        return True
    return old.ordinal is not None and old.level == new.level


def previous_meeting(new: MeetingKey, earlier: Sequence[Candidate]) -> int | None:
    """The event of the meeting before `new` among `earlier` (events of its series held before
    it, latest first): the latest that `new` follows, else the latest; never one of `new`'s
    own meeting."""
    when = new.when
    usable = [
        c
        for c in earlier
        if c.key.series == new.series
        and c.key.when is not None
        and when is not None
        and c.key.when < when
        and not same_meeting(new, c.key)
    ]
    usable.sort(key=lambda c: (c.key.when, c.event_id), reverse=True)
    for c in usable:
        if follows(new, c.key):
            return c.event_id
    return usable[0].event_id if usable else None
