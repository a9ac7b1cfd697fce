"""What every notifier relies on: secrets kept out of logs, and imports kept lazy."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from watcher import secrets as redact


def test_registered_secret_is_masked_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "s3cret/with+odd=chars"
    redact.register(secret)
    log = logging.getLogger("tests.redact")
    caplog.set_level(logging.DEBUG)
    log.warning("password is %s", secret)
    log.info("url-encoded: s3cret%2Fwith%2Bodd%3Dchars")
    try:
        raise RuntimeError(f"login failed with {secret}")
    except RuntimeError:
        log.exception("boom")
    text = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    assert secret not in text and "s3cret%2F" not in text
    assert text.count(redact.MASK) >= 4


def test_any_bot_api_url_token_is_masked() -> None:
    text = "POST https://api.telegram.org/bot123456:AAH-x_y/sendMessage failed"
    assert redact.redact(text) == "POST https://api.telegram.org/bot***/sendMessage failed"


def test_short_values_are_not_treated_as_secrets() -> None:
    redact.register("ab")
    assert redact.redact("abc ab") == "abc ab"


def test_pure_modules_do_not_load_the_channel_libraries() -> None:
    # A `check` with no channel configured may import these; they must stay cheap.
    code = (
        "import sys, notifiers, notifiers.outcome, notifiers.telegram.text;"
        "heavy = [m for m in ('telegram', 'aiosmtplib', 'aiolimiter', 'httpx', 'email.message')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
