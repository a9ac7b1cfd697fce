"""Judging a document and putting it in the archive: the one path every release takes.

Polled releases, `jucip-watch import` and the bundled history all go through `Archive.add`, so
detection, extraction, event grouping and comparison happen the same way for each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from state.events import DocumentRow, EventKeyRow, EventRow
from state.store import Store
from watcher.config import Settings
from watcher.events import Candidate, MeetingKey, match_event, meeting_key, previous_meeting
from watcher.models import Document, Relevance

if TYPE_CHECKING:
    from watcher.alerts import Alerts
    from watcher.analysis.compare import Comparison
    from watcher.analysis.statement import Statement
    from watcher.analysis.summary import EventSummary
    from watcher.analysis.taxonomy import Taxonomy
    from watcher.detect import Detection
    from watcher.series import SeriesCatalog

# The analysis modules are imported when the first release is judged: a poll where every
# listing answers 304 Not Modified never loads them.


# A statement runs to a few pages (the longest JUCIP or EPCC text is about 30,000 characters).
# Past this a text is not one release's statement (a dump, a concatenation, hostile input): it
# is analysed on its leading part, with a note, so the time and memory it costs stay bounded.
MAX_STATEMENT_CHARS = 200_000


def leading_part(doc: Document, limit: int = MAX_STATEMENT_CHARS) -> tuple[Document, str | None]:
    """`doc` with its text cut to `limit` characters (at a line break when one is near), and the
    note saying so; `doc` itself and None when it is within the limit."""
    if len(doc.text) <= limit:
        return doc, None
    cut = doc.text.rfind("\n", 0, limit)
    text = doc.text[: cut if cut > limit // 2 else limit]
    note = (
        f"the text has {len(doc.text):,} characters, more than a statement has; only the "
        f"first {len(text):,} were analysed"
    )
    return replace(doc, text=text), note


@dataclass(frozen=True, slots=True)
class Judgement:
    detection: Detection
    # Every page with text has one; a judgement made without analysis (a test's) may not.
    statement: Statement | None
    note: str | None = None  # what the reader should know (the text was cut, see leading_part)

    @property
    def relevant(self) -> bool:
        return self.detection.relevant

    @property
    def series(self) -> tuple[str, ...]:
        return self.detection.series

    @property
    def meeting_date(self) -> date | None:
        m = self.statement.meeting if self.statement else None
        return m.date if m else None


@dataclass(frozen=True, slots=True)
class Archived:
    document_id: int
    event_id: int | None


class Analyzer:
    """The pure analysis configured from settings: series catalogue and topic taxonomy."""

    def __init__(self, settings: Settings) -> None:
        self._series = settings.series
        self._topics = settings.topics

    @cached_property
    def catalog(self) -> SeriesCatalog:
        from watcher.series import load_catalog

        return load_catalog(self._series)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        from watcher.analysis.taxonomy import load_taxonomy

        return load_taxonomy(self._topics)

    def judge(
        self, doc: Document, *, series: str | None = None, part_of: str | None = None
    ) -> Judgement:
        """Judge a release once (see `watcher.analysis.extract.judge`); `series` files a text
        that names no watched series under that one (`import --series`); `part_of` judges an
        attachment of a release of that series as a document of its meeting."""
        from watcher.analysis.extract import judge

        doc, note = leading_part(doc)
        detection, statement = judge(
            doc, taxonomy=self.taxonomy, catalog=self.catalog, series=series, part_of=part_of
        )
        return Judgement(detection, statement, note)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _event_key(row: EventRow | EventKeyRow) -> MeetingKey:
    return MeetingKey(row.series, row.ordinal, row.level, row.meeting_date, row.first_posted)


def _meeting_key(judgement: Judgement, doc: Document) -> MeetingKey:
    key = meeting_key(judgement.statement) if judgement.statement else None
    return key or MeetingKey(judgement.series[0], None, None, None, doc.date)


class Archive:
    """`alerts` queues the alert of each non-baseline release in its archiving transaction
    (watcher/alerts.py); without it (tests, `compare`) nothing is queued."""

    def __init__(self, store: Store, analyzer: Analyzer, alerts: Alerts | None = None) -> None:
        self.store = store
        self.analyzer = analyzer
        self.alerts = alerts

    def _event_for(
        self, doc: Document, judgement: Judgement, *, baseline: bool, now: datetime
    ) -> tuple[int, bool]:
        key = _meeting_key(judgement, doc)
        candidates = [
            Candidate(row.id, _event_key(row))
            for row in self.store.events_near(key.series, key.when)
        ]
        by_url = {}
        for url in doc.alternates.values():
            linked = self.store.document_by_url(url)
            if linked and linked.event_id:
                by_url[url] = linked.event_id
        found = match_event(
            key, candidates, linked_urls=list(doc.alternates.values()), events_by_url=by_url
        )
        if found is not None:
            self.store.fill_event(
                found, ordinal=key.ordinal, level=key.level, meeting_date=key.meeting_date
            )
            return found, False
        event_id = self.store.create_event(
            series=key.series,
            ordinal=key.ordinal,
            level=key.level,
            meeting_date=key.meeting_date,
            title=doc.title,
            baseline=baseline,
            now=now,
        )
        return event_id, True

    def statements(self) -> list[Statement]:
        """Every archived statement, for comparison (the archive is small: a few a year)."""
        from watcher.analysis.statement import Statement

        return [Statement.from_dict(s) for _, s in self.store.statements()]

    def summarise(self, doc_id: int) -> EventSummary | None:
        """Summary of a stored statement: headed by it, and compared as its meeting (every
        document of its event) against the previous meeting; a statement in no event against
        its predecessor in the archive."""
        from watcher.analysis.compare import compare_with_previous
        from watcher.analysis.statement import Statement
        from watcher.analysis.summary import build_summary

        row = self.store.document(doc_id)
        if row is None or row.statement is None:
            return None
        new = Statement.from_dict(row.statement)
        if row.event_id is not None:
            comparison = self.compare_event(row.event_id)
        else:
            comparison = compare_with_previous(new, self.statements())
        return build_summary(new, comparison, taxonomy=self.analyzer.taxonomy)

    def meeting_statements(
        self, event_id: int, documents: Sequence[DocumentRow] | None = None
    ) -> list[Statement]:
        """The statements of an event's documents (its releases in every language and their
        attachments), in the order they were archived; `documents`: those rows, when the
        caller has read them already."""
        from watcher.analysis.statement import Statement

        if documents is None:
            documents = self.store.event_documents(event_id)
        return [
            Statement.from_dict(d.statement)
            for d in documents
            if d.statement is not None and d.relevance == "primary"
        ]

    def previous_event(self, event_id: int) -> EventRow | None:
        """The event of the meeting before this one in its series (`events.previous_meeting`)."""
        row = self.store.event(event_id)
        return self._previous_of(row) if row is not None else None

    def _previous_of(self, row: EventRow) -> EventRow | None:
        key = _event_key(row)
        if key.when is None:
            return None
        earlier = self.store.events_before(row.series, key.when, exclude=row.id)
        found = previous_meeting(key, [Candidate(e.id, _event_key(e)) for e in earlier])
        return self.store.event(found) if found is not None else None

    def compare_event(
        self, event_id: int, documents: Sequence[DocumentRow] | None = None
    ) -> Comparison | None:
        """The meeting against the previous one: every document of each (`compare_meetings`);
        None when the series has no earlier meeting with a statement. `documents`: the event's
        rows, when the caller has read them already."""
        from watcher.analysis.compare import compare_meetings

        new = self.meeting_statements(event_id, documents)
        row = self.store.event(event_id)
        previous = self._previous_of(row) if new and row is not None else None
        when = _event_key(row).when if row is not None else None
        if previous is None or when is None:
            return None
        old = self.meeting_statements(previous.id)
        if not old:
            return None
        earlier = self.store.topics_before(previous.series, when)
        return compare_meetings(old, new, earlier_topics=earlier)

    def event_summary(self, event_id: int) -> EventSummary | None:
        """An event's stored summary, read back whole; None for an unknown event and for one
        archived silently (a baseline or an import has no alert to render)."""
        from watcher.analysis.summary import EventSummary

        event = self.store.event(event_id)
        if event is None or event.summary is None:
            return None
        return EventSummary.from_dict(event.summary)

    def meeting_summary(
        self, event_id: int, documents: Sequence[DocumentRow] | None = None
    ) -> EventSummary | None:
        """The summary an event's alert renders, for any event: the stored one; for a meeting
        archived silently (the bundled history, a baseline, an import, a backfill), built as
        the archive builds it for an alert: the first version's, with the meeting-level
        comparison, grown by the documents that joined it. None for an event with no
        statement. `documents`: the event's rows, when the caller has read them already. The
        tracker, the bot's /latest, /compare and /topic, and notify-test all read this."""
        from watcher.analysis.statement import Statement
        from watcher.analysis.summary import build_summary

        stored = self.event_summary(event_id)
        if stored is not None:
            return stored
        if documents is None:
            documents = self.store.event_documents(event_id)
        first = next((d for d in documents if d.statement is not None), None)
        if first is None or first.statement is None:
            return None
        comparison = self.compare_event(event_id, documents)
        taxonomy = self.analyzer.taxonomy
        summary = build_summary(Statement.from_dict(first.statement), comparison, taxonomy=taxonomy)
        if len(documents) == 1:
            return summary
        statements = self.meeting_statements(event_id, documents)
        return summary.regrown(statements, comparison, taxonomy=taxonomy)

    def add(
        self,
        doc: Document,
        judgement: Judgement,
        *,
        source: str | None,
        origin: str,
        baseline: bool,
        now: datetime,
        event_id: int | None = None,
    ) -> Archived:
        """Store a relevant document (and its event) in the caller's transaction. `event_id`
        files it in that event whatever its own meeting reads (a release's attachment)."""
        new_event = False
        if event_id is not None:
            key = _meeting_key(judgement, doc)
            self.store.fill_event(
                event_id, ordinal=key.ordinal, level=key.level, meeting_date=key.meeting_date
            )
        elif judgement.detection.relevance is Relevance.PRIMARY:
            event_id, new_event = self._event_for(doc, judgement, baseline=baseline, now=now)
        doc_id = self.store.save_document(
            url=doc.url,
            source=source,
            origin=origin,
            lang=doc.lang,
            title=doc.title,
            date=doc.date,
            text=doc.text,
            content_hash=content_hash(doc.text),
            series=judgement.series,
            relevance=judgement.detection.relevance.value,
            alternates=doc.alternates,
            statement=judgement.statement.to_dict() if judgement.statement else None,
            meeting_date=judgement.meeting_date,
            event_id=event_id,
            baseline=baseline,
            now=now,
        )
        if new_event and event_id is not None and not baseline:
            summary = self.summarise(doc_id)
            if summary is not None:
                self.store.set_event_summary(event_id, summary.to_dict())
        elif event_id is not None:
            self._join_summary(event_id, doc_id)
        if self.alerts is not None and not baseline:
            self.alerts.released(
                document_id=doc_id,
                event_id=event_id,
                new_event=new_event,
                relevance=judgement.detection.relevance.value,
                series=judgement.series,
                label=self.analyzer.taxonomy.label,
                now=now,
            )
        return Archived(doc_id, event_id)

    def _join_summary(self, event_id: int, doc_id: int) -> None:
        """A later version (METI's English page after the Japanese one) joins the event: its
        link, and its commitments aligned with the first version's, so an alert can show
        either language and link both."""
        from watcher.analysis.compare import align
        from watcher.analysis.statement import Statement, StatementRef
        from watcher.analysis.summary import AlignedPair

        summary = self.event_summary(event_id)
        joined = self.store.document(doc_id)
        if summary is None or joined is None:
            return
        if joined.statement is None:
            version = StatementRef(joined.title, joined.date, joined.lang, joined.url, None)
            self.store.set_event_summary(event_id, summary.joined(version).to_dict())
            return
        statement = Statement.from_dict(joined.statement)
        pairs = None
        first = self.store.document_by_url(summary.url)
        if joined.lang != summary.lang and first is not None and first.statement is not None:
            pairs = [
                AlignedPair(a.text, b.text)
                for a, b in align(Statement.from_dict(first.statement), statement)
                if a and b
            ]
        # The meeting now has one more document: its topics and its comparison with the
        # previous meeting are the event's, all documents together.
        documents = self.store.event_documents(event_id)
        grown = summary.joined(statement.ref(), pairs).regrown(
            self.meeting_statements(event_id, documents),
            self.compare_event(event_id, documents),
            taxonomy=self.analyzer.taxonomy,
        )
        self.store.set_event_summary(event_id, grown.to_dict())

    def seed_bundled_history(self, now: datetime) -> int:
        """Load the shipped past statements once, so the first alert compares with history."""
        from watcher.data import bundled_documents

        docs = [d for d in bundled_documents() if self.store.document_by_url(d.url) is None]
        if not docs:
            return 0  # the usual case: seeded by an earlier run, nothing to judge
        added = 0
        with self.store.transaction():
            for doc in docs:
                judgement = self.analyzer.judge(doc)
                if not judgement.relevant:
                    continue
                self.add(doc, judgement, source=None, origin="bundled", baseline=True, now=now)
                added += 1
        return added
