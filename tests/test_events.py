"""Grouping releases about one meeting into one event."""

from __future__ import annotations

from datetime import date

from watcher.events import Candidate, MeetingKey, match_event, same_meeting

FOURTH = MeetingKey("jucip", 4, "ministerial", date(2024, 6, 26), date(2024, 6, 27))


def test_english_joins_the_japanese_through_its_link() -> None:
    new = MeetingKey("jucip", None, None, None, date(2024, 7, 20))
    found = match_event(
        new, [], linked_urls=["https://meti/ja/1"], events_by_url={"https://meti/ja/1": 7}
    )
    assert found == 7


def test_same_ordinal_and_level() -> None:
    later = MeetingKey("jucip", 4, "ministerial", None, date(2024, 7, 15))
    assert match_event(later, [Candidate(1, FOURTH)]) == 1


def test_an_ordinal_weeks_away_from_its_meeting_date_is_another_meeting() -> None:
    # Opening remarks of the 4th ministerial that recall "our third JUCIP ministerial": the
    # ordinal read there must not join the 3rd meeting's event, eleven weeks earlier.
    third = MeetingKey("jucip", 3, "ministerial", date(2024, 4, 10), date(2024, 4, 11))
    remarks = MeetingKey("jucip", 3, "ministerial", date(2024, 6, 26), date(2024, 6, 26))
    assert match_event(remarks, [Candidate(1, third)]) is None


def test_conflicting_ordinal_keeps_apart() -> None:
    third = MeetingKey("jucip", 3, "ministerial", None, date(2024, 6, 28))
    assert match_event(third, [Candidate(1, FOURTH)]) is None


def test_other_series_keeps_apart() -> None:
    epcc = MeetingKey("epcc", 4, "ministerial", date(2024, 6, 26), date(2024, 6, 27))
    assert match_event(epcc, [Candidate(1, FOURTH)]) is None


def test_meeting_dates_a_day_apart_match_across_time_zones() -> None:
    us = MeetingKey("jucip", None, "ministerial", date(2024, 6, 27), None)
    assert match_event(us, [Candidate(1, FOURTH)]) == 1


def test_dated_meetings_weeks_apart_are_different() -> None:
    other = MeetingKey("jucip", None, None, date(2024, 7, 5), date(2024, 7, 6))
    assert match_event(other, [Candidate(1, FOURTH)]) is None


def test_undated_release_near_the_posting_date_joins() -> None:
    undated = MeetingKey("jucip", None, None, None, date(2024, 7, 3))
    assert match_event(undated, [Candidate(1, FOURTH)]) == 1
    far = MeetingKey("jucip", None, None, None, date(2024, 9, 3))
    assert match_event(far, [Candidate(1, FOURTH)]) is None


def test_level_conflict_keeps_apart() -> None:
    vice = MeetingKey("jucip", None, "vice-ministerial", date(2024, 6, 26), None)
    assert match_event(vice, [Candidate(1, FOURTH)]) is None


def test_the_rule_is_symmetric_and_one_for_statements_and_events() -> None:
    """`same_meeting` on two keys is the rule `match_event` applies to each candidate."""
    keys = [
        FOURTH,
        MeetingKey("jucip", None, "ministerial", date(2024, 6, 27), None),
        MeetingKey("jucip", 4, None, date(2024, 7, 15), None),
        MeetingKey("jucip", 3, "ministerial", None, date(2024, 6, 28)),
        MeetingKey("jucip", None, None, None, date(2024, 7, 3)),
        MeetingKey("jucip", None, None, date(2024, 7, 5), date(2024, 7, 6)),
        MeetingKey("epcc", 4, "ministerial", date(2024, 6, 26), None),
    ]
    for a in keys:
        for b in keys:
            assert same_meeting(a, b) == same_meeting(b, a)
            assert same_meeting(a, b) == (match_event(a, [Candidate(1, b)]) == 1)
    assert same_meeting(FOURTH, keys[1]) and not same_meeting(FOURTH, keys[3])


def test_a_posting_date_is_no_meeting_date() -> None:
    """A release that states no meeting date is placed by its posting date (rule 4), not
    taken to report a meeting held the day it was posted."""
    from watcher.analysis.statement import Meeting, Statement
    from watcher.events import meeting_key

    undated = Meeting("jucip", None, None, date(2024, 7, 3), None, (), date_source="posting")
    st = Statement("t", date(2024, 7, 3), "en", ("jucip",), "primary", undated, (), ())
    key = meeting_key(st)
    assert key is not None and key.meeting_date is None and key.when == date(2024, 7, 3)
    assert match_event(key, [Candidate(1, FOURTH)]) == 1
