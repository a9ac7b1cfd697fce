"""The poll pipeline's bookkeeping (found in review): baseline, dry runs, source health.

Real CLI, real loopback ReplayServer, recorded sites; no mocks. Each test states the contract
it checks (README "check" and "How it works").
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from replay import ReplayServer
from replay.loopback import SITES, config_text
from watcher.cli import main

METI_JUCIP = "/press/2023/05/20230526001/20230526001.html"
METI_LISTING = "/press/category_02.html"


def check(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["--config", str(config), "check", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def meti_only(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    path = tmp_path / "meti.toml"
    path.write_text(
        config_text(sites, database=tmp_path / "db.sqlite3", only=("meti-ja",)), encoding="utf-8"
    )
    return path


def html_listing(*hrefs: str) -> bytes:
    links = "".join(
        f'<li><a href="{h}">Release {i}</a> 2026-08-20</li>' for i, h in enumerate(hrefs)
    )
    return f"<html><body><ul class='rel'>{links}</ul></body></html>".encode()


def test_release_page_layout_change_on_first_poll_does_not_silence_later_news(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    # A listing read in full whose one release page has no main content (a PDF stub, a renewed
    # template): layout_changed for that page, but the listing itself was read.
    meti.add("/review/broken.html", body=b"<html><body></body></html>")
    meti.add("/review/list.html", body=html_listing("/review/broken.html"))
    db = tmp_path / "db.sqlite3"
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f"[storage]\ndatabase = {json.dumps(str(db))}\n"
        "[fetch]\nhost_spacing = 0\njitter = 0\nbackoff = 0\nretries = 0\n"
        "[[sources]]\n"
        'name = "rev"\nkind = "html"\nitem = "ul.rel li"\nlang = "ja"\nstale_after = "5000d"\n'
        f"url = {json.dumps(meti.url('/review/list.html'))}\n",
        encoding="utf-8",
    )
    code, first = check(cfg, capsys)
    assert code == 3 and first["sources"][0]["status"] == "layout_changed"
    # Later a JUCIP release appears on the listing: it is news, not part of the baseline.
    meti.add("/review/list.html", body=html_listing(METI_JUCIP, "/review/broken.html"))
    _, second = check(cfg, capsys)
    [release] = [r for r in second["releases"] if r["url"].endswith(METI_JUCIP)]
    assert release["baseline"] is False, (
        "the first poll read the whole listing; a release first listed by the second poll was "
        "archived as a silent baseline because one release page had a layout change"
    )


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


def test_refused_release_page_after_not_modified_listing_keeps_the_item_count(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    meti.add(METI_JUCIP, status=500, body=b"oops")
    cfg = meti_only(tmp_path, sites)
    check(cfg, capsys)
    assert main(["--config", str(cfg), "sources", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["sources"][0]["items"]
    assert items and items > 0
    # Next pass: the listing answers 304 (recorded ETag), the pending page answers 429.
    meti.add(METI_JUCIP, status=429, headers={"Retry-After": "3600"}, body=b"slow down")
    _, report = check(cfg, capsys)
    assert report["sources"][0]["status"] == "rate_limited"
    assert main(["--config", str(cfg), "sources", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)["sources"][0]["items"]
    # A 304 listing says nothing about the count; `sources` must not drop to 0 items.
    assert after == items
