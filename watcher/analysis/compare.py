"""Compare a statement with its predecessor in the same series, and pair EN/JA versions.

Everything works on topic ids and on anchors that translations keep (acronyms, programme names,
years), so a Japanese release compares with an English predecessor. Within one language the
wording is compared too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any

from watcher.analysis.commitments import rank
from watcher.analysis.statement import Commitment, Statement, StatementRef
from watcher.data import load_toml

# One rule for "same meeting", shared with the archive's grouping into events.
from watcher.events import same_event, series_of

# A commitment is "continued" when a commitment this similar existed in the old statement.
CONTINUED = 0.3
# EN/JA alignment: the lowest similarity at which two commitments count as one translated.
ALIGNED = 0.2

_ANCHOR = re.compile(
    r"(?<![A-Za-z])(?:[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:-[A-Z][a-z]+)?|"
    r"[A-Z]-[A-Z][a-z]+|(?:19|20)\d\d)(?![A-Za-z])"
)
_EN_WORD = re.compile(r"[a-z]{4,}")
_JA_RUN = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]+")


@cache
def _anchor_stop() -> frozenset[str]:
    return frozenset(load_toml("commitments.toml")["anchors"]["stop"])


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(load_toml("commitments.toml")["similarity"]["stopwords_en"])


# Bounded: a long-running daemon compares ever new texts.
@lru_cache(maxsize=8192)
def anchors(text: str) -> frozenset[str]:
    """Names a translation keeps: acronyms, CamelCase programme names, years."""
    stop = _anchor_stop()
    return frozenset(a for a in _ANCHOR.findall(text) if a not in stop)


@lru_cache(maxsize=8192)
def words(text: str, lang: str) -> frozenset[str]:
    """Content words (English) or kanji/katakana bigrams (Japanese) for same-language likeness."""
    if lang == "ja":
        out = set()
        for run in _JA_RUN.findall(text):
            out.update(run[i : i + 2] for i in range(len(run) - 1))
        return frozenset(out)
    return frozenset(w for w in _EN_WORD.findall(text.casefold()) if w not in _stopwords())


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: Commitment, a_lang: str, b: Commitment, b_lang: str) -> float:
    topical = _jaccard(a.topics, b.topics)
    if a_lang == b_lang:
        textual = _jaccard(words(a.text, a_lang), words(b.text, b_lang))
    else:
        textual = _jaccard(anchors(a.text), anchors(b.text))
    return 0.5 * topical + 0.5 * textual


@dataclass(frozen=True, slots=True)
class Continued:
    old: Commitment
    new: Commitment
    # Rounded to 3 places when made, so the JSON round trip is exact.
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "similarity": round(self.similarity, 3),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Continued:
        return cls(Commitment.from_dict(d["old"]), Commitment.from_dict(d["new"]), d["similarity"])


@dataclass(frozen=True, slots=True)
class StrengthChange:
    old: Commitment
    new: Commitment

    @property
    def direction(self) -> str:
        return (
            "escalation" if rank(self.new.strength) > rank(self.old.strength) else "de-escalation"
        )

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.old.topics) | set(self.new.topics)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.old.strength,
            "to": self.new.strength,
            "direction": self.direction,
            "topics": list(self.topics),
            "old_text": self.old.text,
            "new_text": self.new.text,
        }


def _commitments(items: list[dict[str, Any]]) -> tuple[Commitment, ...]:
    return tuple(Commitment.from_dict(c) for c in items)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What changed between two statements; `to_dict` is the public JSON (`compare --json`, the
    event summary) and `from_dict` reads it back whole."""

    old: StatementRef
    new: StatementRef
    new_topics: tuple[str, ...]
    continued_topics: tuple[str, ...]
    dropped_topics: tuple[str, ...]
    new_commitments: tuple[Commitment, ...]
    continued: tuple[Continued, ...]
    dropped_commitments: tuple[Commitment, ...]
    first_in_series: tuple[str, ...]
    # A reason to read the comparison with care (set by the analysis), and the topics missing
    # from the shorter side that a renderer shows as "not in the summary", not as dropped.
    caveat: str | None = None
    not_in_summary: tuple[str, ...] = ()

    @property
    def strength_changes(self) -> tuple[StrengthChange, ...]:
        """Continued commitments said more or less firmly than before."""
        return tuple(
            StrengthChange(c.old, c.new)
            for c in self.continued
            if rank(c.old.strength) != rank(c.new.strength)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "new_topics": list(self.new_topics),
            "continued_topics": list(self.continued_topics),
            "dropped_topics": list(self.dropped_topics),
            "commitments": {
                "new": [c.to_dict() for c in self.new_commitments],
                "continued": [c.to_dict() for c in self.continued],
                "dropped": [c.to_dict() for c in self.dropped_commitments],
            },
            "strength_changes": [s.to_dict() for s in self.strength_changes],
            "first_in_series": list(self.first_in_series),
            "caveat": self.caveat,
            "not_in_summary": list(self.not_in_summary),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Comparison:
        # strength_changes is not read: it follows from the continued commitments.
        commitments = d["commitments"]
        return cls(
            old=StatementRef.from_dict(d["old"]),
            new=StatementRef.from_dict(d["new"]),
            new_topics=tuple(d["new_topics"]),
            continued_topics=tuple(d["continued_topics"]),
            dropped_topics=tuple(d["dropped_topics"]),
            new_commitments=_commitments(commitments["new"]),
            continued=tuple(Continued.from_dict(c) for c in commitments["continued"]),
            dropped_commitments=_commitments(commitments["dropped"]),
            first_in_series=tuple(d["first_in_series"]),
            caveat=d.get("caveat"),
            not_in_summary=tuple(d.get("not_in_summary", ())),
        )


def _same_kind(old: Statement, new: Statement) -> bool:
    """A numbered meeting ("3rd ministerial") follows the previous numbered meeting at its level,
    not a readout of a courtesy call in between; anything else follows whatever came last."""
    if new.meeting is None or new.meeting.ordinal is None:
        return True
    return (
        old.meeting is not None
        and old.meeting.ordinal is not None
        and old.meeting.level == new.meeting.level
    )


def find_previous(new: Statement, archive: Sequence[Statement]) -> Statement | None:
    """The latest statement of the same series whose meeting was before this one's.

    Ordered by meeting date, not posting date; another release about the same meeting is not a
    predecessor, and a numbered meeting prefers the previous numbered one at its level. Among
    releases of the previous meeting, one in the new statement's language (then the fuller one)
    is preferred, so that wording can be compared too.
    """
    series, when = series_of(new), new.when
    if series is None or when is None:
        return None
    best: Statement | None = None
    best_key: tuple[bool, date, bool, int] | None = None
    for s in archive:
        if s.relevance != "primary" or series_of(s) != series:
            continue
        s_when = s.when
        if s_when is None or s_when >= when or (s.url and s.url == new.url):
            continue
        key = (_same_kind(s, new), s_when, s.lang == new.lang, len(s.commitments))
        if (best_key is None or key > best_key) and not same_event(s, new):
            best, best_key = s, key
    return best


def _match(old: Statement, new: Statement) -> list[tuple[int, int, float]]:
    """One-to-one best matches (old index, new index, similarity) above CONTINUED."""
    pairs = [
        (similarity(o, old.lang, n, new.lang), i, j)
        for i, o in enumerate(old.commitments)
        for j, n in enumerate(new.commitments)
    ]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score < CONTINUED:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        out.append((i, j, score))
    return sorted(out, key=lambda m: m[1])


def compare(old: Statement, new: Statement, *, archive: Sequence[Statement] = ()) -> Comparison:
    """What changed from `old` to `new`; `archive` (any order, may include both) tells which new
    topics the series has never had before."""
    old_topics, new_topics = set(old.topics), set(new.topics)
    matches = _match(old, new)
    matched_old = {i for i, _, _ in matches}
    matched_new = {j for _, j, _ in matches}
    continued = tuple(
        Continued(old.commitments[i], new.commitments[j], round(s, 3)) for i, j, s in matches
    )

    series, when = series_of(new), new.when
    seen: set[str] = set(old.topics)
    for s in archive:
        if series_of(s) == series and s.when and when and s.when < when and not same_event(s, new):
            seen.update(s.topics)
    added = tuple(t for t in new.topics if t not in old_topics)
    return Comparison(
        old=old.ref(),
        new=new.ref(),
        new_topics=added,
        continued_topics=tuple(t for t in new.topics if t in old_topics),
        dropped_topics=tuple(t for t in old.topics if t not in new_topics),
        new_commitments=tuple(c for j, c in enumerate(new.commitments) if j not in matched_new),
        continued=continued,
        dropped_commitments=tuple(c for i, c in enumerate(old.commitments) if i not in matched_old),
        first_in_series=tuple(t for t in added if t not in seen),
    )


def compare_with_previous(new: Statement, archive: Sequence[Statement]) -> Comparison | None:
    """`new` against its predecessor in `archive` (which may hold `new` itself), or None when
    the series has nothing before it: what an alert and `compare` without arguments show."""
    previous = find_previous(new, archive)
    return compare(previous, new, archive=archive) if previous is not None else None


def _align_score(a: Commitment, b: Commitment) -> float:
    same = 0.2 if rank(a.strength) == rank(b.strength) else 0.0
    return (
        0.5 * _jaccard(a.topics, b.topics) + 0.3 * _jaccard(anchors(a.text), anchors(b.text)) + same
    )


def align(a: Statement, b: Statement) -> list[tuple[Commitment | None, Commitment | None]]:
    """Pair the commitments of two versions of one statement (EN and JA), keeping their order.

    Translations keep the order of paragraphs, so this is a sequence alignment (the best total
    similarity, no crossings); a commitment with no counterpart is paired with None.
    """
    xs, ys = a.commitments, b.commitments
    n, m = len(xs), len(ys)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            s = _align_score(xs[i], ys[j])
            if s >= ALIGNED:
                best = max(best, s + score[i + 1][j + 1])
            score[i][j] = best
    out: list[tuple[Commitment | None, Commitment | None]] = []
    i = j = 0
    while i < n and j < m:
        s = _align_score(xs[i], ys[j])
        if s >= ALIGNED and score[i][j] == s + score[i + 1][j + 1]:
            out.append((xs[i], ys[j]))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            out.append((xs[i], None))
            i += 1
        else:
            out.append((None, ys[j]))
            j += 1
    out.extend((x, None) for x in xs[i:])
    out.extend((None, y) for y in ys[j:])
    return out
