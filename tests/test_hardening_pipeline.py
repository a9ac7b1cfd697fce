"""The poll pipeline under hostile conditions (found in review): refused release pages, pauses,
secrets, dry runs.

Real CLI, real loopback ReplayServer, recorded sites; no mocks.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from replay import ReplayServer, Route
from replay.loopback import config_text
from watcher.cli import main

METI_JUCIP = "/press/2023/05/20230526001/20230526001.html"
METI_LISTING = "/press/category_02.html"
CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<div id='cf-chl-widget'>Checking your browser</div></body></html>"
)
KEY = "REVIEW-SECRET-KEY-0123456789"


def check(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["--config", str(config), "check", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def meti_only(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    path = tmp_path / "meti.toml"
    path.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("meti-ja",)), encoding="utf-8"
    )
    return path


def source_row(db: Path, name: str) -> sqlite3.Row:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()


def test_rate_limited_release_page_is_reported_as_rate_limited_and_pauses_source(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    # A 429 with a long Retry-After on the release page (same host as the listing).
    sites["meti"].add(METI_JUCIP, status=429, headers={"Retry-After": "3600"}, body=b"slow down")
    cfg = meti_only(tmp_path, sites)
    code, report = check(cfg, capsys)
    assert code == 3
    status = report["sources"][0]["status"]
    # Not "error": the throttling must show, and pause the source.
    assert status == "rate_limited", status
    assert source_row(tmp_path / "db.sqlite3", "meti-ja")["paused_until"] is not None


def test_challenge_on_release_page_is_reported_as_blocked(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_JUCIP, Route(status=403, body=CLOUDFLARE))
    cfg = meti_only(tmp_path, sites)
    code, report = check(cfg, capsys)
    assert code == 3
    # The contract: 403 / challenge = blocked, on a release page as on a listing.
    assert report["sources"][0]["status"] == "blocked"


def test_giving_up_on_a_release_is_loud(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_JUCIP, status=404, body=b"gone for now")
    cfg = meti_only(tmp_path, sites)
    errors = []
    for _ in range(5):
        _, report = check(cfg, capsys)
        errors.append(report["sources"][0]["error"] or "")
    # After five quick attempts the page is retried daily, and says so.
    assert re.search(r"failed 5 times, retrying daily \(giving up after 7 days\)", errors[-1])
    before = len(sites["meti"].requests_to(METI_JUCIP))
    code, report = check(cfg, capsys)
    # Not due for its daily retry, but still reported: the source stays in error (exit 3).
    assert len(sites["meti"].requests_to(METI_JUCIP)) == before
    assert code == 3 and report["sources"][0]["status"] == "error"
    assert "retrying daily" in report["sources"][0]["error"]
    assert main(["--config", str(cfg), "sources", "--json"]) == 0
    [health] = json.loads(capsys.readouterr().out)["sources"]
    [troubled] = health["troubled_items"]
    assert troubled["url"].endswith(METI_JUCIP) and troubled["state"] == "pending"
    assert troubled["attempts"] == 5 and "404" in troubled["error"]


def test_api_key_never_in_output_or_database(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    db = tmp_path / "db.sqlite3"
    # A commerce-api source answered by HTML (a portal error page, a renewed API): not JSON.
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[storage]\n"
        f'database = "{db}"\n'
        "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\n"
        "[[sources]]\n"
        'name = "commerce-api"\nkind = "commerce-api"\n'
        f'url = "{sites["commerce"].url("/news/press-releases")}"\n',
        encoding="utf-8",
    )
    code, report = check(cfg, capsys)
    assert code == 3
    assert KEY not in json.dumps(report), report["sources"][0]["error"]
    conn = sqlite3.connect(db)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert KEY not in dump


def test_api_key_not_stored_in_validators(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMERCE_API_KEY", KEY)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("commerce-api",)),
        encoding="utf-8",
    )
    code, _ = check(cfg, capsys)
    assert code == 0
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        urls = [r[0] for r in conn.execute("SELECT url FROM validators")]
    finally:
        conn.close()
    assert not any(KEY in u for u in urls), urls


def test_check_honours_a_retry_after_pause(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_LISTING, status=429, headers={"Retry-After": "3600"}, body=b"")
    cfg = meti_only(tmp_path, sites)
    _, report = check(cfg, capsys)
    assert report["sources"][0]["status"] == "rate_limited"
    before = len(sites["meti"].requests_to(METI_LISTING))
    check(cfg, capsys)  # e.g. cron five minutes later
    # The server asked for an hour; `run` honours paused_until, `check` polls again at once.
    assert len(sites["meti"].requests_to(METI_LISTING)) == before


def test_dry_run_on_existing_database_writes_no_file(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = meti_only(tmp_path, sites)
    assert check(cfg, capsys)[0] == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    assert check(cfg, capsys, "--dry-run")[0] == 0
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == before  # no -wal/-shm side files either
