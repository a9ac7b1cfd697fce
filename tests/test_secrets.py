"""Secrets never appear in output, logs or the database: the redaction rule (watcher/secrets.py)
and the poll that must apply it. Real CLI against the loopback replay server; no mocks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from poll_helpers import check

from replay import ReplayServer
from replay.loopback import config_text
from watcher.secrets import redact

KEY = "REVIEW-SECRET-KEY-0123456789"

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.commerce.gov/api/news?api_key=S3CRET&page=1",
            "https://api.commerce.gov/api/news?api_key=***&page=1",
        ),
        ("https://x.example/a?page=1&API_KEY=S3CRET", "https://x.example/a?page=1&API_KEY=***"),
        ("https://x.example/a?key=S3CRET#frag", "https://x.example/a?key=***#frag"),
        (
            "https://x.example/a?token=S3CRET&access_token=S3CRET",
            "https://x.example/a?token=***&access_token=***",
        ),
        ("https://user:S3CRET@x.example/a", "https://user:***@x.example/a"),
        ("https://x.example/a?monkey=1&keys=2", "https://x.example/a?monkey=1&keys=2"),
        # The Telegram Bot API carries the token in the path.
        (
            "https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage",
            "https://api.telegram.org/bot***/sendMessage",
        ),
        (
            f"https://api.telegram.org/file/bot{BOT_TOKEN}/photos/file_1.jpg",
            "https://api.telegram.org/file/bot***/photos/file_1.jpg",
        ),
        ("http://127.0.0.1:8081/bot42%3Asecret-x/getMe", "http://127.0.0.1:8081/bot***/getMe"),
        # Paths that only look alike keep their text.
        ("https://x.example/bottles/12:30/list", "https://x.example/bottles/12:30/list"),
        ("https://x.example/bot/status", "https://x.example/bot/status"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_finds_secrets_inside_a_message() -> None:
    message = (
        "connection error: POST https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage "
        "failed; retried https://api.commerce.gov/api/news?api_key=S3CRET"
    )
    assert redact(message) == (
        "connection error: POST https://api.telegram.org/bot***/sendMessage "
        "failed; retried https://api.commerce.gov/api/news?api_key=***"
    )


def test_a_bare_bot_token_is_redacted_but_times_are_not() -> None:
    assert redact(f"Unauthorized for token {BOT_TOKEN}") == "Unauthorized for token ***"
    assert redact("polled at 12:30, 2024-06-27 09:00:00") == "polled at 12:30, 2024-06-27 09:00:00"


def test_api_key_never_in_output_or_database(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    db = tmp_path / "db.sqlite3"
    # A commerce-api source answered by HTML (a portal error page, a renewed API): not JSON.
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[storage]\n"
        f'database = "{db}"\n'
        "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\n"
        "[[sources]]\n"
        'name = "commerce-api"\nkind = "commerce-api"\n'
        f'url = "{sites["commerce"].url("/news/press-releases")}"\n',
        encoding="utf-8",
    )
    code, report = check(cfg, capsys)
    assert code == 3
    assert KEY not in json.dumps(report), report["sources"][0]["error"]
    conn = sqlite3.connect(db)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert KEY not in dump


def test_api_key_not_stored_in_validators(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("commerce-api",)),
        encoding="utf-8",
    )
    code, _ = check(cfg, capsys)
    assert code == 0
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        urls = [r[0] for r in conn.execute("SELECT url FROM validators")]
    finally:
        conn.close()
    assert not any(KEY in u for u in urls), urls
