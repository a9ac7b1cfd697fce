"""Log output: one line per event, for a person (the default) or as JSON (`--log-format json`).

Every record goes through `secrets.redact` on its way out, whatever logged it (our modules, httpx,
APScheduler), so a URL with an API key or a bot token never reaches a log line. A message that
spans lines (an exception quoting a page, a traceback at -vv) is folded into one line: a log
collector (journald, `docker logs`, Loki) then sees one event per line.

JSON lines carry `time` (ISO-8601 UTC), `level`, `logger` and `message`, plus the fields a caller
passes with `extra=` (the daemon's cycle line gives `source`, `status`, `items`, ...), and
`exception` for an exception.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from watcher.secrets import redact

FORMATS = ("human", "json")
_HANDLER = "jucip-watch"

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}


def _one_line(text: str) -> str:
    return redact(text).replace("\r\n", "\n").replace("\n", " | ")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        if isinstance(value, str):
            value = redact(value)
        elif not isinstance(value, int | float | bool | type(None)):
            value = redact(str(value))
        out[key] = value
    return out


class HumanFormatter(logging.Formatter):
    """`2026-08-26 09:00:00 INFO watcher.scheduler: message`, redacted, on one line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return _one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (ensure_ascii off: Japanese titles stay readable)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _one_line(record.getMessage()),
        }
        data.update(_extras(record))
        if record.exc_info:
            data["exception"] = _one_line(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


def setup_logging(verbose: int = 0, fmt: str = "human", stream: TextIO | None = None) -> None:
    """Route every logger to `stream` (stderr) in `fmt`; -v is INFO, -vv DEBUG."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    # Only our own handler is replaced (main() runs more than once in one test process);
    # handlers others installed (pytest's capture) stay.
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs full request URLs at INFO: redacted anyway, but one line per request is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
