"""What one send came to, as a value; the caller (the outbox) decides what to store and retry.

Every sender returns one of these and never raises for a channel's answer: a refusal, a flood
wait, a dead chat or a dropped connection is an outcome, not an exception. Exceptions are left for
programming errors (a bad argument).

- `Sent`: the channel accepted the whole message.
- `Retry`: not delivered now, may be later (429, timeouts, 5xx, 4xx SMTP, network). `retry_after`
  is the channel's own wait when it gave one (seconds), else None (the caller picks a backoff).
  `channel_down` says the failure was not about this recipient (connection refused, login or token
  refused, server error): the caller should pause the whole channel rather than try the next
  recipient, and tell the admin if it lasts.
- `Gone`: the recipient no longer exists for us (Telegram chat blocked the bot, deleted, bot
  kicked; SMTP 5xx for that mailbox). End the subscription and tell the admin once.
- `Failed`: permanent for this message only (the channel refused its content). End this delivery
  row, keep the subscriber.
- `Migrated`: a Telegram group became a supergroup; resend to `new_chat_id` and update the
  subscriber.

A Telegram message can be several parts (see `notifiers.telegram.text.split_html`). Outcomes that
stop part-way carry `resume_from`, the index of the first part not delivered; passing it back to
`TelegramSender.send(..., resume_from=...)` sends only the rest, so a retry never repeats a part
the chat already has. `ids` are the ids the channel gave to what this call delivered (Telegram
message ids of the parts, or the email Message-ID).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True, slots=True)
class Sent:
    ids: tuple[int | str, ...] = ()
    kind: ClassVar[Literal["sent"]] = "sent"


@dataclass(frozen=True, slots=True)
class Retry:
    reason: str
    retry_after: float | None = None
    channel_down: bool = False
    resume_from: int = 0
    ids: tuple[int | str, ...] = ()
    kind: ClassVar[Literal["retry"]] = "retry"


@dataclass(frozen=True, slots=True)
class Gone:
    reason: str
    kind: ClassVar[Literal["gone"]] = "gone"


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    resume_from: int = 0
    ids: tuple[int | str, ...] = ()
    kind: ClassVar[Literal["failed"]] = "failed"


@dataclass(frozen=True, slots=True)
class Migrated:
    new_chat_id: int
    resume_from: int = 0
    ids: tuple[int | str, ...] = ()
    kind: ClassVar[Literal["migrated"]] = "migrated"


SendOutcome = Sent | Retry | Gone | Failed | Migrated
