"""Send Telegram HTML messages through python-telegram-bot, paced, with outcomes as values.

`TelegramSender.send` splits a long message (`text.split_html`), sends the parts in order, resends
a part Telegram cannot parse as plain text, waits out short flood waits (429 `retry_after`) and
turns every other answer into a `notifiers.outcome` value: a flood wait delays, it never drops;
a blocked, deleted or kicked chat is `Gone`; a group that became a supergroup is `Migrated`.

Pacing keeps within Telegram's limits: about 30 messages/s overall, 1/s per private chat, 20/min
per group or channel (negative chat ids), with aiolimiter's leaky buckets (PTB's own
AIORateLimiter has no per-private-chat rule, and retries by re-raising, which we do not want).
`send` is safe to call concurrently for different chats; send one message at a time per chat,
so its parts cannot interleave with another message's. A 429 pauses the whole bot (Telegram does
not say whether a flood wait is for one chat or all): sends wait out pauses up to
`max_flood_wait` seconds, and return `Retry(retry_after=...)` at once for longer ones.

The token is registered with `watcher.secrets` and scrubbed from every log record and every
`reason` string (PTB and httpx put the request URL, which holds it, in some of theirs).
Import this module only when Telegram is configured: it loads python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import warnings
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest

from notifiers.outcome import Failed, Gone, Migrated, Retry, SendOutcome, Sent
from notifiers.telegram.text import (
    MAX_MESSAGE_UNITS,
    split_html,
    split_text,
    to_plain,
    visible_text,
)
from watcher import secrets as redact

log = logging.getLogger("notifiers.telegram")

DEFAULT_API_URL = "https://api.telegram.org"
# 400 answers that mean the chat is out of reach for good (the rest of 400 is about the message).
_GONE_400 = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "chat_write_forbidden",
    "group chat was deactivated",
    "group chat was deleted",
    "user is deactivated",
    "bot was kicked",
    "channel_private",
    "not enough rights to send",
    "have no rights to send",
    "need administrator rights",
)
_CANT_PARSE = "can't parse entities"
# Inline flood waits per part before handing the wait back to the caller as a Retry.
_MAX_FLOOD_WAITS = 5


def bot_base_url(api_url: str) -> str:
    """PTB's `base_url` for a `[telegram] api_url`: requests go to {api_url}/bot{token}/{method}."""
    return api_url.rstrip("/") + "/bot"


@dataclass(frozen=True)
class Pacing:
    """Telegram's broadcast limits; `TelegramSender(pacing=None)` turns pacing off (benchmarks).

    Flood waits Telegram asks for are honoured with or without pacing.
    """

    overall_per_second: float = 30.0
    overall_burst: int = 5  # messages that may go at once after a quiet spell
    private_interval: float = 1.0  # seconds between messages to one private chat
    group_interval: float = 3.0  # seconds between messages to one group or channel (20/min)


class _Pacer:
    """Leaky buckets per chat and overall, plus a bot-wide pause after a 429."""

    _PRUNE_AT = 4096  # chat limiters kept before the idle ones are dropped

    def __init__(self, pacing: Pacing | None) -> None:
        self.pacing = pacing
        self._overall = (
            AsyncLimiter(pacing.overall_burst, pacing.overall_burst / pacing.overall_per_second)
            if pacing
            else None
        )
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._paused_until = 0.0

    async def wait(self, chat_id: int | str, max_pause: float | None = None) -> None:
        """Wait for `chat_id`'s turn; a bot-wide pause longer than `max_pause` (one that a
        429 to another chat started meanwhile, too) raises `RetryAfter` instead of holding."""
        await self._wait_out_flood(max_pause)
        if self.pacing is None or self._overall is None:
            return
        # Per chat first, so a chat waiting its turn does not hold an overall slot.
        await self._chat_limiter(chat_id).acquire()
        await self._overall.acquire()
        await self._wait_out_flood(max_pause)  # a 429 may have come in meanwhile

    def flood(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)

    async def _wait_out_flood(self, max_pause: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        while (left := self._paused_until - loop.time()) > 0:
            if max_pause is not None and left > max_pause:
                raise RetryAfter(math.ceil(left))
            await asyncio.sleep(left)

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) >= self._PRUNE_AT:
                # A limiter with all its capacity back behaves like a new one: drop those.
                self._chats = {k: v for k, v in self._chats.items() if not v.has_capacity(1)}
            assert self.pacing is not None
            interval = (
                self.pacing.group_interval if _is_group(chat_id) else self.pacing.private_interval
            )
            limiter = self._chats[chat_id] = AsyncLimiter(1, interval)
        return limiter


def _is_group(chat_id: int | str) -> bool:
    # Groups, supergroups and channels have negative ids; "@name" is always a channel or group.
    return isinstance(chat_id, str) or chat_id < 0


class TelegramSender:
    """Sends messages for one bot token. Use as `async with TelegramSender(...) as tg:`."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        request: BaseRequest | None = None,
        get_updates_request: BaseRequest | None = None,
        pacing: Pacing | None = Pacing(),
        max_flood_wait: float = 60.0,
        timeout: float = 15.0,
        limit: int = MAX_MESSAGE_UNITS,
    ) -> None:
        redact.register(token)
        if request is None:
            request = HTTPXRequest(
                connection_pool_size=64,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        self._bot = Bot(
            token,
            base_url=bot_base_url(api_url),
            base_file_url=api_url.rstrip("/") + "/file/bot",
            request=request,
            # The bot's long polling (notifiers.bot) needs its own connection; without one
            # given, PTB would open an HTTPX client of its own for it.
            get_updates_request=get_updates_request,
        )
        self._pacer = _Pacer(pacing)
        self._max_flood_wait = max_flood_wait
        self._limit = limit
        self._started = False

    @property
    def bot(self) -> Bot:
        """The PTB bot (for getUpdates, edits, callbacks); call `start` before using it."""
        return self._bot

    async def start(self) -> SendOutcome | None:
        """Check the token (getMe). None when the bot is ready, else the outcome (`Retry` with
        `channel_down`) every send would give; sends call this themselves."""
        if self._started:
            return None
        try:
            await self._bot.initialize()
        except TelegramError as exc:
            return classify(exc)
        self._started = True
        return None

    async def close(self) -> None:
        if self._started:
            await self._bot.shutdown()
            self._started = False

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_turn(self, chat_id: int | str) -> None:
        """Wait for `chat_id`'s turn under the pacing; for other calls that post to a chat
        (edits, command replies made with `bot`), so they share the limits with `send`."""
        await self._pacer.wait(chat_id)

    async def send(
        self,
        chat_id: int | str,
        html: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        disable_preview: bool = True,
        resume_from: int = 0,
    ) -> SendOutcome:
        """Send Telegram HTML `html` to `chat_id`, in parts if long; `reply_markup` goes with the
        last part. `resume_from` skips the parts an earlier outcome said were delivered."""
        not_ready = await self.start()
        if not_ready is not None:
            return not_ready
        parts, shown = _parts(html, self._limit)
        if not shown:
            return Failed("empty message")
        ids: list[int | str] = []
        for index in (i for i in shown if i >= resume_from):
            markup = reply_markup if index == shown[-1] else None
            outcome = await self._send_part(chat_id, parts[index], markup, disable_preview)
            if isinstance(outcome, list):
                ids.extend(outcome)
                continue
            log.info("telegram: chat %s part %d/%d: %s", chat_id, index + 1, len(parts), outcome)
            return _stopped_at(outcome, index, ids)
        return Sent(tuple(ids))

    async def _send_part(
        self,
        chat_id: int | str,
        part: str,
        markup: InlineKeyboardMarkup | None,
        disable_preview: bool,
    ) -> list[int | str] | SendOutcome:
        """Message ids for one part (more than one if it went out as plain text), or why not."""
        try:
            return [await self._post(chat_id, part, "HTML", markup, disable_preview)]
        except BadRequest as exc:
            if _CANT_PARSE not in exc.message.lower():
                return classify(exc)
            log.warning("telegram: chat %s: %s; resending as plain text", chat_id, _reason(exc))
        except TelegramError as exc:
            return classify(exc)
        pieces = [p for p in split_text(to_plain(part), self._limit) if p.strip()]
        ids: list[int | str] = []
        try:
            for n, piece in enumerate(pieces):
                last = n == len(pieces) - 1
                ids.append(
                    await self._post(
                        chat_id, piece, None, markup if last else None, disable_preview
                    )
                )
        except TelegramError as exc:
            # Part of the plain fallback is out: report the part as not delivered, so a retry
            # resends it whole (a duplicate piece beats a missing one).
            return classify(exc)
        return ids

    async def _post(
        self,
        chat_id: int | str,
        text: str,
        parse_mode: str | None,
        markup: InlineKeyboardMarkup | None,
        disable_preview: bool,
    ) -> int:
        """One sendMessage, paced; short flood waits are waited out here, longer ones raise."""
        preview: Any = LinkPreviewOptions(is_disabled=True) if disable_preview else None
        for _attempt in range(_MAX_FLOOD_WAITS + 1):
            # A pause too long to hold this send raises RetryAfter here, before any call.
            await self._pacer.wait(chat_id, self._max_flood_wait)
            try:
                message = await self._bot.send_message(
                    chat_id,
                    text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=preview,
                )
                return message.message_id
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self._pacer.flood(wait)
                if wait > self._max_flood_wait or _attempt == _MAX_FLOOD_WAITS:
                    raise
                log.info("telegram: flood wait %.0f s (chat %s)", wait, chat_id)
        raise AssertionError("unreachable")  # pragma: no cover


@functools.lru_cache(maxsize=32)
def _parts(html: str, limit: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The parts of `html` and the indexes of those with visible text. Cached: one alert goes
    to many chats, and is split once."""
    parts = tuple(split_html(html, limit))
    return parts, tuple(i for i, part in enumerate(parts) if visible_text(part).strip())


def classify(exc: TelegramError) -> SendOutcome:
    """The outcome a PTB error stands for; usable for any call that posts to a chat."""
    reason = _reason(exc)
    if isinstance(exc, RetryAfter):
        return Retry(reason, retry_after=retry_after_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Migrated(int(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return Gone(reason)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is one
        if any(marker in reason.lower() for marker in _GONE_400):
            return Gone(reason)
        return Failed(reason)
    if isinstance(exc, TimedOut):
        return Retry(reason or "timed out", channel_down=True)
    if isinstance(exc, InvalidToken):
        return Retry(f"bot token rejected: {reason}", channel_down=True)
    if isinstance(exc, (NetworkError, Conflict)):
        return Retry(reason, channel_down=True)
    return Failed(reason)


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whatever PTB version (int in 21, timedelta-backed in 22)."""
    value = getattr(exc, "_retry_after", None)
    if not isinstance(value, timedelta):
        with warnings.catch_warnings():  # PTB 22 warns that the int form is deprecated
            warnings.simplefilter("ignore")
            value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _reason(exc: BaseException) -> str:
    return redact.redact(str(exc) or type(exc).__name__)


def _stopped_at(outcome: SendOutcome, index: int, ids: list[int | str]) -> SendOutcome:
    """`outcome` for a send that stopped at part `index` after delivering `ids`."""
    if isinstance(outcome, (Retry, Failed, Migrated)):
        return replace(outcome, resume_from=index, ids=tuple(ids))
    return outcome
