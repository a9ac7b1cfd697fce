"""The event summary: everything an alert is rendered from, in one type (no channel formatting).

An event's summary is built when its first release is archived (`build_summary`), stored whole
as JSON in the event, and grows as later versions of the release join it (`EventSummary.joined`:
METI's English page after the Japanese one). Renderers (the terminal, and the notifiers) read
only this type: it carries the topic labels, so none needs the taxonomy, and it reads back from
its JSON whole, `EventSummary.from_dict(s.to_dict()) == s`.

Key commitments are chosen greedily: the strongest first, then those that add topics not yet
covered (topics new in this statement count double), so a few lines cover the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from watcher.analysis.commitments import rank
from watcher.analysis.compare import Comparison
from watcher.analysis.statement import Commitment, Meeting, Statement, StatementRef
from watcher.analysis.taxonomy import Taxonomy, load_taxonomy
from watcher.dates import iso

KEY_COMMITMENTS = 5


@dataclass(frozen=True, slots=True)
class KeyCommitment:
    """One of the few commitments an alert shows, in the language of its release."""

    text: str
    topics: tuple[str, ...]
    strength: str
    actors: tuple[str, ...]
    lang: str
    lead_in: str | None = None

    @classmethod
    def of(cls, c: Commitment, lang: str) -> KeyCommitment:
        return cls(c.text, c.topics, c.strength, c.actors, lang, c.lead_in)

    def commitment(self) -> Commitment:
        return Commitment(self.text, self.topics, self.actors, self.strength, self.lead_in)

    def to_dict(self) -> dict[str, Any]:
        return {**self.commitment().to_dict(), "lang": self.lang}

    @classmethod
    def from_dict(cls, d: dict[str, Any], lang: str) -> KeyCommitment:
        """`lang`: the summary's, for summaries stored before commitments carried their own."""
        return cls.of(Commitment.from_dict(d), d.get("lang", lang))


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """A commitment of the first version and its counterpart in a later one (a translation)."""

    original: str
    translation: str


@dataclass(frozen=True, slots=True)
class EventSummary:
    # Every archived release of the event: the one the summary was built from first, then each
    # later language or site. The headline, language, link and meeting are the first one's.
    versions: tuple[StatementRef, ...]
    series: tuple[str, ...]
    topics: tuple[str, ...]
    commitment_count: int
    key_commitments: tuple[KeyCommitment, ...]
    comparison: Comparison | None
    # One link per language: the archived versions', and the alternates they name.
    links: dict[str, str]
    # The label of every topic id the summary mentions (statement, commitments, comparison).
    topic_labels: dict[str, str] = field(default_factory=dict)
    # A later version's language -> its commitments paired with the first version's.
    aligned: dict[str, tuple[AlignedPair, ...]] = field(default_factory=dict)

    @property
    def first(self) -> StatementRef:
        return self.versions[0]

    @property
    def headline(self) -> str:
        return self.first.title

    @property
    def lang(self) -> str:
        """The first version's language: key commitments and the comparison are in it."""
        return self.first.lang

    @property
    def url(self) -> str:
        return self.first.url

    @property
    def date(self) -> date | None:
        """When the first version was posted."""
        return self.first.date

    @property
    def meeting(self) -> Meeting | None:
        return self.first.meeting

    def topic_label(self, topic_id: str) -> str:
        return self.topic_labels.get(topic_id, topic_id)

    def link(self, lang: str) -> str | None:
        """The release in that language, when there is one."""
        return self.links.get(lang)

    def translation(self, text: str, lang: str) -> str | None:
        """A first-version commitment's text in the later version `lang`, when aligned."""
        for pair in self.aligned.get(lang, ()):
            if pair.original == text:
                return pair.translation
        return None

    def joined(
        self, version: StatementRef, pairs: Sequence[AlignedPair] | None = None
    ) -> EventSummary:
        """This summary with a later version added (or updated: versions are told apart by URL):
        its link, and `pairs`, its commitments aligned with the first version's, when it is in
        another language."""
        links = dict(self.links)
        links.setdefault(version.lang, version.url)
        versions = [v for v in self.versions if v.url != version.url]
        versions.insert(0 if version.url == self.url else len(versions), version)
        aligned = dict(self.aligned)
        if version.lang != self.lang and pairs is not None:
            aligned[version.lang] = tuple(pairs)
        return replace(self, links=links, versions=tuple(versions), aligned=aligned)

    def regrown(
        self,
        statements: Sequence[Statement],
        comparison: Comparison | None,
        *,
        taxonomy: Taxonomy | None = None,
    ) -> EventSummary:
        """This summary for its meeting as it stands: the topics of all its documents and the
        meeting-level comparison (the headline, link and key commitments stay the first
        version's)."""
        taxonomy = taxonomy or load_taxonomy()
        ids: set[str] = set(self.topics)
        for st in statements:
            ids |= _mentioned_topics(st, None)
        ids |= _mentioned_topics(None, comparison)
        topics = set(self.topics).union(*(st.topics for st in statements))
        return replace(
            self,
            topics=taxonomy.sort(topics),
            comparison=comparison if comparison is not None else self.comparison,
            topic_labels={**self.topic_labels, **_labels(ids, taxonomy)},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "lang": self.lang,
            "url": self.url,
            "date": iso(self.date),
            "series": list(self.series),
            "meeting": self.meeting.to_dict() if self.meeting else None,
            "topics": list(self.topics),
            "commitment_count": self.commitment_count,
            "key_commitments": [c.to_dict() for c in self.key_commitments],
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "links": dict(self.links),
            "topic_labels": dict(self.topic_labels),
            "versions": [v.to_dict() for v in self.versions],
            "aligned": {
                lang: [{self.lang: p.original, lang: p.translation} for p in pairs]
                for lang, pairs in self.aligned.items()
            },
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventSummary:
        """Read a stored summary back; one stored before labels and versions were kept reads
        with ids for labels and its first release as its only version."""
        lang = d["lang"]
        versions = d.get("versions") or [{**d, "title": d["headline"]}]
        return cls(
            versions=tuple(StatementRef.from_dict(v) for v in versions),
            series=tuple(d["series"]),
            topics=tuple(d["topics"]),
            commitment_count=d["commitment_count"],
            key_commitments=tuple(KeyCommitment.from_dict(c, lang) for c in d["key_commitments"]),
            comparison=Comparison.from_dict(d["comparison"]) if d.get("comparison") else None,
            links=dict(d["links"]),
            topic_labels=dict(d.get("topic_labels", {})),
            aligned={
                other: tuple(AlignedPair(p[lang], p[other]) for p in pairs)
                for other, pairs in d.get("aligned", {}).items()
            },
        )


def key_commitments(
    commitments: tuple[Commitment, ...],
    new_topics: tuple[str, ...] = (),
    limit: int = KEY_COMMITMENTS,
) -> tuple[Commitment, ...]:
    chosen: list[Commitment] = []
    covered: set[str] = set()
    pool = list(commitments)
    while pool and len(chosen) < limit:

        def gain(c: Commitment) -> tuple[int, int, int]:
            fresh = [t for t in c.topics if t not in covered]
            weight = len(fresh) + sum(1 for t in fresh if t in new_topics)
            return (weight > 0, rank(c.strength) + weight, -commitments.index(c))

        best = max(pool, key=gain)
        if not best.topics and chosen:
            break  # a commitment about nothing in the taxonomy ("welcomed progress") is filler
        chosen.append(best)
        covered.update(best.topics)
        pool.remove(best)
    return tuple(sorted(chosen, key=commitments.index))


def _mentioned_topics(statement: Statement | None, comparison: Comparison | None) -> set[str]:
    ids: set[str] = set()
    if statement is not None:
        ids.update(statement.topics)
        for c in statement.commitments:
            ids.update(c.topics)
    if comparison is not None:
        ids.update(comparison.new_topics)
        ids.update(comparison.continued_topics)
        ids.update(comparison.dropped_topics)
        ids.update(comparison.not_in_summary)
        for c in comparison.dropped_commitments:
            ids.update(c.topics)
        for k in comparison.continued:
            ids.update(k.old.topics)
    return ids


def _labels(ids: set[str], taxonomy: Taxonomy) -> dict[str, str]:
    return {t: taxonomy.label(t) for t in taxonomy.sort(ids)}


def build_summary(
    statement: Statement,
    comparison: Comparison | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    limit: int = KEY_COMMITMENTS,
) -> EventSummary:
    """The summary of an event from its first release (and its comparison with the previous
    meeting); `taxonomy` gives the labels (the built-in one when not given)."""
    links = {statement.lang: statement.url} if statement.url else {}
    for lang, url in statement.alternates.items():
        links.setdefault(lang, url)
    chosen = key_commitments(
        statement.commitments, comparison.new_topics if comparison else (), limit
    )
    return EventSummary(
        versions=(statement.ref(),),
        series=statement.series,
        topics=statement.topics,
        commitment_count=len(statement.commitments),
        key_commitments=tuple(KeyCommitment.of(c, statement.lang) for c in chosen),
        comparison=comparison,
        links=links,
        topic_labels=_labels(_mentioned_topics(statement, comparison), taxonomy or load_taxonomy()),
    )
