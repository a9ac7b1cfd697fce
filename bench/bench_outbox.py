"""Outbox figures: one alert fanned out to N Telegram and N email subscribers through the outbox.

The whole path a real alert takes after it is archived: the alert and its 2 N delivery rows
written in one transaction (the audience rule over N subscribers), then the dispatcher rendering
each row, sending it through the loopback peers (each its own process, so the dispatcher's CPU
is measured alone) and recording each outcome in its own transaction. Telegram goes through
`FetcherRequest` on the project's one httpx client, as in production.

Reported per run: wall time, dispatcher CPU (total and per message), messages/s, the process's
peak RSS so far; and the outbox's overhead per message over the bare transport
(bench_transport.py's figures, when bench/results/transport.json exists). Runs: Telegram with
pacing off (concurrency 1 and `--concurrency`), email, and with `--paced` Telegram paced (30/s:
about N/30 seconds). Figures also go to bench/results/outbox.json.

Run: .venv/bin/python bench/bench_outbox.py [--n 1000] [--concurrency 16] [--paced]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_transport import report, rss_mib  # noqa: E402

from notifiers.dispatch import Dispatcher  # noqa: E402
from notifiers.summaries import sample_event  # noqa: E402
from replay.process import spawned  # noqa: E402
from replay.telegram_api import DEFAULT_TOKEN  # noqa: E402
from state import Store  # noqa: E402
from watcher.alerts import Alerts  # noqa: E402
from watcher.archive import Analyzer, Archive  # noqa: E402
from watcher.config import Settings, settings_from_dict  # noqa: E402
from watcher.config_channels import Channels  # noqa: E402
from watcher.fetch import Fetcher  # noqa: E402

SENDER = "JUCIP Watch <alerts@watch.example.org>"


def prepare(db: Path, settings: Settings, n: int) -> tuple[Store, dict[str, float]]:
    """N subscribers per channel and one alert to all of them (timed: the archive's part)."""
    now = datetime.now(UTC)
    store = Store.open(db)
    event_id, summary = sample_event(Archive(store, Analyzer(settings)), now)
    with store.transaction():
        for i in range(n):
            store.add_subscriber("telegram", str(100_000 + i), now=now)
            store.add_subscriber("email", f"reader{i}@example.net", now=now)
    start = time.perf_counter()
    with store.transaction():
        Alerts(store, settings).queue(
            "event", summary.series, summary.topics, {}, now, event_id=event_id
        )
    queued = time.perf_counter() - start
    return store, {"queue_alert_and_rows_ms": queued * 1000, "rows": 2 * n}


async def dispatch(
    settings: Settings, store: Store, channels: Channels, pacing: bool, concurrency: int
) -> Any:
    async with (
        Fetcher(settings.fetch) as fetcher,
        Dispatcher(
            settings,
            store,
            channels,
            fetcher=fetcher,
            pacing=pacing,
            concurrency=concurrency,
        ) as dispatcher,
    ):
        return await dispatcher.deliver_due()


def run(
    label: str,
    settings: Settings,
    store: Store,
    channels: Channels,
    *,
    pacing: bool = False,
    concurrency: int = 1,
) -> dict[str, float]:
    with store.transaction():  # the same rows again for each run
        store.conn.execute("UPDATE deliveries SET state = 'pending', sent_at = NULL")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    report = asyncio.run(dispatch(settings, store, channels, pacing, concurrency))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = report.sent or 1
    return {
        f"{label}_sent": report.sent,
        f"{label}_wall_s": wall,
        f"{label}_cpu_s": cpu,
        f"{label}_cpu_per_message_ms": cpu / n * 1000,
        f"{label}_messages_per_s": report.sent / wall,
        f"{label}_peak_rss_so_far_mib": rss_mib(),
    }


def overhead(figures: dict[str, float]) -> dict[str, float]:
    """Outbox CPU per message over bench_transport.py's bare transport CPU per message."""
    path = ROOT / "bench" / "results" / "transport.json"
    if not path.exists():
        return {}
    transport = json.loads(path.read_text())
    out = {}
    pairs = (
        ("telegram_unpaced", "telegram_unpaced_cpu_per_recipient_ms"),
        ("email", "email_cpu_per_recipient_ms"),
    )
    for label, key in pairs:
        if key in transport and f"{label}_cpu_per_message_ms" in figures:
            extra = figures[f"{label}_cpu_per_message_ms"] - transport[key]
            out[f"{label}_outbox_overhead_ms"] = extra
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="subscribers per channel")
    parser.add_argument("--concurrency", type=int, default=16, help="Telegram chats at once")
    parser.add_argument("--paced", action="store_true", help="also Telegram with pacing on")
    args = parser.parse_args(argv)
    # Each run enables one channel: the other's rows wait, which the dispatcher would log.
    logging.basicConfig(level=logging.ERROR)
    figures: dict[str, float] = {"start_rss_mib": rss_mib()}
    with (
        tempfile.TemporaryDirectory() as tmp,
        spawned("replay.telegram_api") as api_url,
        spawned("replay.smtp") as smtp,
    ):
        host, port = smtp.rsplit(":", 1)
        settings = settings_from_dict(
            {
                "sources": [],
                "telegram": {"api_url": api_url},
                "email": {"host": host, "port": int(port), "security": "none", "sender": SENDER},
            }
        )
        store, queued = prepare(Path(tmp) / "bench.sqlite3", settings, args.n)
        figures |= queued
        telegram = Channels(telegram_token=DEFAULT_TOKEN)
        email = Channels(email_sender=SENDER)
        figures |= run("telegram_unpaced", settings, store, telegram)
        figures |= run(
            f"telegram_unpaced_x{args.concurrency}",
            settings,
            store,
            telegram,
            concurrency=args.concurrency,
        )
        figures |= run("email", settings, store, email)
        if args.paced:
            figures |= run("telegram_paced", settings, store, telegram, pacing=True)
        store.close()
    report(figures | overhead(figures), "outbox")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
