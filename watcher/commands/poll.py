"""`check` (one pass over the sources) and `run` (the scheduled daemon)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from state import Store, WriterLock
from watcher.alerts import Alerts
from watcher.commands.deliver import DeliveryReport, deliver_queue, print_deliveries
from watcher.config import Settings
from watcher.config_channels import Channels
from watcher.errors import EXIT_OK, EXIT_SOURCES_FAILED, UserError
from watcher.fetch import Fetcher
from watcher.pipeline import CheckReport, Poller


def open_store(settings: Settings, *, dry_run: bool) -> Store:
    db = settings.storage.database
    if dry_run:
        # The real pass against a throwaway copy: the file is never created or written.
        return Store.throwaway(db)
    return Store.open(db)


def require_sources(settings: Settings) -> None:
    """A pass over no source would exit 0 having watched nothing: that is a config mistake."""
    if not settings.all_sources():
        raise UserError(f"{settings.origin}: no sources configured (sources = []): nothing to poll")
    if not settings.enabled_sources():
        raise UserError(f"{settings.origin}: every source is disabled: nothing to poll")


async def _check(
    args: argparse.Namespace, settings: Settings, channels: Channels | None
) -> tuple[CheckReport, DeliveryReport]:
    """Poll, answer the bot's pending updates (not on a dry run), then (unless told not to)
    send what the poll, the bot and earlier runs queued."""
    names = args.source
    from watcher.display import progress_bar

    store = open_store(settings, dry_run=args.dry_run)
    telegram = None
    try:
        with progress_bar(enabled=not args.json) as progress:
            async with Fetcher(settings.fetch) as fetcher:
                poller = Poller(
                    settings, store, fetcher, baseline=not args.no_baseline, progress=progress
                )
                poller.archive.seed_bundled_history(poller.clock())
                report = await poller.check(names)
                if not args.dry_run:
                    Alerts(store, settings).observe_health(poller.clock())
                if channels is not None and channels.telegram:
                    from notifiers.bot.pending import answer_pending

                    # Replies are not alerts: --no-send answers too.
                    telegram = await answer_pending(settings, store, channels, fetcher, report)
                if channels is None or args.no_send:  # queued (or not), nothing sent
                    return report, DeliveryReport(pending=store.delivery_counts()["pending"])
                deliveries = await deliver_queue(
                    settings, store, channels, fetcher, telegram=telegram
                )
                return report, deliveries
    finally:
        if telegram is not None:
            await telegram.close()
        store.close()


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    # Mistakes are usage errors before anything is locked, created or fetched.
    for n in args.source:
        settings.source(n)
    # The channels' secrets and addresses are checked before anything is polled.
    settings.admins()
    channels = None if args.dry_run else settings.channels()
    if not args.source:
        require_sources(settings)
    if args.dry_run:
        report, deliveries = asyncio.run(_check(args, settings, channels))
    else:
        with WriterLock(settings.storage.database, purpose="check", wait=args.wait):
            report, deliveries = asyncio.run(_check(args, settings, channels))
    if args.json:
        out = report.to_dict()
        out["deliveries"] = deliveries.to_dict()
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from watcher.display import print_check_report

        print_check_report(report, dry_run=args.dry_run)
        print_deliveries(deliveries)
    return EXIT_SOURCES_FAILED if report.failed else EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from watcher.scheduler import run_forever

    require_sources(settings)

    with WriterLock(settings.storage.database, purpose="run"):
        return run_forever(settings, baseline=not args.no_baseline)
