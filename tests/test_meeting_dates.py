"""Meeting dates written without a year: the weekday must agree, an announcement looks ahead of
its posting date and a readout back (issue 8: the 2022 EPCC media note was dated a year early)."""

from __future__ import annotations

from datetime import date

import pytest

from watcher.analysis.meeting import find_date
from watcher.dates import mentions


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("On Friday, July 29, the Secretaries will host", 4),
        ("Friday 29 July", 4),
        ("on July 29 (Fri.) in Washington", 4),
        ("2022年7月29日（金曜日）（現地時間）", 4),
        ("7月29日(金)", 4),
        ("On July 29, they met", None),
    ],
)
def test_the_weekday_written_with_a_date_is_read(text: str, weekday: int | None) -> None:
    (found,) = mentions(text)
    assert (found.month, found.day, found.weekday) == (7, 29, weekday)


def test_an_announcement_is_about_a_day_after_its_posting() -> None:
    # Posted on Tuesday 2022-07-26: July 29 was a Friday in 2022 (a Thursday in 2021).
    assert find_date("On Friday, July 29, the Secretaries will host", date(2022, 7, 26)) == (
        date(2022, 7, 29),
        "inferred",
    )
    assert find_date("On July 29, they will host", date(2022, 7, 26), ahead=True) == (
        date(2022, 7, 29),
        "inferred",
    )
    # Announced in December for January.
    assert find_date("on January 11", date(2022, 12, 28), ahead=True) == (
        date(2023, 1, 11),
        "inferred",
    )


def test_a_readout_is_about_a_day_on_or_before_its_posting() -> None:
    assert find_date("On July 29, they met", date(2022, 7, 30)) == (date(2022, 7, 29), "inferred")
    # Posted in Tokyo the day after a meeting in Washington, or a day early by U.S. time.
    assert find_date("On July 29, they met", date(2022, 7, 28)) == (date(2022, 7, 29), "inferred")
    assert find_date("On December 30, they met", date(2025, 1, 2)) == (
        date(2024, 12, 30),
        "inferred",
    )


def test_the_weekday_wins_over_the_side_of_the_posting_date() -> None:
    # "Tuesday, November 14" posted on 2023-11-13 and read as a readout: 2022-11-14 was a
    # Monday, so the year that agrees with the weekday is 2023.
    assert find_date("On Tuesday, November 14, they met", date(2023, 11, 13)) == (
        date(2023, 11, 14),
        "inferred",
    )


def test_a_weekday_alone_is_the_nearest_such_day() -> None:
    posted = date(2024, 4, 11)  # a Thursday
    assert find_date("On Wednesday, the Secretary hosted the Minister", posted) == (
        date(2024, 4, 10),
        "inferred",
    )
    assert find_date("On Monday, the Secretary will host the Minister", posted, ahead=True) == (
        date(2024, 4, 15),
        "inferred",
    )
