"""Keep the bot token and the SMTP password out of every log line and error string.

python-telegram-bot puts the token in its debug log ("Set Bot API URL: .../bot<token>"), in
`InvalidToken` messages, and httpx logs each request URL, which holds the token. Rather than
trusting every library's logging, `register(secret)` installs one log-record factory that replaces
the secrets (and any Bot API URL's token) in every record's message and traceback before any
handler sees it, and `redact(text)` does the same for error strings we build.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote

MASK = "***"
# A Bot API URL carries its token in the path: scrub it even for a token nobody registered.
_BOT_PATH_TOKEN = re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+")
# Shorter "secrets" would mask ordinary words; a real token or password is never this short.
_MIN_SECRET = 4

_secrets: tuple[str, ...] = ()
_lock = threading.Lock()
_installed = False


def register(secret: str | None) -> None:
    """Mask `secret` (and its URL-encoded form) in all later log records and `redact` output."""
    global _secrets
    if not secret or len(secret) < _MIN_SECRET:
        return
    with _lock:
        forms = {secret, quote(secret, safe="")}
        # Longest first, so a secret that contains another is masked whole.
        _secrets = tuple(sorted(set(_secrets) | forms, key=len, reverse=True))
        _install_record_factory()


def redact(text: str) -> str:
    """`text` with every registered secret and any Bot API token replaced by ***."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _BOT_PATH_TOKEN.sub(r"\1" + MASK, text)


def _install_record_factory() -> None:
    global _installed
    if _installed:
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
    _installed = True
