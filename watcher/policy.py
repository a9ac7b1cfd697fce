"""When to retry, report, give up, pause and call a source stale: the poll policy, in one place.

Pure: facts in (attempts, times, intervals), decisions out. The store records the facts and the
values computed here; `Poller` asks here what they mean, and `sources` shows the same verdicts.

- A release page that fails is retried on every poll `quick_attempts` times, then once per
  `retry_every`; from its quick attempts on it is reported on every pass (a JUCIP release may be
  among them), and it is given up on (still listed by `sources`) only once it has failed for
  `give_up_after` since it was first seen.
- One failed poll of a source is weather; from the second consecutive failure the source is
  paused, the pause doubling with each failure up to `max_backoff`. A Retry-After longer than
  the fetcher waits for pauses it at least that long, but never past `max_pause` (a server
  asking for a pause until 2099 gets a day), and the source's error says so.
- A source is stale when its newest item is older than its `stale_after`, or, when its items
  carry no dates, when nothing new has appeared for that long.

Deliveries (`DeliveryPolicy`, read by notifiers/dispatch.py):

- A delivery the channel could not take now is retried with doubling backoff from
  `first_backoff` up to `max_backoff` (or after the channel's own Retry-After, if longer), and
  given up on after `max_attempts` (then the admins are told).
- A channel that is down (connection refused, token or login refused) pauses that channel only,
  for `channel_pause`; its rows keep their attempts (the recipient is not at fault). The admins
  hear of it once it has been down for `channel_alarm_after`.
- Digest rows are due at the next `digest_hour` (UTC).
- An alarm (a source's health, a channel) is told to the admins once per change of state, with
  a reminder every `reminder_every` while it lasts, and once more when it clears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol


class ItemHistory(Protocol):
    """What the policy reads of a stored listing item (state.sources.ItemRow has it)."""

    @property
    def state(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def last_attempt_at(self) -> datetime | None: ...
    @property
    def first_seen_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """The verdict on one more failed attempt at an item's release page."""

    attempts: int  # counting this one
    give_up: bool
    retrying_daily: bool  # past the quick attempts, not given up


@dataclass(frozen=True, slots=True)
class Policy:
    quick_attempts: int = 5
    retry_every: timedelta = timedelta(days=1)
    give_up_after: timedelta = timedelta(days=7)
    # Consecutive failed polls before a source is paused ("one failure is weather").
    pause_from_failures: int = 2
    max_backoff: timedelta = timedelta(hours=6)
    # The longest pause a Retry-After gets: past it the server is broken or hostile, and a
    # source paused for years would look healthy while watching nothing.
    max_pause: timedelta = timedelta(days=1)

    # -- release pages (listing items) ---------------------------------------------------------
    def item_due(self, item: ItemHistory, now: datetime) -> bool:
        """Should a pending item be fetched and judged in a pass at `now`?"""
        if item.attempts < self.quick_attempts or item.last_attempt_at is None:
            return True
        return item.last_attempt_at <= now - self.retry_every

    def after_failure(self, item: ItemHistory, now: datetime) -> ItemFailure:
        """The item's release page failed once more at `now` (`item` as stored before)."""
        attempts = item.attempts + 1
        past_quick = attempts >= self.quick_attempts
        give_up = past_quick and item.first_seen_at <= now - self.give_up_after
        return ItemFailure(attempts, give_up, retrying_daily=past_quick and not give_up)

    def troubled(self, item: ItemHistory) -> bool:
        """Is the item reported (by `check` while pending, by `sources` always)? Given up, or
        still failing after its quick attempts."""
        return item.state == "failed" or (
            item.state == "pending" and item.attempts >= self.quick_attempts
        )

    # -- sources --------------------------------------------------------------------------------
    @staticmethod
    def paused(paused_until: datetime | None, now: datetime) -> bool:
        return paused_until is not None and paused_until > now

    def pause_until(
        self, failures: int, interval: float, retry_after: float | None, now: datetime
    ) -> datetime | None:
        """Until when a source that has now failed `failures` times in a row (this poll
        included) rests; None when it is polled again on schedule."""
        pause: datetime | None = None
        if failures >= self.pause_from_failures:
            pause = now + self.backoff(failures - 1, interval)
        if retry_after:
            until = now + min(timedelta(seconds=retry_after), self.max_pause)
            pause = max(pause, until) if pause else until
        return pause

    def pause_capped(self, retry_after: float | None, now: datetime) -> str | None:
        """What to tell when a Retry-After asked for more than `max_pause`, else None."""
        if not retry_after or retry_after <= self.max_pause.total_seconds():
            return None
        asked = now + timedelta(seconds=min(retry_after, 1e10))
        return (
            f"Retry-After asked for a pause until {asked:%Y-%m-%d %H:%M} UTC; "
            f"paused for {self.max_pause.total_seconds() / 3600:g} hours instead"
        )

    def backoff(self, failures: int, interval: float) -> timedelta:
        return min(timedelta(seconds=interval * 2 ** min(failures, 8)), self.max_backoff)

    @staticmethod
    def stale_reason(
        stale_after: float,
        newest_item: date | None,
        last_new_at: datetime | None,
        now: datetime,
    ) -> str | None:
        """Why a source that answered looks frozen, or None when it does not."""
        if newest_item is not None:
            age = (now.date() - newest_item).days
            if age * 86400 > stale_after:
                return (
                    f"newest item is from {newest_item.isoformat()} ({age} days ago; "
                    f"stale_after is {stale_after / 86400:g} days)"
                )
            return None
        if last_new_at and (now - last_new_at).total_seconds() > stale_after:
            return f"no new item since {last_new_at:%Y-%m-%d %H:%M} UTC"
        return None


DEFAULT_POLICY = Policy()

# Source statuses that raise an alarm at once; other failures do after a few polls in a row.
ALARM_STATUSES = frozenset({"blocked", "stale", "layout_changed"})
FAILING_POLLS_ALARM = 3


def source_alarm(status: str | None, consecutive_failures: int) -> str | None:
    """The alarm a source's stored health stands for, or None when it is fine."""
    if status in ALARM_STATUSES:
        return status
    if status not in (None, "ok", "not_modified") and consecutive_failures >= FAILING_POLLS_ALARM:
        return "failing"
    return None


@dataclass(frozen=True, slots=True)
class DeliveryVerdict:
    attempts: int  # counting this one
    give_up: bool
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    max_attempts: int = 12  # about six hours of tries with the defaults
    channel_pause: timedelta = timedelta(minutes=5)
    channel_alarm_after: timedelta = timedelta(minutes=10)
    digest_hour: int = 7
    reminder_every: timedelta = timedelta(days=1)

    def after_retry(
        self, attempts: int, retry_after: float | None, now: datetime
    ) -> DeliveryVerdict:
        """A delivery tried `attempts` times before failed once more, for now."""
        attempts += 1
        wait = min(self.first_backoff * 2 ** min(attempts - 1, 16), self.max_backoff)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        return DeliveryVerdict(attempts, attempts >= self.max_attempts, now + wait)

    def channel_resumes(self, now: datetime, retry_after: float | None = None) -> datetime:
        """When a channel that is down is tried again."""
        wait = self.channel_pause
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        return now + wait

    def digest_due(self, now: datetime) -> datetime:
        """The next digest time after `now` (rows queued now go out then)."""
        due = now.replace(hour=self.digest_hour, minute=0, second=0, microsecond=0)
        return due if due > now else due + timedelta(days=1)

    def alarm_action(
        self,
        told_status: str | None,
        told_at: datetime | None,
        current: str | None,
        now: datetime,
    ) -> str | None:
        """What to tell the admins about an alarm: "raised" (a new bad state, or another one),
        "reminder" (still bad a day later), "cleared" (good again after they were told), or
        None. `told_status` is the state last recorded (None: fine), `current` the state now."""
        if current is None:
            return "cleared" if told_status is not None and told_at is not None else None
        if current != told_status or told_at is None:
            return "raised"
        if now - told_at >= self.reminder_every:
            return "reminder"
        return None


DEFAULT_DELIVERY_POLICY = DeliveryPolicy()
