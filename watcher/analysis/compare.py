"""Compare a statement with its predecessor in the same series, and pair EN/JA versions.

Everything works on topic ids and on anchors that translations keep (acronyms, programme names,
years), so a Japanese release compares with an English predecessor. Within one language the
wording is compared too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any

from watcher.analysis.commitments import rank
from watcher.analysis.statement import Commitment, Meeting, Statement, StatementRef
from watcher.analysis.taxonomy import load_taxonomy
from watcher.data import load_toml

# One rule for "same meeting", shared with the archive's grouping into events.
from watcher.events import follows, meeting_key, same_event, series_of

# A commitment is "continued" when a commitment this similar existed in the old statement.
CONTINUED = 0.3
# EN/JA alignment: the lowest similarity at which two commitments count as one translated.
ALIGNED = 0.2
# Two commitments of one meeting in one language this alike are one (a ministry's page quoting
# the joint statement).
DUPLICATE = 0.6
# A side shorter than this share of the other is a summary of it.
SHORTER = 0.4
# English characters one Japanese character is worth, for comparing lengths across languages.
JA_WEIGHT = 2.0
# The kind that is a full statement; any other kind set against it is a summary of the meeting.
FULL_KIND = "joint-statement"

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
    # One line when the two sides differ in kind or length (a summary against a full joint
    # statement); then `not_in_summary` holds the topics the shorter side lacks, instead of
    # counting them as dropped (or as new, when the older side is the shorter).
    caveat: str | None = None
    not_in_summary: tuple[str, ...] = ()
    # Which side the caveat calls the shorter ("old" or "new"), None without a caveat.
    shorter: str | None = None
    # "meeting": every document of one meeting against every one of the previous meeting;
    # "document": one release against another.
    scope: str = "document"

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
            "shorter": self.shorter,
            "scope": self.scope,
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
            shorter=d.get("shorter"),
            scope=d.get("scope", "document"),
        )


def _same_kind(old: Statement, new: Statement) -> bool:
    """`new` follows the kind of meeting `old` reports (`watcher.events.follows`)."""
    old_key, new_key = meeting_key(old), meeting_key(new)
    return old_key is None or new_key is None or follows(new_key, old_key)


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


def compare(
    old: Statement,
    new: Statement,
    *,
    archive: Sequence[Statement] = (),
    earlier_topics: Iterable[str] = (),
    scope: str = "document",
) -> Comparison:
    """What changed from `old` to `new`. The topics the series had before `new` (to tell which
    new topics are the first in the series) are `old`'s, those of the statements of `archive`
    (any order, may include both) dated before `new`, and `earlier_topics`."""
    old_topics, new_topics = set(old.topics), set(new.topics)
    matches = _match(old, new)
    matched_old = {i for i, _, _ in matches}
    matched_new = {j for _, j, _ in matches}
    continued = tuple(
        Continued(old.commitments[i], new.commitments[j], round(s, 3)) for i, j, s in matches
    )

    series, when = series_of(new), new.when
    seen: set[str] = set(old.topics) | set(earlier_topics)
    for s in archive:
        if series_of(s) == series and s.when and when and s.when < when and not same_event(s, new):
            seen.update(s.topics)
    added = tuple(t for t in new.topics if t not in old_topics)
    dropped = tuple(t for t in old.topics if t not in new_topics)
    first = tuple(t for t in added if t not in seen)
    line, shorter = caveat(old, new)
    missing: tuple[str, ...] = ()
    if shorter == "new":
        missing, dropped = dropped, ()
    elif shorter == "old":
        # Topics the old summary did not name may have been there all along; one the series
        # never had before is new whatever the old side's length.
        missing = tuple(t for t in added if t not in first)
        added = tuple(t for t in added if t in first)
    return Comparison(
        old=old.ref(),
        new=new.ref(),
        new_topics=added,
        continued_topics=tuple(t for t in new.topics if t in old_topics),
        dropped_topics=dropped,
        new_commitments=tuple(c for j, c in enumerate(new.commitments) if j not in matched_new),
        continued=continued,
        dropped_commitments=tuple(c for i, c in enumerate(old.commitments) if i not in matched_old),
        first_in_series=first,
        caveat=line,
        not_in_summary=missing,
        shorter=shorter,
        scope=scope,
    )


def size(statement: Statement) -> float:
    """How much a document says, in English characters (a Japanese character says about as
    much as JA_WEIGHT English ones)."""
    return statement.length * (JA_WEIGHT if statement.lang == "ja" else 1.0)


def caveat(old: Statement, new: Statement) -> tuple[str | None, str | None]:
    """(one line, "old" or "new": the shorter side) when the two sides differ in kind (a joint
    statement against a ministry's summary) or in length (the shorter under SHORTER of the
    other); (None, None) when they are alike or a length is unknown."""
    old_full, new_full = old.kind == FULL_KIND, new.kind == FULL_KIND
    old_size, new_size = size(old), size(new)
    if old_full != new_full and old.kind and new.kind:
        shorter = "old" if new_full else "new"
        why = "differ in kind"
    elif old_size and new_size and min(old_size, new_size) < SHORTER * max(old_size, new_size):
        shorter = "old" if old_size < new_size else "new"
        why = "differ in length"
    else:
        return None, None
    short, full = (old, new) if shorter == "old" else (new, old)
    line = (
        f"The two sides {why}: the {shorter} side is {_described(short)}, the other "
        f"{_described(full)}; topics only the longer side names are listed as not in the "
        "summary, not as changes."
    )
    return line, shorter


def _described(statement: Statement) -> str:
    kind = (statement.kind or "release").replace("-", " ")
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind} of {round(size(statement)):,} characters"


def _representative(statements: Sequence[Statement]) -> list[Statement]:
    """A meeting's documents, the one that speaks for it first: a joint statement, then the
    longest."""
    return sorted(statements, key=lambda st: (st.kind != FULL_KIND, -size(st)))


def _merged_meeting(statements: Sequence[Statement]) -> Meeting | None:
    """What the documents of one meeting say of it, each field from the first that says it."""
    meetings = [st.meeting for st in statements if st.meeting is not None]
    if not meetings:
        return None

    def first(name: str) -> Any:
        return next((getattr(m, name) for m in meetings if getattr(m, name)), None)

    stated = [m for m in meetings if m.stated_date]
    held = stated[0] if stated else meetings[0]
    return Meeting(
        series=first("series"),
        ordinal=first("ordinal"),
        level=first("level"),
        date=held.date,
        place=first("place"),
        principals=first("principals") or (),
        date_source=held.date_source,
    )


def _distinct(commitments: Iterable[Commitment], lang: str) -> tuple[Commitment, ...]:
    """Commitments of one language without repeats (a ministry's page quotes the statement)."""
    kept: list[Commitment] = []
    texts: set[str] = set()
    for c in commitments:
        # The same text (one statement archived from two addresses) is the cheap, common case.
        if c.text not in texts and all(similarity(c, lang, k, lang) < DUPLICATE for k in kept):
            kept.append(c)
        texts.add(c.text)
    return tuple(kept)


def meeting_side(statements: Sequence[Statement], lang: str | None = None) -> Statement:
    """The documents of one meeting (every language, the joint statement and its attachments)
    as one statement: every topic any of them names; the commitments of those in `lang` (by
    default the leading document's language), without repeats; the meeting as they tell it;
    the leading document's title, link and kind (a joint statement when there is one), and its
    length, the meeting's fullest account."""
    ordered = _representative(statements)
    lead = ordered[0]
    lang = lang or lead.lang
    in_lang = [st for st in ordered if st.lang == lang] or [lead]
    topics: set[str] = set()
    for st in statements:
        topics.update(st.topics)
    return replace(
        in_lang[0],
        date=min((st.date for st in statements if st.date), default=in_lang[0].date),
        lang=lang,
        meeting=_merged_meeting(ordered),
        topics=load_taxonomy().sort(topics),
        commitments=_distinct((c for st in in_lang for c in st.commitments), lang),
        kind=lead.kind,
        length=round(max(size(st) for st in ordered) / (JA_WEIGHT if lang == "ja" else 1.0)),
    )


def _common_lang(old: Sequence[Statement], new: Sequence[Statement]) -> str | None:
    """The language both meetings have documents in with the most commitments between them
    (wording compares within a language), None when they share none."""
    shared = {st.lang for st in old} & {st.lang for st in new}
    if not shared:
        return None

    def weight(lang: str) -> tuple[int, bool]:
        n = sum(len(st.commitments) for st in (*old, *new) if st.lang == lang)
        return n, lang == _representative(new)[0].lang

    return max(sorted(shared), key=weight)


def compare_meetings(
    old: Sequence[Statement], new: Sequence[Statement], *, earlier_topics: Iterable[str] = ()
) -> Comparison:
    """The meeting of `new` (its documents) against the previous meeting (`old`'s), topic by
    topic and commitment by commitment; `earlier_topics`: every topic the series had before."""
    lang = _common_lang(old, new)
    return compare(
        meeting_side(old, lang),
        meeting_side(new, lang),
        earlier_topics=earlier_topics,
        scope="meeting",
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
