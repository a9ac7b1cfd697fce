"""`jucip-watch health`: read the store and the config, ask watcher/health.py, print one line.

Exit 0 when healthy, 1 otherwise (the Docker HEALTHCHECK and `/healthz` use it). Never fetches,
never migrates, never writes: the store is read from a snapshot and probed for writability by a
write transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from state import Store
from state.db import write_problem
from watcher.config import Settings
from watcher.errors import EXIT_OK, EXIT_UNHEALTHY
from watcher.health import OutboxReading, Readings, SourceReading, verdict
from watcher.policy import DEFAULT_DELIVERY_POLICY


def _outbox(store: Store, now: datetime) -> OutboxReading:
    """Deliveries stuck past their retries: still pending a retry interval (the longest
    backoff) after they were due, so nothing is sending them."""
    stuck, example = store.overdue_deliveries(now - DEFAULT_DELIVERY_POLICY.max_backoff)
    return OutboxReading(stuck, example)


def readings(settings: Settings, now: datetime) -> Readings:
    db = settings.storage.database
    problem = write_problem(db)
    states, outbox = {}, None
    if db.exists():
        with Store.open(db, readonly=True) as store:
            states = {s.name: s for s in store.source_states()}
            outbox = _outbox(store, now)
    sources = []
    for cfg in settings.enabled_sources():
        st = states.get(cfg.name)
        sources.append(
            SourceReading(
                name=cfg.name,
                interval=settings.interval_of(cfg),
                last_polled_at=st.last_polled_at if st else None,
                paused_until=st.paused_until if st else None,
                status=st.status if st else None,
            )
        )
    return Readings(now=now, sources=sources, store_problem=problem, outbox=outbox)


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    result = verdict(readings(settings, datetime.now(UTC)))
    if args.json:
        json.dump(
            {"ok": result.ok, "line": result.line, "problems": list(result.problems)},
            sys.stdout,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
    else:
        print(result.line, file=sys.stdout if result.ok else sys.stderr)
    return EXIT_OK if result.ok else EXIT_UNHEALTHY
