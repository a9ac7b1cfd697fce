"""The language-neutral summary an alert is rendered from (no channel formatting here).

Key commitments are chosen greedily: the strongest first, then those that add topics not yet
covered (topics new in this statement count double), so a few lines cover the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watcher.analysis.commitments import rank
from watcher.analysis.compare import Comparison
from watcher.analysis.statement import Commitment, Statement

KEY_COMMITMENTS = 5


@dataclass(frozen=True, slots=True)
class Summary:
    headline: str
    statement: Statement
    key_commitments: tuple[Commitment, ...]
    comparison: Comparison | None
    links: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        s = self.statement
        return {
            "headline": self.headline,
            "lang": s.lang,
            "url": s.url,
            "date": s.date.isoformat() if s.date else None,
            "series": list(s.series),
            "meeting": s.meeting.to_dict() if s.meeting else None,
            "topics": list(s.topics),
            "commitment_count": len(s.commitments),
            "key_commitments": [c.to_dict() for c in self.key_commitments],
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "links": dict(self.links),
        }


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


def build_summary(
    statement: Statement, comparison: Comparison | None = None, *, limit: int = KEY_COMMITMENTS
) -> Summary:
    links = {statement.lang: statement.url} if statement.url else {}
    for lang, url in statement.alternates.items():
        links.setdefault(lang, url)
    return Summary(
        headline=statement.title,
        statement=statement,
        key_commitments=key_commitments(
            statement.commitments, comparison.new_topics if comparison else (), limit
        ),
        comparison=comparison,
        links=links,
    )
