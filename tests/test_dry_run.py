"""`check --dry-run` fetches and judges exactly as a real pass, and writes nothing: no database
file, no side files, nothing changed in an existing one. Real CLI, loopback replay server."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from poll_helpers import (
    METI_JUCIP,
    METI_LISTING,
    NEW_RELEASE,
    add_new_meti_release,
    check,
    meti_only,
)

from replay import ReplayServer
from replay.loopback import SITES


def test_dry_run_creates_nothing(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(config_path, capsys, "--dry-run", "--source", "meti-en")
    assert code == 0
    assert [r["source"] for r in report["releases"]] == ["meti-en"]
    db = config_path.parent / "db.sqlite3"
    assert not db.exists()
    assert not Path(str(db) + ".lock").exists()


def test_dry_run_on_existing_database_writes_no_file(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = meti_only(tmp_path, sites)
    assert check(cfg, capsys)[0] == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    assert check(cfg, capsys, "--dry-run")[0] == 0
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == before  # no -wal/-shm side files either


def test_dry_run_judges_a_pending_item_that_is_still_listed(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    listing = (SITES / "meti" / METI_LISTING.lstrip("/")).read_bytes()
    # The listing without validators: every poll reads it in full (as when it changed).
    meti.add(METI_LISTING, body=listing)
    meti.add(METI_JUCIP, status=500, body=b"oops")
    cfg = meti_only(tmp_path, sites)
    code, first = check(cfg, capsys)
    assert code == 3 and not first["releases"]  # the JUCIP page is pending (one attempt)
    del meti.routes[METI_JUCIP]  # the page is back
    code_dry, dry = check(cfg, capsys, "--dry-run")
    code_real, real = check(cfg, capsys)
    real_urls = [r["url"] for r in real["releases"]]
    assert any(u.endswith(METI_JUCIP) for u in real_urls)
    # --dry-run "fetches and judges but writes nothing": it reports what the real pass reports.
    assert [r["url"] for r in dry["releases"]] == real_urls
    assert code_dry == code_real == 0


def test_dry_run_does_not_report_a_page_that_now_works_as_failing(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    meti.add(METI_JUCIP, status=404, body=b"gone for now")
    cfg = meti_only(tmp_path, sites)
    for _ in range(5):
        check(cfg, capsys)
    db = tmp_path / "db.sqlite3"
    # A day and a bit later the page is due for its daily retry, and it is back.
    conn = sqlite3.connect(db)
    old = (datetime.now(UTC) - timedelta(days=1, hours=1)).isoformat()
    conn.execute("UPDATE items SET last_attempt_at = ? WHERE attempts > 0", (old,))
    conn.commit()
    conn.close()
    del meti.routes[METI_JUCIP]
    code_dry, dry = check(cfg, capsys, "--dry-run")
    assert any(r["url"].endswith(METI_JUCIP) for r in dry["releases"])
    code_real, real = check(cfg, capsys)
    assert real["sources"][0]["status"] in ("ok", "not_modified") and code_real == 0
    # The dry run fetched the page successfully, yet still called it "failed 5 times".
    assert dry["sources"][0]["status"] == real["sources"][0]["status"], dry["sources"][0]
    assert code_dry == code_real


def test_dry_run_reports_the_news_a_real_pass_will_and_changes_nothing(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = meti_only(tmp_path, sites)
    assert check(cfg, capsys)[0] == 0  # the silent baseline
    db = tmp_path / "db.sqlite3"
    before = dump(db)
    add_new_meti_release(sites["meti"])
    code_dry, dry = check(cfg, capsys, "--dry-run")
    assert dump(db) == before  # not a row changed, not even a source's health
    requests = len(sites["meti"].requests_to(NEW_RELEASE))
    code_real, real = check(cfg, capsys)
    # The real pass still finds the release new (the dry run's archive was thrown away), and
    # fetches its page again.
    assert len(sites["meti"].requests_to(NEW_RELEASE)) == requests + 1
    assert [r["url"] for r in real["releases"]] == [sites["meti"].url(NEW_RELEASE)]
    assert dry == real and code_dry == code_real == 0


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
