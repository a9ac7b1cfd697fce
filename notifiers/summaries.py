"""Event summaries for what is rendered outside an alert: `notify-test`, and the bot's /latest,
/compare and /topic, which may show a meeting archived silently (a baseline or the bundled
history keeps no stored summary: it had no alert). Each is `Archive.meeting_summary`, the one
the tracker shows too."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from watcher.analysis.summary import EventSummary
    from watcher.archive import Archive


def latest_summary(archive: Archive, series: str | None = None) -> EventSummary | None:
    """The latest meeting's summary (baseline and bundled ones included)."""
    for event in archive.store.events(series=series, limit=20):
        summary = archive.meeting_summary(event.id)
        if summary is not None:
            return summary
    return None


def all_summaries(archive: Archive, series: str | None = None) -> list[EventSummary]:
    """Every event's summary, latest meeting first (for /topic)."""
    out = []
    for event in archive.store.events(series=series):
        summary = archive.meeting_summary(event.id)
        if summary is not None:
            out.append(summary)
    return out


def sample_event(archive: Archive, now: datetime) -> tuple[int, EventSummary]:
    """The latest meeting of the bundled history with its summary stored, for a sample alert
    (`notify-test`, benchmarks): (event id, summary). Seeds the history into the archive."""
    archive.seed_bundled_history(now)
    summary = latest_summary(archive)
    event = archive.store.latest_event()
    if summary is None or event is None:
        raise LookupError("the bundled history has no statement to render")
    with archive.store.transaction():
        archive.store.set_event_summary(event.id, summary.to_dict())
    return event.id, summary
