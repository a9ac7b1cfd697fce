"""The audience rule and the delivery policy: pure, facts in, decisions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from watcher.audience import audience
from watcher.policy import DeliveryPolicy, source_alarm

NOW = datetime(2024, 6, 28, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Sub:
    id: int
    channel: str = "telegram"
    address: str = "1"
    series: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    mentions: bool = False
    lang: str = "both"
    digest: str | None = None
    active: bool = True


SUBS = [
    Sub(1),
    Sub(2, series=("epcc",)),
    Sub(3, topics=("semiconductors",)),
    Sub(4, mentions=True, series=("jucip",)),
    Sub(5, active=False),
    Sub(6, channel="email", address="a@example.org", digest="daily"),
    Sub(7, digest="daily"),  # a chat cannot have a digest: it gets each alert
]


def ids(kind: str, series: tuple[str, ...], topics: tuple[str, ...]) -> list[int]:
    return [r.subscriber_id for r in audience(kind, series, topics, SUBS)]  # type: ignore[misc]


def test_meeting_alerts_follow_series_and_topic_filters() -> None:
    assert ids("event", ("jucip",), ("critical-minerals",)) == [1, 4, 6, 7]
    assert ids("event", ("jucip",), ("semiconductors",)) == [1, 3, 4, 6, 7]
    assert ids("follow_up", ("epcc",), ()) == [1, 2, 6, 7]


def test_mentions_only_to_those_who_asked() -> None:
    assert ids("mention", ("jucip",), ()) == [4]
    assert ids("mention", ("epcc",), ()) == []


def test_admin_notes_never_reach_subscribers() -> None:
    assert ids("admin", ("jucip",), ()) == []


def test_digest_rows_only_for_email() -> None:
    rows = {r.subscriber_id: r.digest for r in audience("event", ("jucip",), (), SUBS)}
    assert rows[6] == "daily" and rows[7] is None


def test_backoff_grows_honours_retry_after_and_gives_up() -> None:
    p = DeliveryPolicy()
    waits = [p.after_retry(n, None, NOW).next_attempt_at - NOW for n in range(p.max_attempts)]
    assert waits[0] == p.first_backoff and waits == sorted(waits) and waits[-1] == p.max_backoff
    assert p.after_retry(0, 600, NOW).next_attempt_at == NOW + timedelta(seconds=600)
    assert not p.after_retry(p.max_attempts - 2, None, NOW).give_up
    assert p.after_retry(p.max_attempts - 1, None, NOW).give_up


def test_digest_hour_and_alarm_decisions() -> None:
    p = DeliveryPolicy()
    assert p.digest_due(NOW) == NOW.replace(hour=7, minute=0) + timedelta(days=1)
    assert p.digest_due(NOW.replace(hour=6)) == NOW.replace(hour=7, minute=0)
    day = timedelta(days=1)
    assert p.alarm_action(None, None, "blocked", NOW) == "raised"
    assert p.alarm_action("blocked", NOW, "blocked", NOW + timedelta(hours=2)) is None
    assert p.alarm_action("blocked", NOW, "blocked", NOW + day) == "reminder"
    assert p.alarm_action("blocked", NOW, "stale", NOW) == "raised"
    assert p.alarm_action("blocked", NOW, None, NOW) == "cleared"
    assert p.alarm_action(None, None, None, NOW) is None


def test_which_source_states_alarm() -> None:
    assert source_alarm("blocked", 1) == "blocked" and source_alarm("stale", 0) == "stale"
    assert source_alarm("layout_changed", 1) == "layout_changed"
    assert source_alarm("timeout", 1) is None  # one failure is weather
    assert source_alarm("timeout", 3) == "failing"
    assert source_alarm("ok", 0) is None and source_alarm("not_modified", 0) is None
