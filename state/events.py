"""The archive: events (one meeting or statement) and the documents (releases) that report them.

Writers are watcher/archive.py; readers (commands, notifiers, tests) use `events`, `event`,
`latest_event`, `event_documents`, `document`, `document_by_url` and `documents`, and never need
SQL of their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from state.db import RowMap, Tables, from_json, iso, to_date, to_json, to_time


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    series: str
    ordinal: int | None
    level: str | None
    meeting_date: date | None
    title: str
    baseline: bool
    created_at: datetime
    summary: dict[str, Any] | None
    first_posted: date | None  # the earliest posting date of its documents


@dataclass(frozen=True, slots=True)
class EventKeyRow:
    """What places an event among its series' meetings, without its stored summary: the
    predecessor search reads a score of these per lookup and needs no summary decoded."""

    id: int
    series: str
    ordinal: int | None
    level: str | None
    meeting_date: date | None
    first_posted: date | None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    url: str
    source: str | None
    origin: str
    lang: str
    title: str
    date: date | None
    text: str
    content_hash: str
    series: tuple[str, ...]
    relevance: str
    alternates: dict[str, str]
    statement: dict[str, Any] | None
    meeting_date: date | None
    event_id: int | None
    baseline: bool
    first_seen_at: datetime


_FIRST_POSTED = "SELECT min(date) FROM documents WHERE documents.event_id = events.id"
_EVENTS = RowMap(
    EventRow,
    convert={
        "meeting_date": to_date,
        "baseline": bool,
        "created_at": to_time,
        "summary": from_json,
        "first_posted": to_date,
    },
    computed={"first_posted": _FIRST_POSTED},
)
_EVENT_KEYS = RowMap(
    EventKeyRow,
    convert={"meeting_date": to_date, "first_posted": to_date},
    computed={"first_posted": _FIRST_POSTED},
)
_DOCUMENTS = RowMap(
    DocumentRow,
    convert={
        "date": to_date,
        "series": lambda v: tuple(json.loads(v)),
        "alternates": json.loads,
        "statement": from_json,
        "meeting_date": to_date,
        "baseline": bool,
        "first_seen_at": to_time,
    },
)
_DOCUMENT_FIELDS = [n for n in _DOCUMENTS.names if n != "id"]


class EventTables(Tables):
    # -- events: reading ------------------------------------------------------------------------
    def events(
        self,
        *,
        series: str | None = None,
        baseline: bool | None = None,
        limit: int | None = None,
    ) -> list[EventRow]:
        """Events, latest meeting (or first posting) first; `baseline=False` leaves out those
        archived silently (the first poll, the bundled history, imports)."""
        where, args = ["1"], []
        if series is not None:
            where.append("series = ?")
            args.append(series)
        if baseline is not None:
            where.append("baseline = ?")
            args.append(int(baseline))
        sql = (
            f"SELECT {_EVENTS.columns} FROM events WHERE {' AND '.join(where)} "
            "ORDER BY coalesce(meeting_date, first_posted) DESC, id DESC"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return _EVENTS.load_all(self.conn.execute(sql, args).fetchall())

    def latest_event(
        self, *, series: str | None = None, baseline: bool | None = None
    ) -> EventRow | None:
        found = self.events(series=series, baseline=baseline, limit=1)
        return found[0] if found else None

    def event(self, event_id: int) -> EventRow | None:
        row = self.conn.execute(
            f"SELECT {_EVENTS.columns} FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return _EVENTS.load(row) if row else None

    def events_near(self, series: str, around: date | None, days: int = 90) -> list[EventRow]:
        """Events of `series` that may be the meeting a release dated `around` reports."""
        if around is None:
            sql = f"SELECT {_EVENTS.columns} FROM events WHERE series = ? ORDER BY id DESC LIMIT 50"
            rows = self.conn.execute(sql, (series,)).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT {_EVENTS.columns} FROM events WHERE series = ? AND (meeting_date IS NULL "
                "OR abs(julianday(meeting_date) - julianday(?)) <= ?) ORDER BY id DESC",
                (series, around.isoformat(), days),
            ).fetchall()
        return _EVENTS.load_all(rows)

    def events_before(
        self, series: str, when: date, *, exclude: int | None = None, limit: int = 20
    ) -> list[EventKeyRow]:
        """The keys of the events of `series` held (else first posted) before `when`, latest
        first: where the previous meeting of an event is found."""
        held = f"coalesce(meeting_date, ({_FIRST_POSTED}))"
        rows = self.conn.execute(
            f"SELECT {_EVENT_KEYS.columns} FROM events WHERE series = ? AND id != ? "
            f"AND {held} < ? ORDER BY {held} DESC, id DESC LIMIT ?",
            (series, exclude or 0, when.isoformat(), limit),
        ).fetchall()
        return _EVENT_KEYS.load_all(rows)

    def topics_before(self, series: str, when: date) -> set[str]:
        """Every topic the documents of the series' events held before `when` named: what a
        new meeting's topics are measured against ("first time in the series")."""
        held = f"coalesce(e.meeting_date, ({_FIRST_POSTED.replace('events.id', 'e.id')}))"
        rows = self.conn.execute(
            "SELECT DISTINCT t.value FROM events e JOIN documents d ON d.event_id = e.id, "
            f"json_each(d.statement, '$.topics') t WHERE e.series = ? AND {held} < ? "
            "AND d.statement IS NOT NULL",
            (series, when.isoformat()),
        ).fetchall()
        return {r[0] for r in rows}

    # -- events: writing ------------------------------------------------------------------------
    def create_event(
        self,
        *,
        series: str,
        ordinal: int | None,
        level: str | None,
        meeting_date: date | None,
        title: str,
        baseline: bool,
        now: datetime,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO events (series, ordinal, level, meeting_date, title, baseline, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (series, ordinal, level, iso(meeting_date), title, int(baseline), iso(now)),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def fill_event(
        self, event_id: int, *, ordinal: int | None, level: str | None, meeting_date: date | None
    ) -> None:
        """A later release (often the English one) may know what the first did not."""
        self.conn.execute(
            "UPDATE events SET ordinal = coalesce(ordinal, ?), level = coalesce(level, ?), "
            "meeting_date = coalesce(meeting_date, ?) WHERE id = ?",
            (ordinal, level, iso(meeting_date), event_id),
        )

    def set_event_summary(self, event_id: int, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE events SET summary = ? WHERE id = ?", (to_json(summary), event_id)
        )

    # -- documents ------------------------------------------------------------------------------
    def document_by_url(self, url: str) -> DocumentRow | None:
        return self._document("url = ?", url)

    def document(self, doc_id: int) -> DocumentRow | None:
        return self._document("id = ?", doc_id)

    def _document(self, where: str, value: object) -> DocumentRow | None:
        row = self.conn.execute(
            f"SELECT {_DOCUMENTS.columns} FROM documents WHERE {where}", (value,)
        ).fetchone()
        return _DOCUMENTS.load(row) if row else None

    def event_documents(self, event_id: int) -> list[DocumentRow]:
        """The releases of one event, in the order they were archived (first version first)."""
        rows = self.conn.execute(
            f"SELECT {_DOCUMENTS.columns} FROM documents WHERE event_id = ? ORDER BY id",
            (event_id,),
        ).fetchall()
        return _DOCUMENTS.load_all(rows)

    def save_document(
        self,
        *,
        url: str,
        source: str | None,
        origin: str,
        lang: str,
        title: str,
        date: date | None,
        text: str,
        content_hash: str,
        series: Sequence[str],
        relevance: str,
        alternates: dict[str, str],
        statement: dict[str, Any] | None,
        meeting_date: date | None,
        event_id: int | None,
        baseline: bool,
        now: datetime,
    ) -> int:
        """Insert or update the document at `url`; returns its id."""
        values = {
            "url": url,
            "source": source,
            "origin": origin,
            "lang": lang,
            "title": title,
            "date": iso(date),
            "text": text,
            "content_hash": content_hash,
            "series": json.dumps(list(series)),
            "relevance": relevance,
            "alternates": to_json(alternates),
            "statement": to_json(statement) if statement is not None else None,
            "meeting_date": iso(meeting_date),
            "event_id": event_id,
            "baseline": int(baseline),
            "first_seen_at": iso(now),
        }
        cur = self.conn.execute(
            f"""INSERT INTO documents ({", ".join(_DOCUMENT_FIELDS)})
                VALUES ({", ".join(":" + n for n in _DOCUMENT_FIELDS)})
                ON CONFLICT(url) DO UPDATE SET
                  title = excluded.title, date = excluded.date, text = excluded.text,
                  content_hash = excluded.content_hash, series = excluded.series,
                  relevance = excluded.relevance, alternates = excluded.alternates,
                  statement = excluded.statement, meeting_date = excluded.meeting_date,
                  event_id = coalesce(excluded.event_id, event_id)
                RETURNING id""",
            values,
        )
        return int(cur.fetchone()["id"])

    def documents(
        self,
        *,
        series: str | None = None,
        relevance: str | None = None,
        include_bundled: bool = True,
        limit: int | None = None,
    ) -> list[DocumentRow]:
        """Archived documents, newest meeting/posting first."""
        where, args = [], []
        if series:
            where.append("EXISTS (SELECT 1 FROM json_each(documents.series) WHERE value = ?)")
            args.append(series)
        if relevance:
            where.append("relevance = ?")
            args.append(relevance)
        if not include_bundled:
            where.append("origin != 'bundled'")
        sql = f"SELECT {_DOCUMENTS.columns} FROM documents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY coalesce(meeting_date, date) DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return _DOCUMENTS.load_all(self.conn.execute(sql, args).fetchall())

    def statements(self) -> list[tuple[DocumentRow, dict[str, Any]]]:
        """Every archived extraction, for comparison (the archive is small: a few a year)."""
        return [(d, d.statement) for d in self.documents() if d.statement is not None]

    def archive_version(self) -> tuple[int, int]:
        """(documents, newest document id): changes whenever a release or attachment is
        archived, which is when an event, its summary or its documents change. The daemon reads
        it to know when to write its tracker again."""
        count, newest = self.conn.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM documents"
        ).fetchone()
        return int(count), int(newest)
