"""A real Bot API server on loopback, for tests and `make demo`: python-telegram-bot talks to it
through `[telegram] api_url` exactly as it talks to api.telegram.org.

It speaks the methods the bot uses (getMe, getUpdates, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands per scope, deleteWebhook, getChat,
getChatMember) with JSON,
form or query-string parameters, and checks what Telegram checks: the token, Telegram HTML (only
the supported tags, balanced; see `replay.telegram_html`), text length in UTF-16 units after
parsing, button data size, command names. Tests push updates (`push_message`,
`push_callback_query`, `push_my_chat_member`), set who administers a group (`set_member`), script
failures per method and chat (`fail(Fault.flood(3), chat_id=42)`),
and read every call back (`calls`, `messages`).

In-process: `with TelegramAPI() as api: sender = TelegramSender(api.token, api_url=api.api_url)`.
As a process: `python -m replay.telegram_api [--port N] [--token T] [--record FILE]` prints
`api_url=...` and serves until SIGTERM; `POST /_control/{push_message,fail}` with a JSON body
scripts it, `GET /_control/calls` returns the calls.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from replay.process import serve_until_signalled
from replay.telegram_html import ParseError, parse_html, utf16_units

DEFAULT_TOKEN = "123456789:TEST-loopback-token-not-a-secret_AAAA"
MAX_TEXT_UNITS = 4096
MAX_CALLBACK_DATA_BYTES = 64

JSONDict = dict[str, Any]
# Form bodies carry strings; these fields are numbers, booleans or JSON in the Bot API.
_INT_FIELDS = frozenset(
    [
        "chat_id",
        "user_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "from_chat_id",
    ]
)
_BOOL_FIELDS = frozenset(
    [
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
    ]
)
_JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "link_preview_options",
        "entities",
        "commands",
        "allowed_updates",
        "scope",
        "reply_parameters",
    ]
)


@dataclass(frozen=True)
class Fault:
    """An error answer the server gives instead of doing the call (or a delay before doing it)."""

    status: int | None  # None: answer normally, after `delay`
    description: str = ""
    parameters: JSONDict | None = None
    delay: float = 0.0

    @classmethod
    def flood(cls, retry_after: int) -> Fault:
        return cls(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    @classmethod
    def cant_parse(cls) -> Fault:
        return cls(
            400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
        )

    @classmethod
    def blocked(cls) -> Fault:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def kicked(cls) -> Fault:
        return cls(403, "Forbidden: bot was kicked from the supergroup chat")

    @classmethod
    def chat_not_found(cls) -> Fault:
        return cls(400, "Bad Request: chat not found")

    @classmethod
    def migrated(cls, new_chat_id: int) -> Fault:
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        return cls(status, "Bad Gateway" if status == 502 else "Internal Server Error")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(None, delay=seconds)


@dataclass
class _Script:
    fault: Fault
    method: str | None  # lower-case; None: any method
    chat_id: int | str | None  # None: any chat
    times: int | None  # None: for ever
    after: int = 0  # matching calls to let through first


@dataclass(frozen=True)
class Call:
    """One request as it arrived: method (as spelled), parameters (typed), and the answer."""

    method: str
    params: JSONDict
    at: float  # time.monotonic()
    status: int
    error: str | None
    token_ok: bool


@dataclass
class Message:
    """A message the bot sent (and its edits), as the server stored it."""

    chat_id: int | str
    message_id: int
    text: str  # what a reader sees (after HTML parsing, if any)
    source: str  # the text parameter as sent
    parse_mode: str | None
    entities: list[JSONDict]
    reply_markup: JSONDict | None
    at: float
    edits: int = 0
    link_preview_disabled: bool = False

    def entity_types(self) -> list[str]:
        return [e["type"] for e in self.entities]


@dataclass
class _Chat:
    id: int | str
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None

    def as_json(self) -> JSONDict:
        out: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class _State:
    chats: dict[int | str, _Chat] = field(default_factory=dict)
    messages: dict[tuple[int | str, int], Message] = field(default_factory=dict)
    next_message_id: dict[int | str, int] = field(default_factory=dict)
    updates: list[JSONDict] = field(default_factory=list)
    callback_queries: set[str] = field(default_factory=set)
    answered: list[JSONDict] = field(default_factory=list)
    commands: dict[str, list[JSONDict]] = field(default_factory=dict)  # by scope
    members: dict[tuple[int | str, int], str] = field(default_factory=dict)  # -> status
    scripts: list[_Script] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    arrivals: list[tuple[str, JSONDict]] = field(default_factory=list)  # before any answer


class TelegramAPI:
    """`with TelegramAPI() as api: ...`; point the bot at `api.api_url` with `api.token`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "jucip_watch_bot",
        max_long_poll: float = 5.0,
        record: Path | None = None,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self.max_long_poll = max_long_poll
        self._record = record.open("a", encoding="utf-8") if record else None
        self._state = _State()
        self._lock = threading.Condition()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._stopping = False
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def api_url(self) -> str:
        """The value for `[telegram] api_url`: requests go to {api_url}/bot{token}/{method}."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TelegramAPI:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()  # wake long polls so shutdown does not wait for them
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._record:
            self._record.close()

    def __enter__(self) -> TelegramAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests script ----------------------------------------------------------------------
    def add_chat(
        self,
        chat_id: int | str,
        type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> None:
        with self._lock:
            self._state.chats[chat_id] = _new_chat(chat_id, type, title, username)

    def fail(
        self,
        fault: Fault,
        *,
        method: str | None = "sendMessage",
        chat_id: int | str | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` matching calls (None: all of them) with `fault`, once `after` matching
        calls have gone through normally."""
        with self._lock:
            self._state.scripts.append(
                _Script(fault, method.lower() if method else None, chat_id, times, after)
            )

    def push_message(
        self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str | None = None
    ) -> int:
        """Queue a message from a user (a command when `text` starts with "/"); the update id."""
        with self._lock:
            chat = self._chat(chat_id, chat_type)
            user = _user(user_id if user_id is not None else _user_id_for(chat_id))
            msg: JSONDict = {
                "message_id": self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": chat.as_json(),
                "from": user,
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                msg["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_units(command)}
                ]
            return self._push({"message": msg})

    def push_my_chat_member(
        self, chat_id: int | str, new_status: str, *, old_status: str = "member"
    ) -> int:
        """Queue the update Telegram sends when the bot's own membership of a chat changes:
        "kicked" when a user blocks it or a group bans it, "left" when removed, "member" or
        "administrator" when added."""
        with self._lock:
            chat = self._chat(chat_id)
            bot = _user(self.bot_id, is_bot=True, first_name="JUCIP Watch")
            update = {
                "chat": chat.as_json(),
                "from": _user(_user_id_for(chat_id) if isinstance(chat_id, int) else 777000111),
                "date": int(time.time()),
                "old_chat_member": _member_json(bot, old_status),
                "new_chat_member": _member_json(bot, new_status),
            }
            return self._push({"my_chat_member": update})

    def set_member(self, chat_id: int | str, user_id: int, status: str) -> None:
        """What getChatMember answers for `user_id` in `chat_id` ("creator", "administrator",
        "member", ...); a user not set is a "member"."""
        with self._lock:
            self._state.members[(chat_id, user_id)] = status

    def push_callback_query(
        self, chat_id: int | str, message_id: int, data: str, *, user_id: int | None = None
    ) -> str:
        """Queue a press on an inline button of the bot's message; the query id."""
        with self._lock:
            stored = self._state.messages.get((chat_id, message_id))
            if stored is None:
                raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
            query_id = f"cbq-{next(self._query_ids)}"
            self._state.callback_queries.add(query_id)
            uid = user_id if user_id is not None else _user_id_for(chat_id)
            query = {
                "id": query_id,
                "from": _user(uid),
                "message": self._message_json(stored),
                "chat_instance": f"ci-{chat_id}",
                "data": data,
            }
            self._push({"callback_query": query})
            return query_id

    # -- what tests read ------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def arrivals(self, method: str) -> list[JSONDict]:
        """The parameters of each call to `method` as it arrived, answered yet or not (a
        call held by `Fault.slow` is here while it waits; `calls` has it once answered)."""
        with self._lock:
            return [p for m, p in self._state.arrivals if m == method.lower()]

    def messages(self, chat_id: int | str | None = None) -> list[Message]:
        """Messages the bot sent that the server accepted, oldest first."""
        with self._lock:
            found = [m for m in self._state.messages.values() if chat_id in (None, m.chat_id)]
        return sorted(found, key=lambda m: (m.at, m.message_id))

    @property
    def commands(self) -> list[JSONDict]:
        """The commands set for the default scope."""
        return self.commands_for(None)

    def commands_for(self, scope: JSONDict | None) -> list[JSONDict]:
        """The commands set for `scope` (a BotCommandScope as JSON; None: the default)."""
        with self._lock:
            return list(self._state.commands.get(_scope_key(scope), []))

    @property
    def answered_callbacks(self) -> list[JSONDict]:
        with self._lock:
            return list(self._state.answered)

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._state.updates)

    # -- the methods ----------------------------------------------------------------------------
    def handle(self, method: str, params: JSONDict) -> Any:
        """Run one Bot API method; raises ApiError for an error answer."""
        name = method.lower()
        fn = getattr(self, f"_m_{name}", None)
        if fn is None:
            raise ApiError(404, "Not Found")
        with self._lock:
            self._state.arrivals.append((name, dict(params)))
        fault = self._scripted(name, params.get("chat_id"))
        if fault is not None:
            time.sleep(fault.delay)  # outside the lock: other calls go on meanwhile
            if fault.status is not None:
                raise ApiError(fault.status, fault.description, fault.parameters)
        return fn(params)

    def _m_getme(self, params: JSONDict) -> JSONDict:
        return {
            **_user(self.bot_id, is_bot=True, first_name="JUCIP Watch"),
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_deletewebhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            with self._lock:
                self._state.updates.clear()
        return True

    def _m_setmycommands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands are invalid")
        for c in commands:
            name, desc = str(c.get("command", "")), str(c.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(
                ch.islower() or ch.isdigit() or ch == "_" for ch in name
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(desc) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._lock:
            self._state.commands[_scope_key(params.get("scope"))] = list(commands)
        return True

    def _m_deletemycommands(self, params: JSONDict) -> bool:
        with self._lock:
            self._state.commands.pop(_scope_key(params.get("scope")), None)
        return True

    def _m_getchatmember(self, params: JSONDict) -> JSONDict:
        chat_id, user_id = _required(params, "chat_id"), int(_required(params, "user_id"))
        with self._lock:
            if chat_id not in self._state.chats:
                raise ApiError(400, "Bad Request: chat not found")
            status = self._state.members.get((chat_id, user_id), "member")
        return _member_json(_user(user_id), status)

    def _m_getchat(self, params: JSONDict) -> JSONDict:
        with self._lock:
            chat = self._state.chats.get(_required(params, "chat_id"))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **chat.as_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _m_getupdates(self, params: JSONDict) -> list[JSONDict]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_long_poll)
        deadline = time.monotonic() + timeout
        with self._lock:
            if offset > 0:  # confirms every update before `offset`
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
            while not self._state.updates and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            updates = self._state.updates
            return list(updates[offset:] if offset < 0 else updates[: max(1, min(limit, 100))])

    def _m_sendmessage(self, params: JSONDict) -> JSONDict:
        chat_id = _required(params, "chat_id")
        text, entities, markup = self._checked_text(params)
        with self._lock:
            chat = self._chat(chat_id)
            stored = Message(
                chat_id=chat.id,
                message_id=self._next_message_id(chat.id),
                text=text,
                source=str(params["text"]),
                parse_mode=params.get("parse_mode"),
                entities=entities,
                reply_markup=markup,
                at=time.monotonic(),
                link_preview_disabled=_preview_disabled(params),
            )
            self._state.messages[(chat.id, stored.message_id)] = stored
            return self._message_json(stored)

    def _m_editmessagetext(self, params: JSONDict) -> JSONDict:
        text, entities, markup = self._checked_text(params)
        with self._lock:
            stored = self._stored(params)
            if (
                text == stored.text
                and entities == stored.entities
                and markup == stored.reply_markup
            ):
                raise ApiError(400, _NOT_MODIFIED)
            stored.text, stored.source, stored.entities = text, str(params["text"]), entities
            stored.parse_mode, stored.reply_markup = params.get("parse_mode"), markup
            stored.edits += 1
            return self._message_json(stored)

    def _m_editmessagereplymarkup(self, params: JSONDict) -> JSONDict:
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            stored = self._stored(params)
            if markup == stored.reply_markup:
                raise ApiError(400, _NOT_MODIFIED)
            stored.reply_markup = markup
            stored.edits += 1
            return self._message_json(stored)

    def _m_answercallbackquery(self, params: JSONDict) -> bool:
        query_id = str(_required(params, "callback_query_id"))
        with self._lock:
            if query_id not in self._state.callback_queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is"
                    " invalid",
                )
            self._state.callback_queries.discard(query_id)
            self._state.answered.append(dict(params))
        return True

    # -- helpers (call with the lock held where they touch state) --------------------------------
    def _checked_text(self, params: JSONDict) -> tuple[str, list[JSONDict], JSONDict | None]:
        source = params.get("text")
        if not isinstance(source, str) or not source.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = params.get("parse_mode")
        entities: list[JSONDict] = []
        text = source
        if mode is not None and str(mode).lower() == "html":
            try:
                parsed = parse_html(source)
            except ParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
            text, entities = parsed.text, [e.as_json() for e in parsed.entities]
        elif mode not in (None, "", "Markdown", "MarkdownV2"):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_units(text) > MAX_TEXT_UNITS:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities, _checked_markup(params.get("reply_markup"))

    def _scripted(self, method: str, chat_id: Any) -> Fault | None:
        """The fault scripted for this call, if any (counted as used)."""
        with self._lock:
            for script in self._state.scripts:
                if script.method not in (None, method) or script.chat_id not in (None, chat_id):
                    continue
                if script.after > 0:
                    script.after -= 1
                    continue
                if script.times is not None:
                    script.times -= 1
                    if script.times <= 0:
                        self._state.scripts.remove(script)
                return script.fault
        return None

    def _stored(self, params: JSONDict) -> Message:
        key = (_required(params, "chat_id"), int(_required(params, "message_id")))
        stored = self._state.messages.get(key)
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return stored

    def _chat(self, chat_id: int | str, chat_type: str | None = None) -> _Chat:
        chat = self._state.chats.get(chat_id)
        if chat is None:
            chat = self._state.chats[chat_id] = _new_chat(chat_id, chat_type, None, None)
        return chat

    def _next_message_id(self, chat_id: int | str) -> int:
        n = self._state.next_message_id.get(chat_id, 0) + 1
        self._state.next_message_id[chat_id] = n
        return n

    def _push(self, body: JSONDict) -> int:
        update_id = next(self._update_ids)
        self._state.updates.append({"update_id": update_id, **body})
        self._lock.notify_all()
        return update_id

    def _message_json(self, m: Message) -> JSONDict:
        out: JSONDict = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": self._chat(m.chat_id).as_json(),
            "from": {**_user(self.bot_id, is_bot=True, first_name="JUCIP Watch")},
            "text": m.text,
        }
        if m.entities:
            out["entities"] = m.entities
        if m.reply_markup:
            out["reply_markup"] = m.reply_markup
        if m.edits:
            out["edit_date"] = int(time.time())
        return out

    def record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)
            if self._record:
                self._record.write(json.dumps(asdict(call), ensure_ascii=False) + "\n")
                self._record.flush()


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)


def _required(params: JSONDict, key: str) -> Any:
    if params.get(key) in (None, ""):
        raise ApiError(400, f"Bad Request: {key} is empty")
    return params[key]


def _preview_disabled(params: JSONDict) -> bool:
    options = params.get("link_preview_options")
    if isinstance(options, dict) and options.get("is_disabled"):
        return True
    return bool(params.get("disable_web_page_preview"))


def _checked_markup(markup: Any) -> JSONDict | None:
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards and the like: passed through
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not (
            1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if data is None and not button.get("url"):
            raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
    return markup


def _new_chat(
    chat_id: int | str, type: str | None, title: str | None, username: str | None
) -> _Chat:
    if type is None:
        if isinstance(chat_id, str) or str(chat_id).startswith("-100"):
            type = "supergroup"
        else:
            type = "group" if chat_id < 0 else "private"
    if type == "private":
        return _Chat(chat_id, type, username=username, first_name=f"Reader {chat_id}")
    return _Chat(chat_id, type, title=title or f"Chat {chat_id}", username=username)


def _scope_key(scope: Any) -> str:
    if not scope or scope == {"type": "default"}:
        return "default"
    return json.dumps(scope, sort_keys=True)


# Fields PTB requires of each kind of ChatMember (the Bot API always sends them).
_ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_MEMBER_RIGHTS = (
    "is_member",
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def _member_json(user: JSONDict, status: str) -> JSONDict:
    out: JSONDict = {"user": user, "status": status}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update(dict.fromkeys(_ADMIN_RIGHTS, False))
        out.update(can_manage_chat=True, can_delete_messages=True)
    elif status == "restricted":
        out.update(dict.fromkeys(_MEMBER_RIGHTS, False), is_member=True, until_date=0)
    elif status == "kicked":
        out["until_date"] = 0
    return out


def _user_id_for(chat_id: int | str) -> int:
    # In a private chat the user is the chat; in a group, some member.
    return chat_id if isinstance(chat_id, int) and chat_id > 0 else 777000111


def _user(user_id: int, *, is_bot: bool = False, first_name: str | None = None) -> JSONDict:
    return {"id": user_id, "is_bot": is_bot, "first_name": first_name or f"Reader {user_id}"}


def _typed(key: str, value: str) -> Any:
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # "@channelusername"
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _make_handler(api: TelegramAPI) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # see replay/server.py: avoids 40 ms per answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length) if length else b"")

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/_control/"):
                self._answer(200, _control(api, url.path, body))
                return
            prefix, _, method = url.path.rpartition("/")
            token_ok = prefix == f"/bot{api.token}"
            try:
                params = self._params(url.query, body)
            except ValueError:
                params = {}
            try:
                if not token_ok:
                    raise ApiError(
                        401 if prefix.startswith("/bot") else 404,
                        "Unauthorized" if prefix.startswith("/bot") else "Not Found",
                    )
                result = api.handle(method, params)
            except ApiError as exc:
                api.record(
                    Call(method, params, time.monotonic(), exc.status, exc.description, token_ok)
                )
                answer: JSONDict = {
                    "ok": False,
                    "error_code": exc.status,
                    "description": exc.description,
                }
                if exc.parameters:
                    answer["parameters"] = exc.parameters
                self._answer(exc.status, answer)
                return
            api.record(Call(method, params, time.monotonic(), 200, None, token_ok))
            self._answer(200, {"ok": True, "result": result})

        def _params(self, query: str, body: bytes) -> JSONDict:
            params: JSONDict = {k: _typed(k, v) for k, v in parse_qsl(query)}
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/json" and body:
                params.update(json.loads(body))
            elif ctype == "application/x-www-form-urlencoded":
                text = body.decode("utf-8")
                params.update({k: _typed(k, v) for k, v in parse_qsl(text, keep_blank_values=True)})
            elif body:
                raise ValueError(f"unsupported body type {ctype!r}")
            return params

        def _answer(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return _Handler


def _control(api: TelegramAPI, path: str, body: bytes) -> Any:
    """Scripting for a server run as a process (tests in another process, `make demo`)."""
    args = json.loads(body) if body else {}
    if path == "/_control/push_message":
        return {"update_id": api.push_message(int(args["chat_id"]), str(args["text"]))}
    if path == "/_control/fail":
        fault = Fault(args.get("status"), args.get("description", ""), args.get("parameters"))
        api.fail(
            fault,
            method=args.get("method", "sendMessage"),
            chat_id=args.get("chat_id"),
            times=args.get("times", 1),
            after=args.get("after", 0),
        )
        return {"ok": True}
    if path == "/_control/calls":
        return [asdict(c) for c in api.calls]
    return {"error": f"unknown control {path}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A loopback Telegram Bot API for tests and demo.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--record", type=Path, help="append each call to this file as JSON lines")
    args = parser.parse_args(argv)
    api = TelegramAPI(args.token, port=args.port, record=args.record).start()
    return serve_until_signalled(f"api_url={api.api_url}", api.stop)


if __name__ == "__main__":
    sys.exit(main())
