"""`jucip-watch backfill`: older listing pages of the recorded sites, archived without alerts."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from replay import ReplayServer
from replay.loopback import config_text
from state import Store
from tests.poll_helpers import CLOUDFLARE
from watcher.backfill import BackfillReport, backfill
from watcher.cli import main
from watcher.config import load_settings
from watcher.fetch import Fetcher
from watcher.pipeline import Poller

# The recorded METI pages are as of late August 2026.
TODAY = date(2026, 8, 26)
JUCIP_4TH_JA = "/press/2024/06/20240627001/20240627001.html"
LAUNCH = (
    "/news/press-releases/2021/11/"
    "joint-statement-between-department-commerce-secretary-gina-raimondo-and"
)


def configure(tmp_path: Path, sites: dict[str, ReplayServer]) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(config_text(sites, database=tmp_path / "db.sqlite3"), encoding="utf-8")
    return path


def walk(cfg: Path, source: str, **kw: object) -> BackfillReport:
    """The backfill of `source` in process, on the recorded sites' date."""
    settings = load_settings(cfg)

    async def go() -> BackfillReport:
        with Store.open(settings.storage.database) as store:
            async with Fetcher(settings.fetch) as fetcher:
                poller = Poller(settings, store, fetcher, clock=lambda: datetime.now(UTC))
                poller.archive.seed_bundled_history(poller.clock())
                return await backfill(poller, settings.source(source), today=TODAY, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def paths(site: ReplayServer) -> list[str]:
    return [r.path for r in site.requests]


def test_meti_months_back_to_since_within_what_the_site_keeps(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    cfg = configure(tmp_path, sites)
    report = walk(cfg, "meti-ja", pages=None, since=date(2023, 5, 1))
    # August 2026 back to April 2024, the start of the oldest fiscal year METI keeps (FY2024):
    # 2023-05 is older, so it is never asked for although --since reaches it.
    asked = [p for p in paths(sites["meti"]) if "/archive_" in p]
    assert asked[0] == "/press/archive_202608.html" and asked[-1] == "/press/archive_202404.html"
    assert len(asked) == 29 and "/press/archive_202305.html" not in asked
    statuses = {p.url.rsplit("_", 1)[1]: p.status for p in report.pages}
    assert statuses["202608.html"] == "ok" and statuses["202406.html"] == "ok"
    assert statuses["202607.html"] == "missing" and not report.failed
    # The 4th ministerial's Japanese original is archived silently, into the meeting the bundled
    # English release already made; the 20 decoys of August 2026 are judged and left out.
    assert [r.url.removeprefix(sites["meti"].base_url) for r in report.releases] == [JUCIP_4TH_JA]
    assert all(r.baseline for r in report.releases)
    with Store.open(tmp_path / "db.sqlite3", readonly=True) as store:
        doc = store.document_by_url(sites["meti"].url(JUCIP_4TH_JA))
        assert doc is not None and doc.baseline and doc.lang == "ja"
        event = store.event(doc.event_id or 0)
        assert event is not None and event.ordinal == 4 and event.baseline
        assert len(store.event_documents(event.id)) == 2
        # A catch-up is not a cycle: the source's health is untouched.
        state = store.source_state("meti-ja")
        assert state is not None and state.last_polled_at is None


def test_commerce_pages_stop_once_older_than_since(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = configure(tmp_path, sites)
    args = ["backfill", "--source", "commerce-press", "--since", "2021-10-01", "--json"]
    code = main(["--config", str(cfg), *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert [p["status"] for p in data["pages"]] == ["ok", "ok"]  # page 2 is all older: stop
    assert [r["url"].removeprefix(sites["commerce"].base_url) for r in data["releases"]] == [LAUNCH]
    asked = paths(sites["commerce"])
    assert "/news/press-releases?page=3" not in asked
    # Items before --since are not even fetched: the 2021-09 decoy, page 2's two.
    assert not [p for p in asked if "/2021/09/" in p or "/2021/06/" in p or "/2021/04/" in p]
    assert [p for p in asked if "/2021/10/" in p]
    # One line per listing page on stderr (not a TTY here), none on stdout but the JSON.
    lines = captured.err.strip().splitlines()
    assert len(lines) == 2 and all(
        line.startswith("backfill commerce-press: page ") for line in lines
    )
    with Store.open(tmp_path / "db.sqlite3", readonly=True) as store:
        launch = store.document_by_url(sites["commerce"].url(LAUNCH))
        assert launch is not None and launch.baseline
        bundled = store.event_documents(launch.event_id or 0)
        assert [d.origin for d in bundled] == ["bundled", "poll"]  # joined the bundled launch


def test_commerce_pages_end_where_the_site_lists_nothing(
    tmp_path: Path, sites: dict[str, ReplayServer], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = configure(tmp_path, sites)
    assert (
        main(["--config", str(cfg), "backfill", "--source", "commerce-press", "--pages", "9"]) == 0
    )
    out = " ".join(capsys.readouterr().out.split())  # as a person reads it, unwrapped
    assert "2 page(s) read" in out and "1 JUCIP/EPCC release(s) archived silently" in out
    asked = [p for p in paths(sites["commerce"]) if "?page=" in p]
    assert asked == [f"/news/press-releases?page={n}" for n in (1, 2, 3)]
    # Archived, and no news: the next check reports nothing new from these pages.
    assert main(["--config", str(cfg), "check", "--json", "--source", "commerce-press"]) == 0
    releases = json.loads(capsys.readouterr().out)["releases"]
    assert LAUNCH not in " ".join(r["url"] for r in releases)


def test_a_blocked_page_stops_the_walk_and_fails(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    meti = sites["meti"]
    meti.add("/english/press/2026/nBackIssue202607.html", status=403, body=CLOUDFLARE)
    cfg = configure(tmp_path, sites)
    report = walk(cfg, "meti-en", pages=5, since=None)
    assert [p.status for p in report.pages] == ["missing", "blocked"]
    assert report.failed
    assert "/english/press/2026/nBackIssue202606.html" not in paths(meti)


def test_english_back_issues_are_named_by_fiscal_year(
    tmp_path: Path, sites: dict[str, ReplayServer]
) -> None:
    cfg = configure(tmp_path, sites)
    report = walk(cfg, "meti-en", pages=None, since=date(2024, 6, 1))
    urls = [p.url.removeprefix(sites["meti"].base_url) for p in report.pages]
    # January to March belong to the fiscal year that began the April before.
    assert "/english/press/2025/nBackIssue202603.html" in urls
    assert "/english/press/2024/nBackIssue202501.html" in urls
    assert urls[-1] == "/english/press/2024/nBackIssue202406.html"
    assert [r.title for r in report.releases] and all("JUCIP" in r.title for r in report.releases)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--source", "nope"], "no source named 'nope'"),
        (["--source", "state-eap"], "kind rss) has no older listing pages"),
        (["--source", "meti-ja", "--since", "2024-13-01"], "write it as YYYY-MM-DD"),
        (["--source", "meti-ja", "--since", "2999-01-01"], "is in the future"),
        (["--source", "meti-ja", "--pages", "0"], "give 1 or more"),
    ],
)
def test_backfill_mistakes_are_one_line(
    tmp_path: Path,
    sites: dict[str, ReplayServer],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragment: str,
) -> None:
    cfg = configure(tmp_path, sites)
    assert main(["--config", str(cfg), "backfill", *args]) == 1
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert not any(s.requests for s in sites.values())  # nothing fetched for a mistake
