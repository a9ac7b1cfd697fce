"""The tracker's inputs, read from the archive through the store's reader API.

An event alerted on has its `EventSummary` stored; one archived silently (the bundled history,
a first poll's baseline, an import, a backfill) has none, so its summary is built here the way
the archive builds one: its first version, with the meeting-level comparison the alerts use
(`Archive.compare_event`: every document of the meeting against every document of the meeting
before, `Archive.previous_event`), so the tracker and the alerts never disagree.
"""

from __future__ import annotations

from datetime import datetime

from state.store import DocumentRow, Store
from watcher.analysis.commitments import rank
from watcher.analysis.statement import Statement
from watcher.analysis.summary import EventSummary, build_summary
from watcher.archive import Analyzer, Archive
from watcher.tracker.model import MeetingInput, Tracker, build_tracker


def _summary(
    archive: Archive, event_id: int, documents: tuple[DocumentRow, ...]
) -> EventSummary | None:
    stored = archive.event_summary(event_id)
    if stored is not None:
        return stored
    first = next((d for d in documents if d.statement is not None), None)
    if first is None or first.statement is None:
        return None
    # What the archive stores for an alerted event: the first version's summary with the
    # meeting-level comparison, grown by the documents that joined it.
    comparison = archive.compare_event(event_id)
    taxonomy = archive.analyzer.taxonomy
    summary = build_summary(Statement.from_dict(first.statement), comparison, taxonomy=taxonomy)
    if len(documents) == 1:
        return summary
    return summary.regrown(archive.meeting_statements(event_id), comparison, taxonomy=taxonomy)


def meeting_inputs(store: Store, analyzer: Analyzer) -> list[MeetingInput]:
    archive = Archive(store, analyzer)
    items = []
    for event in store.events():
        documents = tuple(store.event_documents(event.id))
        previous = archive.previous_event(event.id)
        items.append(
            MeetingInput(
                event,
                _summary(archive, event.id, documents),
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
