"""Meetings compared with meetings (issue 8): every document of the new event (both languages,
the joint statement) against every document of the previous meeting, through the real archive
on an in-memory store. The texts are written for these tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from state import Store
from watcher.analysis.compare import compare_meetings, meeting_side
from watcher.archive import Analyzer, Archive
from watcher.config import settings_from_dict
from watcher.models import Document

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# The 5th and 6th ministerials of an imagined year: for each, a joint statement in English and
# METI's Japanese release, which names topics the English statement does not.
FIFTH_STATEMENT = Document(
    url="https://www.commerce.gov/news/press-releases/2027/03/joint-statement-fifth-jucip",
    title="Joint Statement of the Fifth Japan-U.S. Commercial and Industrial Partnership "
    "(JUCIP) Ministerial Meeting",
    text=(
        "On March 3, 2027, Secretary of Commerce Jane Doe and Minister of Economy, Trade and "
        "Industry Taro Yamada held the fifth Ministerial Meeting of the Japan-U.S. Commercial "
        "and Industrial Partnership (JUCIP) in Tokyo.\n\n"
        "The Secretary and the Minister committed to strengthen semiconductor supply chains "
        "through joint research on next-generation chips.\n\n"
        "They agreed to deepen cooperation on export controls with like-minded partners.\n\n"
        "They decided to promote investment through SelectUSA and J-Bridge.\n\n"
        "They intend to cooperate on quantum computing and artificial intelligence.\n\n"
        "They reaffirmed their commitment to Open RAN and secure telecommunications networks."
    ),
    lang="en",
    date=date(2027, 3, 3),
)
FIFTH_JA = Document(
    url="https://www.meti.go.jp/press/2026/03/20270304001/20270304001.html",
    title="山田経済産業大臣がドゥ米国商務長官と第5回日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました",
    text=(
        "2027年3月3日、山田経済産業大臣は、東京において、ジェーン・ドゥ米国商務長官と第5回日米商務・"
        "産業パートナーシップ（JUCIP）閣僚会合を開催しました。\n\n"
        "両閣僚は、半導体サプライチェーンの強靱化及び太平洋島嶼国との協力について議論しました。"
    ),
    lang="ja",
    date=date(2027, 3, 4),
)
SIXTH_SUMMARY = Document(
    url="https://www.meti.go.jp/english/press/2027/0910_001.html",
    title="Minister Yamada Holds the Sixth Japan-U.S. Commercial and Industrial Partnership "
    "(JUCIP) Ministerial Meeting",
    text=(
        "On September 8, 2027, Minister Yamada held the sixth Ministerial Meeting of JUCIP with "
        "Secretary Doe in Washington, D.C.\n\n"
        "The two ministers agreed to strengthen semiconductor supply chains."
    ),
    lang="en",
    date=date(2027, 9, 10),
)
SIXTH_JA = Document(
    url="https://www.meti.go.jp/press/2027/09/20270909001/20270909001.html",
    title="山田経済産業大臣が第6回日米商務・産業パートナーシップ（JUCIP）閣僚会合を開催しました",
    text=(
        "2027年9月8日（現地時間）、山田経済産業大臣は、ワシントンD.C.において、第6回日米商務・産業"
        "パートナーシップ（JUCIP）閣僚会合を開催しました。\n\n"
        "両閣僚は、ガリウムを含む重要鉱物のサプライチェーン強靱化で一致しました。"
    ),
    lang="ja",
    date=date(2027, 9, 9),
)


@pytest.fixture
def archive() -> Iterator[Archive]:
    store = Store.in_memory()
    try:
        yield Archive(store, Analyzer(settings_from_dict({})))
    finally:
        store.close()


def add(archive: Archive, doc: Document, *, baseline: bool = True) -> int:
    judgement = archive.analyzer.judge(doc)
    with archive.store.transaction():
        archived = archive.add(
            doc, judgement, source=None, origin="import", baseline=baseline, now=NOW
        )
    assert archived.event_id is not None
    return archived.event_id


def test_the_new_meeting_is_compared_with_every_document_of_the_previous_one(
    archive: Archive,
) -> None:
    fifth = add(archive, FIFTH_STATEMENT)
    assert add(archive, FIFTH_JA) == fifth
    sixth = add(archive, SIXTH_SUMMARY)
    assert add(archive, SIXTH_JA) == sixth != fifth
    comparison = archive.compare_event(sixth)
    assert comparison is not None and comparison.scope == "meeting"
    # Critical minerals come from the 6th's Japanese release alone: all languages count.
    assert "critical-minerals" in comparison.new_topics
    # The Pacific Islands from the 5th's Japanese release: the old side is the whole meeting.
    # The 6th has no joint statement: against the 5th's, what it lacks is not in the summary.
    assert comparison.caveat is not None and comparison.shorter == "new"
    assert {"pacific-islands", "quantum", "investment"} <= set(comparison.not_in_summary)
    assert comparison.dropped_topics == ()
    assert "semiconductors" in comparison.continued_topics
    # Commitment by commitment, in the language both meetings have: English.
    assert [c.new.text for c in comparison.continued] == [
        "The two ministers agreed to strengthen semiconductor supply chains."
    ]
    # Each side is its meeting as held, with the place its documents give.
    assert comparison.old.meeting is not None and comparison.new.meeting is not None
    assert (comparison.old.meeting.ordinal, comparison.old.meeting.date) == (5, date(2027, 3, 3))
    assert comparison.new.meeting.date == date(2027, 9, 8)
    assert comparison.old.kind == "joint-statement"


def test_the_alert_summary_grows_as_the_meeting_gets_documents(archive: Archive) -> None:
    add(archive, FIFTH_STATEMENT)
    add(archive, FIFTH_JA)
    sixth = add(archive, SIXTH_SUMMARY, baseline=False)
    first = archive.event_summary(sixth)
    assert first is not None and first.comparison is not None
    assert "critical-minerals" not in first.comparison.new_topics
    add(archive, SIXTH_JA, baseline=False)
    grown = archive.event_summary(sixth)
    assert grown is not None and grown.comparison is not None
    assert "critical-minerals" in grown.comparison.new_topics
    assert "critical-minerals" in grown.topics and grown.topic_label("critical-minerals") != (
        "critical-minerals"
    )
    assert [v.lang for v in grown.versions] == ["en", "ja"]
    assert grown.headline == SIXTH_SUMMARY.title  # the first version still heads it


def test_a_meeting_side_counts_a_quoted_commitment_once() -> None:
    analyzer = Analyzer(settings_from_dict({}))
    statement = analyzer.judge(FIFTH_STATEMENT).statement
    assert statement is not None
    quoting = analyzer.judge(
        Document(
            url="https://www.meti.go.jp/english/press/2027/0305_001.html",
            title="Minister Yamada Holds the Fifth JUCIP Ministerial Meeting",
            text=(
                "On March 3, 2027, Minister Yamada held the fifth Ministerial Meeting of JUCIP "
                "in Tokyo.\n\nThe Secretary and the Minister committed to strengthen "
                "semiconductor supply chains through joint research on next-generation chips."
            ),
            lang="en",
            date=date(2027, 3, 5),
        )
    ).statement
    assert quoting is not None
    side = meeting_side([quoting, statement])
    assert side.kind == "joint-statement" and side.url == statement.url
    assert len(side.commitments) == len(statement.commitments)
    # Against itself, a meeting has nothing new, dropped or missing, and no caveat.
    same = compare_meetings([statement], [quoting, statement])
    assert same.caveat is None and not same.new_commitments and not same.dropped_commitments
