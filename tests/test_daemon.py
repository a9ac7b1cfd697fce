"""`run` end to end in a process of its own: the schedule, the bot's long polling and the
dispatcher in one asyncio loop, against the recorded sites and the loopback Bot API; and a
clean stop on SIGTERM, idle or in the middle of a send. Waits on conditions, never on times."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bot_helpers import CHAT
from delivery_helpers import ADMIN_CHAT, with_channels
from poll_helpers import add_new_meti_release, check

from replay import ReplayServer
from replay.loopback import SOURCES
from replay.process import Daemon
from replay.telegram_api import Fault, TelegramAPI
from watcher.cli import main

ALERT = "🇯🇵🇺🇸 JUCIP · 3rd Ministerial Meeting"


def wait_for(condition: Callable[[], object], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def config(config_path: Path, monkeypatch: pytest.MonkeyPatch, telegram_api: TelegramAPI) -> Path:
    path = with_channels(config_path, monkeypatch, telegram_api, None)
    with path.open("a", encoding="utf-8") as f:
        f.write('\n[schedule]\ninterval = "2s"\njitter = 0\n')
    return path


@pytest.fixture
def daemon(config: Path) -> Iterator[Callable[[], Daemon]]:
    started: list[Daemon] = []

    def start() -> Daemon:
        started.append(Daemon(config))
        return started[-1]

    yield start
    for d in started:
        d.kill()


def assert_clean_stop(d: Daemon) -> None:
    code = d.stop()
    assert code == 0, d.log()
    assert "Traceback" not in d.log() and "stopped" in d.log()


def outbox(config: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["--config", str(config), "outbox", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["deliveries"]


def test_run_answers_start_then_alerts_that_subscriber_once_and_stops_on_sigterm(
    config: Path,
    daemon: Callable[[], Daemon],
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
) -> None:
    d = daemon()
    wait_for(lambda: d.cycles() >= len(SOURCES), "the first (baseline) cycles")
    wait_for(lambda: telegram_api.arrivals("getUpdates"), "the bot's long polling")
    telegram_api.push_message(CHAT, "/start")
    wait_for(lambda: telegram_api.messages(CHAT), "the welcome")
    assert "Subscribed" in telegram_api.messages(CHAT)[0].text

    add_new_meti_release(sites["meti"])
    wait_for(lambda: len(telegram_api.messages(CHAT)) >= 2, "the alert")
    alert = telegram_api.messages(CHAT)[1]
    assert alert.text.startswith(ALERT)
    # Later polls of the same listing find nothing new: the alert came exactly once.
    polled = d.cycles("meti-ja")
    wait_for(lambda: d.cycles("meti-ja") >= polled + 2, "two more polls")
    assert [m.text for m in telegram_api.messages(CHAT)][1:] == [alert.text]
    assert "telegram chat 4242 subscribed with /start" in d.log()
    # An operator's /check polls now, through the same per-source locks as the schedule.
    telegram_api.push_message(ADMIN_CHAT, "/check")
    wait_for(lambda: len(telegram_api.messages(ADMIN_CHAT)) >= 2, "the /check answer")
    first, outcome = (m.text for m in telegram_api.messages(ADMIN_CHAT)[:2])
    assert first == "Polling the sources…"
    assert outcome.startswith(f"Polled {len(SOURCES)} source(s): {len(SOURCES)} ok, 0 failed.")
    assert len(telegram_api.messages(CHAT)) == 2  # still one alert
    assert_clean_stop(d)  # idle: between polls, the bot long polling


def test_sigterm_during_a_send_finishes_it_and_loses_nothing(
    config: Path,
    daemon: Callable[[], Daemon],
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    check(config, capsys)  # the baseline
    assert main(["--config", str(config), "subscribers", "add", "--telegram", str(CHAT)]) == 0
    telegram_api.fail(Fault.slow(4), chat_id=CHAT)  # the alert's send takes a while
    add_new_meti_release(sites["meti"])
    d = daemon()
    wait_for(
        lambda: any(p.get("chat_id") == CHAT for p in telegram_api.arrivals("sendMessage")),
        "the alert's send to start",
    )
    assert telegram_api.messages(CHAT) == []  # held by the slow answer
    assert_clean_stop(d)
    [alert] = telegram_api.messages(CHAT)
    assert alert.text.startswith(ALERT)
    assert outbox(config, capsys) == []  # recorded as sent before the exit
    # The next run sends nothing again.
    assert main(["--config", str(config), "deliver"]) == 0
    assert len(telegram_api.messages(CHAT)) == 1
