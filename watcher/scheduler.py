"""`jucip-watch run`: poll each source on its own interval in one asyncio process, and send.

APScheduler 3.x gives per-source interval triggers with jitter, no overlapping runs of a source
(max_instances=1) and coalesced misfires (a laptop waking from sleep polls once, not ten times).
Beside the polls, in the same loop, `notifiers.service.DeliveryService` runs the dispatcher
(woken after each poll that queued something) and the Telegram bot (long polling; its /check
polls through the same per-source locks as the schedule, so a source is never polled twice at
once). SIGTERM and SIGINT stop scheduling; the bot and the dispatcher finish what they have in
hand (a few seconds at most); a poll in progress is cancelled, which is safe because every item
is judged and stored in its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from state import Store
from watcher.alerts import Alerts
from watcher.config import Settings, SourceConfig
from watcher.fetch import Fetcher
from watcher.models import SourceStatus
from watcher.pipeline import CheckReport, Poller, SourceReport

log = logging.getLogger("watcher.scheduler")
# What stops `run` cleanly (the Dockerfile's STOPSIGNAL is one of them; a test checks).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Polls:
    """One poll of a source at a time, whether its schedule or the bot's /check asks; after
    each, `wake` starts a delivery pass if anything is due (alerts, health alarms)."""

    def __init__(self, poller: Poller, wake: Callable[[], None]) -> None:
        self.poller = poller
        self.wake = wake
        self._locks: dict[str, asyncio.Lock] = {}

    async def one(self, cfg: SourceConfig) -> SourceReport | None:
        async with self._locks.setdefault(cfg.name, asyncio.Lock()):
            report = await _poll_one(self.poller, cfg)
        if self.poller.store.due_deliveries(self.poller.clock(), limit=1):
            self.wake()
        return report

    async def all(self) -> CheckReport:
        sources = self.poller.settings.enabled_sources()
        reports = await asyncio.gather(*(self.one(s) for s in sources))
        return CheckReport([r for r in reports if r is not None])


async def _poll_one(poller: Poller, cfg: SourceConfig) -> SourceReport | None:
    """One poll and its log line; None when it was cancelled (the daemon stops)."""
    started = time.monotonic()
    try:
        report = await poller.poll(cfg)
    except asyncio.CancelledError:
        # Stopping (SIGTERM, Ctrl-C) mid-poll. Harmless: every item is judged and stored in
        # its own transaction, and what is pending resumes on the next start. One line, not
        # the traceback APScheduler would log for a job that raised; the task ends here.
        log.info(
            "source=%s poll cancelled: stopping; pending items resume on the next start", cfg.name
        )
        return None
    except sqlite3.Error as exc:
        log.error(
            "source=%s poll failed: database problem with %s: %s", cfg.name, poller.store.path, exc
        )
        return SourceReport(cfg.name, SourceStatus.ERROR, error=f"database problem: {exc}")
    # Source-health alarms are queued for the admins; the dispatcher sends them.
    Alerts(poller.store, poller.settings).observe_health(poller.clock())
    if report.paused:
        log.info("source=%s skipped: %s", cfg.name, report.error)
        return report
    # Wall time only: sources poll concurrently in one process, so a per-source CPU figure
    # would include the others' work.
    wall = round(time.monotonic() - started, 2)
    fields = {
        "source": cfg.name,
        "status": report.status.value,
        "items": report.items,
        "new": report.new_items,
        "releases": len(report.releases),
        "wall": wall,
        "error": report.error,
    }
    log.info(
        "source=%s status=%s items=%d new=%d releases=%d wall=%.2fs%s",
        cfg.name,
        report.status.value,
        report.items,
        report.new_items,
        len(report.releases),
        wall,
        f" error={report.error}" if report.error else "",
        extra=fields,  # the JSON log format's fields (watcher/logs.py)
    )
    if report.status.failed:
        log.warning("source=%s needs attention: %s: %s", cfg.name, report.status, report.error)
    return report


async def _serve(settings: Settings, *, baseline: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)

    from notifiers.service import DeliveryService

    channels = settings.channels()  # a mistake there is one line, before anything is fetched
    store = Store.open(settings.storage.database)
    scheduler = AsyncIOScheduler(timezone=UTC)
    try:
        from watcher.web.endpoint import serve_web  # the tracker, feed, /healthz, unsubscribe

        # The web endpoint listens before the first poll: a port in use is one line, not a
        # half-started daemon.
        async with (
            Fetcher(settings.fetch) as fetcher,
            serve_web(settings),
            DeliveryService(
                settings, store, channels, fetcher, poll_now=lambda: polls.all()
            ) as delivery,
        ):
            poller = Poller(settings, store, fetcher, baseline=baseline)
            poller.archive.seed_bundled_history(poller.clock())
            polls = Polls(poller, delivery.wake)
            delivery.start()
            sources = settings.enabled_sources()
            for cfg in sources:
                interval = settings.interval_of(cfg)
                scheduler.add_job(
                    polls.one,
                    IntervalTrigger(
                        seconds=max(interval, 1.0),
                        jitter=min(settings.schedule.jitter, interval / 2) or None,
                        timezone=UTC,
                    ),
                    args=(cfg,),
                    id=cfg.name,
                    name=f"poll {cfg.name}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=int(max(interval, 1)),
                    next_run_time=datetime.now(UTC),
                )
            scheduler.start()
            log.info(
                "running: %d source(s), database %s; stop with SIGTERM or Ctrl-C",
                len(sources),
                settings.storage.database,
            )
            await stop.wait()
            log.info("stopping")
            scheduler.shutdown(wait=False)
            await delivery.stop()  # before the cancelling: the message in flight finishes
            current = asyncio.current_task()
            running = [t for t in asyncio.all_tasks() if t is not current]
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
    finally:
        store.close()
    log.info("stopped")
    return 0


def run_forever(settings: Settings, *, baseline: bool = True) -> int:
    # The daemon reports one line per cycle (and the bot's subscriptions) even without -v.
    for name in ("watcher", "notifiers"):
        logging.getLogger(name).setLevel(
            min(logging.INFO, logging.getLogger(name).getEffectiveLevel())
        )
    return asyncio.run(_serve(settings, baseline=baseline))
