"""Is the bot doing its job? The checks behind `jucip-watch health`: readings in, verdict out.

Pure: the command (watcher/commands/health.py) reads the store and the config into `Readings`;
each check turns them into problems; no problem is healthy. A check is one function in `CHECKS`.

- **Cycles.** A source's cycle is one poll of it, by the scheduler of `run` or by a `check` (from
  cron: give the source, or [schedule], the cron period as its `interval`). It ends when the poll
  is recorded (`last_polled_at`), whatever its outcome: a source that answers "blocked" still
  cycles, and `sources` shows why it fails. A source is due one interval after its last poll, or
  when its pause ends (Retry-After, backoff) if that is later; it is late once a further
  interval has passed without a poll. Without a pause that is "the last cycle finished more
  than twice the interval ago". An enabled source never polled is late: the first pass records
  it (the Docker HEALTHCHECK's start period covers that pass). Disabled sources are not checked.
- **Store.** The database exists and accepts a write (taken and rolled back, never changed).
- **Outbox.** No delivery is stuck past its retries: none is still pending a retry interval (the
  longest backoff) after it was due. Before the database exists there is no reading (None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.models import SourceStatus


@dataclass(frozen=True, slots=True)
class SourceReading:
    name: str
    interval: float  # seconds
    last_polled_at: datetime | None
    paused_until: datetime | None = None
    status: str | None = None  # the last poll's outcome (shown, not judged)


@dataclass(frozen=True, slots=True)
class OutboxReading:
    """Deliveries that used up their retries without being accepted (the store's
    `overdue_deliveries`); `example` names one of them for the message."""

    stuck: int
    example: str | None = None


@dataclass(frozen=True, slots=True)
class Readings:
    now: datetime
    sources: Sequence[SourceReading]
    # Why the database would refuse a write (state.db.write_problem), None when it takes one.
    store_problem: str | None
    outbox: OutboxReading | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    line: str  # the one line `health` prints
    problems: tuple[str, ...]


def _span(seconds: float) -> str:
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def due_at(source: SourceReading) -> datetime | None:
    """When the source's next cycle should start (None: never polled)."""
    if source.last_polled_at is None:
        return None
    due = source.last_polled_at + timedelta(seconds=source.interval)
    if source.paused_until is not None and source.paused_until > due:
        due = source.paused_until
    return due


def late(source: SourceReading, now: datetime) -> str | None:
    """Why the source's cycle is overdue, or None when it is on time."""
    due = due_at(source)
    if due is None:
        return f"{source.name}: never polled (start `jucip-watch run`, or run `jucip-watch check`)"
    overdue = now - (due + timedelta(seconds=source.interval))
    if overdue <= timedelta(0):
        return None
    assert source.last_polled_at is not None
    ago = _span((now - source.last_polled_at).total_seconds())
    return (
        f"{source.name}: last cycle finished {ago} ago, due every {_span(source.interval)}: "
        "is `jucip-watch run` (or the cron job running `check`) still going?"
    )


def check_store(r: Readings) -> list[str]:
    return [r.store_problem] if r.store_problem else []


def check_cycles(r: Readings) -> list[str]:
    return [p for p in (late(s, r.now) for s in r.sources) if p]


def check_outbox(r: Readings) -> list[str]:
    if r.outbox is None or r.outbox.stuck == 0:
        return []
    which = f" (e.g. {r.outbox.example})" if r.outbox.example else ""
    return [
        f"{r.outbox.stuck} delivery(ies) stuck past their retries{which}: see `jucip-watch outbox`"
    ]


Check = Callable[[Readings], list[str]]
# The store first: when it cannot be written, nothing else can be trusted.
CHECKS: tuple[Check, ...] = (check_store, check_cycles, check_outbox)


def verdict(r: Readings, checks: Sequence[Check] = CHECKS) -> Verdict:
    problems = tuple(p for check in checks for p in check(r))
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        return Verdict(False, f"unhealthy: {problems[0]}{more}", problems)
    failing = [f"{s.name} ({s.status})" for s in r.sources if s.status and _failing(s.status)]
    note = f"; failing now: {', '.join(failing)} (see `jucip-watch sources`)" if failing else ""
    return Verdict(
        True, f"healthy: {len(r.sources)} source(s) on time, database writable{note}", ()
    )


def _failing(status: str) -> bool:
    try:
        return SourceStatus(status).failed
    except ValueError:  # a status this version does not know: show it
        return True
