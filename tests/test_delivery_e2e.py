"""End to end: the recorded sites, the loopback Bot API and SMTP server, the real CLI.

Baseline poll (nothing sent), then a new JUCIP release appears: `check` sends its alert once to
each channel; then the English version appears and arrives as a follow-up, threaded under the
first mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from delivery_helpers import ADMIN_CHAT, ADMIN_EMAIL, mails_to, parts, with_channels
from poll_helpers import NEW_RELEASE, add_english_version, add_new_meti_release, check

from replay import ReplayServer
from replay.smtp import SmtpServer
from replay.telegram_api import TelegramAPI
from watcher.cli import main

ALICE = "alice@example.org"
CHAT = 4242


@pytest.fixture
def config(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
) -> Path:
    return with_channels(config_path, monkeypatch, telegram_api, smtp_server)


def subscribe(config: Path, *args: str) -> None:
    assert main(["--config", str(config), "subscribers", "add", *args]) == 0


def new_release_for_a_chat(
    config: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """The baseline poll, then a chat subscribes and a new JUCIP release appears."""
    check(config, capsys)
    subscribe(config, "--telegram", str(CHAT))
    add_new_meti_release(sites["meti"])
    capsys.readouterr()


def test_baseline_then_one_alert_per_channel_then_a_threaded_follow_up(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = check(config, capsys)
    assert code == 0 and report["deliveries"] == {"sent": 0, "pending": 0, "failed": 0}
    subscribe(config, ALICE)
    subscribe(config, "--telegram", str(CHAT), "--lang", "en")
    capsys.readouterr()
    assert telegram_api.messages() == [] and smtp_server.messages == []  # the baseline is silent

    meti = sites["meti"]
    add_new_meti_release(meti)
    code, report = check(config, capsys)
    assert code == 0
    assert [r["url"] for r in report["releases"]] == [meti.url(NEW_RELEASE)]
    assert report["deliveries"] == {"sent": 2, "pending": 0, "failed": 0}
    [tg] = telegram_api.messages(CHAT)
    assert tg.text.startswith("🇯🇵🇺🇸 JUCIP · 3rd Ministerial Meeting")
    assert "Held 2024-04-10" in tg.text and "Compared with the 2nd Ministerial Meeting" in tg.text
    assert {"bold", "italic", "text_link"} <= set(tg.entity_types())
    [mail] = mails_to(smtp_server, ALICE)
    assert mail["Subject"] == "[JUCIP] 3rd Ministerial Meeting: ministry release (held 2024-04-10)"
    text, html = parts(mail)
    assert "Critical minerals (first time in the series)" in text
    assert "<table" in html and meti.url(NEW_RELEASE) in html
    # Admins hear nothing of a healthy poll; nothing is sent twice.
    assert telegram_api.messages(ADMIN_CHAT) == [] and mails_to(smtp_server, ADMIN_EMAIL) == []
    code, report = check(config, capsys)
    assert report["deliveries"]["sent"] == 0
    assert len(telegram_api.messages(CHAT)) == 1 and len(mails_to(smtp_server, ALICE)) == 1

    add_english_version(meti)
    code, report = check(config, capsys, "--source", "meti-en")
    assert code == 0 and report["deliveries"]["sent"] == 2
    first, follow = telegram_api.messages(CHAT)
    assert "English version published" in follow.text
    assert "Key commitments" not in follow.text  # a short note, not a second alert
    assert len(follow.text) < len(first.text) / 2
    _, reply = mails_to(smtp_server, ALICE)
    assert "English version published" in reply["Subject"]
    assert reply["In-Reply-To"] == mail["Message-ID"]
    assert mail["Message-ID"] in reply["References"]


def test_no_send_queues_and_deliver_sends_once(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new_release_for_a_chat(config, sites, capsys)
    code, report = check(config, capsys, "--no-send")
    assert code == 0 and report["deliveries"] == {"sent": 0, "pending": 1, "failed": 0}
    assert telegram_api.messages(CHAT) == []
    assert main(["--config", str(config), "outbox", "--json"]) == 0
    assert '"state": "pending"' in capsys.readouterr().out
    assert main(["--config", str(config), "deliver"]) == 0
    assert "1 sent, 0 pending, 0 failed" in capsys.readouterr().out
    assert main(["--config", str(config), "deliver"]) == 0
    assert len(telegram_api.messages(CHAT)) == 1


def test_dry_run_queues_nothing(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new_release_for_a_chat(config, sites, capsys)
    code, report = check(config, capsys, "--dry-run")
    assert code == 0 and report["releases"] and report["deliveries"]["sent"] == 0
    assert telegram_api.messages(CHAT) == []
    code, report = check(config, capsys, "--no-send")
    assert report["deliveries"]["pending"] == 1  # the dry run left nothing behind


def test_a_blocked_source_alarms_the_admins_once(
    config: Path,
    sites: dict[str, ReplayServer],
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from poll_helpers import CLOUDFLARE, METI_LISTING

    from replay import Route

    check(config, capsys)
    subscribe(config, ALICE)
    sites["meti"].add(METI_LISTING, Route(body=CLOUDFLARE, status=403))
    capsys.readouterr()
    check(config, capsys, "--source", "meti-ja")
    [note] = telegram_api.messages(ADMIN_CHAT)
    assert "source meti-ja: blocked" in note.text
    assert len(mails_to(smtp_server, ADMIN_EMAIL)) == 1
    assert mails_to(smtp_server, ALICE) == []  # subscribers never see operational errors
    check(config, capsys, "--source", "meti-ja")
    assert len(telegram_api.messages(ADMIN_CHAT)) == 1  # once per change of state


def test_a_quiet_check_with_channels_loads_no_bot_or_template_library(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_lazy_imports import loaded, run

    check(config, capsys)  # the baseline; the next pass is all 304s and an empty queue
    code, modules, out = run("--config", str(config), "check", "--json")
    assert code == 0 and '"deliveries"' in out
    assert loaded(modules, ("telegram", "jinja2", "aiosmtplib", "notifiers.dispatch")) == []
