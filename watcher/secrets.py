"""Secrets out of every log line, error message and database row: the one redaction rule.

URLs carry secrets three ways: a query parameter (`?api_key=...`, the Commerce API), a password
in the authority (`https://user:pass@host/`), and a token in the path (`/bot<token>/`, the way
the Telegram Bot API carries it). `redact` replaces each with `***` in any text, so a message
that quotes a URL can be logged or stored as it is.
"""

from __future__ import annotations

import re

_SECRET_PARAM = re.compile(r"(?i)([?&;](?:api_key|key|token|access_token)=)[^&#;\s'\"]*")
_USERINFO_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
# A Telegram bot token is "<bot id>:<secret>"; the API puts it in the path after "/bot"
# (https://api.telegram.org/bot<token>/sendMessage, and /file/bot<token>/... for downloads).
_PATH_TOKEN = re.compile(r"(?i)(/bot)\d+(?::|%3A)[A-Za-z0-9_-]+")
# The same token quoted on its own (an exception message, a config echo): an id of several
# digits, a colon and a long secret. Too long to be a time or a ratio.
_BARE_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")


def redact(text: str) -> str:
    """`text` (a URL, or any text holding URLs) with keys, tokens and passwords replaced by ***."""
    text = _SECRET_PARAM.sub(r"\1***", text)
    text = _USERINFO_PASSWORD.sub(r"\1***@", text)
    text = _PATH_TOKEN.sub(r"\1***", text)
    return _BARE_BOT_TOKEN.sub("***", text)
