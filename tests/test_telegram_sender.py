"""TelegramSender against the loopback Bot API: python-telegram-bot does real HTTP to 127.0.0.1.

Pacing checks count messages per time window from the server's arrival times, with wide
margins; nothing asserts how fast a send is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from notifiers.outcome import Failed, Gone, Migrated, Retry, Sent
from notifiers.telegram.sender import Pacing, TelegramSender, _Pacer
from notifiers.telegram.text import escape, link, split_html, visible_text
from replay.telegram_api import Fault, TelegramAPI

GOLDEN = Path(__file__).parent / "golden" / "telegram"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def sender(api: TelegramAPI, **kw: Any) -> TelegramSender:
    kw.setdefault("pacing", None)
    return TelegramSender(api.token, api_url=api.api_url, **kw)


async def send_once(api: TelegramAPI, chat_id: int, html: str, **kw: Any) -> Any:
    send_kw = {k: kw.pop(k) for k in ("reply_markup", "disable_preview", "resume_from") if k in kw}
    async with sender(api, **kw) as tg:
        return await tg.send(chat_id, html, **send_kw)


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Topics", callback_data="topics")]])


def test_sends_html_and_reports_the_message_id(telegram_api: TelegramAPI) -> None:
    outcome = run(send_once(telegram_api, 42, "<b>JUCIP</b> &amp; EPCC"))
    assert outcome == Sent((1,))
    [message] = telegram_api.messages(42)
    assert message.text == "JUCIP & EPCC"
    assert message.parse_mode == "HTML"
    assert message.entity_types() == ["bold"]
    assert message.link_preview_disabled
    assert telegram_api.calls_to("getMe"), "the token is checked once, up front"


def test_long_alert_arrives_in_order_as_valid_parts_with_buttons_on_the_last(
    telegram_api: TelegramAPI,
) -> None:
    source = (GOLDEN / "long_alert_en.html").read_text(encoding="utf-8")
    outcome = run(send_once(telegram_api, 42, source, reply_markup=keyboard()))
    messages = telegram_api.messages(42)
    assert isinstance(outcome, Sent)
    assert outcome.ids == tuple(m.message_id for m in messages)
    assert len(messages) == len(split_html(source)) >= 2
    assert "".join(m.text for m in messages) == visible_text(source)
    assert [m.reply_markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    assert all(m.parse_mode == "HTML" for m in messages)


def test_exactly_4096_units_is_one_message_and_4097_two(telegram_api: TelegramAPI) -> None:
    source = (GOLDEN / "exact_4096.html").read_text(encoding="utf-8")
    assert run(send_once(telegram_api, 1, source)) == Sent((1,))
    assert run(send_once(telegram_api, 2, source + "y")) == Sent((1, 2))
    assert [len(telegram_api.messages(c)) for c in (1, 2)] == [1, 2]


def test_unparsable_part_is_resent_as_plain_text_with_its_links(telegram_api: TelegramAPI) -> None:
    html = "<b>4th Ministerial</b> " + link("https://www.meti.go.jp/press/x.html", "METI")
    telegram_api.fail(Fault.cant_parse(), chat_id=42)
    outcome = run(send_once(telegram_api, 42, html, reply_markup=keyboard()))
    assert outcome == Sent((1,))
    [message] = telegram_api.messages(42)
    assert message.parse_mode is None
    assert message.text == "4th Ministerial METI (https://www.meti.go.jp/press/x.html)"
    assert message.reply_markup is not None
    assert [c.status for c in telegram_api.calls_to("sendMessage")] == [400, 200]


def test_markup_the_server_rejects_falls_back_to_plain_text(telegram_api: TelegramAPI) -> None:
    # A renderer bug: a tag Telegram does not support. The peer refuses it as Telegram would.
    outcome = run(send_once(telegram_api, 42, "Meeting <section>held</section> today"))
    assert outcome == Sent((1,))
    assert telegram_api.messages(42)[0].text == "Meeting held today"


def test_flood_wait_is_honoured_and_the_message_arrives_once(telegram_api: TelegramAPI) -> None:
    telegram_api.fail(Fault.flood(1), chat_id=42)
    outcome = run(send_once(telegram_api, 42, "after the wait"))
    assert outcome == Sent((1,))
    refused, accepted = telegram_api.calls_to("sendMessage")
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 0.9, "sent again before retry_after had passed"
    assert [m.text for m in telegram_api.messages(42)] == ["after the wait"]


def test_long_flood_wait_is_handed_back_and_resume_sends_only_the_rest(
    telegram_api: TelegramAPI,
) -> None:
    source = (GOLDEN / "long_alert_en.html").read_text(encoding="utf-8")
    parts = split_html(source)
    telegram_api.fail(Fault.flood(120), chat_id=42, after=1)

    async def scenario() -> tuple[Any, Any]:
        async with sender(telegram_api) as tg:
            first = await tg.send(42, source)
            assert isinstance(first, Retry)
            # The bot is paused: another chat's send is handed back too, without a call.
            calls = len(telegram_api.calls)
            other = await tg.send(7, "meanwhile")
            assert isinstance(other, Retry) and other.retry_after and other.retry_after > 100
            assert len(telegram_api.calls) == calls
            return first, other

    first, _ = run(scenario())
    assert first == Retry(first.reason, retry_after=120.0, resume_from=1, ids=(1,))
    # Later (a new process, the wait over), the rest goes out and nothing twice.
    second = run(send_once(telegram_api, 42, source, resume_from=first.resume_from))
    assert isinstance(second, Sent) and second.ids == tuple(range(2, len(parts) + 1))
    texts = [m.text for m in telegram_api.messages(42)]
    assert texts == [visible_text(p) for p in parts], "every part once, in order"


def test_a_flood_wait_delays_the_next_send_of_the_bot(telegram_api: TelegramAPI) -> None:
    telegram_api.fail(Fault.flood(1), chat_id=42)

    async def scenario() -> list[Any]:
        async with sender(telegram_api, max_flood_wait=0) as tg:
            return [await tg.send(42, "first"), await tg.send(7, "second")]

    first, second = run(scenario())
    assert isinstance(first, Retry) and first.retry_after == 1.0
    assert isinstance(second, Retry), "a pause longer than max_flood_wait is handed back"
    assert run(send_once(telegram_api, 42, "first")) == Sent((1,))


@pytest.mark.parametrize(
    "fault",
    [
        Fault.blocked(),
        Fault.kicked(),
        Fault.chat_not_found(),
        Fault(403, "Forbidden: user is deactivated"),
        Fault(400, "Bad Request: not enough rights to send text messages to the chat"),
    ],
)
def test_unreachable_chats_are_gone(telegram_api: TelegramAPI, fault: Fault) -> None:
    telegram_api.fail(fault, chat_id=42, times=None)
    outcome = run(send_once(telegram_api, 42, "hello"))
    assert isinstance(outcome, Gone)
    assert outcome.reason.lower() in fault.description.lower()


def test_group_migrated_to_supergroup(telegram_api: TelegramAPI) -> None:
    telegram_api.fail(Fault.migrated(-1001234567890), chat_id=-4567, times=None)
    outcome = run(send_once(telegram_api, -4567, "alert"))
    assert outcome == Migrated(-1001234567890)
    assert run(send_once(telegram_api, outcome.new_chat_id, "alert")) == Sent((1,))
    assert [m.chat_id for m in telegram_api.messages()] == [-1001234567890]


def test_message_level_refusals_fail_and_server_errors_retry(telegram_api: TelegramAPI) -> None:
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    outcome = run(send_once(telegram_api, 42, "hello", reply_markup=too_long_data))
    assert outcome == Failed("Button_data_invalid")
    assert run(send_once(telegram_api, 42, " \n ")) == Failed("empty message")
    telegram_api.fail(Fault.server_error(502), chat_id=42)
    outcome = run(send_once(telegram_api, 42, "hello"))
    assert isinstance(outcome, Retry) and outcome.channel_down and outcome.retry_after is None
    assert telegram_api.messages(42) == []


def test_timeout_is_a_retry(telegram_api: TelegramAPI) -> None:
    telegram_api.fail(Fault.slow(1.5), chat_id=42)
    outcome = run(send_once(telegram_api, 42, "slow", timeout=0.3))
    assert isinstance(outcome, Retry) and outcome.channel_down


def test_unreachable_api_and_rejected_token_are_channel_wide_retries(
    telegram_api: TelegramAPI,
) -> None:
    dead = TelegramSender(telegram_api.token, api_url="http://127.0.0.1:9", pacing=None)
    outcome = run(dead.send(42, "hello"))
    assert isinstance(outcome, Retry) and outcome.channel_down
    wrong_token = "987654321:WRONG-token-for-the-loopback-server"
    outcome = run(TelegramSender(wrong_token, api_url=telegram_api.api_url).send(42, "hello"))
    assert isinstance(outcome, Retry) and outcome.channel_down
    assert "token rejected" in outcome.reason
    assert wrong_token not in outcome.reason
    assert telegram_api.messages() == []


def test_token_never_reaches_a_log_line_or_a_reason(
    telegram_api: TelegramAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The CLI quietens httpx (tests in this process may have run it): this test wants its URLs.
    caplog.set_level(logging.DEBUG, logger="httpx")
    telegram_api.fail(Fault.server_error(500), chat_id=42)
    telegram_api.fail(Fault.cant_parse(), chat_id=43)

    async def scenario() -> list[Any]:
        async with sender(telegram_api) as tg:
            return [await tg.send(42, "a"), await tg.send(43, "b"), await tg.send(44, "c")]

    outcomes = run(scenario())
    bad = TelegramSender("555:bad-token-that-is-long-enough", api_url=telegram_api.api_url)
    outcomes.append(run(bad.send(1, "x")))
    logged = caplog.text
    assert "/bot***/sendMessage" in logged, "httpx logged the request URLs (redacted)"
    for secret in (telegram_api.token, "555:bad-token-that-is-long-enough"):
        assert secret not in logged
        assert all(secret not in str(o) for o in outcomes)


def test_link_previews_follow_the_flag(telegram_api: TelegramAPI) -> None:
    run(send_once(telegram_api, 42, "a", disable_preview=False))
    run(send_once(telegram_api, 42, "b"))
    assert [m.link_preview_disabled for m in telegram_api.messages(42)] == [False, True]


def test_hostile_scraped_strings_arrive_as_plain_text(telegram_api: TelegramAPI) -> None:
    title = '<a href="https://evil.example/phish">Click</a> <script>alert(1)</script> <b>unclosed'
    body = "Line one\r\nBcc: x@evil.example\r\n*bold* _it_ [link](https://evil.example) `code`"
    html = f"<b>{escape(title)}</b>\n{escape(body)}"
    assert run(send_once(telegram_api, 42, html)) == Sent((1,))
    [message] = telegram_api.messages(42)
    assert message.parse_mode == "HTML", "sent as HTML, not through the plain fallback"
    assert message.text == f"{title}\n" + body.replace("\r\n", "\n")
    assert message.entity_types() == ["bold"], "no link or other entity came from the page"


# -- pacing -------------------------------------------------------------------------------------


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_one_message_per_second_to_a_private_chat(telegram_api: TelegramAPI) -> None:
    async def scenario() -> None:
        async with sender(telegram_api, pacing=Pacing()) as tg:
            for n in range(3):
                assert await tg.send(42, f"message {n}") == Sent((n + 1,))

    run(scenario())
    times = [m.at for m in telegram_api.messages(42)]
    assert _max_in_window(times, 0.5) == 1
    assert times[-1] - times[0] >= 1.5


def test_groups_and_channels_get_their_own_slower_pace(telegram_api: TelegramAPI) -> None:
    pacing = Pacing(group_interval=0.6, private_interval=0.01)

    async def scenario() -> None:
        async with sender(telegram_api, pacing=pacing) as tg:
            for n in range(3):
                await tg.send(-1001, f"channel {n}")
                await tg.send(7, f"private {n}")

    run(scenario())
    channel = [m.at for m in telegram_api.messages(-1001)]
    assert _max_in_window(channel, 0.3) == 1
    assert channel[-1] - channel[0] >= 0.9
    assert len(telegram_api.messages(7)) == 3


def test_overall_rate_across_chats(telegram_api: TelegramAPI) -> None:
    pacing = Pacing(overall_per_second=10, overall_burst=2, private_interval=0.01)

    async def scenario() -> list[Any]:
        async with sender(telegram_api, pacing=pacing) as tg:
            return await asyncio.gather(*(tg.send(100 + n, "fan-out") for n in range(12)))

    assert all(isinstance(o, Sent) for o in run(scenario()))
    times = [m.at for m in telegram_api.messages()]
    assert len(times) == 12
    # At most the burst plus what the rate allows in the window (one more for rounding).
    assert _max_in_window(times, 0.5) <= 2 + 5 + 1
    assert max(times) - min(times) >= 0.6


def test_pacing_off_sends_without_waiting(telegram_api: TelegramAPI) -> None:
    start = time.monotonic()

    async def scenario() -> None:
        async with sender(telegram_api, pacing=None) as tg:
            for n in range(10):
                await tg.send(42, f"m{n}")

    run(scenario())
    assert len(telegram_api.messages(42)) == 10
    assert time.monotonic() - start < 8, "paced at 1/s this would take 9 s"


def test_idle_chat_limiters_are_dropped_so_memory_stays_flat() -> None:
    async def scenario() -> set[int | str]:
        pacer = _Pacer(Pacing(private_interval=0.05))
        pacer._PRUNE_AT = 3  # instead of thousands of chats
        for chat in (1, 2, 3):
            await pacer.wait(chat)
        await asyncio.sleep(0.2)  # their buckets drain
        await pacer.wait(4)
        return set(pacer._chats)

    assert run(scenario()) == {4}
