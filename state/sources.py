"""What the poller keeps per source: health, HTTP validators, and every listing item seen.

The rows are facts (when polled, how many failures, when an item was last tried); deciding what
they mean (retry now? give up? pause?) is watcher/policy.py's job, and the values it computes are
what these methods store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from state.db import RowMap, Tables, iso, to_date, to_time
from watcher.models import ListingItem


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
class PollRecord:
    """The outcome of one poll of a source, as stored. None keeps the stored value, except for
    `paused_until` (None ends a pause); `baseline_done` can only turn on."""

    status: str
    error: str | None
    polled_at: datetime
    consecutive_failures: int
    items: int | None = None
    ok_at: datetime | None = None
    new_at: datetime | None = None
    newest_item_date: date | None = None
    baseline_done: bool = False
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A listing item as stored: 'pending' (to judge, or failing and retried), 'done' (judged)
    or 'failed' (given up on)."""

    source: str
    key: str
    url: str
    title: str
    item_date: date | None
    state: str
    baseline: bool
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    first_seen_at: datetime
    body: str | None  # the full text the listing carried (HTML), until the item is judged

    def listing_item(self, lang: str) -> ListingItem:
        """The item as its listing showed it, for a pass whose listing did not list it again
        (answered 304, or the item scrolled off)."""
        return ListingItem(
            url=self.url,
            key=self.key,
            title=self.title,
            date=self.item_date,
            lang=lang,
            body_html=self.body,
        )


_SOURCES = RowMap(
    SourceState,
    convert={
        "last_polled_at": to_time,
        "last_ok_at": to_time,
        "last_new_at": to_time,
        "newest_item_date": to_date,
        "baseline_done": bool,
        "paused_until": to_time,
    },
)
_ITEMS = RowMap(
    ItemRow,
    convert={
        "item_date": to_date,
        "baseline": bool,
        "last_attempt_at": to_time,
        "first_seen_at": to_time,
    },
)


class SourceTables(Tables):
    # -- sources --------------------------------------------------------------------------------
    def ensure_source(self, name: str, kind: str, url: str) -> None:
        self.conn.execute(
            "INSERT INTO sources (name, kind, url) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url",
            (name, kind, url),
        )

    def source_state(self, name: str) -> SourceState | None:
        row = self.conn.execute(
            f"SELECT {_SOURCES.columns} FROM sources WHERE name = ?", (name,)
        ).fetchone()
        return _SOURCES.load(row) if row else None

    def source_states(self) -> list[SourceState]:
        return _SOURCES.load_all(
            self.conn.execute(f"SELECT {_SOURCES.columns} FROM sources ORDER BY name").fetchall()
        )

    def record_poll(self, name: str, record: PollRecord) -> None:
        self.conn.execute(
            """UPDATE sources SET
                 status = :status, error = :error, items = coalesce(:items, items),
                 last_polled_at = :polled_at, last_ok_at = coalesce(:ok_at, last_ok_at),
                 last_new_at = coalesce(:new_at, last_new_at),
                 newest_item_date = coalesce(:newest_item_date, newest_item_date),
                 baseline_done = max(baseline_done, :baseline_done),
                 consecutive_failures = :consecutive_failures, paused_until = :paused_until
               WHERE name = :name""",
            {
                "name": name,
                "status": record.status,
                "error": record.error,
                "items": record.items,
                "polled_at": iso(record.polled_at),
                "ok_at": iso(record.ok_at),
                "new_at": iso(record.new_at),
                "newest_item_date": iso(record.newest_item_date),
                "baseline_done": int(record.baseline_done),
                "consecutive_failures": record.consecutive_failures,
                "paused_until": iso(record.paused_until),
            },
        )

    # -- HTTP validators ------------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.conn.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row["etag"], row["last_modified"]) if row else (None, None)

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
            (url, etag, last_modified, iso(now)),
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
                r["key"]
                for r in self.conn.execute(
                    f"SELECT key FROM items WHERE source = ? AND key IN ({marks})",
                    (source, *chunk),
                )
            )
        return found

    def add_pending(
        self, source: str, items: Iterable[ListingItem], *, baseline: bool, now: datetime
    ) -> None:
        """Record new listing items as pending, with the body the listing carried; an item
        already known keeps its row, except that a pending one without a body gains it."""
        self.conn.executemany(
            "INSERT INTO items (source, key, url, title, item_date, state, baseline, "
            "first_seen_at, body) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
            "ON CONFLICT (source, key) DO UPDATE SET body = excluded.body "
            "WHERE items.state = 'pending' AND items.body IS NULL",
            [
                (
                    source,
                    it.key,
                    it.url,
                    it.title,
                    iso(it.date),
                    int(baseline),
                    iso(now),
                    it.body_html,
                )
                for it in items
            ],
        )

    def pending_items(self, source: str) -> list[ItemRow]:
        """Every pending item of `source`, oldest first (watcher.policy says which are due)."""
        return self._items("source = ? AND state = 'pending'", source)

    def failing_items(self, source: str) -> list[ItemRow]:
        """Items whose release page failed and that are not judged yet: still pending (being
        retried) or given up on."""
        return self._items("source = ? AND state != 'done' AND attempts > 0", source)

    def _items(self, where: str, *args: object) -> list[ItemRow]:
        rows = self.conn.execute(
            f"SELECT {_ITEMS.columns} FROM items WHERE {where} ORDER BY first_seen_at, rowid",
            args,
        ).fetchall()
        return _ITEMS.load_all(rows)

    def finish_item(self, source: str, key: str, relevance: str) -> None:
        self.conn.execute(
            "UPDATE items SET state = 'done', relevance = ?, last_error = NULL, body = NULL "
            "WHERE source = ? AND key = ?",
            (relevance, source, key),
        )

    def fail_item(self, source: str, key: str, error: str, *, now: datetime, give_up: bool) -> None:
        """Count one failed fetch of the item's release page; `give_up` (the policy's verdict)
        marks it failed for good."""
        self.conn.execute(
            "UPDATE items SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, "
            "state = ? WHERE source = ? AND key = ?",
            (error, iso(now), "failed" if give_up else "pending", source, key),
        )
