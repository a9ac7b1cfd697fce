"""How the code scores on the hand-labelled cases: detection, series, kind, topics, grouping.

Runs what `check` and `import` run: `Analyzer(settings).judge(doc)` on each case, then every
relevant case through `Archive.add` into a throwaway in-memory store, in posting-date order, and
reads the event each primary case lands in. Built-in settings (no config.toml), and no bundled
history in the store, so grouping is measured among the cases alone. A PDF case's text is handed
over as the extracted text it is. The metric functions are pure so they can be tested on their
own. bench/quality_cases.py prints the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from itertools import combinations
from typing import Any

from analysis_quality import Counts
from cases_corpus import RELEVANCE, Case

from watcher.textnorm import fold

# Set when the code reports no document kind yet (the scorer then says "n/a").
NO_KIND = object()


@dataclass
class Prediction:
    case: Case
    relevance: str
    series: tuple[str, ...]
    kind: Any  # a kind string, None (supported but not given), or NO_KIND
    topics: frozenset[str]
    meeting_date: date | None
    place: str | None
    event_id: int | None = None
    event_date: date | None = None


class PR(Counts):
    """True/false positives and false negatives, with F1 and a JSON form."""

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


def binary(pairs: Sequence[tuple[bool, bool]]) -> PR:
    """Precision/recall of (gold, predicted) flags."""
    out = PR()
    for gold, pred in pairs:
        out.tp += gold and pred
        out.fp += pred and not gold
        out.fn += gold and not pred
    return out


@dataclass
class TopicScores:
    micro: PR
    per_topic: dict[str, PR]

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the topic ids that occur in the gold labels or the predictions."""
        return sum(s.f1 for s in self.per_topic.values()) / len(self.per_topic) if self else 0.0

    def __bool__(self) -> bool:
        return bool(self.per_topic)


def topic_scores(pairs: Sequence[tuple[frozenset[str], frozenset[str]]]) -> TopicScores:
    """Micro and per-topic counts over (gold topics, predicted topics) of each case."""
    micro, per_topic = PR(), {}
    for gold, pred in pairs:
        for t in gold | pred:
            s = per_topic.setdefault(t, PR())
            s.tp += t in gold and t in pred
            s.fp += t in pred and t not in gold
            s.fn += t in gold and t not in pred
        micro.tp += len(gold & pred)
        micro.fp += len(pred - gold)
        micro.fn += len(gold - pred)
    return TopicScores(micro, dict(sorted(per_topic.items())))


@dataclass
class Grouping:
    """Pairs of primary cases: of one meeting (kept together or split), of two (kept apart or
    merged into one event)."""

    together: list[tuple[str, str]] = field(default_factory=list)
    split: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "same_meeting_pairs": len(self.together) + len(self.split),
            "grouped_right": len(self.together),
            "missed_split": len(self.split),
            "different_meeting_pairs": len(self.apart) + len(self.merged),
            "kept_apart_right": len(self.apart),
            "wrong_merged": len(self.merged),
            "missed": [list(p) for p in self.split],
            "wrong": [list(p) for p in self.merged],
        }


def grouping(assigned: Sequence[tuple[str, str, int | None]]) -> Grouping:
    """Score (case id, gold event, code's event id or None) of every primary case. A case the
    code put in no event shares an event with nobody."""
    out = Grouping()
    for (a, gold_a, got_a), (b, gold_b, got_b) in combinations(assigned, 2):
        joined = got_a is not None and got_a == got_b
        if gold_a == gold_b:
            (out.together if joined else out.split).append((a, b))
        else:
            (out.merged if joined else out.apart).append((a, b))
    return out


def _value(v: Any) -> Any:
    return v.value if isinstance(v, Enum) else v


def _kind_supported() -> bool:
    """Whether the code reports a document kind: a `kind` on the judgement, its statement or
    its detection (wherever the change puts it, the same scorer works)."""
    from watcher.analysis.statement import Statement
    from watcher.archive import Judgement
    from watcher.detect import Detection

    return any(
        hasattr(cls, "kind") or "kind" in getattr(cls, "__dataclass_fields__", {})
        for cls in (Judgement, Statement, Detection)
    )


def _kind_of(judgement: Any) -> Any:
    for obj in (judgement, judgement.statement, judgement.detection):
        if obj is not None and hasattr(obj, "kind"):
            return _value(obj.kind)
    return None


def _archive(
    cases: Sequence[Case],
    predictions: dict[str, Prediction],
    judgements: dict[str, Any],
    analyzer: Any,
) -> None:
    """Archive every relevant case as `import` does, oldest posting first; note its event."""
    from state import Store
    from watcher.archive import Archive

    now = datetime(2026, 1, 1, tzinfo=UTC)
    store = Store.in_memory()
    try:
        archive = Archive(store, analyzer)
        for case in sorted(cases, key=lambda c: (c.date, c.id)):
            judgement = judgements[case.id]
            if not judgement.relevant:
                continue
            with store.transaction():
                archived = archive.add(
                    case.document(), judgement, source=None, origin="import", baseline=True, now=now
                )
            predictions[case.id].event_id = archived.event_id
        for p in predictions.values():
            if p.event_id is not None and (row := store.event(p.event_id)) is not None:
                p.event_date = row.meeting_date
    finally:
        store.close()


def predict(cases: Sequence[Case]) -> list[Prediction]:
    """Judge every case with the built-in settings and archive the relevant ones."""
    from watcher.archive import Analyzer
    from watcher.config import settings_from_dict

    analyzer = Analyzer(settings_from_dict({}))
    supported = _kind_supported()
    predictions: dict[str, Prediction] = {}
    judgements: dict[str, Any] = {}
    for case in cases:
        j = analyzer.judge(case.document())
        st = j.statement
        meeting = st.meeting if st else None
        predictions[case.id] = Prediction(
            case=case,
            relevance=j.detection.relevance.value,
            series=tuple(j.series),
            kind=_kind_of(j) if supported else NO_KIND,
            # A case judged "none" has no statement: it is counted as naming no topic.
            topics=frozenset(st.topics) if st else frozenset(),
            meeting_date=j.meeting_date,
            place=meeting.place if meeting else None,
        )
        judgements[case.id] = j
    _archive(cases, predictions, judgements, analyzer)
    return [predictions[c.id] for c in cases]


@dataclass(frozen=True, slots=True)
class Extracted:
    """What `jucip-watch extract FILE --json` made of a case saved as a text file."""

    case_id: str
    exit_code: int
    relevance: str | None
    series: tuple[str, ...]
    error: str


def _as_text_file(case: Case) -> str:
    """The release as a user would save it: title, date line, body."""
    when = (
        f"{case.date.year}年{case.date.month}月{case.date.day}日"
        if case.lang == "ja"
        else f"{case.date:%B} {case.date.day}, {case.date.year}"
    )
    return f"{case.title}\n\n{when}\n\n{case.text}\n"


def extract_cli(cases: Sequence[Case]) -> list[Extracted]:
    """Run the `extract` command on each case, in process, with the built-in settings."""
    import contextlib
    import io
    import json
    import tempfile
    from pathlib import Path

    from watcher.cli import main

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text("", encoding="utf-8")
        for case in cases:
            path = Path(tmp) / f"{case.id}.txt"
            path.write_text(_as_text_file(case), encoding="utf-8")
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(["--config", str(config), "extract", str(path), "--json"])
            data = json.loads(stdout.getvalue()) if code == 0 else {}
            message = stderr.getvalue().strip().splitlines()
            out.append(
                Extracted(
                    case.id,
                    code,
                    data.get("relevance"),
                    tuple(data.get("series", ())),
                    message[-1].replace(str(path), case.id) if message else "",
                )
            )
    return out


def extract_report(preds: Sequence[Prediction], extracted: Sequence[Extracted]) -> dict[str, Any]:
    """`extract` against the judgement `check` makes of the same page."""
    by_id = {p.case.id: p for p in preds}
    answered = [e for e in extracted if e.exit_code == 0]
    agree = [
        e
        for e in answered
        if e.relevance == by_id[e.case_id].relevance
        and set(e.series) == set(by_id[e.case_id].series)
    ]
    refused = [e for e in extracted if e.exit_code != 0]
    return {
        "answered": len(answered),
        "total": len(extracted),
        "refused_relevant": sum(by_id[e.case_id].case.relevance != "none" for e in refused),
        "refused_none": sum(by_id[e.case_id].case.relevance == "none" for e in refused),
        "refused": [(e.case_id, e.error) for e in refused],
        "agree_with_check": len(agree),
        "disagree": [
            (e.case_id, by_id[e.case_id].relevance, e.relevance) for e in answered if e not in agree
        ],
    }


def same_place(gold: str, got: str | None) -> bool:
    """Lenient: "Washington, D.C." and "Washington" are one place; "in" either way."""
    if not got:
        return False
    a, b = fold(gold).replace(" ", ""), fold(got).replace(" ", "")
    return a in b or b in a


def report(preds: Sequence[Prediction]) -> dict[str, Any]:
    """Every figure the scorer prints, as plain data (the JSON output)."""
    gold_rel = [p for p in preds if p.case.relevance != "none"]
    primaries = [p for p in preds if p.case.relevance == "primary"]
    confusion = Counter((p.case.relevance, p.relevance) for p in preds)
    kind_known = preds and preds[0].kind is not NO_KIND
    kind_wrong = [p for p in preds if kind_known and p.kind != p.case.kind]
    dated = [p for p in primaries if p.meeting_date == p.case.held]
    placed = [p for p in primaries if p.case.place]
    topics_rel = topic_scores([(frozenset(p.case.topics), p.topics) for p in gold_rel])
    topics_pri = topic_scores([(frozenset(p.case.topics), p.topics) for p in primaries])
    groups = grouping([(p.case.id, p.case.event or "", p.event_id) for p in primaries])
    return {
        "cases": len(preds),
        "by_relevance": {r: sum(p.case.relevance == r for p in preds) for r in RELEVANCE},
        "relevant": binary([(p.case.relevance != "none", p.relevance != "none") for p in preds]),
        "primary": binary(
            [(p.case.relevance == "primary", p.relevance == "primary") for p in preds]
        ),
        "confusion": {g: {r: confusion[(g, r)] for r in RELEVANCE} for g in RELEVANCE},
        "relevance_misses": [
            (p.case.id, p.case.relevance, p.relevance)
            for p in preds
            if p.relevance != p.case.relevance
        ],
        "series_right": sum(set(p.series) == set(p.case.series) for p in gold_rel),
        "series_total": len(gold_rel),
        "series_misses": [
            (p.case.id, list(p.case.series), list(p.series))
            for p in gold_rel
            if set(p.series) != set(p.case.series)
        ],
        "kind_right": (len(preds) - len(kind_wrong)) if kind_known else None,
        "kind_misses": [(p.case.id, p.case.kind, p.kind) for p in kind_wrong],
        "topics_relevant": topics_rel,
        "topics_primary": topics_pri,
        "grouping": groups,
        "held_right": len(dated),
        "held_total": len(primaries),
        "held_misses": [
            (p.case.id, p.case.held, p.meeting_date) for p in primaries if p not in dated
        ],
        "place_right": sum(same_place(p.case.place or "", p.place) for p in placed),
        "place_total": len(placed),
        "place_misses": [
            (p.case.id, p.case.place, p.place)
            for p in placed
            if not same_place(p.case.place or "", p.place)
        ],
        "events": _events(primaries),
        "strays": _strays(preds),
    }


def _strays(preds: Sequence[Prediction]) -> list[tuple[str, str, int, list[str]]]:
    """Cases not labelled primary that the code filed in an event, with the labelled meetings
    of that event's other documents (a mention filed there would ride along in its alert)."""
    meetings: dict[int, set[str]] = {}
    for p in preds:
        if p.event_id is not None and p.case.event:
            meetings.setdefault(p.event_id, set()).add(p.case.event)
    return [
        (p.case.id, p.case.relevance, p.event_id, sorted(meetings.get(p.event_id, ())))
        for p in preds
        if p.event_id is not None and p.case.relevance != "primary"
    ]


def _events(primaries: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Per labelled meeting: when it was held, and where the code put its documents."""
    out = []
    for event in sorted({p.case.event or "" for p in primaries}):
        docs = [p for p in primaries if p.case.event == event]
        out.append(
            {
                "event": event,
                "held": docs[0].case.held,
                "documents": len(docs),
                "code_events": sorted(
                    Counter(p.event_id for p in docs).items(), key=lambda kv: (kv[0] is None, kv)
                ),
                "code_dates": sorted({p.event_date for p in docs if p.event_date}),
            }
        )
    return out
