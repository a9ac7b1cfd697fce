"""Secrets out of every log line, error message and database row: the one redaction rule.

URLs carry secrets three ways: a query parameter (`?api_key=...`, the Commerce API), a password
in the authority (`https://user:pass@host/`), and a token in the path (`/bot<token>/`, the way
the Telegram Bot API carries it). `redact` replaces each with `***` in any text, so a message
that quotes a URL can be logged or stored as it is.

Patterns cannot know every form a secret takes (an SMTP password in a server's error reply, a
library that logs its own URLs), so the values themselves are registered too: `register(secret)`
masks that value (and its URL-encoded form) in `redact` output and, through one log-record
factory, in every log record's message and traceback before any handler sees it.
python-telegram-bot, for one, logs its Bot API URL with the token at DEBUG level.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote

MASK = "***"

_SECRET_PARAM = re.compile(r"(?i)([?&;](?:api_key|key|token|access_token)=)[^&#;\s'\"]*")
_USERINFO_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
# A Telegram bot token is "<bot id>:<secret>"; the API puts it in the path after "/bot"
# (https://api.telegram.org/bot<token>/sendMessage, and /file/bot<token>/... for downloads).
_PATH_TOKEN = re.compile(r"(?i)(/bot)\d+(?::|%3A)[A-Za-z0-9_-]+")
# The same token quoted on its own (an exception message, a config echo): an id of several
# digits, a colon and a long secret. Too long to be a time or a ratio.
_BARE_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
# Shorter "secrets" would mask ordinary words; a real key, token or password is never this short.
_MIN_SECRET = 4

_values: tuple[str, ...] = ()
_lock = threading.Lock()
_factory_installed = False


def register(secret: str | None) -> None:
    """Mask `secret` (and its URL-encoded form) in later `redact` output and log records."""
    global _values
    if not secret or len(secret) < _MIN_SECRET:
        return
    with _lock:
        forms = {secret, quote(secret, safe="")}
        # Longest first, so a secret that contains another is masked whole.
        _values = tuple(sorted(set(_values) | forms, key=len, reverse=True))
        _install_record_factory()


def redact(text: str) -> str:
    """`text` with registered secrets, keys, tokens and passwords in URLs replaced by ***."""
    for value in _values:
        if value in text:
            text = text.replace(value, MASK)
    text = _SECRET_PARAM.sub(r"\1" + MASK, text)
    text = _USERINFO_PASSWORD.sub(r"\1" + MASK + "@", text)
    text = _PATH_TOKEN.sub(r"\1" + MASK, text)
    return _BARE_BOT_TOKEN.sub(MASK, text)


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is the logging module's to report, not ours
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            # Formatters use a pre-set exc_text as is, so the traceback is scrubbed too.
            record.exc_text = redact(formatter.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True
