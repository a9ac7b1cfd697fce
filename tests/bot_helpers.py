"""What the bot tests share: a store with the bundled history and the bot answering the loopback
Bot API's pending updates, the way `check` answers them (`notifiers.bot.pending`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from delivery_helpers import ADMIN_CHAT

from notifiers.bot.pending import answer_pending
from replay.telegram_api import Message, TelegramAPI
from state import Store
from state.store import SubscriberRow
from watcher.archive import Analyzer, Archive
from watcher.config import Settings, settings_from_dict
from watcher.fetch import Fetcher
from watcher.pipeline import CheckReport

CHAT = 4242


class Bot:
    """The bot over one store: `say(chat, "/start")` pushes a message, lets the bot answer, and
    returns what the bot sent to that chat meanwhile."""

    def __init__(self, tmp_path: Path, api: TelegramAPI) -> None:
        self.api = api
        self.settings: Settings = settings_from_dict(
            {
                "storage": {"database": str(tmp_path / "db.sqlite3")},
                "sources": [],
                "telegram": {"api_url": api.api_url, "admin_chat_ids": [ADMIN_CHAT]},
            }
        )
        self.store = Store.open(self.settings.storage.database)
        self.archive = Archive(self.store, Analyzer(self.settings))
        self.archive.seed_bundled_history(datetime.now(UTC))

    def close(self) -> None:
        self.store.close()

    def answer(self) -> None:
        async def go() -> None:
            channels = self.settings.channels()
            async with Fetcher(self.settings.fetch) as fetcher:
                sender = await answer_pending(
                    self.settings, self.store, channels, fetcher, CheckReport([])
                )
                if sender is not None:
                    await sender.close()

        asyncio.run(go())

    def say(
        self, chat: int, text: str, *, user_id: int | None = None, chat_type: str | None = None
    ) -> list[Message]:
        before = {m.message_id for m in self.api.messages(chat)}
        self.api.push_message(chat, text, user_id=user_id, chat_type=chat_type)
        self.answer()
        return [m for m in self.api.messages(chat) if m.message_id not in before]

    def tap(self, message: Message, data: str, *, user_id: int | None = None) -> Message:
        """Press the button with callback `data` on `message`; the message as it is after."""
        buttons = [b for row in (message.reply_markup or {})["inline_keyboard"] for b in row]
        assert data in [b["callback_data"] for b in buttons], buttons
        self.api.push_callback_query(message.chat_id, message.message_id, data, user_id=user_id)
        self.answer()
        [now] = [
            m for m in self.api.messages(message.chat_id) if m.message_id == message.message_id
        ]
        return now

    def subscriber(self, chat: int = CHAT) -> SubscriberRow | None:
        return self.store.find_subscriber("telegram", str(chat))


def buttons(message: Message) -> dict[str, str]:
    """callback data -> label of the message's inline buttons."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["callback_data"]: b["text"] for row in rows for b in row}
