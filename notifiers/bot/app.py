"""The python-telegram-bot `Application` around the bot's handlers, on the dispatcher's bot.

The `Application` is given the `TelegramSender`'s own `Bot` (whose requests go through the
project's `FetcherRequest`), so commands, replies and alerts use one HTTP client, one token
and one pacing. No JobQueue (APScheduler runs the polls), no persistence (the store is the
state).

- `BotRunner`: the daemon's bot, long polling in the daemon's loop until `stop`; `close` then
  shuts the bot down.
- `Answerer`: `check`'s bot, no updater: it handles the updates `notifiers.bot.pending`
  fetched, with the same handlers.

Commands are registered with setMyCommands: the subscribers' list for every chat, and with the
operators' /status and /check for each admin chat (`BotCommandScopeChat`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application

from notifiers.bot.handlers import BotDeps, Handlers
from notifiers.bot.replies import ALLOWED_UPDATES, COMMANDS
from watcher.secrets import redact

log = logging.getLogger("notifiers.bot")

# Seconds Telegram holds a getUpdates open when nothing comes (long polling).
LONG_POLL = 30


def build(deps: BotDeps, *, polling: bool) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = Application.builder().bot(deps.sender.bot).job_queue(None)
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    Handlers(deps).register(app, polling=polling)
    return app


async def set_commands(bot: Bot, admin_chat_ids: Sequence[int]) -> None:
    """The command menus; an admin chat the bot cannot reach yet is logged and skipped."""
    everyone = [BotCommand(c.name, c.description) for c in COMMANDS if not c.admin]
    operators = [BotCommand(c.name, c.description) for c in COMMANDS]
    try:
        await bot.set_my_commands(everyone)
    except TelegramError as exc:
        log.warning("bot: setMyCommands: %s", redact(str(exc)))
        return
    for chat in admin_chat_ids:
        try:
            await bot.set_my_commands(operators, scope=BotCommandScopeChat(chat))
        except TelegramError as exc:
            log.warning("bot: setMyCommands for admin chat %s: %s", chat, redact(str(exc)))


class Answerer:
    """Handles fetched updates one at a time (`check`)."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = app

    @classmethod
    async def open(cls, deps: BotDeps) -> Answerer | None:
        """The bot ready to answer (token checked, commands registered), or None (logged)."""
        app = build(deps, polling=False)
        try:
            await app.initialize()
        except TelegramError as exc:
            log.warning("bot: not started, updates wait: %s", redact(str(exc)))
            return None
        await set_commands(app.bot, deps.settings.telegram.admin_chat_ids)
        # No app.shutdown(): it would shut the shared bot down under the delivery pass; the
        # sender's close does that.
        return cls(app)

    async def process(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.app.bot)
        if update is not None:
            await self.app.process_update(update)


class BotRunner:
    """The daemon's bot: `await start()` (raises TelegramError if Telegram cannot be reached or
    refuses the token; call it again later), `await stop()`."""

    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps
        self.app = build(deps, polling=True)

    @property
    def username(self) -> str:
        return self.app.bot.username

    async def start(self) -> None:
        await self.app.initialize()
        await set_commands(self.app.bot, self.deps.settings.telegram.admin_chat_ids)
        if not self.app.running:
            await self.app.start()
        updater = self.app.updater
        assert updater is not None
        if not updater.running:
            await updater.start_polling(
                timeout=LONG_POLL,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
                error_callback=_polling_error,
            )

    async def stop(self) -> None:
        """Stop taking updates, let the handlers in progress finish, confirm what was handled.
        The bot stays usable (the dispatcher may still be finishing a send): `close` after."""
        updater = self.app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.app.running:
            await self.app.stop()

    async def close(self) -> None:
        await self.stop()
        await self.app.shutdown()


def _polling_error(exc: TelegramError) -> None:
    # PTB retries on its own (backing off); one line per failure, no traceback.
    log.warning("bot: getUpdates failed, retrying: %s", redact(str(exc)))
