"""The bot against the loopback Bot API: every command, the filter buttons and what they do to
the audience rule, groups, a chat that blocks the bot, and errors kept from subscribers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bot_helpers import CHAT, Bot, buttons
from delivery_helpers import ADMIN_CHAT

from notifiers.bot import replies
from notifiers.render.telegram import compare_message, latest_message
from notifiers.summaries import latest_summary
from replay.telegram_api import Fault, TelegramAPI
from watcher.alerts import Alerts
from watcher.audience import wants

GROUP = -1001234567


@pytest.fixture
def bot(
    tmp_path: Path, telegram_api: TelegramAPI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Bot]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram_api.token)
    harness = Bot(tmp_path, telegram_api)
    try:
        yield harness
    finally:
        harness.close()


def admin_notes(bot: Bot) -> list[str]:
    rows = bot.store.deliveries()
    alerts = [bot.store.alert(r.alert_id) for r in rows if r.address == str(ADMIN_CHAT)]
    return [str(a.payload["title"]) for a in alerts if a is not None and a.kind == "admin"]


def test_start_subscribes_with_a_welcome_and_the_commands_are_registered(bot: Bot) -> None:
    [welcome] = bot.say(CHAT, "/start")
    sub = bot.subscriber()
    assert sub is not None and sub.active and (sub.series, sub.topics) == ((), ())
    assert (
        "Subscribed" in welcome.text and "one message per new JUCIP or EPCC meeting" in welcome.text
    )
    assert "/series" in welcome.text and "/topics" in welcome.text  # how to filter
    assert max(len(line) for line in welcome.text.splitlines()) < 250  # no table, short blocks
    everyone = [c["command"] for c in bot.api.commands]
    operators = [
        c["command"] for c in bot.api.commands_for({"type": "chat", "chat_id": ADMIN_CHAT})
    ]
    assert "start" in everyone and "status" not in everyone and "check" not in everyone
    assert {"status", "check", "start"} <= set(operators)
    # /start again keeps the filters chosen meanwhile.
    with bot.store.transaction():
        bot.store.update_subscriber(sub.id, topics=["semiconductors"])
    [again] = bot.say(CHAT, "/start")
    assert "subscribed already" in again.text and "Semiconductors" in again.text
    assert bot.subscriber().topics == ("semiconductors",)  # type: ignore[union-attr]
    assert bot.api.pending_updates == 0  # every update was confirmed


def test_filter_buttons_edit_the_menu_in_place_and_change_what_the_audience_rule_selects(
    bot: Bot,
) -> None:
    bot.say(CHAT, "/start")
    [menu] = bot.say(CHAT, "/topics")
    assert "top:critical-minerals" in buttons(menu)
    assert all(len(data.encode()) <= 64 for data in buttons(menu))
    menu = bot.tap(menu, "top:critical-minerals")
    assert menu.edits == 1 and buttons(menu)["top:critical-minerals"].startswith("✅")
    assert "Now: Critical minerals" in menu.text
    sub = bot.subscriber()
    assert sub is not None and sub.topics == ("critical-minerals",)
    assert wants(sub, "event", ["jucip"], ["critical-minerals", "supply-chains"])
    assert not wants(sub, "event", ["jucip"], ["semiconductors"])

    [series] = bot.say(CHAT, "/series")
    series = bot.tap(series, "ser:epcc")
    sub = bot.subscriber()
    assert sub is not None and sub.series == ("epcc",)
    assert not wants(sub, "event", ["jucip"], ["critical-minerals"])
    assert wants(sub, "event", ["epcc"], ["critical-minerals"])
    series = bot.tap(series, "ser:*")  # all series again
    assert bot.subscriber().series == ()  # type: ignore[union-attr]

    done = bot.tap(menu, "done:top")
    assert done.reply_markup is None and "Saved. Topics: Critical minerals" in done.text
    # Every tap was answered, so no client is left with a spinning button.
    assert len(bot.api.answered_callbacks) == 4 == len(bot.api.calls_to("answerCallbackQuery"))


def test_lang_and_mentions_by_argument_and_by_button(bot: Bot) -> None:
    bot.say(CHAT, "/start")
    [reply] = bot.say(CHAT, "/lang ja")
    assert bot.subscriber().lang == "ja" and "Japanese" in reply.text  # type: ignore[union-attr]
    [menu] = bot.say(CHAT, "/lang")
    bot.tap(menu, "lang:en")
    assert bot.subscriber().lang == "en"  # type: ignore[union-attr]

    sub = bot.subscriber()
    assert sub is not None and not wants(sub, "mention", ["jucip"], [])
    bot.say(CHAT, "/mentions on")
    sub = bot.subscriber()
    assert sub is not None and wants(sub, "mention", ["jucip"], [])
    [menu] = bot.say(CHAT, "/mentions")
    assert "Now: on" in menu.text
    bot.tap(menu, "men:off")
    assert not bot.subscriber().mentions  # type: ignore[union-attr]


def test_stop_ends_the_subscription_and_cancels_what_waited_for_it(bot: Bot) -> None:
    bot.say(CHAT, "/start")
    now = datetime.now(UTC)
    with bot.store.transaction():
        alert = Alerts(bot.store, bot.settings).queue("event", ["jucip"], [], {}, now)
    [row] = [r for r in bot.store.deliveries(alert_id=alert) if r.address == str(CHAT)]
    assert row.state == "pending"
    [reply] = bot.say(CHAT, "/stop")
    assert "Unsubscribed" in reply.text and "/start" in reply.text
    assert not bot.subscriber().active  # type: ignore[union-attr]
    assert bot.store.delivery(row.id).state == "cancelled"  # type: ignore[union-attr]
    [again] = bot.say(CHAT, "/stop")
    assert "were not subscribed" in again.text


def test_latest_and_compare_render_the_stored_event_in_the_subscribers_language(
    bot: Bot,
) -> None:
    summary = latest_summary(bot.archive)
    assert summary is not None
    [latest] = bot.say(CHAT, "/latest")  # anyone may read
    assert latest.source == latest_message(summary, "both")
    assert latest.text.startswith("🇯🇵🇺🇸 JUCIP · 4th Ministerial Meeting")
    bot.say(CHAT, "/start")
    bot.say(CHAT, "/lang en")
    [latest] = bot.say(CHAT, "/latest")
    assert latest.source == latest_message(summary, "en")
    [compare] = bot.say(CHAT, "/compare")
    assert compare.source == compare_message(summary, "en")
    assert "Compared with the 2nd Ministerial Meeting" in compare.text


def test_topic_shows_the_timeline_and_an_unknown_id_gets_the_list(bot: Bot) -> None:
    [timeline] = bot.say(CHAT, "/topic critical-minerals")
    assert timeline.text.startswith(
        "Critical minerals\nFirst seen: 4th Ministerial Meeting, 2024-06-26"
    )
    [by_label] = bot.say(CHAT, "/topic Critical Minerals")
    assert by_label.text == timeline.text
    [export] = bot.say(CHAT, "/topic export-controls")
    # Every meeting that had the topic, oldest first, each with its commitments.
    assert export.text.index("2nd Ministerial Meeting") < export.text.index("4th Ministerial")
    [unknown] = bot.say(CHAT, "/topic <b>nonsense</b>")
    assert unknown.text.startswith("I know no topic <b>nonsense</b>.")  # shown as text
    assert "critical-minerals Critical minerals" in unknown.text
    [bare] = bot.say(CHAT, "/topic")
    assert bare.text.startswith("Which topic? Send /topic ID.")


def test_operator_commands_answer_admin_chats_and_refuse_others_politely(bot: Bot) -> None:
    bot.say(CHAT, "/start")
    [refused] = bot.say(CHAT, "/status")
    assert refused.text == replies.ADMIN_ONLY
    [refused] = bot.say(CHAT, "/check")
    assert refused.text == replies.ADMIN_ONLY
    [help_] = bot.say(CHAT, "/help")
    assert "/status" not in help_.text and "/topics" in help_.text
    [status] = bot.say(ADMIN_CHAT, "/status")
    assert "Sources" in status.text and "Outbox\n0 pending, 0 failed, 0 sent" in status.text
    assert "Subscribers\n1 telegram" in status.text
    [check] = bot.say(ADMIN_CHAT, "/check")
    assert check.text.startswith("This run polled 0 source(s)")
    [help_] = bot.say(ADMIN_CHAT, "/help")
    assert "/status" in help_.text and "/check" in help_.text
    [unknown] = bot.say(CHAT, "/frobnicate")
    assert unknown.text == replies.UNKNOWN_COMMAND


def test_in_a_group_only_its_admins_change_the_subscription(bot: Bot) -> None:
    member, admin = 55, 66
    bot.api.add_chat(GROUP, "supergroup")
    bot.api.set_member(GROUP, admin, "administrator")
    bot.api.push_my_chat_member(GROUP, "member", old_status="left")  # the bot is added
    bot.answer()
    [hello] = bot.api.messages(GROUP)
    assert hello.text == replies.ADDED_TO_GROUP
    [refused] = bot.say(GROUP, "/start", user_id=member)
    assert refused.text == replies.GROUP_ADMIN_ONLY and bot.subscriber(GROUP) is None
    [welcome] = bot.say(GROUP, "/start@jucip_watch_bot", user_id=admin)
    assert "Subscribed" in welcome.text
    assert bot.store.find_subscriber("telegram", str(GROUP)).active  # type: ignore[union-attr]
    [latest] = bot.say(GROUP, "/latest", user_id=member)  # reading is for anyone
    assert "4th Ministerial Meeting" in latest.text
    [menu] = bot.say(GROUP, "/topics", user_id=admin)
    bot.tap(menu, "top:semiconductors", user_id=member)
    assert bot.subscriber(GROUP).topics == ()  # type: ignore[union-attr]
    [answer] = bot.api.answered_callbacks
    assert answer["text"] == replies.GROUP_ADMIN_ONLY and answer["show_alert"] is True
    bot.tap(menu, "top:semiconductors", user_id=admin)
    assert bot.subscriber(GROUP).topics == ("semiconductors",)  # type: ignore[union-attr]
    [refused] = bot.say(GROUP, "/stop", user_id=member)
    assert refused.text == replies.GROUP_ADMIN_ONLY
    assert bot.subscriber(GROUP).active  # type: ignore[union-attr]


def test_a_chat_that_blocks_the_bot_is_unsubscribed_and_the_admins_told_once(bot: Bot) -> None:
    bot.say(CHAT, "/start")
    bot.api.push_my_chat_member(CHAT, "kicked")
    bot.answer()
    sub = bot.subscriber()
    assert sub is not None and not sub.active and "blocked the bot" in (sub.end_reason or "")
    assert admin_notes(bot) == [f"telegram subscriber {CHAT} removed"]
    bot.api.push_my_chat_member(CHAT, "kicked")  # told twice: still one note
    bot.answer()
    assert len(admin_notes(bot)) == 1
    # Removed from a group: the same.
    bot.api.add_chat(GROUP, "supergroup")
    bot.api.set_member(GROUP, 66, "creator")
    bot.say(GROUP, "/start", user_id=66)
    bot.api.push_my_chat_member(GROUP, "left", old_status="administrator")
    bot.answer()
    assert not bot.subscriber(GROUP).active  # type: ignore[union-attr]
    assert len(admin_notes(bot)) == 2


def test_a_403_on_a_reply_unsubscribes_as_an_alert_would(bot: Bot) -> None:
    bot.say(CHAT, "/start")
    bot.api.fail(Fault.blocked(), chat_id=CHAT)
    assert bot.say(CHAT, "/latest") == []
    sub = bot.subscriber()
    assert sub is not None and not sub.active and "blocked" in (sub.end_reason or "")
    assert admin_notes(bot) == [f"telegram subscriber {CHAT} removed"]


def test_a_failing_command_shows_a_friendly_line_and_alarms_the_admins_once(bot: Bot) -> None:
    event = bot.store.latest_event()
    assert event is not None
    good = latest_summary(bot.archive)
    assert good is not None
    with bot.store.transaction():  # a damaged stored summary: /latest cannot render it
        bot.store.set_event_summary(event.id, {"damaged": True})
    [reply] = bot.say(CHAT, "/latest")
    assert reply.text == replies.FRIENDLY_ERROR  # no exception, no detail
    [note] = admin_notes(bot)
    assert note.startswith("bot /latest: failing since")
    alarm = bot.store.alarm("bot /latest")
    assert alarm is not None and alarm.status == "failing" and "KeyError" in (alarm.detail or "")
    [reply] = bot.say(CHAT, "/latest")
    assert reply.text == replies.FRIENDLY_ERROR and len(admin_notes(bot)) == 1  # once
    [help_] = bot.say(CHAT, "/help")  # other commands go on
    assert "JUCIP Watch" in help_.text
    with bot.store.transaction():
        bot.store.set_event_summary(event.id, good.to_dict())
    [reply] = bot.say(CHAT, "/latest")
    assert "4th Ministerial Meeting" in reply.text
    assert admin_notes(bot)[-1].startswith("bot /latest: back to normal")


def test_button_data_fits_telegrams_64_bytes_whatever_the_id() -> None:
    long_id = "economic-security-and-resilient-supply-chains-of-critical-technologies"
    data = replies.data("top", long_id)
    assert len(data.encode()) <= 64 and long_id not in data
    assert replies.parse_data(data, ["semiconductors", long_id]) == ("top", long_id)
    assert replies.parse_data(data, ["semiconductors"]) is None  # an id no longer configured
    assert replies.parse_data("top:semiconductors") == ("top", "semiconductors")
    assert replies.parse_data("garbage") is None
