"""`subscribers add | remove | list`, `outbox` and `notify-test` from the command line; mistakes
are one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from delivery_helpers import ADMIN_CHAT, mails_to, with_channels

from replay.smtp import SmtpServer
from replay.telegram_api import TelegramAPI
from watcher.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'sources = []\n[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n')
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def listed(config: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert run(config, "subscribers", "list", "--json") == 0
    return json.loads(capsys.readouterr().out)["subscribers"]  # type: ignore[no-any-return]


def test_add_list_remove(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "subscribers", "add", "Alice <Alice@Example.ORG>", "--digest", "daily") == 0
    assert (
        run(
            config,
            "subscribers",
            "add",
            "--telegram",
            "-1001234567890",
            "--series",
            "epcc",
            "--topics",
            "semiconductors,critical-minerals",
            "--mentions",
            "--lang",
            "ja",
        )
        == 0
    )
    assert run(config, "subscribers", "add", "--telegram", "12345") == 0
    rows = listed(config, capsys)
    assert [(r["channel"], r["address"], r["kind"]) for r in rows] == [
        ("email", "Alice@example.org", "email"),
        ("telegram", "-1001234567890", "group or channel"),
        ("telegram", "12345", "chat"),
    ]
    group = rows[1]
    assert group["series"] == ["epcc"] and group["topics"] == [
        "semiconductors",
        "critical-minerals",
    ]
    assert group["mentions"] is True and group["lang"] == "ja" and rows[0]["digest"] == "daily"

    assert run(config, "subscribers", "remove", "--telegram", "12345") == 0
    assert [r["address"] for r in listed(config, capsys)] == ["Alice@example.org", "-1001234567890"]
    # Adding again starts anew, with the new filters.
    assert run(config, "subscribers", "add", "--telegram", "12345", "--lang", "en") == 0
    assert [r["lang"] for r in listed(config, capsys) if r["address"] == "12345"] == ["en"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "not-an-address"], "is not an email address"),
        (["add", "a@b.example, c@d.example"], "not a single address"),
        (["add", "x@example.org\r\nBcc: y@example.org"], "line break"),
        (["add", "--telegram", "abc"], "is not a Telegram chat id"),
        (["add", "x@example.org", "--series", "jucip,g7"], "unknown series g7"),
        (
            ["add", "x@example.org", "--topics", "semiconductors,bananas"],
            "unknown topic id bananas",
        ),
        (["add", "--telegram", "5", "--digest", "daily"], "--digest is for email"),
        (["add"], "give an email address or --telegram"),
        (["remove", "nobody@example.org"], "no active email subscriber nobody@example.org"),
    ],
)
def test_mistakes_are_one_line_and_exit_1(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(config, "subscribers", *args) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_outbox_and_notify_test(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram_api: TelegramAPI,
    smtp_server: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_channels(config, monkeypatch, telegram_api, smtp_server)
    assert run(config, "notify-test", "--channel", "telegram") == 0  # to the admins
    [message] = telegram_api.messages(ADMIN_CHAT)
    assert "4th Ministerial Meeting" in message.text
    assert run(config, "notify-test", "--channel", "email", "--to", "me@example.org") == 0
    [mail] = mails_to(smtp_server, "me@example.org")
    assert mail["Subject"].startswith("[JUCIP] 4th Ministerial Meeting")
    assert "sent" in capsys.readouterr().out
    assert run(config, "outbox", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"deliveries": []}  # the test left no rows

    smtp_server.refuse("full@example.org", 452, "4.2.2 Mailbox full")
    assert run(config, "notify-test", "--channel", "email", "--to", "full@example.org") == 1
    assert "Mailbox full" in capsys.readouterr().out


def test_channel_mistakes_are_one_line(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = config.read_text()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert run(config, "deliver") == 1
    assert "TELEGRAM_BOT_TOKEN is set but empty" in capsys.readouterr().err
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert run(config, "notify-test", "--channel", "telegram") == 1
    assert "telegram is not configured: set $TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    config.write_text(
        base + '[email]\nhost = "smtp.example.org"\nsender = "x@example.org"\n'
        'admin = ["ops at example"]\n'
    )
    assert run(config, "check", "--json") == 1
    assert "email: 'ops at example' is not an email address" in capsys.readouterr().err
    config.write_text(
        base + '[email]\nhost = "smtp.example.org"\nsender = "x@example.org"\nusername = "alerts"\n'
    )
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    assert run(config, "deliver") == 1
    assert "$SMTP_PASSWORD is empty or unset" in capsys.readouterr().err
    config.write_text(base + '[web]\nlisten = "localhost"\n')
    assert run(config, "outbox") == 1
    assert "not host:port" in capsys.readouterr().err


def test_health_reports_deliveries_nothing_is_sending(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from state import Store
    from state.store import Recipient

    Store.open(config.parent / "db.sqlite3").close()
    assert run(config, "health") == 0  # an empty outbox is healthy
    then = datetime.now(UTC) - timedelta(hours=2)
    with Store.open(config.parent / "db.sqlite3") as store, store.transaction():
        alert = store.create_alert("admin", now=then, payload={"title": "t"})
        store.add_deliveries(alert, [Recipient("telegram", "42")], now=then, due=then)
    capsys.readouterr()
    assert run(config, "health") != 0
    out = capsys.readouterr()
    assert "1 delivery(ies) stuck past their retries (e.g. telegram 42" in out.out + out.err
