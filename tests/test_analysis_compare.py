"""Comparison with the predecessor in the series, across languages, and EN/JA alignment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from watcher.analysis.commitments import rank
from watcher.analysis.compare import align, compare, find_previous, same_event
from watcher.analysis.history import bundled_history
from watcher.analysis.statement import Commitment, Meeting, Statement


@pytest.fixture(scope="module")
def history() -> dict[str, Statement]:
    by_name = {}
    for doc, st in bundled_history():
        key = {"en": "", "ja": "-ja"}[st.lang]
        if st.meeting and st.meeting.ordinal:
            by_name[f"{st.meeting.ordinal}{key}"] = st
        else:
            by_name["launch"] = st
        assert doc.url == st.url
    return by_name


def test_bundled_history_is_the_four_statements(history):
    assert sorted(history) == ["2", "2-ja", "4", "launch"]
    assert all(s.relevance == "primary" and s.commitments for s in history.values())


def test_fourth_ministerial_against_the_second(history):
    archive = list(history.values())
    new = history["4"]
    previous = find_previous(new, archive)
    # By meeting date, the 2nd ministerial (2023-05-26); the English version, as the new one is.
    assert previous is history["2"]
    result = compare(previous, new, archive=archive)
    assert set(result.new_topics) == {
        "critical-minerals",
        "economic-coercion",
        "non-market-practices",
    }
    assert set(result.continued_topics) == {"export-controls", "supply-chains", "third-countries"}
    # METI's short release on the 4th against the full joint statement of the 2nd: what the
    # release does not name is not in the summary, not dropped (issue 8).
    assert result.caveat is not None and "differ in kind" in result.caveat
    assert result.dropped_topics == ()
    assert {"semiconductors", "quantum", "data-flows"} <= set(result.not_in_summary)
    # Non-market practices were in the 2021 launch statement: new against the 2nd, not new to JUCIP.
    assert set(result.first_in_series) == {"critical-minerals", "economic-coercion"}
    d = result.to_dict()
    n = len(new.commitments)
    assert len(d["commitments"]["new"]) + len(d["commitments"]["continued"]) == n
    assert len(d["commitments"]["dropped"]) + len(d["commitments"]["continued"]) == len(
        previous.commitments
    )
    assert any("weaponization" in c["text"] for c in d["commitments"]["new"])


def test_japanese_predecessor_gives_the_same_topic_comparison(history):
    en = compare(history["2"], history["4"])
    ja = compare(history["2-ja"], history["4"])
    assert ja.new_topics == en.new_topics
    assert ja.dropped_topics == en.dropped_topics
    assert ja.continued_topics == en.continued_topics


def test_english_and_japanese_versions_are_one_event(history):
    assert same_event(history["2"], history["2-ja"])
    assert not same_event(history["2"], history["4"])
    # The translation is not its own predecessor: the launch statement is.
    assert find_previous(history["2-ja"], list(history.values())) is history["launch"]
    same = compare(history["2"], history["2-ja"])
    assert same.new_topics == () and same.dropped_topics == ()
    assert len(same.continued) >= 0.8 * len(history["2-ja"].commitments)


def test_alignment_pairs_translated_commitments_in_order(history):
    pairs = align(history["2"], history["2-ja"])
    both = [(a, b) for a, b in pairs if a and b]
    assert len(both) >= 22
    assert sum(rank(a.strength) == rank(b.strength) for a, b in both) >= 0.85 * len(both)
    en_order = [history["2"].commitments.index(a) for a, _ in both]
    assert en_order == sorted(en_order)
    quantum = [b for a, b in both if a.text.startswith("The two sides also decided")]
    assert quantum and "ユースケース" in quantum[0].text


def _statement(text: str, strength: str, topics: tuple[str, ...], when: date) -> Statement:
    return Statement(
        title="t",
        date=when,
        lang="en",
        series=("jucip",),
        relevance="primary",
        meeting=Meeting("jucip", None, "ministerial", when, None, (), "text"),
        topics=topics,
        commitments=(Commitment(text, topics, ("both",), strength),),
        url=f"u:{when}",
    )


def test_welcome_becoming_commit_is_an_escalation():
    old = _statement(
        "They welcomed cooperation on hydrogen supply chains.",
        "welcome",
        ("supply-chains", "energy-climate"),
        date(2024, 1, 1),
    )
    new = _statement(
        "They committed to cooperation on hydrogen supply chains.",
        "commit",
        ("supply-chains", "energy-climate"),
        date(2025, 1, 1),
    )
    result = compare(old, new)
    assert len(result.continued) == 1
    change = result.to_dict()["strength_changes"]
    assert change[0]["from"] == "welcome" and change[0]["to"] == "commit"
    assert change[0]["direction"] == "escalation"
    back = compare(new, replace(old, date=date(2026, 1, 1)))
    assert back.to_dict()["strength_changes"][0]["direction"] == "de-escalation"


def test_previous_is_chosen_by_meeting_date_not_posting_date():
    a = _statement("x", "commit", (), date(2024, 1, 10))
    # Posted late (after b was posted) but held earlier than b.
    a = replace(a, date=date(2024, 3, 1))
    b = _statement("y", "commit", (), date(2024, 2, 1))
    c = _statement("z", "commit", (), date(2024, 4, 1))
    assert find_previous(c, [a, b]) is b
    assert find_previous(b, [a, c]) is a
    other = replace(b, meeting=replace(b.meeting, series="epcc"), series=("epcc",), url="e")
    assert find_previous(c, [a, other]) is a


def test_numbered_meeting_skips_a_readout_in_between(history):
    readout = replace(
        history["2"],
        url="readout",
        meeting=replace(history["2"].meeting, ordinal=None, date=date(2024, 1, 9)),
        alternates={},
    )
    archive = [*history.values(), readout]
    assert find_previous(history["4"], archive) is history["2"]
    # A release without a number (a readout) follows whatever came last.
    later = replace(readout, url="later", meeting=replace(readout.meeting, date=date(2024, 7, 1)))
    assert find_previous(later, archive) is history["4"]


@pytest.mark.parametrize("ordinal", [None, 3])
def test_releases_of_one_meeting_a_day_apart_are_one_event_both_ways(ordinal):
    """A Washington meeting is dated 10 April in the English release and 11 April (Tokyo time)
    in the Japanese one. The archive files them as one event, so neither may be the other's
    predecessor, and the first one's topics are not "seen before" for the second."""
    old = _statement("They welcomed cooperation.", "welcome", ("supply-chains",), date(2023, 5, 26))
    en = _statement(
        "They committed to quantum research.", "commit", ("quantum",), date(2024, 4, 10)
    )
    en = replace(en, url="en", meeting=replace(en.meeting, ordinal=ordinal))
    ja = replace(
        en,
        url="ja",
        lang="ja",
        date=date(2024, 4, 11),
        meeting=replace(en.meeting, date=date(2024, 4, 11)),
    )
    for a, b in ((en, ja), (ja, en)):
        assert same_event(a, b)
        assert find_previous(a, [old, b]) is old
    assert compare(old, ja, archive=[old, en, ja]).first_in_series == ("quantum",)
    assert compare(old, en, archive=[old, ja, en]).first_in_series == ("quantum",)
