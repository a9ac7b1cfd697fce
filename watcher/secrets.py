"""Secrets out of every log line, error message, output stream and database row: the one
redaction rule.

Two layers. The secret VALUES are registered and replaced wherever they appear: those the
configuration points to (every `*_env` setting names an environment variable holding one: the
Commerce API key, the bot token and mail password of the notifiers) by `remember_configured`
at start-up, any other by `register(value)` (a notifier registers the token it was given), in
any encoding a URL, a JSON body, an HTML page or a mail exchange gives them: raw,
percent-encoded (either case, once or twice over, `+` for a space), JSON-escaped, HTML-escaped,
and base64 at any alignment (HTTP Basic and SMTP AUTH encode a password so). Then patterns catch
secrets nobody configured: a secret-looking query parameter (`?api_key=`, `apikey=`, `token=`,
...), also percent-encoded inside a redirect target (`next=%2Fapi%3Fapi_key%3D...`), a password
in a URL's authority, and a Telegram bot token.

`redact` applies both to any text. The edges call it: the fetcher's messages, the poll's
reports, the database connection (state/db.py: every text parameter, so no secret is ever
written), the log record factory (`install_log_redaction`, installed by the first registration
too: python-telegram-bot logs its Bot API URL with the token at DEBUG level), the log
formatters (watcher/logs.py) and stdout/stderr themselves (`redacted_output`, around the whole
command). `without_secrets` gives the URL a link may be resolved against: never one that
carries a secret.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
# Shorter values are not registered: redacting them would mangle ordinary text (dates, words),
# and a secret that short protects nothing anyway.
MIN_SECRET_CHARS = 6
# A base64 run must be this long to count as the secret (fewer characters match by chance).
_MIN_BASE64_CHARS = 8

# -- patterns: secrets nobody configured ------------------------------------------------------
_NAMES = (
    r"(?:api[_-]?key|apikey|key|token|access[_-]?token|auth[_-]?token|client[_-]?secret|secret"
    r"|password|passwd)"
)
# Where a parameter starts and what joins it to its value, raw or percent-encoded (once or
# twice: a URL inside a redirect target's query), or JSON-escaped.
_START = r"(?:[?&;]|%(?:25)?(?:3F|26)|\\u00(?:3F|26))"
_EQUALS = r"(?:=|%(?:25)?3D|\\u003D)"
# A value runs to the next parameter (raw or encoded), a fragment, a quote or white space.
_VALUE = r"(?:[^&#;\s'\"<>%\\]|%(?!(?:25)?26)[0-9A-F]{2})*"
_SECRET_PARAM = re.compile(rf"(?i)({_START}{_NAMES}{_EQUALS}){_VALUE}")
_USERINFO_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
# A Telegram bot token is "<bot id>:<secret>"; the API puts it in the path after "/bot"
# (https://api.telegram.org/bot<token>/sendMessage, and /file/bot<token>/... for downloads).
_PATH_TOKEN = re.compile(r"(?i)(/bot)\d+(?::|%3A)[A-Za-z0-9_-]+")
# The same token quoted on its own (an exception message, a config echo): an id of several
# digits, a colon and a long secret. Too long to be a time or a ratio.
_BARE_BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")

# -- values: the configured secrets -----------------------------------------------------------
_known: dict[str, str] = {}  # secret -> its pattern source
_values: re.Pattern[str] | None = None
_lock = threading.Lock()  # notifiers register their tokens from whichever thread runs them

_HTML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
_JSON_SHORT = {'"': '\\\\"', "\\": "\\\\\\\\", "/": "\\\\/"}


def _hex(byte: int) -> str:
    """One byte as two hex digits in either case."""
    return "".join(f"[{d.upper()}{d.lower()}]" if d.isalpha() else d for d in f"{byte:02x}")


def _char_forms(ch: str) -> str:
    """A regex for one character of a secret in any of the encodings text carries it in."""
    forms = [re.escape(ch)]
    # Percent-encoded byte by byte, possibly encoded again (%2F -> %252F) any number of times.
    forms.append("".join(f"%(?:25)*{_hex(b)}" for b in ch.encode("utf-8")))
    if ch == " ":
        forms.append(r"\+")
    code = ord(ch)
    if code < 0x10000:
        forms.append(rf"\\u{_hex(code >> 8)}{_hex(code & 0xFF)}")
    forms.append(rf"&#0*{code};")
    forms.append(rf"&#[xX]0*(?i:{code:x});")
    if ch in _HTML_NAMED:
        forms.append(f"&{_HTML_NAMED[ch]};")
    if ch in _JSON_SHORT:
        forms.append(_JSON_SHORT[ch])
    return "(?:" + "|".join(forms) + ")"


def _base64_forms(secret: str) -> list[str]:
    """The secret's base64 at each of the three alignments it can have inside a longer encoded
    string (a Basic "user:password", SMTP's "\\0user\\0password"), in both alphabets: only the
    characters that depend on the secret's bytes alone."""
    raw = secret.encode("utf-8")
    found = []
    for shift, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        core = encoded[skip : ((shift + len(raw)) // 3) * 4]
        if len(core) >= _MIN_BASE64_CHARS:
            found += [core, core.replace("+", "-").replace("/", "_")]
    return [re.escape(c) for c in dict.fromkeys(found)]


def _secret_pattern(secret: str) -> str:
    forms = ["".join(_char_forms(ch) for ch in secret), *_base64_forms(secret)]
    return "|".join(forms)


def remember(values: Iterable[str]) -> None:
    """Register secret values: from now on `redact` replaces them in every encoding."""
    global _values
    with _lock:
        added = False
        for value in values:
            value = value.strip()
            if len(value) >= MIN_SECRET_CHARS and value not in _known:
                _known[value] = _secret_pattern(value)
                added = True
        if not added:
            return
        # Longest first, so a secret containing another is masked whole.
        ordered = sorted(_known, key=len, reverse=True)
        _values = re.compile("|".join(f"(?:{_known[s]})" for s in ordered))


def register(secret: str | None) -> None:
    """Mask `secret` in every encoding in later `redact` output and in every log record."""
    if secret:
        remember([secret])
        install_log_redaction()


def forget() -> None:
    """Drop every registered value (tests that start over)."""
    global _values
    with _lock:
        _known.clear()
        _values = None


def secret_env_names(settings: Any) -> list[str]:
    """The environment variables the settings name as holding secrets: every `*_env` string,
    in any table (so a key a later table adds is covered without a change here)."""
    from watcher.config_base import walk_settings

    found = [
        value
        for _, key, value in walk_settings(settings)
        if key.endswith("_env") and isinstance(value, str) and value
    ]
    return list(dict.fromkeys(found))


def remember_configured(settings: Any) -> None:
    """Register the values of the secrets the settings name (those set in the environment)."""
    remember(os.environ[n] for n in secret_env_names(settings) if os.environ.get(n))


# -- applying it ------------------------------------------------------------------------------
def redact(text: str) -> str:
    """`text` with every registered secret value, and anything shaped like a key, a token or a
    password in a URL, replaced by ***."""
    if _values is not None:
        text = _values.sub(MASK, text)
    text = _SECRET_PARAM.sub(rf"\1{MASK}", text)
    text = _USERINFO_PASSWORD.sub(rf"\1{MASK}@", text)
    text = _PATH_TOKEN.sub(rf"\1{MASK}", text)
    return _BARE_BOT_TOKEN.sub(MASK, text)


def without_secrets(url: str) -> str:
    """`url` without what makes it secret (password, secret parameters, fragment): the base to
    resolve a listing's links against, so `href="#readout"` or `href=""` never yields a URL
    that carries the API key."""
    if redact(url) == url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if redact(f"?{k}={v}") == f"?{k}={v}"]
    cleaned = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))
    return redact(cleaned)  # a secret in the path is masked, never kept


class _RedactingStream:
    """A text stream that redacts what is written to it, and is otherwise the stream it wraps
    (rich and print ask it for isatty, fileno, encoding)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def redacted_output() -> Iterator[None]:
    """stdout and stderr redacted while the block runs: whatever a command prints (reports,
    errors, tracebacks, progress) leaves the process without a secret. Each write is redacted
    whole; the writers here (print, json.dump, rich) never split a value across writes."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _RedactingStream(saved[0])  # type: ignore[assignment]
    sys.stderr = _RedactingStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def install_log_redaction() -> None:
    """Every log record, whichever handler formats it, carries its message and traceback
    already redacted (a record factory, not a handler filter, so handlers added later by any
    module are covered)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it for the handler to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_text = record.exc_text.rstrip("\n")
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
