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

from replay import ReplayServer, Route
from replay.loopback import config_text
from state import Store
from watcher.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
METI_LISTING = "/press/category_02.html"
METI_JUCIP = "/press/2023/05/20230526001/20230526001.html"
NEW_RELEASE = "/press/2024/04/20240411001.html"
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
    """The METI category page gains a new JUCIP release at the top, as a live page would."""
    listing = (meti.root / METI_LISTING.lstrip("/")).read_text(encoding="utf-8")  # type: ignore[operator]
    item = (
        '<ul class="clearfix float_li">\n  <li class="clearfix">\n'
        '    <div class="left img_box"><img src="/files/000000082.jpg" alt="対外経済"></div>\n'
        '    <div class="left txt_box"><p>2024年4月11日</p><a class="cut_txt" '
        f'href="{NEW_RELEASE}">齋藤経済産業大臣がレモンド米国商務長官と第3回日米商務・産業'
        "パートナーシップ（JUCIP）閣僚会合を開催しました</a></div>\n  </li>"
    )
    body = listing.replace('<ul class="clearfix float_li">', item, 1).encode("utf-8")
    meti.add(METI_LISTING, Route(body=body, etag='"new-listing"'))
    meti.add(NEW_RELEASE, Route.file(FIXTURES / "new_release_ja.html"))


def add_english_version(meti: ReplayServer) -> None:
    """METI's English listing gains the English page of the release `add_new_meti_release` added."""
    en_listing_path = "/english/press/category_02.html"
    listing = (meti.root / en_listing_path.lstrip("/")).read_text(encoding="utf-8")  # type: ignore[operator]
    item = (
        '<dl class="date_sp">\n<dt>April 22, 2024</dt>\n<dd><a href="/english/press/2024/'
        '0422_001.html">Minister Saito Holds the Third Japan-U.S. Commercial and Industrial '
        "Partnership (JUCIP) Ministerial Meeting</a></dd>"
    )
    meti.add(
        en_listing_path,
        Route(body=listing.replace('<dl class="date_sp">', item, 1).encode(), etag='"en2"'),
    )
    meti.add("/english/press/2024/0422_001.html", Route.file(FIXTURES / "new_release_en.html"))
