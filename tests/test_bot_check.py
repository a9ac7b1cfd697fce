"""`check` answers the bot's pending updates (a deployment that only runs `check` from cron):
the real CLI against the recorded sites and the loopback Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from bot_helpers import CHAT
from delivery_helpers import ADMIN_CHAT, with_channels
from poll_helpers import add_new_meti_release, check

from replay import ReplayServer
from replay.telegram_api import TelegramAPI
from state import Store
from watcher.cli import main


@pytest.fixture
def config(config_path: Path, monkeypatch: pytest.MonkeyPatch, telegram_api: TelegramAPI) -> Path:
    return with_channels(config_path, monkeypatch, telegram_api, None)


def subscribed(config: Path) -> list[str]:
    with Store.open(config.parent / "db.sqlite3", readonly=True) as store:
        return [s.address for s in store.subscribers(channel="telegram")]


def test_start_from_cron_subscribes_and_the_next_release_reaches_the_chat(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    check(config, capsys)  # the baseline
    telegram_api.push_message(CHAT, "/start")
    code, report = check(config, capsys)
    assert code == 0 and report["deliveries"]["sent"] == 0
    [welcome] = telegram_api.messages(CHAT)
    assert "Subscribed" in welcome.text and subscribed(config) == [str(CHAT)]
    assert telegram_api.pending_updates == 0  # confirmed: the next check does not answer again
    check(config, capsys)
    assert len(telegram_api.messages(CHAT)) == 1

    add_new_meti_release(sites["meti"])
    code, report = check(config, capsys)
    assert code == 0 and report["deliveries"]["sent"] == 1
    _, alert = telegram_api.messages(CHAT)
    assert alert.text.startswith("🇯🇵🇺🇸 JUCIP · 3rd Ministerial Meeting")
    check(config, capsys)
    assert len(telegram_api.messages(CHAT)) == 2  # exactly once


def test_no_send_answers_commands_but_sends_no_alert_and_dry_run_answers_nothing(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    check(config, capsys)
    telegram_api.push_message(CHAT, "/start")
    check(config, capsys, "--dry-run")
    assert telegram_api.messages(CHAT) == [] and telegram_api.pending_updates == 1
    assert subscribed(config) == []
    check(config, capsys, "--no-send")  # replies are not alerts
    assert len(telegram_api.messages(CHAT)) == 1 and subscribed(config) == [str(CHAT)]

    add_new_meti_release(sites["meti"])
    telegram_api.push_message(CHAT, "/help")
    _, report = check(config, capsys, "--no-send")
    assert report["deliveries"] == {"sent": 0, "pending": 1, "failed": 0}
    _, help_ = telegram_api.messages(CHAT)
    assert help_.text.startswith("JUCIP Watch")  # answered, the alert still waits
    assert main(["--config", str(config), "deliver"]) == 0
    assert "Ministerial Meeting" in telegram_api.messages(CHAT)[-1].text


def test_an_admins_check_from_cron_is_answered_with_this_runs_poll(
    config: Path, telegram_api: TelegramAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram_api.push_message(ADMIN_CHAT, "/check")
    telegram_api.push_message(CHAT, "/check")
    code, _ = check(config, capsys)
    assert code == 0
    [answer] = telegram_api.messages(ADMIN_CHAT)
    assert answer.text.startswith("This run polled 6 source(s): 6 ok, 0 failed.")
    assert "archived silently" in answer.text  # the first poll is the silent baseline
    [refused] = telegram_api.messages(CHAT)
    assert "for the operators" in refused.text


def test_a_bot_the_api_refuses_does_not_fail_the_check(
    config: Path, telegram_api: TelegramAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    from replay.telegram_api import Fault

    telegram_api.push_message(CHAT, "/start")
    telegram_api.fail(Fault.server_error(), method="getUpdates")
    code, report = check(config, capsys)
    assert code == 0 and report["sources"]
    assert telegram_api.pending_updates == 1  # waits for the next run
    check(config, capsys)
    assert subscribed(config) == [str(CHAT)]
