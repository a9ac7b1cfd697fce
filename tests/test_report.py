"""`jucip-watch report`: the tracker pages and feed.xml from a real archive, read back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from state import Store
from watcher.archive import Analyzer, Archive
from watcher.cli import main
from watcher.config import settings_from_dict
from watcher.models import Document

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
HOSTILE_TITLE = 'Fourth JUCIP Ministerial <script>alert("title")</script>'
HOSTILE_TEXT = (
    "Minister Saito and Secretary Raimondo held the fourth ministerial meeting of the "
    "Japan-U.S. Commercial and Industrial Partnership (JUCIP) in Washington on June 26, 2024.\n\n"
    'They committed to strengthen semiconductor supply chains <img src=x onerror="alert(1)">.\n\n'
    'They agreed to cooperate on export controls <a href="https://evil.example/">here</a>.'
)


def config(tmp_path: Path, db: Path | None = None) -> Path:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[storage]\ndatabase = "{db or tmp_path / "db.sqlite3"}"\n')
    return cfg


def report(cfg: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["--config", str(cfg), "report", "--out", str(out), *extra]) == 0
    return capsys.readouterr().out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def test_the_bundled_history_alone_makes_a_tracker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, out = config(tmp_path), tmp_path / "site"
    assert "Wrote the tracker" in report(cfg, out, capsys)
    assert not (tmp_path / "db.sqlite3").exists()  # nothing is stored by a report

    page = soup(out / "index.html")
    dates = [th.select_one(".date").get_text() for th in page.select("th.meeting")]
    assert dates == sorted(dates) and len(dates) == 3  # the JUCIP launch, 2nd and 4th meetings
    assert [th["data-series"] for th in page.select("th.series")] == ["jucip"]
    rows = page.select("tbody tr")
    assert rows and all(len(r.select("td.mark")) == 3 for r in rows)
    # Each row has exactly one "first" mark in its series, before any other mark.
    for r in rows:
        seen = [td["data-mark"] for td in r.select("td.mark") if td["data-mark"] != "absent"]
        assert seen[0] == "first" and seen.count("first") == 1, r["data-topic"]
    # Every topic row links to its page, and the page exists and links back.
    for a in page.select("tbody th.topic a"):
        topic = out / a["href"]
        assert topic.is_file()
        assert soup(topic).select_one('nav a[href="../index.html"]') is not None
    # No asset is loaded from anywhere: no script, no stylesheet link, no image.
    html = (out / "index.html").read_text(encoding="utf-8")
    assert not page.select("script, img, link[rel=stylesheet], iframe")
    assert "@import" not in html and "url(" not in html
    # Both languages of the 2nd ministerial are linked.
    langs = {a.get("hreflang") for a in page.select("#m2 ul.links a")}
    assert langs == {"en", "ja"}


def test_stale_topic_pages_go_and_nothing_half_written_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, out = config(tmp_path), tmp_path / "site"
    (out / "topics").mkdir(parents=True)
    (out / "topics" / "gone-topic.html").write_text("old")
    (out / "notes.txt").write_text("mine")
    report(cfg, out, capsys)
    assert not (out / "topics" / "gone-topic.html").exists()
    assert (out / "notes.txt").read_text() == "mine"  # only our files are touched
    assert not list(out.rglob("*.tmp"))


def test_feed_parses_back_with_stable_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, out = config(tmp_path), tmp_path / "a"
    report(cfg, out, capsys, "--base-url", "https://watch.example.org/jucip")
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title.startswith("JUCIP Watch")
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == "https://watch.example.org/jucip/feed.xml"
    assert len(feed.entries) == 3
    for entry in feed.entries:
        assert entry.id.startswith("urn:uuid:")
        assert entry.updated_parsed and entry.published_parsed and entry.title
        assert entry.link.startswith("https://www.")  # the first archived release
        assert entry.summary
        assert "<li><strong>" in entry.content[0].value  # key commitments with strengths
    fourth = next(e for e in feed.entries if "4th ministerial" in e.title)
    assert {"critical-minerals", "economic-coercion"} <= {t.term for t in fourth.tags}
    # A rebuilt archive keeps the entry ids (they come from the release URLs, not row ids).
    report(config(tmp_path, tmp_path / "other.sqlite3"), tmp_path / "b", capsys)
    again = feedparser.parse((tmp_path / "b" / "feed.xml").read_bytes())
    assert {e.id for e in again.entries} == {e.id for e in feed.entries}


def test_scraped_markup_is_escaped_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    settings = settings_from_dict({"storage": {"database": str(db)}})
    doc = Document(
        url="https://www.meti.go.jp/english/press/2024/0627_009.html",
        title=HOSTILE_TITLE,
        text=HOSTILE_TEXT,
        lang="en",
        date=datetime(2024, 6, 27).date(),
        alternates={"ja": 'javascript:alert("alt")'},
    )
    with Store.open(db) as store:
        archive = Archive(store, Analyzer(settings))
        judgement = archive.analyzer.judge(doc)
        assert judgement.relevant
        with store.transaction():
            archive.add(doc, judgement, source="meti-en", origin="poll", baseline=False, now=_now())
    out = tmp_path / "site"
    report(config(tmp_path, db), out, capsys)
    pages = [out / "index.html", *sorted((out / "topics").glob("*.html"))]
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text and 'evil.example/"' not in text
        assert not re.search(r'href="javascript:', text, re.I)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in index
    assert "&lt;img src=x" in index
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo
    for entry in feed.entries:
        # Archived http(s) URLs, and the tracker beside the feed; nothing else.
        assert all(link.href.startswith(("http", "index.html#")) for link in entry.links)
    raw = (out / "feed.xml").read_text(encoding="utf-8")  # feedparser sanitises: read it raw
    assert "<script" not in raw and "javascript:" not in raw


def test_report_mistakes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(tmp_path)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for args, fragment in (
        (["--out", str(a_file)], "is a file, not a folder"),
        (["--out", "/proc/jucip-no-such/out"], "give --out a folder this user can write"),
        (["--out", str(tmp_path / "o"), "--base-url", "ftp://x"], "not an http(s) URL"),
        (["--out", str(tmp_path / "o"), "--base-url", "https://x:99999/"], "port must be"),
    ):
        assert main(["--config", str(cfg), "report", *args]) == 1
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1, err


def _now() -> datetime:
    return datetime.now(UTC)


def test_the_tracker_marks_what_the_alerts_comparison_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each meeting's marks are its meeting-level comparison (`Archive.compare_event`): the
    bundled 4th ministerial is METI's summary, compared with the 2nd's joint statement, so the
    topics only the statement names are "not in the summary", never "disappears"."""
    cfg, out = config(tmp_path), tmp_path / "site"
    report(cfg, out, capsys)
    page = soup(out / "index.html")
    dates = [th.select_one(".date").get_text() for th in page.select("th.meeting")]
    marks = {
        (dates[i], tr["data-topic"]): td["data-mark"]
        for tr in page.select("tbody tr")
        for i, td in enumerate(tr.select("td.mark"))
    }
    settings = settings_from_dict({"storage": {"database": str(tmp_path / "db.sqlite3")}})
    with Store.throwaway(settings.storage.database) as store:
        archive = Archive(store, Analyzer(settings))
        archive.seed_bundled_history(datetime.now(UTC))
        compared = {
            (e.meeting_date or e.first_posted).isoformat(): archive.compare_event(e.id)
            for e in store.events()
        }
    unsaid_seen = 0
    for when, c in compared.items():
        if c is None:
            continue
        at = {topic: mark for (day, topic), mark in marks.items() if day == when}
        by_mark = {m: {t for t, mark in at.items() if mark == m} for m in set(at.values())}
        missing = set(c.not_in_summary)
        assert by_mark.get("dropped", set()) == set(c.dropped_topics) - missing, when
        expected_unsaid = missing if c.shorter == "new" else set()
        assert by_mark.get("not-in-summary", set()) == expected_unsaid, when
        assert by_mark.get("first", set()) == set(c.first_in_series), when
        unsaid_seen += len(expected_unsaid)
        # The meeting's article carries the comparison's caveat.
        if c.caveat:
            assert c.caveat in page.get_text(" ")
    assert unsaid_seen > 0
    assert "not in the summary" in page.select_one("ul.legend").get_text()
