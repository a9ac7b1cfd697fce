"""The tracker's inputs, read from the archive through the store's reader API.

An event alerted on has its `EventSummary` stored; one archived silently (the bundled history,
a first poll's baseline, an import, a backfill) has none, so its summary is built here the way
the archive builds one (its first version against its predecessor in this archive). The
statements are read once for all of them.
"""

from __future__ import annotations

from datetime import datetime

from state.store import Store
from watcher.analysis.commitments import rank
from watcher.analysis.compare import compare, find_previous
from watcher.analysis.statement import Statement
from watcher.analysis.summary import EventSummary, build_summary
from watcher.archive import Analyzer, Archive
from watcher.tracker.model import MeetingInput, Tracker, build_tracker


def _summary(
    archive: Archive,
    event_id: int,
    first: Statement | None,
    previous: Statement | None,
    statements: list[Statement],
) -> EventSummary | None:
    stored = archive.event_summary(event_id)
    if stored is not None or first is None:
        return stored
    # What compare_with_previous does, with the predecessor already found.
    comparison = compare(previous, first, archive=statements) if previous is not None else None
    return build_summary(first, comparison, taxonomy=archive.analyzer.taxonomy)


def meeting_inputs(store: Store, analyzer: Analyzer) -> list[MeetingInput]:
    archive = Archive(store, analyzer)
    statements = archive.statements()
    event_of = {d.url: d.event_id for d in store.documents() if d.event_id is not None}
    items = []
    for event in store.events():
        documents = tuple(store.event_documents(event.id))
        first = next(
            (Statement.from_dict(d.statement) for d in documents if d.statement is not None), None
        )
        previous = find_previous(first, statements) if first is not None else None
        items.append(
            MeetingInput(
                event,
                _summary(archive, event.id, first, previous, statements),
                documents,
                predecessor=event_of.get(previous.url) if previous is not None else None,
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
