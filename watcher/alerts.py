"""Queueing alerts: what kind of alert an archived release is, and its delivery rows.

Called by the archive in the transaction that stores the release (so a release is never
archived without its alert, nor an alert queued for a release that was not archived), and by
the commands and the dispatcher for the admins' notes (source health, a dead recipient, a
delivery given up on). Writes through the store only; notifiers/ reads the rows and sends them.

- A new meeting (event) -> one `event` alert; its full text is rendered from the event summary.
- Another version of an event that had its alert (METI's English page after the Japanese one,
  the Commerce readout, the State joint statement) -> a short `follow_up` carrying what that
  version adds: topics and commitments the first version did not have.
- A `mention` release -> a one-line `mention` alert for those who asked for mentions.
- Baseline releases (the silent first poll, backfill, import, the bundled history) -> nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from state.store import DocumentRow, Store
from watcher.audience import admins, audience
from watcher.dates import iso
from watcher.policy import DEFAULT_DELIVERY_POLICY, DeliveryPolicy, source_alarm

if TYPE_CHECKING:
    from watcher.config import Settings

log = logging.getLogger("watcher.alerts")

# Commitments a follow-up quotes (it says how many more there are).
FOLLOW_UP_COMMITMENTS = 3


class Alerts:
    """The outbox's writer for one store and configuration."""

    def __init__(
        self, store: Store, settings: Settings, policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY
    ) -> None:
        self.store = store
        self.settings = settings
        self.policy = policy

    # -- releases -------------------------------------------------------------------------------
    def released(
        self,
        *,
        document_id: int,
        event_id: int | None,
        new_event: bool,
        relevance: str,
        series: Sequence[str],
        label: Callable[[str], str],
        now: datetime,
    ) -> int | None:
        """Queue the alert a newly archived, non-baseline release stands for (in the caller's
        transaction); its id, or None when it needs none."""
        doc = self.store.document(document_id)
        if doc is None:
            return None
        if relevance == "mention":
            return self.queue("mention", series, (), _release(doc), now, document_id=document_id)
        if event_id is None:
            return None
        event = self.store.event(event_id)
        if event is None or event.baseline:
            return None
        summary = event.summary or {}
        topics = tuple(summary.get("topics", ()))
        series = tuple(summary.get("series", series))
        if new_event:
            # The summary renders it; the release's own facts stand in if there is none.
            return self.queue("event", series, topics, _release(doc), now, event_id, document_id)
        if not self.store.event_alerted(event_id):
            return None
        payload = self._additions(doc, summary.get("url"), label)
        topics = tuple(dict.fromkeys([*topics, *payload["added_topics"]]))
        return self.queue("follow_up", series, topics, payload, now, event_id, document_id)

    def queue(
        self,
        kind: str,
        series: Sequence[str],
        topics: Sequence[str],
        payload: dict[str, Any],
        now: datetime,
        event_id: int | None = None,
        document_id: int | None = None,
    ) -> int:
        """Write an alert and its rows for the audience (digest rows wait for the digest)."""
        alert_id = self.store.create_alert(
            kind,
            now=now,
            event_id=event_id,
            document_id=document_id,
            series=series,
            topics=topics,
            payload=payload,
        )
        recipients = audience(kind, series, topics, self.store.subscribers())
        immediate = [r for r in recipients if r.digest is None]
        digest = [r for r in recipients if r.digest is not None]
        self.store.add_deliveries(alert_id, immediate, now=now, due=now)
        if digest:
            self.store.add_deliveries(alert_id, digest, now=now, due=self.policy.digest_due(now))
        return alert_id

    def _additions(
        self, doc: DocumentRow, first_url: str | None, label: Callable[[str], str]
    ) -> dict[str, Any]:
        """What the version `doc` adds to the event's first version (`first_url`)."""
        from watcher.analysis.compare import align, compare
        from watcher.analysis.statement import Statement

        first = self.store.document_by_url(first_url) if first_url else None
        payload: dict[str, Any] = {
            **_release(doc),
            "host": urlsplit(doc.url).hostname or "",
            "first_lang": first.lang if first else None,
            "added_topics": [],
            "added_commitments": [],
            "added_count": 0,
            "topic_labels": {},
        }
        if doc.statement is None or first is None or first.statement is None:
            return payload
        new, old = Statement.from_dict(doc.statement), Statement.from_dict(first.statement)
        if new.lang != old.lang:
            added = [b for a, b in align(old, new) if a is None and b is not None]
        else:
            added = list(compare(old, new).new_commitments)
        topics = [t for t in new.topics if t not in set(old.topics)]
        payload["added_topics"] = topics
        payload["added_commitments"] = [
            {"text": c.text, "topics": list(c.topics), "strength": c.strength}
            for c in added[:FOLLOW_UP_COMMITMENTS]
        ]
        payload["added_count"] = len(added)
        ids = set(topics) | {t for c in added for t in c.topics}
        payload["topic_labels"] = {t: label(t) for t in sorted(ids)}
        return payload

    # -- the admins -----------------------------------------------------------------------------
    def admin_note(self, title: str, lines: Sequence[str], *, now: datetime) -> int | None:
        """Queue a note to the admins of every enabled channel (none configured: logged only)."""
        recipients = admins(self.settings.admins())
        log.warning("admin: %s%s", title, "".join(f"; {line}" for line in lines))
        if not recipients:
            return None
        alert_id = self.store.create_alert(
            "admin", now=now, payload={"title": title, "lines": list(lines)}
        )
        self.store.add_deliveries(alert_id, recipients, now=now, due=now)
        return alert_id

    def subscriber_gone(
        self, subscriber_id: int, channel: str, address: str, reason: str, *, now: datetime
    ) -> bool:
        """End a subscription whose recipient is out of reach for good (its pending rows
        cancelled) and tell the admins once; False if it had ended already."""
        if not self.store.end_subscriber(subscriber_id, reason, now=now):
            return False
        self.admin_note(f"{channel} subscriber {address} removed", [reason], now=now)
        return True

    def alarm(self, key: str, current: str | None, detail: str | None, now: datetime) -> bool:
        """Record the state of alarm `key` (None: fine) and tell the admins when the policy
        says so (a change of state, the daily reminder, the all-clear). True when told."""
        stored = self.store.alarm(key)
        told = stored.status if stored and stored.status != "ok" else None
        told_at = stored.alerted_at if told else None
        action = self.policy.alarm_action(told, told_at, current, now)
        since = stored.since if stored and stored.status == (current or "ok") else now
        if action is None:
            if stored is None or stored.status != (current or "ok"):
                self.store.set_alarm(
                    key, current or "ok", detail=detail, since=since, alerted_at=None
                )
            return False
        if action == "cleared":
            assert stored is not None
            was = f"{stored.status} since {stored.since:%Y-%m-%d %H:%M} UTC"
            title = f"{key}: back to normal (was {was})"
            self.admin_note(title, [], now=now)
            self.store.set_alarm(key, "ok", detail=None, since=now, alerted_at=None)
            return True
        prefix = "still " if action == "reminder" else ""
        title = f"{key}: {prefix}{current} since {since:%Y-%m-%d %H:%M} UTC"
        self.admin_note(title, [detail] if detail else [], now=now)
        self.store.set_alarm(key, current or "ok", detail=detail, since=since, alerted_at=now)
        return True

    def observe_health(self, now: datetime) -> int:
        """Alarms for the configured sources' stored health; the number of notes queued."""
        names = {s.name for s in self.settings.all_sources()}
        told = 0
        with self.store.transaction():
            for state in self.store.source_states():
                if state.name not in names:
                    continue
                current = source_alarm(state.status, state.consecutive_failures)
                told += self.alarm(f"source {state.name}", current, state.error, now)
        return told


def _release(doc: DocumentRow) -> dict[str, Any]:
    """What every alert's payload says of its release (the renderers' fallback facts)."""
    return {
        "title": doc.title,
        "url": doc.url,
        "lang": doc.lang,
        "date": iso(doc.date),
        "kind": (doc.statement or {}).get("kind"),
    }
