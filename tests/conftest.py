"""Shared fixtures: the recorded sites served on loopback, and a config pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replay import ReplayServer, serve_sites
from replay.loopback import SITES, config_text

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
