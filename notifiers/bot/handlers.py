"""The bot's commands, buttons and membership changes, as python-telegram-bot handlers.

Every reply goes through the dispatcher's `TelegramSender` (`send`, or `wait_turn` before an
edit), so replies and alerts share one pacing and one set of outcomes: a chat that turns out
blocked (403) is unsubscribed the same way from either side, and a long /latest splits as an
alert does.

- Subscriptions change through the store's subscriber methods, each in its own short
  transaction; the alerts' audience rule (`watcher.audience`) reads the same rows.
- In a group, changing the subscription (/start, /stop, the filters and their buttons) is for
  the group's admins: the bot asks Telegram (`getChatMember`) whether the sender is its creator
  or an administrator; an anonymous admin (posting as the group) is one. Reading (/latest,
  /compare, /topic, /help) is for anyone. Channels are added by the operator
  (`subscribers add --telegram -100...`): the bot does not answer commands posted in channels.
- /status and /check answer the chats of `[telegram] admin_chat_ids` only.
- A handler that raises never shows the error: the chat gets one friendly line, the log gets
  the error, and the admins get it once through the alarm path (`Alerts.alarm`, key
  "bot /command"), with the all-clear when that command next works.
- `my_chat_member`: the bot blocked, kicked or removed ends that chat's subscription (its
  pending deliveries cancelled) and tells the admins once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from telegram import (
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from notifiers.bot import replies
from notifiers.outcome import Gone, Sent
from notifiers.telegram.sender import TelegramSender, classify
from state.store import Store, SubscriberRow
from watcher.alerts import Alerts
from watcher.secrets import redact

if TYPE_CHECKING:
    from watcher.analysis.summary import EventSummary
    from watcher.archive import Archive
    from watcher.config import Settings
    from watcher.pipeline import CheckReport

log = logging.getLogger("notifiers.bot")

Context = ContextTypes.DEFAULT_TYPE
Callback = Callable[[Update, Context], Awaitable[None]]
CHANNEL = "telegram"
_ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
_GONE_STATUSES = (ChatMember.BANNED, ChatMember.LEFT)
# Private chats and groups; channel posts are not commands to the bot.
_CHATS = filters.ChatType.PRIVATE | filters.ChatType.GROUPS


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotDeps:
    """What the handlers work with. `poll_now` polls (the daemon) or hands back the poll this
    process just made (`check`; `fresh_polls` False); `wake` starts a dispatcher pass."""

    settings: Settings
    store: Store
    sender: TelegramSender
    poll_now: Callable[[], Awaitable[CheckReport]]
    fresh_polls: bool = True
    wake: Callable[[], None] = lambda: None
    clock: Callable[[], datetime] = _now


def markup(rows: replies.Rows | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


class Handlers:
    def __init__(self, deps: BotDeps) -> None:
        self.deps = deps
        self.store = deps.store
        self.settings = deps.settings
        self.sender = deps.sender
        # Commands whose alarm is raised (recovered when they next work): read once, so a
        # healthy bot touches no alarm row.
        self._failing = {
            a.key for a in self.store.alarms() if a.key.startswith("bot ") and a.status != "ok"
        }

    # -- registration ---------------------------------------------------------------------------
    def register(self, app: Application[Any, Any, Any, Any, Any, Any], *, polling: bool) -> None:
        """The handlers, on `app`; `polling`: the daemon's long polling, where /check runs
        beside the other updates (it polls, which takes a while)."""
        commands: dict[str, Callback] = {
            "start": self.start,
            "stop": self.stop,
            "latest": self.latest,
            "compare": self.compare,
            "topic": self.topic,
            "series": self.series,
            "topics": self.topics,
            "lang": self.lang,
            "mentions": self.mentions,
            "help": self.help,
            "status": self.status,
            "check": self.check,
        }
        for name, fn in commands.items():
            block = not (polling and name == "check")
            app.add_handler(
                CommandHandler(name, self._guarded(f"/{name}", fn), filters=_CHATS, block=block)
            )
        app.add_handler(CallbackQueryHandler(self._guarded("buttons", self.button)))
        app.add_handler(
            ChatMemberHandler(
                self._guarded("membership", self.membership), ChatMemberHandler.MY_CHAT_MEMBER
            )
        )
        app.add_handler(
            MessageHandler(
                filters.ChatType.PRIVATE & filters.COMMAND, self._guarded("unknown", self.unknown)
            )
        )
        app.add_error_handler(self._backstop)

    # -- the guard: no operational error reaches a subscriber ---------------------------------
    def _guarded(self, key: str, fn: Callback) -> Callback:
        async def run(update: Update, context: Context) -> None:
            try:
                await fn(update, context)
            except Exception as exc:
                await self._failed(f"bot {key}", update, exc)
                return
            if f"bot {key}" in self._failing:
                self._recovered(f"bot {key}")

        return run

    async def _failed(self, key: str, update: Update, exc: Exception) -> None:
        detail = f"{type(exc).__name__}: {redact(str(exc))}"
        log.error("%s failed: %s", key, detail, exc_info=log.isEnabledFor(logging.DEBUG))
        chat = update.effective_chat
        if chat is not None and update.callback_query is None:
            await self.sender.send(chat.id, replies.FRIENDLY_ERROR)
        now = self.deps.clock()
        with self.store.transaction():
            told = Alerts(self.store, self.settings).alarm(key, "failing", detail, now)
        self._failing.add(key)
        if told:
            self.deps.wake()

    def _recovered(self, key: str) -> None:
        with self.store.transaction():
            Alerts(self.store, self.settings).alarm(key, None, None, self.deps.clock())
        self._failing.discard(key)
        self.deps.wake()

    async def _backstop(self, update: object, context: Context) -> None:
        # Errors outside a guarded callback (PTB building the context): logged, never shown.
        log.error("bot: %s", redact(repr(context.error)))

    # -- helpers --------------------------------------------------------------------------------
    async def reply(self, chat_id: int, html: str, rows: replies.Rows | None = None) -> None:
        outcome = await self.sender.send(chat_id, html, reply_markup=markup(rows))
        if isinstance(outcome, Gone):
            self.chat_gone(chat_id, outcome.reason)
        elif not isinstance(outcome, Sent):
            log.warning("bot: reply to chat %s not sent: %s", chat_id, outcome)

    def chat_gone(self, chat_id: int, reason: str) -> None:
        """The chat is out of reach for good: end its subscription, tell the admins once."""
        sub = self.subscriber(chat_id)
        if sub is None:
            return
        with self.store.transaction():
            Alerts(self.store, self.settings).subscriber_gone(
                sub.id, CHANNEL, sub.address, reason, now=self.deps.clock()
            )
        log.info("telegram chat %s unsubscribed: %s", chat_id, reason)
        self.deps.wake()

    def subscriber(self, chat_id: int) -> SubscriberRow | None:
        sub = self.store.find_subscriber(CHANNEL, str(chat_id))
        return sub if sub is not None and sub.active else None

    def is_admin_chat(self, chat_id: int) -> bool:
        return chat_id in self.settings.telegram.admin_chat_ids

    async def may_change(self, update: Update) -> bool:
        """May the sender change this chat's subscription? Anyone in a private chat; in a group,
        its creator and administrators (an anonymous admin posts as the group itself)."""
        chat = update.effective_chat
        if chat is None:
            return False
        if chat.type == ChatType.PRIVATE:
            return True
        message = update.effective_message
        if update.callback_query is None and message is not None and message.sender_chat:
            return message.sender_chat.id == chat.id
        user = update.effective_user
        if user is None:
            return False
        member = await self.sender.bot.get_chat_member(chat.id, user.id)
        return member.status in _ADMIN_STATUSES

    @cached_property
    def archive(self) -> Archive:
        from watcher.archive import Analyzer, Archive

        return Archive(self.store, Analyzer(self.settings))

    @cached_property
    def series_names(self) -> dict[str, str]:
        from watcher.series import short_name

        return {s.id: short_name(s.name) for s in self.archive.analyzer.catalog.series}

    @cached_property
    def topic_labels(self) -> dict[str, str]:
        taxonomy = self.archive.analyzer.taxonomy
        return {tid: taxonomy.label(tid) for tid in taxonomy.ids}

    def _lang(self, chat_id: int) -> str:
        sub = self.subscriber(chat_id)
        return sub.lang if sub else "both"

    # -- subscribing ----------------------------------------------------------------------------
    async def start(self, update: Update, context: Context) -> None:
        chat = _chat(update)
        if not await self.may_change(update):
            await self.reply(chat, replies.GROUP_ADMIN_ONLY)
            return
        sub = self.subscriber(chat)
        again = sub is not None
        if sub is None:
            with self.store.transaction():
                sub = self.store.add_subscriber(CHANNEL, str(chat), now=self.deps.clock())
            log.info("telegram chat %s subscribed with /start", chat)
        text = replies.welcome(sub, self.series_names, self.topic_labels, again=again)
        await self.reply(chat, text)

    async def stop(self, update: Update, context: Context) -> None:
        chat = _chat(update)
        if not await self.may_change(update):
            await self.reply(chat, replies.GROUP_ADMIN_ONLY)
            return
        sub = self.subscriber(chat)
        if sub is not None:
            with self.store.transaction():
                self.store.end_subscriber(sub.id, "/stop", now=self.deps.clock())
            log.info("telegram chat %s unsubscribed with /stop", chat)
        await self.reply(chat, replies.stopped(sub is not None))

    async def help(self, update: Update, context: Context) -> None:
        chat = _chat(update)
        await self.reply(chat, replies.help_text(self.is_admin_chat(chat)))

    async def unknown(self, update: Update, context: Context) -> None:
        await self.reply(_chat(update), replies.UNKNOWN_COMMAND)

    # -- reading --------------------------------------------------------------------------------
    def _series_filter(self, chat: int) -> str | None:
        sub = self.subscriber(chat)
        return sub.series[0] if sub is not None and len(sub.series) == 1 else None

    async def latest(self, update: Update, context: Context) -> None:
        from notifiers.render.telegram import latest_message

        await self._latest_meeting(update, latest_message)

    async def compare(self, update: Update, context: Context) -> None:
        from notifiers.render.telegram import compare_message

        await self._latest_meeting(update, compare_message)

    async def _latest_meeting(
        self, update: Update, render: Callable[[EventSummary, str], str]
    ) -> None:
        """The latest meeting of the chat's series (all, unless it follows one), rendered."""
        from notifiers.summaries import latest_summary

        chat = _chat(update)
        summary = latest_summary(self.archive, self._series_filter(chat))
        if summary is None:
            await self.reply(chat, replies.NO_MEETING)
            return
        await self.reply(chat, render(summary, self._lang(chat)))

    async def topic(self, update: Update, context: Context) -> None:
        from notifiers.render.telegram import topic_message
        from notifiers.summaries import all_summaries

        chat = _chat(update)
        asked = " ".join(context.args or ()).strip()
        found = replies.find_topic(asked, self.topic_labels) if asked else None
        if found is None:
            await self.reply(chat, replies.topic_list(self.topic_labels, asked or None))
            return
        summaries = all_summaries(self.archive)
        await self.reply(chat, topic_message(found, summaries, self._lang(chat)))

    # -- filters --------------------------------------------------------------------------------
    async def _menu_target(self, update: Update) -> SubscriberRow | None:
        """The chat's subscription if the sender may change it; else says why, None."""
        chat = _chat(update)
        sub = self.subscriber(chat)
        if sub is None:
            await self.reply(chat, replies.NOT_SUBSCRIBED)
            return None
        if not await self.may_change(update):
            await self.reply(chat, replies.GROUP_ADMIN_ONLY)
            return None
        return sub

    async def series(self, update: Update, context: Context) -> None:
        sub = await self._menu_target(update)
        if sub is not None:
            await self.reply(_chat(update), *replies.series_menu(sub, self.series_names))

    async def topics(self, update: Update, context: Context) -> None:
        sub = await self._menu_target(update)
        if sub is not None:
            await self.reply(_chat(update), *replies.topics_menu(sub, self.topic_labels))

    async def lang(self, update: Update, context: Context) -> None:
        sub = await self._menu_target(update)
        if sub is None:
            return
        asked = (context.args or [""])[0].lower()
        if asked in replies.LANGS:
            sub = self._update(sub, lang=asked)
            await self.reply(_chat(update), replies.lang_set(sub))
            return
        await self.reply(_chat(update), *replies.lang_menu(sub))

    async def mentions(self, update: Update, context: Context) -> None:
        sub = await self._menu_target(update)
        if sub is None:
            return
        asked = (context.args or [""])[0].lower()
        if asked in ("on", "off"):
            sub = self._update(sub, mentions=asked == "on")
            await self.reply(_chat(update), replies.mentions_set(sub))
            return
        await self.reply(_chat(update), *replies.mentions_menu(sub))

    def _update(self, sub: SubscriberRow, **changes: Any) -> SubscriberRow:
        with self.store.transaction():
            row = self.store.update_subscriber(sub.id, **changes)
        assert row is not None
        return row

    # -- buttons --------------------------------------------------------------------------------
    async def button(self, update: Update, context: Context) -> None:
        """A tap on a filter menu: the choice saved, the tap answered (always, so the client
        stops waiting), the menu edited in place to show it."""
        query = update.callback_query
        assert query is not None
        note: str | None = None
        alert = False
        edit: tuple[str, replies.Rows | None] | None = None
        try:
            note, alert, edit = await self._tap(update)
        except Exception:
            note, alert = replies.FRIENDLY_ERROR, True
            raise  # to the guard: logged, the admins told
        finally:
            try:
                await query.answer(note, show_alert=alert)
            except TelegramError as exc:
                log.info("bot: answerCallbackQuery: %s", redact(str(exc)))
        if edit is not None:
            await self._edit(update, *edit)

    async def _tap(
        self, update: Update
    ) -> tuple[str | None, bool, tuple[str, replies.Rows | None] | None]:
        """(the tap's answer, shown as an alert?, the menu's new text and buttons or None)."""
        query = update.callback_query
        assert query is not None
        known = [*self.series_names, *self.topic_labels]
        parsed = replies.parse_data(query.data or "", known)
        chat = update.effective_chat
        if parsed is None or chat is None:
            return replies.STALE_BUTTON, False, None
        sub = self.subscriber(chat.id)
        if sub is None:
            return replies.NOT_SUBSCRIBED, True, None
        if not await self.may_change(update):
            return replies.GROUP_ADMIN_ONLY, True, None
        menu, value = parsed
        if menu == "ser" and (value in self.series_names or value == replies.ALL):
            sub = self._update(sub, series=replies.toggled(sub.series, value))
            return "Saved", False, replies.series_menu(sub, self.series_names)
        if menu == "top" and (value in self.topic_labels or value == replies.ALL):
            sub = self._update(sub, topics=replies.toggled(sub.topics, value))
            return "Saved", False, replies.topics_menu(sub, self.topic_labels)
        if menu == "lang" and value in replies.LANGS:
            sub = self._update(sub, lang=value)
            return "Saved", False, replies.lang_menu(sub)
        if menu == "men" and value in ("on", "off"):
            sub = self._update(sub, mentions=value == "on")
            return "Saved", False, replies.mentions_menu(sub)
        if menu == "done" and value in ("ser", "top"):
            done = replies.saved(value, sub, self.series_names, self.topic_labels)
            return None, False, (done, None)
        return replies.STALE_BUTTON, False, None

    async def _edit(self, update: Update, text: str, rows: replies.Rows | None) -> None:
        query = update.callback_query
        message = query.message if query is not None else None
        if message is None:
            return
        chat_id = message.chat.id
        await self.sender.wait_turn(chat_id)
        try:
            await self.sender.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(rows),
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return  # two taps that cancel out: the menu already shows it
            self._edit_failed(chat_id, exc)
        except TelegramError as exc:
            self._edit_failed(chat_id, exc)

    def _edit_failed(self, chat_id: int, exc: TelegramError) -> None:
        outcome = classify(exc)
        if isinstance(outcome, Gone):
            self.chat_gone(chat_id, outcome.reason)
        else:
            log.warning("bot: edit in chat %s failed: %s", chat_id, outcome)

    # -- membership -----------------------------------------------------------------------------
    async def membership(self, update: Update, context: Context) -> None:
        change = update.my_chat_member
        assert change is not None
        chat, new = change.chat, change.new_chat_member.status
        if new in _GONE_STATUSES:
            why = "blocked the bot" if chat.type == ChatType.PRIVATE else "removed the bot"
            self.chat_gone(chat.id, f"the chat {why} ({new})")
            return
        was = change.old_chat_member.status
        if was in _GONE_STATUSES and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            await self.reply(chat.id, replies.ADDED_TO_GROUP)

    # -- operators ------------------------------------------------------------------------------
    async def status(self, update: Update, context: Context) -> None:
        chat = _chat(update)
        if not self.is_admin_chat(chat):
            await self.reply(chat, replies.ADMIN_ONLY)
            return
        counts: dict[str, int] = {}
        for sub in self.store.subscribers():
            counts[sub.channel] = counts.get(sub.channel, 0) + 1
        text = replies.status_message(
            self.store.source_states(),
            [s.name for s in self.settings.enabled_sources()],
            self.store.delivery_counts(),
            counts,
            self.store.alarms(),
            self.deps.clock(),
        )
        await self.reply(chat, text)

    async def check(self, update: Update, context: Context) -> None:
        chat = _chat(update)
        if not self.is_admin_chat(chat):
            await self.reply(chat, replies.ADMIN_ONLY)
            return
        if self.deps.fresh_polls:
            await self.reply(chat, "Polling the sources…")
        report = await self.deps.poll_now()
        await self.reply(chat, replies.check_message(report, fresh=self.deps.fresh_polls))
        self.deps.wake()


def _chat(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # every command handler is filtered to a chat
    return chat.id
