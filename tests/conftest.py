"""Shared fixtures: the recorded sites served on loopback, a config pointing at them, and the
loopback Telegram Bot API and SMTP peers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from replay import ReplayServer, serve_sites
from replay.loopback import SITES, config_text

if TYPE_CHECKING:
    from replay.smtp import SmtpServer
    from replay.telegram_api import TelegramAPI

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def sites() -> Iterator[dict[str, ReplayServer]]:
    """One real HTTP server per recorded site, fresh for each test (tests add routes)."""
    servers = serve_sites(SITES)
    try:
        yield servers
    finally:
        for s in servers.values():
            s.stop()


@pytest.fixture
def config_path(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_text(sites, database=tmp_path / "db.sqlite3"), encoding="utf-8")
    return path


@pytest.fixture
def telegram_api() -> Iterator[TelegramAPI]:
    """A loopback Bot API server; point senders at `telegram_api.api_url`."""
    from replay.telegram_api import TelegramAPI

    with TelegramAPI() as api:
        yield api


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A loopback SMTP server without TLS or AUTH (tests needing those build their own)."""
    from replay.smtp import SmtpServer

    with SmtpServer() as server:
        yield server
