"""`deliver` (send what is queued, once), `outbox` (what waits or failed) and `notify-test`.

`check` calls `deliver_queue` after its poll, on the same fetcher, so one process polls and
sends; the daemon runs `notifiers.dispatch.Dispatcher.run` as a task instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from notifiers.report import DeliveryReport
from state import Store, WriterLock, database_exists
from watcher.config import Settings
from watcher.config_channels import Channels
from watcher.dates import iso
from watcher.errors import EXIT_OK, EXIT_USAGE, UserError

if TYPE_CHECKING:
    from notifiers.telegram.sender import TelegramSender
    from watcher.fetch import Fetcher


async def deliver_queue(
    settings: Settings,
    store: Store,
    channels: Channels,
    fetcher: Fetcher,
    *,
    telegram: TelegramSender | None = None,
) -> DeliveryReport:
    """One dispatcher pass over the queue (nothing is imported when the queue is empty).
    `telegram`: a sender already open (the bot's, in `check`), to share its pacing."""
    if not store.due_deliveries(datetime.now(UTC), limit=1):
        return DeliveryReport(pending=store.delivery_counts()["pending"])
    from notifiers.dispatch import Dispatcher

    async with Dispatcher(
        settings, store, channels, fetcher=fetcher, telegram=telegram
    ) as dispatcher:
        return await dispatcher.deliver_due()


def print_deliveries(report: DeliveryReport) -> None:
    line = f"Deliveries: {report.sent} sent, {report.pending} pending, {report.failed} failed"
    if report.down:
        line += "; paused: " + ", ".join(f"{c} ({why})" for c, why in report.down.items())
    print(line)


def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from watcher.fetch import Fetcher

    channels = settings.channels()

    async def go() -> DeliveryReport:
        with Store.open(settings.storage.database) as store:
            async with Fetcher(settings.fetch) as fetcher:
                return await deliver_queue(settings, store, channels, fetcher)

    with WriterLock(settings.storage.database, purpose="deliver", wait=args.wait):
        report = asyncio.run(go())
    if args.json:
        json.dump(report.to_dict(), sys.stdout)
        sys.stdout.write("\n")
    else:
        print_deliveries(report)
    return EXIT_OK


def _outbox_rows(store: Store) -> list[dict[str, Any]]:
    out = []
    kinds: dict[int, str | None] = {}  # an alert has a row per recipient: read it once
    for row in store.deliveries(states=("pending", "failed")):
        if row.alert_id not in kinds:
            alert = store.alert(row.alert_id)
            kinds[row.alert_id] = alert.kind if alert else None
        state = row.state
        if state == "pending" and row.attempts:
            state = "retrying"
        out.append(
            {
                "id": row.id,
                "alert_id": row.alert_id,
                "kind": kinds[row.alert_id],
                "channel": row.channel,
                "address": row.address,
                "state": state,
                "attempts": row.attempts,
                "next_attempt_at": iso(row.next_attempt_at) if row.state == "pending" else None,
                "digest": row.digest,
                "error": row.last_error,
                "queued_at": iso(row.created_at),
            }
        )
    return out


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    db = settings.storage.database
    rows: list[dict[str, Any]] = []
    if database_exists(db):
        with Store.open(db, readonly=True) as store:
            rows = _outbox_rows(store)
    if args.json:
        json.dump({"deliveries": rows}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for r in rows:
        when = f" next {r['next_attempt_at'][:16]}" if r["next_attempt_at"] else ""
        error = f": {r['error']}" if r["error"] else ""
        print(
            f"#{r['id']:<5} {r['state']:<8} {r['kind'] or '?':<9} {r['channel']:<8} "
            f"{r['address']} (tries {r['attempts']}{when}){error}"
        )
    print(f"{len(rows)} delivery(ies) pending, retrying or failed")
    return EXIT_OK


def cmd_notify_test(args: argparse.Namespace, settings: Settings) -> int:
    """A sample alert rendered from the bundled history, through the real dispatcher, to
    `--to` or the channel's admins; the database is not touched."""
    from watcher.commands.subscribers import address

    channels = settings.channels()
    channel = args.channel
    if channel not in channels.enabled:
        how = (
            f"set ${settings.telegram.token_env}"
            if channel == "telegram"
            else "set [email] host and sender"
        )
        raise UserError(f"{channel} is not configured: {how}")
    to = (
        [address(channel, args.to)]
        if args.to
        else [a for c, a in channels.admins() if c == channel]
    )
    if not to:
        raise UserError(f"no --to given and no {channel} admin in the config")
    rows = asyncio.run(_notify_test(settings, channels, channel, to))
    failed = 0
    for row in rows:
        ok = row.state == "sent"
        failed += not ok
        print(f"notify-test: {channel} {row.address}: {'sent' if ok else row.last_error}")
    return EXIT_OK if not failed else EXIT_USAGE


async def _notify_test(
    settings: Settings, channels: Channels, channel: str, to: list[str]
) -> list[Any]:
    from notifiers.dispatch import Dispatcher
    from notifiers.summaries import sample_event
    from state.store import Recipient
    from watcher.archive import Analyzer, Archive
    from watcher.fetch import Fetcher

    now = datetime.now(UTC)
    with Store.in_memory() as store:
        try:
            event_id, summary = sample_event(Archive(store, Analyzer(settings)), now)
        except LookupError as exc:
            raise UserError(str(exc)) from None
        with store.transaction():
            alert = store.create_alert(
                "event", now=now, event_id=event_id, series=summary.series, topics=summary.topics
            )
            store.add_deliveries(
                alert, [Recipient(channel, a, "both") for a in to], now=now, due=now
            )
        async with (
            Fetcher(settings.fetch) as fetcher,
            Dispatcher(settings, store, channels, fetcher=fetcher) as dispatcher,
        ):
            await dispatcher.deliver_due()
        return store.deliveries(alert_id=alert)
