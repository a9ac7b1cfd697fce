"""The tracker's inputs, read from the archive through the store's reader API.

Each meeting comes with the summary its alert renders (`Archive.meeting_summary`: the stored
one, or for a meeting archived silently the one the archive would have stored), and the meeting
before it is the alerts' own (`Archive.previous_event`), so the tracker and the alerts never
disagree.
"""

from __future__ import annotations

from datetime import datetime

from state.store import Store
from watcher.analysis.commitments import rank
from watcher.archive import Analyzer, Archive
from watcher.tracker.model import MeetingInput, Tracker, build_tracker


def meeting_inputs(store: Store, analyzer: Analyzer) -> list[MeetingInput]:
    archive = Archive(store, analyzer)
    items = []
    for event in store.events():
        documents = tuple(store.event_documents(event.id))
        previous = archive.previous_event(event.id)
        items.append(
            MeetingInput(
                event,
                archive.meeting_summary(event.id, documents),
                documents,
                predecessor=previous.id if previous is not None else None,
            )
        )
    return items


def read_tracker(store: Store, analyzer: Analyzer, now: datetime) -> Tracker:
    taxonomy = analyzer.taxonomy
    catalog = analyzer.catalog
    return build_tracker(
        meeting_inputs(store, analyzer),
        series_names={s.id: s.name for s in catalog.series},
        topic_order=taxonomy.ids,
        labels={t.id: t.label for t in taxonomy.topics},
        rank=rank,
        now=now,
    )
