"""Subscribers: who gets alerts, on which channel, filtered how.

The bot (/start, /stop, /series, /topics, /lang, /mentions), the `subscribers` command and the
dispatcher (a chat that blocked the bot, a group that became a supergroup, a dead mailbox) all
change subscribers through these methods. A subscription that ends keeps its row (`ended_at`,
`end_reason`): adding the same address again starts it anew with the new filters.

Addresses are stored as given by the caller: chat ids as decimal text ("-1001234567890"),
email addresses as validated addr-specs (the caller validates; see `notifiers.email.message`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from state.db import RowMap, Tables, iso, to_time

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    id: int
    channel: str
    address: str
    series: tuple[str, ...]  # empty: every series
    topics: tuple[str, ...]  # empty: every topic
    mentions: bool
    lang: str  # 'en' | 'ja' | 'both'
    digest: str | None  # 'daily' | None
    token: str
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def is_group(self) -> bool:
        """A Telegram group, supergroup or channel (negative chat id): one post, many readers."""
        return self.channel == "telegram" and self.address.startswith("-")


def _ids(value: str) -> tuple[str, ...]:
    return tuple(json.loads(value))


_SUBSCRIBERS = RowMap(
    SubscriberRow,
    convert={
        "series": _ids,
        "topics": _ids,
        "mentions": bool,
        "created_at": to_time,
        "ended_at": to_time,
    },
)


class SubscriberTables(Tables):
    def add_subscriber(
        self,
        channel: str,
        address: str,
        *,
        series: Sequence[str] = (),
        topics: Sequence[str] = (),
        mentions: bool = False,
        lang: str = "both",
        digest: str | None = None,
        now: datetime,
    ) -> SubscriberRow:
        """Subscribe `address` (or start an ended subscription anew) with these filters."""
        self.conn.execute(
            """INSERT INTO subscribers
                 (channel, address, series, topics, mentions, lang, digest, token, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(channel, address) DO UPDATE SET
                 series = excluded.series, topics = excluded.topics,
                 mentions = excluded.mentions, lang = excluded.lang, digest = excluded.digest,
                 created_at = CASE WHEN ended_at IS NULL THEN created_at
                                   ELSE excluded.created_at END,
                 ended_at = NULL, end_reason = NULL""",
            (
                channel,
                address,
                json.dumps(list(series)),
                json.dumps(list(topics)),
                int(mentions),
                lang,
                digest,
                secrets.token_urlsafe(18),
                iso(now),
            ),
        )
        found = self.find_subscriber(channel, address)
        assert found is not None
        return found

    def subscriber(self, subscriber_id: int) -> SubscriberRow | None:
        return self._subscriber("id = ?", subscriber_id)

    def find_subscriber(self, channel: str, address: str) -> SubscriberRow | None:
        """The subscriber at (channel, address), active or ended; None if never subscribed."""
        return self._subscriber("channel = ? AND address = ?", channel, address)

    def subscriber_by_token(self, token: str) -> SubscriberRow | None:
        """For the unsubscribe link."""
        return self._subscriber("token = ?", token)

    def _subscriber(self, where: str, *values: object) -> SubscriberRow | None:
        row = self.conn.execute(
            f"SELECT {_SUBSCRIBERS.columns} FROM subscribers WHERE {where}", values
        ).fetchone()
        return _SUBSCRIBERS.load(row) if row else None

    def subscribers(
        self, *, channel: str | None = None, active: bool | None = True
    ) -> list[SubscriberRow]:
        """Subscribers by channel, then id; `active=None` includes ended ones."""
        where, args = ["1"], []
        if channel is not None:
            where.append("channel = ?")
            args.append(channel)
        if active is not None:
            where.append("ended_at IS NULL" if active else "ended_at IS NOT NULL")
        sql = (
            f"SELECT {_SUBSCRIBERS.columns} FROM subscribers WHERE {' AND '.join(where)} "
            "ORDER BY channel, id"
        )
        return _SUBSCRIBERS.load_all(self.conn.execute(sql, args).fetchall())

    def update_subscriber(
        self,
        subscriber_id: int,
        *,
        series: Sequence[str] = _UNSET,
        topics: Sequence[str] = _UNSET,
        mentions: bool = _UNSET,
        lang: str = _UNSET,
        digest: str | None = _UNSET,
    ) -> SubscriberRow | None:
        """Change the filters given; the others stay. None for an unknown id."""
        changes: dict[str, Any] = {}
        if series is not _UNSET:
            changes["series"] = json.dumps(list(series))
        if topics is not _UNSET:
            changes["topics"] = json.dumps(list(topics))
        if mentions is not _UNSET:
            changes["mentions"] = int(mentions)
        if lang is not _UNSET:
            changes["lang"] = lang
        if digest is not _UNSET:
            changes["digest"] = digest
        if changes:
            sets = ", ".join(f"{k} = :{k}" for k in changes)
            self.conn.execute(
                f"UPDATE subscribers SET {sets} WHERE id = :id", {**changes, "id": subscriber_id}
            )
        return self.subscriber(subscriber_id)

    def end_subscriber(self, subscriber_id: int, reason: str, *, now: datetime) -> bool:
        """End an active subscription and cancel its pending deliveries; False if it was not
        active."""
        cur = self.conn.execute(
            "UPDATE subscribers SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
            (iso(now), reason, subscriber_id),
        )
        if not cur.rowcount:
            return False
        self.conn.execute(
            "UPDATE deliveries SET state = 'cancelled', last_error = ? "
            "WHERE subscriber_id = ? AND state = 'pending'",
            (f"unsubscribed: {reason}", subscriber_id),
        )
        return True

    def move_subscriber(self, subscriber_id: int, new_address: str) -> None:
        """A Telegram group became a supergroup: the subscription and its pending deliveries
        follow the new chat id (an older subscription of that id, if any, gives way)."""
        row = self.subscriber(subscriber_id)
        if row is None or row.address == new_address:
            return
        other = self.find_subscriber(row.channel, new_address)
        if other is not None:
            # Keep its history under a name no chat can have; the migrated one takes the id.
            self.conn.execute(
                "UPDATE subscribers SET address = ?, ended_at = coalesce(ended_at, ?), "
                "end_reason = coalesce(end_reason, 'replaced by a migrated chat') WHERE id = ?",
                (f"{new_address}#replaced-{other.id}", iso(row.created_at), other.id),
            )
        self.conn.execute(
            "UPDATE subscribers SET address = ? WHERE id = ?", (new_address, subscriber_id)
        )
        self.conn.execute(
            "UPDATE OR IGNORE deliveries SET address = ? "
            "WHERE subscriber_id = ? AND state = 'pending'",
            (new_address, subscriber_id),
        )
