"""The daemon's sending side: the dispatcher's loop and the bot, in the daemon's asyncio loop.

`run` polls on its schedule (watcher/scheduler.py) and keeps this running beside it:

- the dispatcher (`Dispatcher.run`): a pass at once when `wake()` is called (after a poll that
  queued something, a bot command that queued an admin note), else every `idle` seconds for due
  retries and digests;
- the bot (`notifiers.bot.app.BotRunner`, long polling), when Telegram is configured. A bot that
  cannot start (Telegram unreachable, the token refused) is tried again every `retry` seconds;
  meanwhile polls and the other channel go on, and the dispatcher's own channel alarm tells the
  admins if Telegram stays down.

Both use one `TelegramSender` on the daemon's `Fetcher`: one HTTP client, one pacing.

`stop()` (SIGTERM) takes a few seconds at most: the bot stops taking updates and finishes the
ones in hand, the dispatcher starts no further message and finishes the one in flight (recorded
as sent); what is still running after `grace` seconds is cancelled, which loses nothing (an
unrecorded row is sent again by the next run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from state.store import Store
from watcher.config import Settings
from watcher.config_channels import Channels
from watcher.secrets import redact

if TYPE_CHECKING:
    from notifiers.bot.app import BotRunner
    from notifiers.dispatch import Dispatcher
    from notifiers.telegram.sender import TelegramSender
    from watcher.fetch import Fetcher
    from watcher.pipeline import CheckReport

log = logging.getLogger("notifiers.service")


class DeliveryService:
    """`async with DeliveryService(...) as delivery: delivery.start()`; `delivery.wake()` after
    a poll; leaving the block stops it (or `await delivery.stop()` first)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: Channels,
        fetcher: Fetcher,
        *,
        poll_now: Callable[[], Awaitable[CheckReport]],
        idle: float = 30.0,
        grace: float = 8.0,
        retry: float = 60.0,
    ) -> None:
        self.settings, self.store, self.channels = settings, store, channels
        self._fetcher = fetcher
        self._poll_now = poll_now
        self._idle, self._grace, self._retry = idle, grace, retry
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.sender: TelegramSender | None = None
        self.dispatcher: Dispatcher | None = None
        self.bot: BotRunner | None = None
        self._stopped = False

    async def __aenter__(self) -> DeliveryService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start(self) -> None:
        if not self.channels.enabled:
            log.warning("no delivery channel is configured: alerts are queued, not sent")
            return
        from notifiers.dispatch import Dispatcher

        if self.channels.telegram:
            self.sender = self._telegram_sender()
        self.dispatcher = Dispatcher(
            self.settings, self.store, self.channels, fetcher=self._fetcher, telegram=self.sender
        )
        run = self.dispatcher.run(self._stop, idle=self._idle)
        self._tasks.append(asyncio.create_task(run, name="dispatcher"))
        if self.sender is not None:
            self._tasks.append(asyncio.create_task(self._start_bot(), name="bot"))

    def wake(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _telegram_sender(self) -> TelegramSender:
        from notifiers.bot.app import LONG_POLL
        from notifiers.telegram.request import sender_on

        token = self.channels.telegram_token
        assert token is not None
        # PTB adds the long poll's own wait to the getUpdates read timeout.
        return sender_on(
            self._fetcher,
            token,
            self.settings.telegram.api_url,
            updates_read_timeout=LONG_POLL / 3,
        )

    async def _start_bot(self) -> None:
        from telegram.error import TelegramError

        from notifiers.bot.app import BotRunner
        from notifiers.bot.handlers import BotDeps

        assert self.sender is not None
        runner = BotRunner(
            BotDeps(self.settings, self.store, self.sender, self._poll_now, wake=self.wake)
        )
        while not self._stop.is_set():
            try:
                await runner.start()
            except TelegramError as exc:
                log.warning(
                    "bot not started: %s; trying again in %.0f s", redact(str(exc)), self._retry
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._retry)
                continue
            self.bot = runner
            log.info("bot @%s is answering commands", runner.username)
            return

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self.bot is not None:
            await self._within(self.bot.stop(), "the bot's handlers")
        if self._tasks:
            _done, late = await asyncio.wait(self._tasks, timeout=self._grace)
            for task in late:
                log.warning("%s did not finish in %.0f s: cancelled", task.get_name(), self._grace)
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.bot is not None:
            await self._within(self.bot.close(), "the bot's shutdown")
        if self.sender is not None:
            await self.sender.close()

    async def _within(self, work: Awaitable[None], what: str) -> None:
        try:
            await asyncio.wait_for(work, self._grace)
        except TimeoutError:
            log.warning("%s did not finish in %.0f s: cancelled", what, self._grace)
        except Exception as exc:  # stopping must go on whatever PTB says
            log.warning("%s: %s", what, redact(str(exc)))
