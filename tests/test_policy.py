"""watcher/policy.py: when a release page is retried, reported and given up on, and when a source
is paused or stale. Pure decisions on plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from watcher.policy import DEFAULT_POLICY, Policy

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Item:
    attempts: int = 0
    last_attempt_at: datetime | None = None
    first_seen_at: datetime = NOW
    state: str = "pending"


def test_the_defaults_are_the_documented_ones() -> None:
    # README "How it works": five quick retries, then daily, given up after a week.
    p = DEFAULT_POLICY
    assert (p.quick_attempts, p.retry_every, p.give_up_after) == (5, DAY, 7 * DAY)
    assert p.pause_from_failures == 2 and p.max_backoff == 6 * HOUR


def test_new_and_quickly_retried_items_are_due_at_once() -> None:
    assert DEFAULT_POLICY.item_due(Item(), NOW)
    assert DEFAULT_POLICY.item_due(Item(attempts=4, last_attempt_at=NOW), NOW)


def test_past_the_quick_attempts_an_item_is_due_once_a_day() -> None:
    tried = Item(attempts=5, last_attempt_at=NOW)
    assert not DEFAULT_POLICY.item_due(tried, NOW + 23 * HOUR)
    assert DEFAULT_POLICY.item_due(tried, NOW + DAY)
    # An item counted before last_attempt_at was recorded (schema 1) is retried, not stuck.
    assert DEFAULT_POLICY.item_due(Item(attempts=9, last_attempt_at=None), NOW)


def test_failures_count_up_to_daily_retries_then_a_week_gives_up() -> None:
    p = DEFAULT_POLICY
    first = p.after_failure(Item(), NOW)
    assert (first.attempts, first.give_up, first.retrying_daily) == (1, False, False)
    fifth = p.after_failure(Item(attempts=4), NOW)
    assert (fifth.attempts, fifth.give_up, fifth.retrying_daily) == (5, False, True)
    # Many attempts within the week: still retried (a site down for a day is no reason).
    assert not p.after_failure(Item(attempts=50, first_seen_at=NOW - 6 * DAY), NOW).give_up
    week = p.after_failure(Item(attempts=7, first_seen_at=NOW - 7 * DAY), NOW)
    assert week.give_up and not week.retrying_daily
    # A week old but not past its quick attempts (e.g. the source was paused): not yet.
    assert not p.after_failure(Item(attempts=1, first_seen_at=NOW - 30 * DAY), NOW).give_up


def test_troubled_items_are_reported() -> None:
    p = Policy(quick_attempts=2)
    assert not p.troubled(Item(attempts=1))
    assert p.troubled(Item(attempts=2))
    assert p.troubled(Item(attempts=2, state="failed"))
    assert not p.troubled(Item(attempts=3, state="done"))


def test_one_failure_is_weather_then_the_pause_doubles_up_to_the_cap() -> None:
    p = DEFAULT_POLICY
    assert p.pause_until(1, 600, None, NOW) is None
    assert p.pause_until(2, 600, None, NOW) == NOW + timedelta(seconds=1200)
    assert p.pause_until(3, 600, None, NOW) == NOW + timedelta(seconds=2400)
    assert p.pause_until(40, 600, None, NOW) == NOW + 6 * HOUR


@pytest.mark.parametrize(
    ("failures", "retry_after", "expected"),
    [
        (1, 3600.0, NOW + HOUR),  # the server's word counts from the first failure
        (2, 60.0, NOW + timedelta(seconds=1200)),  # the longer of the two
        (9, 86400.0, NOW + DAY),  # Retry-After beyond the backoff cap is honoured
    ],
)
def test_retry_after_pauses_at_least_that_long(
    failures: int, retry_after: float, expected: datetime
) -> None:
    assert DEFAULT_POLICY.pause_until(failures, 600, retry_after, NOW) == expected


def test_paused() -> None:
    assert Policy.paused(NOW + HOUR, NOW) and not Policy.paused(NOW, NOW)
    assert not Policy.paused(None, NOW)


def test_stale_by_the_newest_item_date() -> None:
    thirty_days = 30 * 86400.0
    assert Policy.stale_reason(thirty_days, NOW.date() - 30 * DAY, None, NOW) is None
    reason = Policy.stale_reason(thirty_days, date(2026, 8, 26), None, NOW)
    assert reason == "newest item is from 2026-08-26 (88 days ago; stale_after is 30 days)"
    # A dated listing is judged by its dates, whatever last brought news.
    assert Policy.stale_reason(thirty_days, NOW.date(), NOW - 90 * DAY, NOW) is None


def test_stale_by_the_last_news_when_items_are_undated() -> None:
    assert Policy.stale_reason(86400.0, None, NOW - 2 * HOUR, NOW) is None
    reason = Policy.stale_reason(86400.0, None, datetime(2026, 11, 20, 9, 5, tzinfo=UTC), NOW)
    assert reason == "no new item since 2026-11-20 09:05 UTC"
    assert Policy.stale_reason(86400.0, None, None, NOW) is None
