"""What the poll tests share: running `check --json` (in process) and any command (as a
process), a METI-only config, paths of the recorded METI pages, and reading the store through
its API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from replay import ReplayServer, news
from replay.loopback import config_text
from state import Store
from watcher.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
METI_LISTING = "/press/category_02.html"
METI_JUCIP = "/press/2023/05/20230526001/20230526001.html"
NEW_RELEASE = news.NEW_RELEASE
CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<div id='cf-chl-widget'>Checking your browser</div></body></html>"
)


def check(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """`jucip-watch check --json` in process: (exit code, the parsed report)."""
    code = main(["--config", str(config), "check", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`jucip-watch ARGS` as its own process, from the project's folder."""
    return subprocess.run(
        [sys.executable, "-m", "watcher", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def meti_only(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    """A config polling only the recorded METI 対外経済 listing, database in tmp_path."""
    path = tmp_path / "meti.toml"
    path.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("meti-ja",)), encoding="utf-8"
    )
    return path


def read_store(db: Path) -> Store:
    """A read-only snapshot of the database, as `history` and `sources` open it."""
    return Store.open(db, readonly=True)


def add_new_meti_release(meti: ReplayServer) -> None:
    """The METI category page gains a new JUCIP release at the top (replay/news.py)."""
    news.add_new_meti_release(meti, FIXTURES)


def add_english_version(meti: ReplayServer) -> None:
    """METI's English listing gains the English page of the release `add_new_meti_release` added."""
    news.add_english_version(meti, FIXTURES)
