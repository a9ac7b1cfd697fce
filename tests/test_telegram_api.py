"""The loopback Bot API itself: it must refuse what Telegram refuses, or the sender tests prove
nothing. Raw HTTP (form and JSON bodies, as clients send them) and python-telegram-bot calls."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from replay.process import spawned
from replay.telegram_api import DEFAULT_TOKEN, Fault, TelegramAPI
from replay.telegram_html import ParseError, parse_html


def call(api: TelegramAPI, method: str, *, token: str | None = None, **params: Any) -> Any:
    url = f"{api.api_url}/bot{token or api.token}/{method}"
    return httpx.post(url, json=params, timeout=10).json()


def form(api: TelegramAPI, method: str, **params: str) -> Any:
    return httpx.post(f"{api.api_url}/bot{api.token}/{method}", data=params, timeout=10).json()


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_is_refused_as_telegram_refuses_it(html: str, error: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_html(html)
    assert str(exc.value) == error


def test_html_entities_and_offsets_follow_telegram() -> None:
    parsed = parse_html(
        '😀 <b>a &amp; &lt;b&gt;</b> &nbsp; &#x1F600; <a href="https://x.org/?a=1&amp;b">l</a>'
    )
    assert parsed.text == "😀 a & <b> &nbsp; 😀 l"
    bold, link = parsed.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 3, 7)  # the emoji counts two
    assert (link.type, link.url) == ("text_link", "https://x.org/?a=1&b")


def test_send_message_checks_length_in_utf16_units_after_parsing(
    telegram_api: TelegramAPI,
) -> None:
    fits = "<b>" + "😀" * 2048 + "</b>"  # 4096 units of text, more in markup
    assert call(telegram_api, "sendMessage", chat_id=1, text=fits, parse_mode="HTML")["ok"]
    answer = call(
        telegram_api, "sendMessage", chat_id=1, text="日" * 4095 + "😀", parse_mode="HTML"
    )
    assert answer == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }
    answer = call(telegram_api, "sendMessage", chat_id=1, text="<b> </b>", parse_mode="HTML")
    assert answer["description"] == "Bad Request: message text is empty"


def test_form_bodies_are_typed_like_the_json_ones(telegram_api: TelegramAPI) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]})
    answer = form(telegram_api, "sendMessage", chat_id="-1001", text="123", reply_markup=markup)
    assert answer["ok"] and answer["result"]["chat"] == {
        "id": -1001,
        "type": "supergroup",
        "title": "Chat -1001",
    }
    [message] = telegram_api.messages(-1001)
    assert message.text == "123" and message.reply_markup == json.loads(markup)


def test_wrong_token_and_unknown_method(telegram_api: TelegramAPI) -> None:
    assert call(telegram_api, "getMe", token="1:wrong")["error_code"] == 401
    assert call(telegram_api, "noSuchMethod")["error_code"] == 404
    assert [c.token_ok for c in telegram_api.calls] == [False, True]


def test_scripted_faults_match_chat_method_and_count(telegram_api: TelegramAPI) -> None:
    telegram_api.fail(Fault.flood(7), chat_id=5, times=2, after=1)
    answers = [call(telegram_api, "sendMessage", chat_id=c, text="x") for c in (6, 5, 5, 5, 5)]
    assert [a["ok"] for a in answers] == [True, True, False, False, True]
    assert answers[2]["parameters"] == {"retry_after": 7}
    assert answers[2]["description"] == "Too Many Requests: retry after 7"


def test_updates_commands_and_callbacks_through_python_telegram_bot(
    telegram_api: TelegramAPI,
) -> None:
    async def scenario() -> None:
        async with Bot(telegram_api.token, base_url=f"{telegram_api.api_url}/bot") as bot:
            assert (await bot.get_me()).username == "jucip_watch_bot"
            assert await bot.delete_webhook()
            assert await bot.set_my_commands([("start", "Subscribe"), ("stop", "Unsubscribe")])
            telegram_api.push_message(42, "/start@jucip_watch_bot")
            telegram_api.push_message(42, "hello")
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates] == ["/start@jucip_watch_bot", "hello"]
            assert updates[0].message.entities[0].type == "bot_command"
            sent = await bot.send_message(
                42,
                "Pick a topic",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Chips", callback_data="t:chips")]]
                ),
            )
            query_id = telegram_api.push_callback_query(42, sent.message_id, "t:chips")
            more = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
            assert [u.callback_query.data for u in more] == ["t:chips"]
            assert await bot.answer_callback_query(more[0].callback_query.id, text="Saved")
            edited = await bot.edit_message_text(
                "Chips: on", chat_id=42, message_id=sent.message_id
            )
            assert edited.text == "Chips: on"
            assert not await bot.get_updates(offset=more[-1].update_id + 1, timeout=0)
            chat = await bot.get_chat(42)
            assert chat.type == "private"
            assert more[0].callback_query.id == query_id

    asyncio.run(scenario())
    assert [c["command"] for c in telegram_api.commands] == ["start", "stop"]
    assert telegram_api.answered_callbacks[0]["text"] == "Saved"
    assert telegram_api.messages(42)[0].edits == 1
    assert telegram_api.pending_updates == 0


def test_edits_of_unknown_or_unchanged_messages_are_refused(telegram_api: TelegramAPI) -> None:
    call(telegram_api, "sendMessage", chat_id=1, text="same")
    unchanged = call(telegram_api, "editMessageText", chat_id=1, message_id=1, text="same")
    assert unchanged["description"].startswith("Bad Request: message is not modified")
    missing = call(telegram_api, "editMessageText", chat_id=1, message_id=9, text="x")
    assert missing["description"] == "Bad Request: message to edit not found"
    stale = call(telegram_api, "answerCallbackQuery", callback_query_id="nope")
    assert stale["error_code"] == 400
    assert (
        call(telegram_api, "getChat", chat_id=999)["description"] == "Bad Request: chat not found"
    )


def test_runs_as_a_process_scripted_over_http(tmp_path: Path) -> None:
    record = tmp_path / "calls.jsonl"
    with spawned("replay.telegram_api", "--record", str(record)) as api_url:
        blocked = {"status": 403, "description": "Forbidden: bot was blocked by the user"}
        httpx.post(f"{api_url}/_control/fail", json={**blocked, "chat_id": 3}, timeout=10)
        url = f"{api_url}/bot{DEFAULT_TOKEN}/sendMessage"
        answer = httpx.post(url, json={"chat_id": 3, "text": "x"}, timeout=10)
        assert answer.status_code == 403
        calls = httpx.get(f"{api_url}/_control/calls", timeout=10).json()
        assert [(c["method"], c["status"]) for c in calls] == [("sendMessage", 403)]
    assert json.loads(record.read_text().splitlines()[0])["status"] == 403
