"""The tracker model (pure): columns, marks, links, topics, from hand-made archive rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from state.store import DocumentRow, EventRow
from watcher.analysis.statement import Commitment, Meeting, Statement
from watcher.analysis.summary import build_summary
from watcher.tracker.model import Mark, MeetingInput, build_tracker, marks, topic_page

NOW = datetime(2026, 8, 26, tzinfo=UTC)
SERIES = {"jucip": "JUCIP (Japan-U.S. Commercial and Industrial Partnership)", "epcc": "EPCC"}
ORDER = ("semiconductors", "export-controls", "supply-chains", "critical-minerals")
LABELS = {"semiconductors": "Semiconductors", "export-controls": "Export controls"}
RANKS = {"commit": 4, "intend": 3, "welcome": 1}


def statement(url: str, lang: str, when: date, topics: tuple[str, ...], **kw: object) -> Statement:
    commitments = tuple(
        Commitment(f"They committed to work on {t}.", (t,), ("both",), "commit") for t in topics
    )
    return Statement(
        title=f"Meeting of {when}",
        date=when,
        lang=lang,
        series=("jucip",),
        relevance="primary",
        meeting=Meeting("jucip", None, "ministerial", when, "Tokyo", ()),
        topics=topics,
        commitments=commitments,
        url=url,
        **kw,  # type: ignore[arg-type]
    )


def row(doc_id: int, event_id: int, s: Statement, alternates: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return DocumentRow(
        id=doc_id,
        url=s.url,
        source=None,
        origin="poll",
        lang=s.lang,
        title=s.title,
        date=s.date,
        text="...",
        content_hash="0",
        series=s.series,
        relevance="primary",
        alternates=alternates or {},
        statement=s.to_dict(),
        meeting_date=s.date,
        event_id=event_id,
        baseline=False,
        first_seen_at=NOW,
    )


def meeting(
    event_id: int,
    when: date,
    topics: tuple[str, ...],
    *,
    series: str = "jucip",
    ordinal: int | None = None,
    predecessor: int | None = None,
    baseline: bool = True,
) -> MeetingInput:
    s = statement(f"https://www.meti.go.jp/press/{event_id}.html", "ja", when, topics)
    event = EventRow(
        event_id, series, ordinal, "ministerial", when, s.title, baseline, NOW, None, when
    )
    return MeetingInput(event, build_summary(s), (row(event_id * 10, event_id, s),), predecessor)


def tracker(*items: MeetingInput):  # type: ignore[no-untyped-def]
    return build_tracker(
        items,
        series_names=SERIES,
        topic_order=ORDER,
        labels=LABELS,
        rank=lambda s: RANKS.get(s, 0),
        now=NOW,
    )


def test_marks_follow_the_predecessor_not_the_column_before() -> None:
    a, b, c = frozenset({"x", "y"}), frozenset({"x"}), frozenset({"y"})
    # Each meeting follows the one before it.
    chain = [(1, a, None), (2, b, 1), (3, c, 2)]
    assert marks(chain, "x") == (Mark.FIRST, Mark.PRESENT, Mark.DROPPED)
    assert marks(chain, "y") == (Mark.FIRST, Mark.DROPPED, Mark.RETURNED)
    # Meeting 3 (numbered) follows meeting 1, skipping the readout (2) in between.
    skip = [(1, a, None), (2, b, 1), (3, c, 1)]
    assert marks(skip, "y") == (Mark.FIRST, Mark.DROPPED, Mark.PRESENT)
    assert marks(skip, "x") == (Mark.FIRST, Mark.PRESENT, Mark.DROPPED)
    assert marks(skip, "z") == (Mark.ABSENT,) * 3


def test_a_summary_that_does_not_name_a_topic_is_no_disappearance() -> None:
    full, short, later = frozenset({"x", "y"}), frozenset({"x"}), frozenset({"x", "y"})
    chain = [(1, full, None), (2, short, 1), (3, later, 2)]
    # Meeting 2 is a summary against 1's statement (its comparison: y not in the summary); 3 is
    # a statement against 2's summary (y, named before 2, is not in the summary either).
    unsaid = {2: frozenset({"y"}), 3: frozenset({"y"})}
    assert marks(chain, "y", unsaid) == (Mark.FIRST, Mark.NOT_IN_SUMMARY, Mark.PRESENT)
    assert marks(chain, "y") == (Mark.FIRST, Mark.DROPPED, Mark.RETURNED)
    assert marks(chain, "x", unsaid) == (Mark.FIRST, Mark.PRESENT, Mark.PRESENT)
    assert not Mark.NOT_IN_SUMMARY.appears


def test_columns_are_grouped_by_series_in_date_order() -> None:
    t = tracker(
        meeting(3, date(2024, 6, 26), ("semiconductors",), ordinal=4, predecessor=1),
        meeting(9, date(2023, 11, 14), ("critical-minerals",), series="epcc"),
        meeting(1, date(2023, 5, 26), ("semiconductors", "export-controls"), ordinal=2),
        meeting(7, date(2025, 1, 1), ("supply-chains",), series="new-framework"),
    )
    assert [g.id for g in t.groups] == ["jucip", "epcc", "new-framework"]
    assert [m.event_id for m in t.columns] == [1, 3, 9, 7]
    assert t.groups[0].short == "JUCIP"
    assert [m.label for m in t.groups[0].meetings] == ["2nd ministerial", "4th ministerial"]
    # Rows in taxonomy order; a label falls back to the id.
    assert [r.id for r in t.rows] == list(ORDER)
    assert t.label("supply-chains") == "supply-chains"
    by_id = {r.id: r.marks for r in t.rows}
    assert by_id["export-controls"] == (Mark.FIRST, Mark.DROPPED, Mark.ABSENT, Mark.ABSENT)
    assert by_id["semiconductors"] == (Mark.FIRST, Mark.PRESENT, Mark.ABSENT, Mark.ABSENT)
    # A series starts afresh: critical minerals first appears in the EPCC.
    assert by_id["critical-minerals"] == (Mark.ABSENT, Mark.ABSENT, Mark.FIRST, Mark.ABSENT)
    assert [m.event_id for m, _ in t.timeline("export-controls")] == [1, 3]
    assert t.dropped_at(t.columns[1]) == ("export-controls",)


def test_a_meeting_has_every_versions_topics_and_links_only_from_the_archive() -> None:
    en = statement("https://www.commerce.gov/a", "en", date(2024, 6, 26), ("semiconductors",))
    ja = statement("https://www.meti.go.jp/b.html", "ja", date(2024, 6, 27), ("supply-chains",))
    local = statement("file:///home/me/statement.txt", "en", date(2024, 6, 28), ())
    docs = (
        row(1, 5, ja, {"en": en.url, "zh": "javascript:alert(1)"}),
        row(2, 5, en),
        row(3, 5, local),
    )
    event = EventRow(5, "jucip", 4, "ministerial", None, "t", False, NOW, None, date(2024, 6, 27))
    t = tracker(MeetingInput(event, build_summary(ja), docs))
    (m,) = t.columns
    assert m.topics == ("semiconductors", "supply-chains")  # both versions' topics
    assert m.date == date(2024, 6, 27)  # no meeting date: the first posting
    assert m.alerted
    assert [(link.lang, link.href, link.archived) for link in m.links] == [
        ("en", "https://www.commerce.gov/a", True),
        ("en", None, True),  # a local file is named, never linked
        ("ja", "https://www.meti.go.jp/b.html", True),
        ("zh", None, False),  # not http(s): never an href
    ]
    # Commitments on a topic come from the first version that has one.
    assert [p.lang for p in m.by_topic["semiconductors"]] == ["en"]
    assert [p.rank for p in m.key_commitments] == [4]


def test_topic_pages_have_safe_names() -> None:
    assert topic_page("critical-minerals") == "topics/critical-minerals.html"
    odd = topic_page("../../etc/passwd")
    assert odd.startswith("topics/t-") and "/" not in odd.removeprefix("topics/")
