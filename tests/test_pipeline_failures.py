"""The poll under hostile conditions: refused and failing release pages, pauses, giving up, and
the baseline and item counts kept right meanwhile (README "check" and "How it works").

Real CLI, real loopback ReplayServer, recorded sites; no mocks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from poll_helpers import CLOUDFLARE, METI_JUCIP, METI_LISTING, check, meti_only, read_store

from replay import ReplayServer, Route
from watcher.cli import main


def html_listing(*hrefs: str) -> bytes:
    links = "".join(
        f'<li><a href="{h}">Release {i}</a> 2026-08-20</li>' for i, h in enumerate(hrefs)
    )
    return f"<html><body><ul class='rel'>{links}</ul></body></html>".encode()


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
    with read_store(tmp_path / "db.sqlite3") as store:
        state = store.source_state("meti-ja")
    assert state is not None and state.paused_until is not None


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
