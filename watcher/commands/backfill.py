"""`jucip-watch backfill --source NAME [--pages N | --since DATE]`: catch up without alerts."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, date, datetime

from state import Store, WriterLock
from watcher.backfill import BackfillReport, backfill
from watcher.config import Settings, SourceConfig
from watcher.errors import EXIT_OK, EXIT_SOURCES_FAILED, UserError
from watcher.fetch import Fetcher
from watcher.pipeline import Poller
from watcher.sources import adapter_class
from watcher.sources.base import REGISTRY, can_page_back


def since_date(value: str | None, today: date) -> date | None:
    if value is None:
        return None
    try:
        since = date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"--since {value!r} is not a date: write it as YYYY-MM-DD (e.g. 2024-04-01)"
        ) from None
    if since > today:
        raise UserError(f"--since {since.isoformat()} is in the future: give an earlier date")
    return since


def pageable(settings: Settings, name: str) -> SourceConfig:
    cfg = settings.source(name)  # an unknown name is a ConfigError naming the configured ones
    if not can_page_back(adapter_class(cfg.kind)):
        kinds = ", ".join(sorted(k for k, cls in REGISTRY.items() if can_page_back(cls)))
        raise UserError(
            f"source {cfg.name} (kind {cfg.kind}) has no older listing pages to walk; "
            f"backfill works for sources of kind {kinds}"
        )
    return cfg


async def _walk(
    settings: Settings, cfg: SourceConfig, args: argparse.Namespace, since: date | None
) -> BackfillReport:
    from watcher.display import backfill_progress

    with (
        Store.open(settings.storage.database) as store,
        backfill_progress(cfg.name, bar=not args.json) as (on_page, on_items),
    ):
        async with Fetcher(settings.fetch) as fetcher:
            poller = Poller(settings, store, fetcher, progress=on_items)
            poller.archive.seed_bundled_history(poller.clock())
            today = poller.clock().date()
            return await backfill(
                poller, cfg, pages=args.pages, since=since, today=today, on_page=on_page
            )


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    cfg = pageable(settings, args.source)
    if args.pages is not None and args.pages < 1:
        raise UserError(f"--pages {args.pages}: give 1 or more")
    since = since_date(args.since, datetime.now(UTC).date())
    with WriterLock(settings.storage.database, purpose="backfill", wait=args.wait):
        report = asyncio.run(_walk(settings, cfg, args, since))
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from watcher.display import print_backfill

        print_backfill(report)
    return EXIT_SOURCES_FAILED if report.failed else EXIT_OK
