"""Public JSON contracts: Statement, Comparison and Summary shapes, and the round trip."""

from __future__ import annotations

import json
from dataclasses import replace

from watcher.analysis.compare import (
    Comparison,
    align,
    compare,
    compare_with_previous,
    find_previous,
)
from watcher.analysis.history import bundled_history
from watcher.analysis.statement import Statement
from watcher.analysis.summary import AlignedPair, EventSummary, build_summary

TOPIC_IDS = {
    "semiconductors", "export-controls", "supply-chains", "critical-minerals",
    "telecommunications", "data-flows", "esg", "investment", "pacific-islands", "cybersecurity",
    "biotechnology", "quantum", "artificial-intelligence", "energy-climate", "economic-coercion",
    "non-market-practices", "human-rights", "third-countries", "critical-technologies",
    "infrastructure", "standards", "ipef", "economic-order",
}  # fmt: skip


def test_statement_round_trips_through_json():
    for _, st in bundled_history():
        d = st.to_dict()
        again = Statement.from_dict(json.loads(json.dumps(d)))
        assert again == st
        assert again.to_dict() == d


def test_statement_contract_keys():
    _, st = bundled_history()[-1]
    d = st.to_dict()
    for key in ("title", "date", "lang", "series", "relevance", "meeting", "topics", "commitments"):
        assert key in d
    assert d["kind"] == "ministry-release"
    assert d["lang"] in ("en", "ja") and d["relevance"] in ("primary", "mention", "none")
    assert set(d["meeting"]) >= {"series", "ordinal", "level", "date", "place", "principals"}
    assert d["meeting"]["level"] in ("ministerial", "vice-ministerial", "working-level", None)
    assert d["date"] == "2024-06-27" and d["meeting"]["date"] == "2024-06-26"
    for c in d["commitments"]:
        assert set(c) >= {"text", "topics", "actors", "strength"}
        assert set(c["topics"]) <= TOPIC_IDS
    assert set(d["topics"]) <= TOPIC_IDS


def test_comparison_and_summary_contract_keys():
    archive = [st for _, st in bundled_history()]
    new = archive[-1]
    comparison = compare(find_previous(new, archive), new, archive=archive)
    d = comparison.to_dict()
    for key in ("old", "new", "new_topics", "continued_topics", "dropped_topics", "commitments",
                "strength_changes", "first_in_series"):  # fmt: skip
        assert key in d
    assert set(d["commitments"]) == {"new", "continued", "dropped"}
    assert set(d["old"]) >= {"title", "date", "lang", "url", "meeting"}
    summary = build_summary(new, comparison).to_dict()
    json.dumps(summary)
    assert summary["headline"] == new.title
    assert summary["comparison"] == d
    keys = summary["key_commitments"]
    assert 1 <= len(keys) <= 5
    # The new concern about coercion and non-market practices leads the summary.
    assert any("deep concern" in k["text"] for k in keys)


def test_summary_ranks_by_strength_and_coverage():
    _, second = bundled_history()[1]
    keys = build_summary(second).key_commitments
    assert len(keys) == 5
    covered = set().union(*(k.topics for k in keys))
    assert len(covered) >= 8  # five lines spread over many topics, not five about one
    assert all(k.strength != "welcome" for k in keys)


def _summaries() -> list[EventSummary]:
    archive = [st for _, st in bundled_history()]
    return [build_summary(s, compare_with_previous(s, archive)) for s in archive]


def test_comparison_and_event_summary_round_trip_through_json():
    summaries = _summaries()
    assert sum(s.comparison is not None for s in summaries) == 3  # all but the launch statement
    for summary in summaries:
        d = json.loads(json.dumps(summary.to_dict()))
        again = EventSummary.from_dict(d)
        assert again == summary and again.to_dict() == d
        if summary.comparison is not None:
            c = summary.comparison
            assert Comparison.from_dict(json.loads(json.dumps(c.to_dict()))) == c


def test_event_summary_carries_labels_and_grows_with_later_versions():
    _, second, second_ja, _ = (st for _, st in bundled_history())
    summary = _summaries()[1]
    assert summary.headline == second.title and summary.lang == "en"
    labels = {t: summary.topic_label(t) for t in summary.topics}
    assert labels["critical-technologies"] != "critical-technologies"
    assert summary.topic_label("not-a-topic") == "not-a-topic"
    pairs = [AlignedPair(a.text, b.text) for a, b in align(second, second_ja) if a and b]
    joined = summary.joined(second_ja.ref(), pairs)
    assert [v.lang for v in joined.versions] == ["en", "ja"]
    assert joined.link("ja") == summary.link("ja")  # the alternate link is kept, not replaced
    translated = dict((p.original, p.translation) for p in pairs)
    keys = joined.key_commitments
    assert [joined.translation(k.text, "ja") for k in keys] == [
        translated.get(k.text) for k in keys
    ]
    assert sum(joined.translation(k.text, "ja") is not None for k in keys) >= 3
    # An updated page joins again: replaced, not listed twice.
    assert joined.joined(second_ja.ref(), pairs) == joined
    assert EventSummary.from_dict(joined.to_dict()) == joined


def test_a_summary_stored_before_the_typed_summary_still_reads():
    summary = _summaries()[1]
    legacy = summary.to_dict()
    for key in ("topic_labels", "versions", "aligned"):
        del legacy[key]
    for c in legacy["key_commitments"]:
        del c["lang"]
    old = EventSummary.from_dict(legacy)
    # Stored before documents had a kind: the version reads back without one.
    first = replace(summary.first, kind=None)
    assert old.versions == (first,) and old.key_commitments == summary.key_commitments
    assert old.topic_label("critical-technologies") == "critical-technologies"
