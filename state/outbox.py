"""The outbox: alerts, one delivery row per (alert, recipient), and the admins' alarm states.

Writers: watcher/alerts.py queues alerts and their rows in the caller's transaction (the one that
archives the release); notifiers/dispatch.py reads due rows and records each outcome in a small
transaction of its own, only after the channel answered. Nothing here decides anything (when to
retry, who gets what): that is watcher/policy.py and watcher/audience.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from state.db import RowMap, Tables, from_json, iso, to_json, to_time

DELIVERY_STATES = ("pending", "sent", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    kind: str  # 'event' | 'follow_up' | 'mention' | 'admin'
    event_id: int | None
    document_id: int | None
    series: tuple[str, ...]
    topics: tuple[str, ...]
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    alert_id: int
    subscriber_id: int | None  # None: an admin named in the config
    channel: str
    address: str
    lang: str
    digest: str | None
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    resume_from: int
    message_id: str | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a delivery row is for (the audience rule's answer)."""

    channel: str
    address: str
    lang: str = "both"
    subscriber_id: int | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmRow:
    key: str
    status: str
    detail: str | None
    since: datetime
    alerted_at: datetime | None


_ALERTS = RowMap(
    AlertRow,
    convert={
        "series": lambda v: tuple(json.loads(v)),
        "topics": lambda v: tuple(json.loads(v)),
        "payload": lambda v: from_json(v) or {},
        "created_at": to_time,
    },
)
_DELIVERIES = RowMap(
    DeliveryRow,
    convert={"next_attempt_at": to_time, "sent_at": to_time, "created_at": to_time},
)
_ALARMS = RowMap(AlarmRow, convert={"since": to_time, "alerted_at": to_time})


class OutboxTables(Tables):
    # -- alerts ---------------------------------------------------------------------------------
    def create_alert(
        self,
        kind: str,
        *,
        now: datetime,
        event_id: int | None = None,
        document_id: int | None = None,
        series: Sequence[str] = (),
        topics: Sequence[str] = (),
        payload: dict[str, Any] | None = None,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO alerts (kind, event_id, document_id, series, topics, payload, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                event_id,
                document_id,
                json.dumps(list(series)),
                json.dumps(list(topics)),
                to_json(payload or {}),
                iso(now),
            ),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def alert(self, alert_id: int) -> AlertRow | None:
        row = self.conn.execute(
            f"SELECT {_ALERTS.columns} FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        return _ALERTS.load(row) if row else None

    def event_alerted(self, event_id: int) -> bool:
        """Has this event had its full alert queued (so a later version is a follow-up)?"""
        row = self.conn.execute(
            "SELECT 1 FROM alerts WHERE event_id = ? AND kind = 'event' LIMIT 1", (event_id,)
        ).fetchone()
        return row is not None

    # -- deliveries: queueing -------------------------------------------------------------------
    def add_deliveries(
        self, alert_id: int, recipients: Iterable[Recipient], *, now: datetime, due: datetime
    ) -> int:
        """One pending row per recipient (a recipient listed twice gets one); the count added."""
        cur = self.conn.executemany(
            "INSERT OR IGNORE INTO deliveries (alert_id, subscriber_id, channel, address, lang, "
            "digest, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    alert_id,
                    r.subscriber_id,
                    r.channel,
                    r.address,
                    r.lang,
                    r.digest,
                    iso(due),
                    iso(now),
                )
                for r in recipients
            ],
        )
        return cur.rowcount

    # -- deliveries: reading --------------------------------------------------------------------
    def delivery(self, delivery_id: int) -> DeliveryRow | None:
        row = self.conn.execute(
            f"SELECT {_DELIVERIES.columns} FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
        return _DELIVERIES.load(row) if row else None

    def due_deliveries(self, now: datetime, *, limit: int | None = None) -> list[DeliveryRow]:
        """Pending rows due at `now`, oldest alert first."""
        sql = (
            f"SELECT {_DELIVERIES.columns} FROM deliveries "
            "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY alert_id, id"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return _DELIVERIES.load_all(self.conn.execute(sql, (iso(now),)).fetchall())

    def pending_digest(self, channel: str, address: str) -> list[DeliveryRow]:
        """Every pending digest row of one recipient (one digest gathers them all)."""
        rows = self.conn.execute(
            f"SELECT {_DELIVERIES.columns} FROM deliveries WHERE state = 'pending' "
            "AND digest IS NOT NULL AND channel = ? AND address = ? ORDER BY alert_id",
            (channel, address),
        ).fetchall()
        return _DELIVERIES.load_all(rows)

    def deliveries(
        self, *, states: Sequence[str] = DELIVERY_STATES, alert_id: int | None = None
    ) -> list[DeliveryRow]:
        marks = ", ".join("?" for _ in states)
        sql = f"SELECT {_DELIVERIES.columns} FROM deliveries WHERE state IN ({marks})"
        args: list[Any] = list(states)
        if alert_id is not None:
            sql += " AND alert_id = ?"
            args.append(alert_id)
        return _DELIVERIES.load_all(self.conn.execute(sql + " ORDER BY id", args).fetchall())

    def delivery_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(DELIVERY_STATES, 0)
        for row in self.conn.execute("SELECT state, count(*) AS n FROM deliveries GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    def overdue_deliveries(self, before: datetime) -> tuple[int, str | None]:
        """Pending rows that were due before `before` and are still untried (no dispatcher
        runs, or their channel cannot send): how many, and one of them named."""
        r = self.conn.execute(
            "SELECT channel, address, alert_id, next_attempt_at, count(*) OVER () AS n "
            "FROM deliveries WHERE state = 'pending' AND next_attempt_at < ? "
            "ORDER BY next_attempt_at LIMIT 1",
            (iso(before),),
        ).fetchone()
        if r is None:
            return 0, None
        example = (
            f"{r['channel']} {r['address']}, alert {r['alert_id']}, due {r['next_attempt_at']}"
        )
        return r["n"], example

    def thread_root(self, event_id: int, channel: str, address: str) -> str | None:
        """The Message-ID of the event's first alert to this recipient (follow-ups thread under
        it), once that alert was sent."""
        row = self.conn.execute(
            "SELECT d.message_id FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
            "WHERE a.event_id = ? AND a.kind = 'event' AND d.channel = ? AND d.address = ? "
            "AND d.message_id IS NOT NULL ORDER BY d.id LIMIT 1",
            (event_id, channel, address),
        ).fetchone()
        return row["message_id"] if row else None

    # -- deliveries: outcomes (each in the dispatcher's own small transaction) ------------------
    def set_message_id(self, delivery_id: int, message_id: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET message_id = coalesce(message_id, ?) WHERE id = ?",
            (message_id, delivery_id),
        )

    def mark_sent(self, delivery_id: int, *, now: datetime) -> None:
        self.conn.execute(
            "UPDATE deliveries SET state = 'sent', sent_at = ?, last_error = NULL "
            "WHERE id = ? AND state = 'pending'",
            (iso(now), delivery_id),
        )

    def mark_retry(
        self,
        delivery_id: int,
        *,
        attempts: int,
        next_attempt_at: datetime,
        error: str,
        resume_from: int = 0,
    ) -> None:
        self.conn.execute(
            "UPDATE deliveries SET attempts = ?, next_attempt_at = ?, last_error = ?, "
            "resume_from = max(resume_from, ?) WHERE id = ? AND state = 'pending'",
            (attempts, iso(next_attempt_at), error, resume_from, delivery_id),
        )

    def mark_failed(self, delivery_id: int, *, attempts: int, error: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET state = 'failed', attempts = ?, last_error = ? "
            "WHERE id = ? AND state = 'pending'",
            (attempts, error, delivery_id),
        )

    def mark_cancelled(self, delivery_id: int, reason: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET state = 'cancelled', last_error = ? "
            "WHERE id = ? AND state = 'pending'",
            (reason, delivery_id),
        )

    def cancel_pending_to(self, channel: str, address: str, reason: str) -> int:
        """Cancel every pending row to one address (an admin's chat that is gone)."""
        cur = self.conn.execute(
            "UPDATE deliveries SET state = 'cancelled', last_error = ? "
            "WHERE channel = ? AND address = ? AND state = 'pending'",
            (reason, channel, address),
        )
        return cur.rowcount

    # -- alarms ---------------------------------------------------------------------------------
    def alarm(self, key: str) -> AlarmRow | None:
        row = self.conn.execute(
            f"SELECT {_ALARMS.columns} FROM alarms WHERE key = ?", (key,)
        ).fetchone()
        return _ALARMS.load(row) if row else None

    def alarms(self) -> list[AlarmRow]:
        return _ALARMS.load_all(
            self.conn.execute(f"SELECT {_ALARMS.columns} FROM alarms ORDER BY key").fetchall()
        )

    def set_alarm(
        self,
        key: str,
        status: str,
        *,
        detail: str | None,
        since: datetime,
        alerted_at: datetime | None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO alarms (key, status, detail, since, alerted_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET status = excluded.status, detail = excluded.detail, "
            "since = excluded.since, alerted_at = excluded.alerted_at",
            (key, status, detail, iso(since), iso(alerted_at)),
        )
