"""Log lines: one per event, redacted whoever logged, human or JSON (`--log-format json`)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from poll_helpers import run_cli

from replay import ReplayServer
from watcher.logs import setup_logging

SECRET = "k3y-that-must-not-leak"
TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    setup_logging(1, "json", stream=out)
    yield out
    setup_logging(0, "human", stream=sys.stderr)


def test_json_lines_are_redacted_and_carry_extra_fields(stream: io.StringIO) -> None:
    log = logging.getLogger("some.library")  # not ours: the formatter redacts anyway
    log.warning(
        "GET https://api.example/news?api_key=%s failed:\nsecond line",
        SECRET,
        extra={"source": "commerce-api", "items": 3, "url": f"https://x/bot{TOKEN}/send"},
    )
    try:
        raise RuntimeError(f"token {TOKEN} rejected")
    except RuntimeError:
        logging.getLogger("watcher.x").exception("send failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one line per event, the traceback included
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "WARNING" and first["logger"] == "some.library"
    assert first["message"] == "GET https://api.example/news?api_key=*** failed: | second line"
    assert first["source"] == "commerce-api" and first["items"] == 3
    assert first["url"] == "https://x/bot***/send"
    assert first["time"].endswith("+00:00")
    assert "RuntimeError" in second["exception"]
    assert SECRET not in stream.getvalue() and TOKEN not in stream.getvalue()


def test_human_lines_are_redacted_and_one_per_event() -> None:
    out = io.StringIO()
    setup_logging(0, "human", stream=out)
    try:
        logging.getLogger("watcher.y").error("bad page\n<html>?token=%s", SECRET)
    finally:
        setup_logging(0, "human", stream=sys.stderr)
    (line,) = out.getvalue().splitlines()
    assert line.endswith("ERROR watcher.y: bad page | <html>?token=***")


def test_check_logs_json_lines_without_the_key(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    meti = sites["meti"]
    meti.add("/feed.xml", status=500, body=b"oops")
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[storage]\ndatabase = "{tmp_path / "db.sqlite3"}"\n'
        "[fetch]\nretries = 1\nbackoff = 0\nhost_spacing = 0\njitter = 0\n"
        f'[[sources]]\nname = "keyed"\nkind = "rss"\nurl = "{meti.url("/feed.xml")}'
        f'?api_key={SECRET}"\n',
        encoding="utf-8",
    )
    command = ["--log-format", "json", "-vv", "--config", str(cfg), "check", "--json"]
    result = run_cli(*command, timeout=60)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any("api_key=***" in r["message"] for r in records), lines
    assert SECRET not in result.stderr and SECRET not in result.stdout
