"""The SQLite store: the only place state lives.

WAL mode so readers (`history`, `sources`) never block the writer; schema versioned by
`PRAGMA user_version` with SQL migrations beside this file; every multi-row change in one
transaction, so a process killed at any point leaves either the old or the new state.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from watcher.dates import iso as _iso
from watcher.models import ListingItem


class StoreError(Exception):
    """The database cannot be used (unreadable, newer schema, corrupt): one clear line."""


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _readonly_snapshot(path: Path) -> sqlite3.Connection:
    """A consistent in-memory copy of the database, taken without writing anything.

    Readers (`history`, `sources`, `check --dry-run`) must not create SQLite's -wal/-shm side
    files, and a dry run holds its store for a whole pass while another process may commit.
    So: with no -wal file beside the real file, no writer is active and the file is opened
    immutable; otherwise plain read-only (the side files exist already). Either way the content
    is copied into memory at once and the file closed: the reader works on a snapshot.
    """
    from urllib.parse import quote

    real = path.resolve()  # SQLite keeps the -wal beside the real file, not beside a symlink
    uri = f"file:{quote(str(real))}?mode=ro"
    if not Path(str(real) + "-wal").exists():
        uri += "&immutable=1"
    source = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        snapshot = sqlite3.connect(":memory:", isolation_level=None)
        source.backup(snapshot)
    finally:
        source.close()
    return snapshot


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("state").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    kind: str
    url: str
    status: str | None
    error: str | None
    items: int | None
    last_polled_at: datetime | None
    last_ok_at: datetime | None
    last_new_at: datetime | None
    newest_item_date: date | None
    baseline_done: bool
    consecutive_failures: int
    paused_until: datetime | None


@dataclass(frozen=True, slots=True)
class PendingItem:
    source: str
    key: str
    url: str
    title: str
    item_date: date | None
    baseline: bool
    attempts: int


@dataclass(frozen=True, slots=True)
class TroubledItem:
    url: str
    title: str
    state: str  # 'pending' (still retried) or 'failed' (given up)
    attempts: int
    last_error: str | None
    first_seen_at: datetime


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


_SOURCE_COLS = (
    "name, kind, url, status, error, items, last_polled_at, last_ok_at, last_new_at, "
    "newest_item_date, baseline_done, consecutive_failures, paused_until"
)
_DOC_COLS = (
    "id, url, source, origin, lang, title, date, text, content_hash, series, relevance, "
    "alternates, statement, meeting_date, event_id, baseline, first_seen_at"
)


def _source_row(r: sqlite3.Row) -> SourceState:
    return SourceState(
        name=r[0],
        kind=r[1],
        url=r[2],
        status=r[3],
        error=r[4],
        items=r[5],
        last_polled_at=_time(r[6]),
        last_ok_at=_time(r[7]),
        last_new_at=_time(r[8]),
        newest_item_date=_date(r[9]),
        baseline_done=bool(r[10]),
        consecutive_failures=r[11],
        paused_until=_time(r[12]),
    )


def _doc_row(r: sqlite3.Row) -> DocumentRow:
    return DocumentRow(
        id=r[0],
        url=r[1],
        source=r[2],
        origin=r[3],
        lang=r[4],
        title=r[5],
        date=_date(r[6]),
        text=r[7],
        content_hash=r[8],
        series=tuple(json.loads(r[9])),
        relevance=r[10],
        alternates=json.loads(r[11]),
        statement=json.loads(r[12]) if r[12] else None,
        meeting_date=_date(r[13]),
        event_id=r[14],
        baseline=bool(r[15]),
        first_seen_at=_time(r[16]),  # type: ignore[arg-type]
    )


def _event_row(r: sqlite3.Row) -> EventRow:
    return EventRow(
        id=r[0],
        series=r[1],
        ordinal=r[2],
        level=r[3],
        meeting_date=_date(r[4]),
        title=r[5],
        baseline=bool(r[6]),
        created_at=_time(r[7]),  # type: ignore[arg-type]
        summary=json.loads(r[8]) if r[8] else None,
        first_posted=_date(r[9]),
    )


_EVENT_COLS = (
    "id, series, ordinal, level, meeting_date, title, baseline, created_at, summary, "
    "(SELECT min(date) FROM documents WHERE documents.event_id = events.id)"
)


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Store:
        """Open (creating and migrating if needed) the database at `path`."""
        path = Path(path)
        try:
            if readonly:
                if not path.exists():
                    raise StoreError(
                        f"no database at {path} yet: run `jucip-watch check` first to create it"
                    )
                conn = _readonly_snapshot(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, isolation_level=None, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, path)
            if not readonly:
                store._migrate()
            else:
                store._check_version(readonly=True)
            return store
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use database {path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot create database {path}: {exc.strerror or exc}") from None

    @classmethod
    def in_memory(cls) -> Store:
        """An empty, migrated store that vanishes on close (a dry run with no database yet)."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        store = cls(conn, Path(":memory:"))
        store._migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _check_version(self, *, readonly: bool = False) -> None:
        latest = max((v for v, _ in _migrations()), default=0)
        if readonly and self.schema_version < latest:
            raise StoreError(
                f"database {self.path} has schema {self.schema_version}; this jucip-watch "
                f"needs {latest}: run `jucip-watch check` (or `run`) once to upgrade it"
            )
        if self.schema_version > latest:
            raise StoreError(
                f"database {self.path} has schema {self.schema_version}, newer than this "
                f"jucip-watch knows ({latest}): upgrade jucip-watch"
            )

    def _migrate(self) -> None:
        self._check_version()
        current = self.schema_version
        for version, sql in _migrations():
            if version <= current:
                continue
            # executescript commits first, so run the migration and the version bump as one
            # explicit transaction: a crash mid-migration leaves the old schema intact.
            self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- sources --------------------------------------------------------------------------------
    def ensure_source(self, name: str, kind: str, url: str) -> None:
        self.conn.execute(
            "INSERT INTO sources (name, kind, url) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url",
            (name, kind, url),
        )

    def source_state(self, name: str) -> SourceState | None:
        row = self.conn.execute(
            f"SELECT {_SOURCE_COLS} FROM sources WHERE name = ?", (name,)
        ).fetchone()
        return _source_row(row) if row else None

    def source_states(self) -> list[SourceState]:
        rows = self.conn.execute(f"SELECT {_SOURCE_COLS} FROM sources ORDER BY name").fetchall()
        return [_source_row(r) for r in rows]

    def record_poll(
        self,
        name: str,
        *,
        status: str,
        error: str | None,
        items: int | None,
        now: datetime,
        ok: bool,
        found_new: bool = False,
        newest_item_date: date | None = None,
        baseline_done: bool = False,
        paused_until: datetime | None = None,
    ) -> None:
        self.conn.execute(
            """UPDATE sources SET
                 status = ?, error = ?, items = coalesce(?, items), last_polled_at = ?,
                 last_ok_at = CASE WHEN ? THEN ? ELSE last_ok_at END,
                 last_new_at = CASE WHEN ? THEN ? ELSE last_new_at END,
                 newest_item_date = coalesce(?, newest_item_date),
                 baseline_done = max(baseline_done, ?),
                 consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures + 1 END,
                 paused_until = ?
               WHERE name = ?""",
            (
                status,
                error,
                items,
                _iso(now),
                ok,
                _iso(now),
                found_new,
                _iso(now),
                _iso(newest_item_date),
                int(baseline_done),
                ok,
                _iso(paused_until),
                name,
            ),
        )

    # -- HTTP validators ------------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.conn.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(
        self, url: str, etag: str | None, last_modified: str | None, now: datetime
    ) -> None:
        if etag is None and last_modified is None:
            self.conn.execute("DELETE FROM validators WHERE url = ?", (url,))
            return
        self.conn.execute(
            "INSERT INTO validators (url, etag, last_modified, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, updated_at = excluded.updated_at",
            (url, etag, last_modified, _iso(now)),
        )

    # -- listing items --------------------------------------------------------------------------
    def known_keys(self, source: str, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        found: set[str] = set()
        # Chunked to stay under SQLite's parameter limit on long listings.
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT key FROM items WHERE source = ? AND key IN ({marks})",
                    (source, *chunk),
                )
            )
        return found

    def add_pending(
        self, source: str, items: Iterable[ListingItem], *, baseline: bool, now: datetime
    ) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO items (source, key, url, title, item_date, state, baseline, "
            "first_seen_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            [
                (source, it.key, it.url, it.title, _iso(it.date), int(baseline), _iso(now))
                for it in items
            ],
        )

    def pending_items(
        self, source: str, *, now: datetime, quick_attempts: int, retry_every: timedelta
    ) -> list[PendingItem]:
        """Items to judge now: new ones, those that failed fewer than `quick_attempts` times,
        and the rest once per `retry_every`."""
        rows = self.conn.execute(
            "SELECT source, key, url, title, item_date, baseline, attempts FROM items "
            "WHERE source = ? AND state = 'pending' AND (attempts < ? OR last_attempt_at IS NULL "
            "OR last_attempt_at <= ?) ORDER BY first_seen_at, rowid",
            (source, quick_attempts, _iso(now - retry_every)),
        ).fetchall()
        return [PendingItem(r[0], r[1], r[2], r[3], _date(r[4]), bool(r[5]), r[6]) for r in rows]

    def troubled_items(self, source: str, *, min_attempts: int) -> list[TroubledItem]:
        """Release pages that keep failing (still retried) or were given up on."""
        rows = self.conn.execute(
            "SELECT url, title, state, attempts, last_error, first_seen_at FROM items "
            "WHERE source = ? AND (state = 'failed' OR (state = 'pending' AND attempts >= ?)) "
            "ORDER BY first_seen_at, rowid",
            (source, min_attempts),
        ).fetchall()
        return [TroubledItem(r[0], r[1], r[2], r[3], r[4], _time(r[5])) for r in rows]  # type: ignore[arg-type]

    def finish_item(self, source: str, key: str, relevance: str) -> None:
        self.conn.execute(
            "UPDATE items SET state = 'done', relevance = ?, last_error = NULL "
            "WHERE source = ? AND key = ?",
            (relevance, source, key),
        )

    def fail_item(
        self,
        source: str,
        key: str,
        error: str,
        *,
        now: datetime,
        quick_attempts: int,
        give_up_after: timedelta,
    ) -> tuple[int, bool]:
        """Count a failed release-page fetch: (attempts so far, given up). An item is given up
        on only after its quick attempts and once it has kept failing for `give_up_after` since
        it was first seen."""
        self.conn.execute(
            "UPDATE items SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, "
            "state = CASE WHEN attempts + 1 >= ? AND first_seen_at <= ? THEN 'failed' "
            "ELSE 'pending' END WHERE source = ? AND key = ?",
            (error, _iso(now), quick_attempts, _iso(now - give_up_after), source, key),
        )
        row = self.conn.execute(
            "SELECT attempts, state FROM items WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return (int(row[0]), row[1] == "failed") if row else (0, False)

    # -- events ---------------------------------------------------------------------------------
    def events_near(self, series: str, around: date | None, days: int = 90) -> list[EventRow]:
        if around is None:
            rows = self.conn.execute(
                f"SELECT {_EVENT_COLS} FROM events WHERE series = ? ORDER BY id DESC LIMIT 50",
                (series,),
            ).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT {_EVENT_COLS} FROM events WHERE series = ? AND (meeting_date IS NULL "
                "OR abs(julianday(meeting_date) - julianday(?)) <= ?) ORDER BY id DESC",
                (series, around.isoformat(), days),
            ).fetchall()
        return [_event_row(r) for r in rows]

    def event(self, event_id: int) -> EventRow | None:
        row = self.conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return _event_row(row) if row else None

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
            (series, ordinal, level, _iso(meeting_date), title, int(baseline), _iso(now)),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def fill_event(
        self, event_id: int, *, ordinal: int | None, level: str | None, meeting_date: date | None
    ) -> None:
        """A later release (often the English one) may know what the first did not."""
        self.conn.execute(
            "UPDATE events SET ordinal = coalesce(ordinal, ?), level = coalesce(level, ?), "
            "meeting_date = coalesce(meeting_date, ?) WHERE id = ?",
            (ordinal, level, _iso(meeting_date), event_id),
        )

    def set_event_summary(self, event_id: int, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE events SET summary = ? WHERE id = ?",
            (json.dumps(summary, ensure_ascii=False), event_id),
        )

    # -- documents ------------------------------------------------------------------------------
    def document_by_url(self, url: str) -> DocumentRow | None:
        row = self.conn.execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE url = ?", (url,)
        ).fetchone()
        return _doc_row(row) if row else None

    def document(self, doc_id: int) -> DocumentRow | None:
        row = self.conn.execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        return _doc_row(row) if row else None

    def event_documents(self, event_id: int) -> list[DocumentRow]:
        rows = self.conn.execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE event_id = ? ORDER BY id", (event_id,)
        ).fetchall()
        return [_doc_row(r) for r in rows]

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
        cur = self.conn.execute(
            f"""INSERT INTO documents ({_DOC_COLS.removeprefix("id, ")})
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                  title = excluded.title, date = excluded.date, text = excluded.text,
                  content_hash = excluded.content_hash, series = excluded.series,
                  relevance = excluded.relevance, alternates = excluded.alternates,
                  statement = excluded.statement, meeting_date = excluded.meeting_date,
                  event_id = coalesce(excluded.event_id, event_id)
                RETURNING id""",
            (
                url,
                source,
                origin,
                lang,
                title,
                _iso(date),
                text,
                content_hash,
                json.dumps(list(series)),
                relevance,
                json.dumps(alternates, ensure_ascii=False),
                json.dumps(statement, ensure_ascii=False) if statement is not None else None,
                _iso(meeting_date),
                event_id,
                int(baseline),
                _iso(now),
            ),
        )
        return int(cur.fetchone()[0])

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
        sql = f"SELECT {_DOC_COLS} FROM documents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY coalesce(meeting_date, date) DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_doc_row(r) for r in self.conn.execute(sql, args).fetchall()]

    def statements(self) -> list[tuple[DocumentRow, dict[str, Any]]]:
        """Every archived extraction, for comparison (the archive is small: a few a year)."""
        return [(d, d.statement) for d in self.documents() if d.statement is not None]
