"""The tracker in a real headless browser (Debian's chromium): the matrix, the marks and the
links are in the rendered DOM, the page is laid out for a desktop and for a phone, and a topic
page renders its timeline. `.ci/run` installs chromium; without one the tests are skipped.

A probe script is appended to a copy of each page: it measures the laid-out page (computed
styles, scroll widths, element sizes). The copy is loaded in an iframe of the viewport's size
(headless chromium lays out no window narrower than 500 px, a phone is 390), and the probe
writes the figures and the rendered DOM into the frame's DOM, which `--dump-dom` prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from replay import serve_sites
from replay.loopback import SITES, config_text
from state import Store
from watcher.cli import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # The frame reads the page's DOM; both are files, which chromium keeps apart by default.
    "--allow-file-access-from-files",
)
PROBE = """<script>
(function () {
  var d = document.documentElement, s = document.querySelector('.matrix-scroll');
  var corner = document.querySelector('tbody th.topic');
  var marks = Array.prototype.slice.call(document.querySelectorAll('td.mark, ol.timeline > li'));
  var figures = {
    viewport: window.innerWidth,
    page: d.scrollWidth,
    scroller: s ? s.clientWidth : null,
    matrix: s ? s.scrollWidth : null,
    sticky: corner ? getComputedStyle(corner).position : null,
    hidden: marks.filter(function (m) { return m.offsetWidth === 0 || m.offsetHeight === 0; })
      .length,
    marks: marks.length
  };
  // Into the frame's DOM, which --dump-dom prints (the frame and the page are both files).
  parent.document.getElementById('probe').textContent =
    JSON.stringify({figures: figures, dom: d.outerHTML});
})();
</script>"""
FRAME = """<!DOCTYPE html><html><body style="margin:0"><pre id="probe"></pre>
<iframe src="{src}" width="{width}" height="{height}" style="border:0"></iframe>
</body></html>"""


def browser() -> str | None:
    return next((path for b in BROWSERS if (path := shutil.which(b))), None)


pytestmark = pytest.mark.skipif(
    browser() is None,
    reason="no headless browser (apt-get install chromium; .ci/run installs it)",
)


def render(page: Path, tmp: Path, width: int, height: int) -> tuple[BeautifulSoup, dict[str, Any]]:
    """Load `page` (a probed copy of it) in chromium at width x height; (DOM, figures)."""
    probed = page.with_name(f".probe-{width}-{page.name}")
    frame = page.with_name(f".frame-{width}-{page.name}")
    html = page.read_text(encoding="utf-8")
    probed.write_text(html.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    frame.write_text(FRAME.format(src=probed.name, width=width, height=height), encoding="utf-8")
    try:
        result = subprocess.run(
            [
                browser() or "chromium",
                *FLAGS,
                f"--user-data-dir={tmp / f'profile-{width}'}",
                "--window-size=1280,1000",
                "--dump-dom",
                frame.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probed.unlink()
        frame.unlink()
    assert result.returncode == 0, result.stderr[-2000:]
    probe = BeautifulSoup(result.stdout, "lxml").select_one("pre#probe")
    assert probe is not None and probe.get_text(), result.stdout[-2000:]
    data = json.loads(probe.get_text())
    return BeautifulSoup(data["dom"], "lxml"), data["figures"]


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, set[str]]]:
    """The report of the recorded sites' archive, and every URL that archive holds."""
    tmp = tmp_path_factory.mktemp("browser")
    servers = serve_sites(SITES)
    try:
        cfg = tmp / "c.toml"
        cfg.write_text(config_text(servers, database=tmp / "db.sqlite3"), encoding="utf-8")
        assert main(["--config", str(cfg), "check", "--json"]) == 0
    finally:
        for s in servers.values():
            s.stop()
    assert main(["--config", str(cfg), "report", "--out", str(tmp / "site")]) == 0
    with Store.open(tmp / "db.sqlite3", readonly=True) as store:
        documents = store.documents()
    held = {d.url for d in documents} | {u for d in documents for u in d.alternates.values()}
    yield tmp / "site", held


def test_the_matrix_marks_and_links_render(tracker: tuple[Path, set[str]], tmp_path: Path) -> None:
    site, held = tracker
    dom, figures = render(site / "index.html", tmp_path, 1280, 900)
    columns = dom.select("table.matrix thead th.meeting")
    # JUCIP's and the EPCC's meetings in the recorded archive: the launch, the 2nd and 4th JUCIP
    # ministerials, the 2nd EPCC (the January 2024 readout of the same ministers is a mention).
    assert len(columns) >= 4
    assert [th["data-series"] for th in dom.select("th.series")] == ["jucip", "epcc"]
    rows = dom.select("table.matrix tbody tr")
    assert rows and all(len(r.select("td.mark")) == len(columns) for r in rows)
    shown = {td["data-mark"] for td in dom.select("td.mark")}
    # The 4th ministerial is known from METI's summaries, compared with the 2nd's joint
    # statement: the topics only the statement names are "not in the summary", as the alerts say.
    assert {"first", "present", "dropped", "not-in-summary"} <= shown
    unsaid = dom.select_one('td.mark[data-mark="not-in-summary"]')
    assert unsaid is not None and "not in the summary" in unsaid["title"]
    assert unsaid.select_one("span.sr").get_text() == "not in the summary"
    article = dom.select_one(f"article#m{unsaid['data-event']}")
    assert article is not None and article.select_one("p.caveat") is not None
    assert "Not in the summary:" in article.get_text()
    assert figures["marks"] == len(rows) * len(columns) and figures["hidden"] == 0
    assert figures["sticky"] == "sticky"
    # Every link is to a page of the report, an anchor on this page, or a URL the archive holds.
    anchors = {f"#{node['id']}" for node in dom.select("[id]")}
    hrefs = [a["href"] for a in dom.select("a[href]")]
    assert hrefs
    for href in hrefs:
        if href.startswith("#"):
            assert href in anchors, href
        elif href.startswith(("http://", "https://")):
            assert href in held, href
        else:
            assert (site / href).is_file(), href
    assert {a["hreflang"] for a in dom.select("ul.links a[hreflang]")} == {"en", "ja"}


def test_on_a_phone_only_the_matrix_scrolls_sideways(
    tracker: tuple[Path, set[str]], tmp_path: Path
) -> None:
    site, _ = tracker
    _, figures = render(site / "index.html", tmp_path, 390, 844)
    assert figures["viewport"] == 390
    assert figures["page"] <= figures["viewport"], figures  # the page itself does not overflow
    assert figures["matrix"] > figures["scroller"], figures  # the matrix scrolls in its box
    assert figures["sticky"] == "sticky" and figures["hidden"] == 0


def test_a_topic_page_shows_its_timeline(tracker: tuple[Path, set[str]], tmp_path: Path) -> None:
    site, _ = tracker
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    row = next(r for r in index.select("tbody tr") if r.select('td[data-mark="dropped"]'))
    page = site / row.select_one("th.topic a")["href"]
    dom, figures = render(page, tmp_path, 390, 844)
    items = dom.select("ol.timeline > li")
    expected = [td["data-event"] for td in row.select("td.mark") if td["data-mark"] != "absent"]
    assert [li["data-event"] for li in items] == expected
    assert items[0]["data-mark"] == "first"
    assert any(li["data-mark"] == "dropped" for li in items)
    assert figures["hidden"] == 0 and figures["page"] <= figures["viewport"]
    back = dom.select_one('nav a[href="../index.html"]')
    assert back is not None and (page.parent / back["href"]).is_file()


def test_a_topic_page_shows_where_a_summary_does_not_name_it(
    tracker: tuple[Path, set[str]], tmp_path: Path
) -> None:
    site, _ = tracker
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    row = next(r for r in index.select("tbody tr") if r.select('td[data-mark="not-in-summary"]'))
    page = site / row.select_one("th.topic a")["href"]
    dom, figures = render(page, tmp_path, 390, 844)
    [item] = dom.select('ol.timeline > li[data-mark="not-in-summary"]')
    assert "Not in the summary" in item.select_one("p.meta").get_text()
    assert "may still have been discussed" in item.get_text()
    assert figures["hidden"] == 0 and figures["page"] <= figures["viewport"]
