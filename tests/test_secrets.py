"""Secrets never appear in output, logs or the database: the redaction rule (watcher/secrets.py)
and the poll that must apply it. Real CLI against the loopback replay server; no mocks."""

from __future__ import annotations

import pytest

from watcher.secrets import redact

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
