"""The tracker model: meetings (columns, date order, grouped by series) by topics (rows).

Pure: `build_tracker` takes what the archive holds about each meeting (`MeetingInput`: the event,
its summary, its documents) and returns the `Tracker` that the page, the topic pages and the feed
are rendered from. Nothing here formats or escapes; nothing reads the store.

The marks. Within one series, a topic's row reads left to right in meeting order; "the meeting
before" is the meeting's predecessor as the alerts' meeting-level comparison picks it
(`Archive.previous_event`, `watcher.events.previous_meeting`: a numbered meeting follows the
previous numbered meeting at its level, skipping readouts in between; anything else follows the
latest earlier meeting), and the meeting's comparison is the alerts' (`Archive.compare_event`),
so the tracker says "disappears" exactly where an alert says "no longer mentioned", and "not in
the summary" where an alert does:
- `first`: the first meeting of the series where the topic appears;
- `present`: it appears, and did at the meeting before (or the meeting before is known only from
  a summary, which need not name it: the comparison lists it as not in the summary);
- `returned`: it appears, did at some earlier meeting, but not at the meeting before;
- `dropped`: it does not appear, but did at the meeting before (it disappears here);
- `not-in-summary`: it does not appear, did at the meeting before, but this meeting is known
  only from a summary (a ministry's release against a joint statement, or a fraction of its
  length: the comparison's caveat), which need not name every topic discussed;
- `absent`: it does not appear, and did not at the meeting before.
A meeting's topics are those of every archived version of it (the English and the Japanese
release tag the same text, but one may name a cue the other words differently).

Links are only those the archive holds: the URLs of the meeting's documents and the other-language
versions they name. Only http(s) URLs become links (`Link.href`); a text imported from a local
file is named, never linked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from state.store import DocumentRow, EventRow
from watcher.analysis.statement import Commitment, Statement
from watcher.analysis.summary import EventSummary
from watcher.display import ordinal
from watcher.series import short_name


class Mark(StrEnum):
    FIRST = "first"
    PRESENT = "present"
    RETURNED = "returned"
    DROPPED = "dropped"
    NOT_IN_SUMMARY = "not-in-summary"
    ABSENT = "absent"

    @property
    def appears(self) -> bool:
        return self in (Mark.FIRST, Mark.PRESENT, Mark.RETURNED)


@dataclass(frozen=True, slots=True)
class MeetingInput:
    """What the archive holds about one meeting (an event)."""

    event: EventRow
    summary: EventSummary | None  # None when no version of it has an extracted statement
    documents: tuple[DocumentRow, ...]  # in archive order: the first version first
    predecessor: int | None = None  # the event id of the meeting before (see the marks)

    @property
    def not_in_summary(self) -> frozenset[str]:
        """The topics the meeting's comparison says are not in the summary (see the marks)."""
        c = self.summary.comparison if self.summary else None
        return frozenset(c.not_in_summary) if c else frozenset()


@dataclass(frozen=True, slots=True)
class Link:
    lang: str
    url: str
    title: str
    site: str  # the host, "" for a local file
    archived: bool  # False: a version the archive knows only as a link from another one

    @property
    def href(self) -> str | None:
        return self.url if urlsplit(self.url).scheme in ("http", "https") else None


@dataclass(frozen=True, slots=True)
class Pledge:
    """A commitment as the tracker shows it."""

    text: str
    strength: str
    rank: int  # how firm: 4 commit/agree/decide ... 1 welcome/concern
    lang: str
    topics: tuple[str, ...]
    translation: str | None = None  # the aligned text in the other language, when known
    translation_lang: str | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    event_id: int
    series: str
    label: str  # "2nd ministerial", "ministerial", "meeting"
    date: date | None  # the meeting's, else the first posting's
    place: str | None
    headline: str
    topics: tuple[str, ...]  # in taxonomy order
    key_commitments: tuple[Pledge, ...]
    commitment_count: int
    # Every commitment on a topic, in the first version that has one on it.
    by_topic: Mapping[str, tuple[Pledge, ...]]
    links: tuple[Link, ...]
    alerted: bool  # False: archived silently (first poll, bundled history, import, backfill)
    # The comparison with the meeting before: its caveat when one side is a summary, and the
    # topics it lists as not in the summary.
    caveat: str | None
    not_in_summary: tuple[str, ...]
    published: datetime | None  # when its first version was posted (the day, as a time)
    updated: datetime  # when its latest version reached the archive

    @property
    def anchor(self) -> str:
        return f"m{self.event_id}"


@dataclass(frozen=True, slots=True)
class SeriesGroup:
    id: str
    name: str
    meetings: tuple[Meeting, ...]

    @property
    def short(self) -> str:
        """The name before its gloss: JUCIP, of JUCIP (Japan-U.S. Commercial and ...)."""
        return short_name(self.name)


@dataclass(frozen=True, slots=True)
class TopicRow:
    id: str
    label: str
    # One mark per column, in the order of `Tracker.columns`.
    marks: tuple[Mark, ...]

    def appearances(self) -> int:
        return sum(1 for m in self.marks if m.appears)

    @property
    def page(self) -> str:
        return topic_page(self.id)


_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def topic_page(topic_id: str) -> str:
    """The topic's page, relative to the tracker's folder. Topic ids are checked by the config
    (lowercase letters, digits, hyphens); anything else, from an older archive, is hashed."""
    if _SAFE_ID.match(topic_id):
        return f"topics/{topic_id}.html"
    return f"topics/t-{hashlib.sha1(topic_id.encode()).hexdigest()[:12]}.html"


@dataclass(frozen=True, slots=True)
class Tracker:
    groups: tuple[SeriesGroup, ...]
    rows: tuple[TopicRow, ...]
    labels: Mapping[str, str]  # topic id -> label
    generated: datetime

    @property
    def columns(self) -> tuple[Meeting, ...]:
        return tuple(m for g in self.groups for m in g.meetings)

    def label(self, topic_id: str) -> str:
        return self.labels.get(topic_id, topic_id)

    def series_name(self, series_id: str) -> str:
        return next((g.name for g in self.groups if g.id == series_id), series_id)

    def series_short(self, series_id: str) -> str:
        return next((g.short for g in self.groups if g.id == series_id), series_id)

    def row(self, topic_id: str) -> TopicRow | None:
        return next((r for r in self.rows if r.id == topic_id), None)

    def cells(self, row: TopicRow) -> list[tuple[Meeting, Mark, bool]]:
        """(meeting, mark, starts a series group) for each column of the row."""
        starts = {g.meetings[0].event_id for g in self.groups}
        return [
            (m, mark, m.event_id in starts) for m, mark in zip(self.columns, row.marks, strict=True)
        ]

    def mark(self, topic_id: str, meeting: Meeting) -> Mark:
        row = self.row(topic_id)
        if row is None:
            return Mark.ABSENT
        index = next(i for i, m in enumerate(self.columns) if m.event_id == meeting.event_id)
        return row.marks[index]

    def dropped_at(self, meeting: Meeting) -> tuple[str, ...]:
        """The topics that disappear at this meeting."""
        return tuple(r.id for r in self.rows if self.mark(r.id, meeting) is Mark.DROPPED)

    def unsaid_at(self, meeting: Meeting) -> tuple[str, ...]:
        """The topics of the meeting before that this meeting's summary does not name."""
        return tuple(r.id for r in self.rows if self.mark(r.id, meeting) is Mark.NOT_IN_SUMMARY)

    def timeline(self, topic_id: str) -> list[tuple[Meeting, Mark]]:
        """The meetings where the topic appears, disappears or is not in the summary, in column
        order."""
        row = self.row(topic_id)
        if row is None:
            return []
        return [(m, mark) for m, mark, _ in self.cells(row) if mark is not Mark.ABSENT]


def marks(
    meetings: Sequence[tuple[int, frozenset[str], int | None]],
    topic: str,
    unsaid: Mapping[int, frozenset[str]] | None = None,
) -> tuple[Mark, ...]:
    """The marks of `topic` across one series' meetings, given in column order as (event id,
    topics, the predecessor's event id or None); `unsaid`: each event's topics its comparison
    lists as not in the summary. See the module docstring."""
    topics = {event_id: here for event_id, here, _ in meetings}
    unsaid = unsaid or {}
    out: list[Mark] = []
    seen = False
    for event_id, here, before_id in meetings:
        before = before_id is not None and topic in topics.get(before_id, frozenset())
        summary_only = topic in unsaid.get(event_id, frozenset())
        if topic in here:
            if before or (seen and summary_only):
                out.append(Mark.PRESENT)
            else:
                out.append(Mark.RETURNED if seen else Mark.FIRST)
            seen = True
        elif before:
            out.append(Mark.NOT_IN_SUMMARY if summary_only else Mark.DROPPED)
        else:
            out.append(Mark.ABSENT)
    return tuple(out)


def meeting_label(event: EventRow) -> str:
    level = event.level or "meeting"
    return f"{ordinal(event.ordinal)} {level}" if event.ordinal else level


Rank = Callable[[str], int]
LANGUAGES = {"en": "English", "ja": "Japanese"}


def _pledge(c: Commitment, lang: str, rank: Rank) -> Pledge:
    return Pledge(c.text, c.strength, rank(c.strength), lang, c.topics)


def _links(documents: Sequence[DocumentRow]) -> tuple[Link, ...]:
    archived = {d.url for d in documents}
    links = [Link(d.lang, d.url, d.title, urlsplit(d.url).hostname or "", True) for d in documents]
    for d in documents:
        for lang, url in d.alternates.items():
            if url not in archived:
                archived.add(url)
                site = urlsplit(url).hostname or ""
                name = LANGUAGES.get(lang, lang)
                links.append(Link(lang, url, f"{name} version", site, False))
    # English first, then Japanese, then any other language; archive order within one.
    order = {"en": 0, "ja": 1}
    return tuple(sorted(links, key=lambda link: order.get(link.lang, 2)))


def _by_topic(
    statements: Sequence[Statement], topics: Sequence[str], rank: Rank
) -> dict[str, tuple[Pledge, ...]]:
    out: dict[str, tuple[Pledge, ...]] = {}
    for topic in topics:
        for s in statements:
            found = tuple(_pledge(c, s.lang, rank) for c in s.commitments if topic in c.topics)
            if found:
                out[topic] = found
                break
    return out


def _key_commitments(summary: EventSummary, rank: Rank) -> tuple[Pledge, ...]:
    other = next((lang for lang in summary.links if lang != summary.lang), None)
    out = []
    for k in summary.key_commitments:
        translation = summary.translation(k.text, other) if other else None
        out.append(
            Pledge(
                k.text,
                k.strength,
                rank(k.strength),
                k.lang,
                k.topics,
                translation,
                other if translation else None,
            )
        )
    return tuple(out)


def _as_time(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def build_meeting(
    item: MeetingInput, order: Callable[[set[str]], tuple[str, ...]], rank: Rank
) -> Meeting:
    """One column: the event, what its summary says, and every version's topics and links."""
    event, summary = item.event, item.summary
    statements = [Statement.from_dict(d.statement) for d in item.documents if d.statement]
    topics: set[str] = set(summary.topics) if summary else set()
    for s in statements:
        topics.update(s.topics)
    place = summary.meeting.place if summary and summary.meeting else None
    return Meeting(
        event_id=event.id,
        series=event.series,
        label=meeting_label(event),
        date=event.meeting_date or event.first_posted,
        place=place,
        headline=summary.headline if summary else event.title,
        topics=order(topics),
        key_commitments=_key_commitments(summary, rank) if summary else (),
        commitment_count=summary.commitment_count if summary else 0,
        by_topic=_by_topic(statements, order(topics), rank),
        links=_links(item.documents),
        alerted=not event.baseline,
        caveat=summary.comparison.caveat if summary and summary.comparison else None,
        not_in_summary=order(set(item.not_in_summary)),
        published=_as_time(event.first_posted),
        updated=max((d.first_seen_at for d in item.documents), default=event.created_at),
    )


def build_tracker(
    items: Sequence[MeetingInput],
    *,
    series_names: Mapping[str, str],
    topic_order: Sequence[str],
    labels: Mapping[str, str],
    rank: Rank,
    now: datetime,
) -> Tracker:
    """The tracker of the given meetings. Series come in `series_names` order (then any other
    series, by id); topics in `topic_order` (then any other id, alphabetically)."""
    position = {t: i for i, t in enumerate(topic_order)}

    def order(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=lambda t: (position.get(t, len(position)), t)))

    meetings = [build_meeting(i, order, rank) for i in items]
    series = list(series_names) + sorted({m.series for m in meetings} - set(series_names))
    groups = []
    for sid in series:
        of_series = [m for m in meetings if m.series == sid]
        if of_series:
            of_series.sort(key=lambda m: (m.date or date.max, m.event_id))
            groups.append(SeriesGroup(sid, series_names.get(sid, sid), tuple(of_series)))
    columns = [m for g in groups for m in g.meetings]
    before = {i.event.id: i.predecessor for i in items}
    unsaid = {i.event.id: i.not_in_summary for i in items}
    series_rows = [
        [(m.event_id, frozenset(m.topics), before.get(m.event_id)) for m in g.meetings]
        for g in groups
    ]
    rows = []
    for topic in order({t for m in meetings for t in m.topics}):
        row = [mark for cols in series_rows for mark in marks(cols, topic, unsaid)]
        rows.append(TopicRow(topic, labels.get(topic, topic), tuple(row)))
    assert all(len(r.marks) == len(columns) for r in rows)
    return Tracker(tuple(groups), tuple(rows), dict(labels), now)
