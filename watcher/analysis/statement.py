"""What extraction yields: a statement, its meeting and its commitments, with the public JSON.

The JSON names are a contract (users' scripts and the store depend on them): `to_dict` writes
them, `from_dict` reads them back so that `to_dict(from_dict(d)) == d`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from watcher.dates import iso as _iso


def _date(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


@dataclass(frozen=True, slots=True)
class Commitment:
    text: str
    topics: tuple[str, ...]
    actors: tuple[str, ...]
    strength: str
    # The list lead-in this commitment continues ("... including the following activities:").
    lead_in: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "topics": list(self.topics),
            "actors": list(self.actors),
            "strength": self.strength,
            "lead_in": self.lead_in,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Commitment:
        return cls(
            text=d["text"],
            topics=tuple(d["topics"]),
            actors=tuple(d["actors"]),
            strength=d["strength"],
            lead_in=d.get("lead_in"),
        )


@dataclass(frozen=True, slots=True)
class Meeting:
    series: str | None
    ordinal: int | None
    level: str | None
    date: date | None
    place: str | None
    principals: tuple[str, ...]
    # Where `date` came from: "text" (stated with its year), "inferred" (year from the posting
    # date), "dateline" (the statement's own date line) or "posting".
    date_source: str | None = None

    @property
    def stated_date(self) -> date | None:
        """`date` when the documents state it: a posting date is no meeting date (METI's
        English page follows the meeting by weeks)."""
        return self.date if self.date_source != "posting" else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "ordinal": self.ordinal,
            "level": self.level,
            "date": _iso(self.date),
            "place": self.place,
            "principals": list(self.principals),
            "date_source": self.date_source,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Meeting:
        return cls(
            series=d["series"],
            ordinal=d["ordinal"],
            level=d["level"],
            date=_date(d["date"]),
            place=d["place"],
            principals=tuple(d["principals"]),
            date_source=d.get("date_source"),
        )


@dataclass(frozen=True, slots=True)
class Statement:
    title: str
    date: date | None
    lang: str
    series: tuple[str, ...]
    relevance: str
    meeting: Meeting | None
    topics: tuple[str, ...]
    commitments: tuple[Commitment, ...]
    url: str = ""
    alternates: dict[str, str] = field(default_factory=dict)
    # The document's form (watcher.analysis.kind.KINDS); None for one stored before kinds.
    kind: str | None = None
    # Characters of main text analysed: how much a document says, for comparing a summary with
    # a full statement.
    length: int = 0

    @property
    def when(self) -> date | None:
        """The date a statement sits at in its series: the meeting's, else the posting date."""
        return (self.meeting.date if self.meeting else None) or self.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": _iso(self.date),
            "lang": self.lang,
            "series": list(self.series),
            "relevance": self.relevance,
            "meeting": self.meeting.to_dict() if self.meeting else None,
            "topics": list(self.topics),
            "commitments": [c.to_dict() for c in self.commitments],
            "url": self.url,
            "alternates": dict(self.alternates),
            "kind": self.kind,
            "length": self.length,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Statement:
        return cls(
            title=d["title"],
            date=_date(d["date"]),
            lang=d["lang"],
            series=tuple(d["series"]),
            relevance=d["relevance"],
            meeting=Meeting.from_dict(d["meeting"]) if d.get("meeting") else None,
            topics=tuple(d["topics"]),
            commitments=tuple(Commitment.from_dict(c) for c in d["commitments"]),
            url=d.get("url", ""),
            alternates=dict(d.get("alternates", {})),
            kind=d.get("kind"),
            length=d.get("length", 0),
        )

    def ref(self) -> StatementRef:
        """The short form other objects embed (a comparison's two ends)."""
        return StatementRef(self.title, self.date, self.lang, self.url, self.meeting, self.kind)


@dataclass(frozen=True, slots=True)
class StatementRef:
    """A statement named, not carried: which release, and the meeting it reports."""

    title: str
    date: date | None
    lang: str
    url: str
    meeting: Meeting | None
    kind: str | None = None

    @property
    def when(self) -> date | None:
        """When the meeting was held, else when the release was posted."""
        return (self.meeting.date if self.meeting else None) or self.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": _iso(self.date),
            "lang": self.lang,
            "url": self.url,
            "meeting": self.meeting.to_dict() if self.meeting else None,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StatementRef:
        return cls(
            title=d["title"],
            date=_date(d["date"]),
            lang=d["lang"],
            url=d["url"],
            meeting=Meeting.from_dict(d["meeting"]) if d.get("meeting") else None,
            kind=d.get("kind"),
        )
