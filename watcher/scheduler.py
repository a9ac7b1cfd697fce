"""`jucip-watch run`: poll each source on its own interval in one asyncio process.

APScheduler 3.x gives per-source interval triggers with jitter, no overlapping runs of a source
(max_instances=1) and coalesced misfires (a laptop waking from sleep polls once, not ten times).
SIGTERM and SIGINT stop scheduling; a poll in progress is cancelled, which is safe because every
item is judged and stored in its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from state import Store
from watcher.alerts import Alerts
from watcher.config import Settings, SourceConfig
from watcher.fetch import Fetcher
from watcher.pipeline import Poller

log = logging.getLogger("watcher.scheduler")
# What stops `run` cleanly (the Dockerfile's STOPSIGNAL is one of them; a test checks).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def _poll_one(poller: Poller, cfg: SourceConfig) -> None:
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
        return
    except sqlite3.Error as exc:
        log.error(
            "source=%s poll failed: database problem with %s: %s", cfg.name, poller.store.path, exc
        )
        return
    # Source-health alarms are queued for the admins. Sending them and the alerts is the
    # dispatcher's (notifiers.dispatch.Dispatcher.run), which the run wiring starts here next.
    Alerts(poller.store, poller.settings).observe_health(poller.clock())
    if report.paused:
        log.info("source=%s skipped: %s", cfg.name, report.error)
        return
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


async def _serve(settings: Settings, *, baseline: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)

    store = Store.open(settings.storage.database)
    scheduler = AsyncIOScheduler(timezone=UTC)
    try:
        from watcher.web.endpoint import serve_web  # the tracker, feed, /healthz, unsubscribe

        # It listens before the first poll: a port in use is one line, not a half-started daemon.
        async with Fetcher(settings.fetch) as fetcher, serve_web(settings):
            poller = Poller(settings, store, fetcher, baseline=baseline)
            poller.archive.seed_bundled_history(poller.clock())
            sources = [s for s in settings.sources if s.enabled]
            for cfg in sources:
                interval = settings.interval_of(cfg)
                scheduler.add_job(
                    _poll_one,
                    IntervalTrigger(
                        seconds=max(interval, 1.0),
                        jitter=min(settings.schedule.jitter, interval / 2) or None,
                        timezone=UTC,
                    ),
                    args=(poller, cfg),
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
    # The daemon reports one line per cycle even without -v.
    logging.getLogger("watcher").setLevel(
        min(logging.INFO, logging.getLogger("watcher").getEffectiveLevel())
    )
    return asyncio.run(_serve(settings, baseline=baseline))
