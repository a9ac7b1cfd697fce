"""End to end: `jucip-watch check` against the recorded sites on loopback.

The real CLI, fetcher, adapters, detection, extraction and store run; only the sites are replays.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from poll_helpers import (
    CLOUDFLARE,
    METI_JUCIP,
    METI_LISTING,
    NEW_RELEASE,
    add_english_version,
    add_new_meti_release,
    check,
    read_store,
)

from replay import ReplayServer, Route
from state import Store
from watcher.analysis.summary import EventSummary
from watcher.archive import Analyzer, Archive
from watcher.cli import main
from watcher.config import load_settings


def history(config: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["--config", str(config), "history", "--json", "--mentions"]) == 0
    return json.loads(capsys.readouterr().out)["releases"]


def by_source(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in report["sources"]}


def test_first_poll_is_a_silent_baseline(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check(config_path, capsys)
    assert code == 0
    statuses = {name: s["status"] for name, s in by_source(report).items()}
    assert set(statuses.values()) == {"ok"}, statuses
    assert by_source(report)["meti-ja-latest"]["items"] == 20

    releases = {(r["source"], r["title"][:30]): r for r in report["releases"]}
    assert all(r["baseline"] for r in report["releases"])
    meti = next(r for r in report["releases"] if r["source"] == "meti-ja")
    assert meti["lang"] == "ja" and meti["series"] == ["jucip"]
    assert meti["relevance"] == "primary" and meti["date"] == "2023-05-26"
    assert meti["url"].endswith(METI_JUCIP)
    epcc = [r for r in report["releases"] if r["series"] == ["epcc"]]
    assert [r["source"] for r in epcc] == ["state-eap"]
    titles = " ".join(title for _, title in releases)
    # Decoys: the strategic-investment release (same Americas desk) and the same-slug 2022 readout.
    assert "戦略的投資" not in titles
    assert not any("2022/05" in r["url"] for r in report["releases"])


def test_second_poll_is_conditional_and_quiet(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    check(config_path, capsys)
    code, report = check(config_path, capsys)
    assert code == 0
    assert {s["status"] for s in report["sources"]} == {"not_modified"}
    assert report["releases"] == []
    last = sites["meti"].requests_to(METI_LISTING)[-1]
    assert last.headers.get("if-none-match")
    # Release pages were fetched once, on the first poll only.
    assert len(sites["meti"].requests_to(METI_JUCIP)) == 1


def test_new_release_is_reported_and_compared_with_history(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    check(config_path, capsys)
    add_new_meti_release(sites["meti"])
    code, report = check(config_path, capsys)
    assert code == 0
    assert [r["url"] for r in report["releases"]] == [sites["meti"].url(NEW_RELEASE)]
    new = report["releases"][0]
    assert new["baseline"] is False and new["series"] == ["jucip"] and new["lang"] == "ja"

    with read_store(tmp_db(config_path)) as store:
        doc = store.document_by_url(new["url"])
        event = store.event(doc.event_id) if doc and doc.event_id else None
        latest = store.latest_event(series="jucip", baseline=False)
    assert event is not None and latest == event  # the new meeting is the latest event
    summary = event.summary
    assert summary is not None
    comparison = summary["comparison"]
    # Compared with the 2nd ministerial (the previous meeting), not the newest posting.
    assert comparison["old"]["meeting"]["ordinal"] == 2
    assert "critical-minerals" in comparison["new_topics"]
    assert "semiconductors" in comparison["continued_topics"]
    # A short METI release against the full joint statement: not in the summary, not dropped.
    assert comparison["caveat"] and "telecommunications" in comparison["not_in_summary"]


def test_later_english_version_joins_the_japanese_event(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    check(config_path, capsys)
    add_new_meti_release(sites["meti"])
    check(config_path, capsys)
    meti = sites["meti"]
    add_english_version(meti)
    code, report = check(config_path, capsys, "--source", "meti-en")
    assert code == 0
    [english] = report["releases"]
    assert english["lang"] == "en" and english["baseline"] is False

    with read_store(tmp_db(config_path)) as store:
        docs = [store.document_by_url(u) for u in (meti.url(NEW_RELEASE), english["url"])]
        assert all(d is not None and d.event_id for d in docs)
        events = {d.event_id for d in docs if d}
        [event_id] = events  # one event: one alert, not two
        event = store.event(event_id)
        in_event = store.event_documents(event_id)
    assert {d.lang for d in docs if d} == {"ja", "en"}
    assert [d.lang for d in in_event] == ["ja", "en"]  # the first version first
    assert event is not None and event.summary is not None
    summary = event.summary
    assert summary["links"] == {"ja": meti.url(NEW_RELEASE), "en": english["url"]}
    aligned = summary["aligned"]["en"]
    assert any("ガリウム" in pair["ja"] and "gallium" in pair["en"] for pair in aligned)


def tmp_db(config_path: Path) -> Path:
    return config_path.parent / "db.sqlite3"


def test_japanese_and_english_releases_of_one_meeting_share_an_event(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check(config_path, capsys)
    docs = history(config_path, capsys)
    second = [
        d
        for d in docs
        if d["meeting_date"] == "2023-05-26" and d["origin"] == "poll" and "jucip" in d["series"]
    ]
    assert {d["lang"] for d in second} == {"en", "ja"}
    assert len({d["event_id"] for d in second}) == 1
    fourth = [d for d in docs if d["meeting_date"] == "2024-06-26" and d["origin"] == "poll"]
    assert fourth and fourth[0]["event_id"] not in {d["event_id"] for d in second}


def test_blocked_listing_marks_nothing_seen(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_LISTING, status=403, body=CLOUDFLARE)
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 3
    assert by_source(report)["meti-ja"]["status"] == "blocked"
    assert report["releases"] == []
    del sites["meti"].routes[METI_LISTING]
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 0
    assert [r["url"] for r in report["releases"]] == [sites["meti"].url(METI_JUCIP)]


def test_challenge_202_and_rate_limit_are_reported_as_such(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_LISTING, status=202, body=b"")
    sites["commerce"].add(
        "/news/press-releases", status=429, headers={"Retry-After": "3600"}, body=b""
    )
    code, report = check(config_path, capsys, "--source", "meti-ja", "--source", "commerce-press")
    assert code == 3
    assert by_source(report)["meti-ja"]["status"] == "blocked"
    assert by_source(report)["commerce-press"]["status"] == "rate_limited"
    assert main(["--config", str(config_path), "sources", "--json"]) == 0
    health = {s["name"]: s for s in json.loads(capsys.readouterr().out)["sources"]}
    assert health["commerce-press"]["status"] == "rate_limited"
    assert health["commerce-press"]["paused_until"] is not None  # honours Retry-After


def test_failed_release_page_stays_pending_and_resumes(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sites["meti"].add(METI_JUCIP, status=500, body=b"oops")
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 3
    assert by_source(report)["meti-ja"]["status"] == "error"
    assert "HTTP 500" in by_source(report)["meti-ja"]["error"]
    assert report["releases"] == []
    del sites["meti"].routes[METI_JUCIP]
    # The listing has not changed (304), yet the pending release is retried and judged.
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 0
    assert by_source(report)["meti-ja"]["status"] == "not_modified"
    assert [r["url"] for r in report["releases"]] == [sites["meti"].url(METI_JUCIP)]
    assert report["releases"][0]["baseline"] is True


def test_layout_change_is_loud_and_not_cached(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    changed = (sites["meti"].root / "press/layout_changed.html").read_bytes()  # type: ignore[operator]
    sites["meti"].add(METI_LISTING, Route(body=changed, etag='"changed"'))
    for _ in range(2):  # the validators of a page we could not read are not kept
        code, report = check(config_path, capsys, "--source", "meti-ja")
        assert code == 3
        assert by_source(report)["meti-ja"]["status"] == "layout_changed"


def test_stale_listing_raises_the_alarm(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    from replay.loopback import config_text

    config = tmp_path / "c.toml"
    config.write_text(
        config_text(
            sites, database=tmp_path / "db.sqlite3", stale_after="30d", only=("meti-ja-latest",)
        )
    )
    code, report = check(config, capsys)
    assert code == 3
    source = by_source(report)["meti-ja-latest"]
    assert source["status"] == "stale"
    assert "2026-08-26" in source["error"]
    assert source["items"] == 20  # stale, but still read


def test_no_baseline_flag(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, report = check(config_path, capsys, "--no-baseline", "--source", "meti-en")
    assert report["releases"] and not any(r["baseline"] for r in report["releases"])


def test_killed_mid_poll_resumes_without_loss_or_repeat(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    slow = Route.file(sites["meti"].root / METI_JUCIP.lstrip("/"))  # type: ignore[operator]
    slow.delay = 30
    sites["meti"].add(METI_JUCIP, slow)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "watcher",
            "--config",
            str(config_path),
            "check",
            "--source",
            "meti-ja",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not sites["meti"].requests_to(METI_JUCIP) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sites["meti"].requests_to(METI_JUCIP), "the release page was never requested"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    del sites["meti"].routes[METI_JUCIP]
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 0
    assert [r["url"] for r in report["releases"]] == [sites["meti"].url(METI_JUCIP)]
    _, again = check(config_path, capsys, "--source", "meti-ja")
    assert again["releases"] == []
    urls = [d["url"] for d in history(config_path, capsys) if d["origin"] == "poll"]
    assert urls.count(sites["meti"].url(METI_JUCIP)) == 1


def test_malformed_html_is_still_read(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    root = meti.root
    assert root is not None
    listing = (root / METI_LISTING.lstrip("/")).read_text(encoding="utf-8")
    # Unclosed list items and divs, a stray closing tag, an unterminated comment at the end.
    broken_listing = (
        listing.replace("</li>", "").replace("</div></div>", "</div>").replace("</ul>", "</span>")
        + "<!-- cut off"
    )
    page = (root / METI_JUCIP.lstrip("/")).read_text(encoding="utf-8")
    broken_page = page.replace("</p>", "").replace("</li>", "<li>").replace("</body>", "")[:-40]
    meti.add(METI_LISTING, Route(body=broken_listing.encode(), etag='"broken"'))
    meti.add(METI_JUCIP, Route(body=broken_page.encode()))
    code, report = check(config_path, capsys, "--source", "meti-ja")
    assert code == 0
    assert by_source(report)["meti-ja"]["items"] == 6
    [release] = report["releases"]
    assert release["url"] == meti.url(METI_JUCIP) and release["series"] == ["jucip"]
    docs = history(config_path, capsys)
    [doc] = [d for d in docs if d["url"] == release["url"]]
    assert "semiconductors" in doc["topics"] and "export-controls" in doc["topics"]


def test_the_event_summary_reads_back_whole_with_what_an_alert_needs(
    config_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    meti = sites["meti"]
    check(config_path, capsys)
    add_new_meti_release(meti)
    check(config_path, capsys)
    add_english_version(meti)
    check(config_path, capsys, "--source", "meti-en")
    settings = load_settings(config_path)
    with Store.open(settings.storage.database, readonly=True) as store:
        first = store.document_by_url(meti.url(NEW_RELEASE))
        assert first is not None and first.event_id is not None
        summary = Archive(store, Analyzer(settings)).event_summary(first.event_id)
        event = store.event(first.event_id)
    assert summary is not None and event is not None
    assert summary.to_dict() == event.summary  # what is stored is the whole type
    assert EventSummary.from_dict(summary.to_dict()) == summary
    # The first version: the Japanese release of the 3rd ministerial, with its topics' labels.
    assert summary.lang == "ja" and summary.url == meti.url(NEW_RELEASE)
    assert summary.meeting is not None and summary.meeting.ordinal == 3
    assert summary.meeting.level == "ministerial" and summary.meeting.date == date(2024, 4, 10)
    assert summary.topic_label("critical-minerals") == "Critical minerals"
    assert summary.topics and all(summary.topic_label(t) != t for t in summary.topics)
    assert summary.key_commitments and {k.lang for k in summary.key_commitments} == {"ja"}
    # Compared with the previous meeting, whose date a renderer can show.
    comparison = summary.comparison
    assert comparison is not None and comparison.old.meeting is not None
    assert comparison.old.meeting.ordinal == 2 and comparison.old.when == date(2023, 5, 26)
    assert "critical-minerals" in comparison.first_in_series
    # Every version of the event, linked per language, commitments aligned across languages.
    assert [v.lang for v in summary.versions] == ["ja", "en"]
    assert summary.link("en") == summary.versions[1].url == summary.links["en"]
    gallium = next(k for k in summary.key_commitments if "ガリウム" in k.text)
    assert "gallium" in (summary.translation(gallium.text, "en") or "")
