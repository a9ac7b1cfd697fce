"""Who gets an alert: the audience rule, in one place. Pure: subscribers in, recipients out.

- A meeting's alert and its follow-ups go to every active subscriber whose series filter (empty:
  all) names one of the alert's series and whose topic filter (empty: all) shares a topic with it.
- A `mention` goes only to subscribers who asked for mentions (`--mentions`), series filter
  applied; a one-line mention carries no topics, so the topic filter does not apply.
- Every matching subscriber gets a row on their channel, configured in this process or not:
  a token missing from one cron job's environment must not lose alerts. The dispatcher leaves
  the rows of a channel it cannot use pending, and says so.
- A digest subscriber's row waits for the digest (`digest` is carried on the row).
- Admin notes go to the admins from the config, never to subscribers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from state.outbox import Recipient

SUBSCRIBER_KINDS = ("event", "follow_up", "mention")


class Subscriber(Protocol):
    """What the rule reads of a subscriber (state.subscribers.SubscriberRow has it)."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def series(self) -> tuple[str, ...]: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def mentions(self) -> bool: ...
    @property
    def lang(self) -> str: ...
    @property
    def digest(self) -> str | None: ...
    @property
    def active(self) -> bool: ...


def wants(sub: Subscriber, kind: str, series: Sequence[str], topics: Sequence[str]) -> bool:
    """Does `sub` get an alert of `kind` about `series` and `topics`?"""
    if not sub.active or kind not in SUBSCRIBER_KINDS:
        return False
    if sub.series and not set(sub.series) & set(series):
        return False
    if kind == "mention":
        return sub.mentions
    return not sub.topics or bool(set(sub.topics) & set(topics))


def audience(
    kind: str,
    series: Sequence[str],
    topics: Sequence[str],
    subscribers: Iterable[Subscriber],
) -> list[Recipient]:
    """The recipients of one subscriber alert."""
    return [
        Recipient(s.channel, s.address, s.lang, s.id, s.digest if s.channel == "email" else None)
        for s in subscribers
        if wants(s, kind, series, topics)
    ]


def admins(addresses: Iterable[tuple[str, str]]) -> list[Recipient]:
    """Recipients of an admin note: (channel, address) pairs from the config, in English."""
    return [Recipient(channel, address, "en") for channel, address in addresses]
