"""Hostile but fair servers on loopback, one case each (issue 9): a Retry-After until 2099, a
host that accepts connections and never answers, a pass that outlives its deadline, a redirect
to a port that cannot exist, a poll cancelled by SIGTERM, a page that is not valid UTF-8.

Real CLI, real ReplayServer; each site here is a small listing of our own, polled as an `html`
source, so the test decides exactly what every page does.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from poll_helpers import check, read_store

from replay import ReplayServer, Route
from watcher.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = (
    "<html><head><title>Release {n}</title></head><body><main><h1>Release {n}</h1>"
    "<p>Secretary Raimondo and Minister Saito held the Japan-U.S. Commercial and Industrial "
    "Partnership (JUCIP) ministerial meeting number {n} and committed to strengthen semiconductor "
    "supply chains.</p></main></body></html>"
)


def small_site(pages: int = 4) -> ReplayServer:
    """A listing of `pages` releases (/r/0.html first) and their pages, on its own server."""
    site = ReplayServer().start()
    links = "".join(f'<li><a href="/r/{n}.html">Release {n}</a></li>' for n in range(pages))
    site.add("/list", body=f"<html><body><ul class='rel'>{links}</ul></body></html>".encode())
    for n in range(pages):
        site.add(f"/r/{n}.html", body=PAGE.format(n=n).encode())
    return site


def config(tmp_path: Path, site: ReplayServer, **fetch: Any) -> Path:
    settings = {"host_spacing": 0, "jitter": 0, "backoff": 0, "timeout": 10, **fetch}
    deadline = settings.pop("pass_deadline", None)
    lines = ["[storage]", f'database = "{tmp_path / "db.sqlite3"}"', "[fetch]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    if deadline is not None:
        lines += ["[schedule]", f"pass_deadline = {json.dumps(deadline)}"]
    lines += [
        "[[sources]]",
        'name = "site"',
        'kind = "html"',
        'item = "ul.rel li"',
        'stale_after = "5000d"',
        f'url = "{site.url("/list")}"',
    ]
    path = tmp_path / "c.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def site() -> Any:
    server = small_site()
    yield server
    server.stop()


def pending(tmp_path: Path) -> dict[str, Any]:
    """The source's pending items by page name ("0.html")."""
    with read_store(tmp_path / "db.sqlite3") as store:
        return {i.url.rsplit("/", 1)[1]: i for i in store.pending_items("site")}


# -- 4. Retry-After -------------------------------------------------------------------------------
def test_a_retry_after_in_2099_pauses_for_a_day_and_says_so(
    tmp_path: Path, site: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add("/list", status=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    cfg = config(tmp_path, site)
    code, report = check(cfg, capsys)
    assert code == 3 and report["sources"][0]["status"] == "rate_limited"
    assert main(["--config", str(cfg), "sources", "--json"]) == 0
    [health] = json.loads(capsys.readouterr().out)["sources"]
    with read_store(tmp_path / "db.sqlite3") as store:
        state = store.source_state("site")
        assert state is not None and state.paused_until is not None
        pause = state.paused_until - state.last_polled_at  # type: ignore[operator]
    assert 0 < pause.total_seconds() <= 86400
    assert "2099-10-21" in health["error"] and "paused for 24 hours instead" in health["error"]
    assert main(["--config", str(cfg), "sources"]) == 0
    # The detail column folds its words over lines; the other columns are blank meanwhile.
    table = re.sub(r"[\s│]", "", capsys.readouterr().out)
    assert "2099-10-21" in table and "pausedfor24hoursinstead" in table


# -- 5. a hung host -------------------------------------------------------------------------------
def test_after_a_release_page_times_out_the_rest_wait_for_the_next_pass(
    tmp_path: Path, site: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    hung = Route(body=PAGE.format(n=0).encode(), delay=20)
    site.add("/r/0.html", hung)  # accepts the connection, never answers in time
    cfg = config(tmp_path, site, timeout=0.5, retries=1)
    code, report = check(cfg, capsys)
    [source] = report["sources"]
    assert code == 3 and source["status"] == "timeout", source
    assert "3 more release page(s) wait for the next pass" in source["error"]
    # Only the page that timed out was tried (twice: one retry); the rest were not touched.
    assert len(site.requests_to("/r/0.html")) == 2
    assert not site.requests_to("/r/1.html")
    waiting = pending(tmp_path)
    assert sorted(waiting) == [f"{n}.html" for n in range(4)]
    assert [waiting[f"{n}.html"].attempts for n in range(4)] == [1, 0, 0, 0]

    site.add("/r/0.html", body=PAGE.format(n=0).encode())  # the host answers again
    code, report = check(cfg, capsys, "--source", "site")  # named: past the pause
    assert code == 0, report
    assert sorted(r["url"].rsplit("/", 1)[1] for r in report["releases"]) == [
        f"{n}.html" for n in range(4)
    ]


def test_a_source_pass_stops_at_its_deadline_and_resumes(
    tmp_path: Path, site: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(4):  # each page answers, slowly: no timeout, but the pass runs long
        site.add(f"/r/{n}.html", Route(body=PAGE.format(n=n).encode(), delay=0.6))
    cfg = config(tmp_path, site, timeout=5, pass_deadline=1)
    started = time.monotonic()
    code, report = check(cfg, capsys)
    assert time.monotonic() - started < 10  # not the 2.4 s x retries the pages would take
    [source] = report["sources"]
    assert code == 3 and source["status"] == "timeout", source
    assert "pass deadline (1 s) reached after" in source["error"]
    assert "wait for the next pass" in source["error"]
    waiting = pending(tmp_path)
    assert 0 < len(waiting) < 4 and all(i.attempts == 0 for i in waiting.values())
    assert len(report["releases"]) == 4 - len(waiting)

    for n in range(4):
        site.add(f"/r/{n}.html", body=PAGE.format(n=n).encode())
    code, report = check(cfg, capsys, "--source", "site")
    assert code == 0, report
    assert not pending(tmp_path)


def test_a_hung_listing_is_a_timeout_within_the_deadline(
    tmp_path: Path, site: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add("/list", Route(body=b"<html></html>", delay=20))
    cfg = config(tmp_path, site, timeout=5, retries=3, pass_deadline=1)
    code, report = check(cfg, capsys)
    [source] = report["sources"]
    assert code == 3 and source["status"] == "timeout"
    assert "pass deadline (1 s) reached while reading the listing" in source["error"]


# -- 6. tracebacks --------------------------------------------------------------------------------
def test_a_redirect_to_an_impossible_port_is_one_error_not_an_internal_one(
    tmp_path: Path, site: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add("/list", status=302, headers={"Location": "http://localhost:99999/list"})
    code, report = check(config(tmp_path, site), capsys)
    [source] = report["sources"]
    assert code == 3 and source["status"] == "error"
    assert "bad Location header" in source["error"] and "internal" not in source["error"]


def test_sigterm_during_a_poll_logs_one_line_and_exits_0(
    tmp_path: Path, site: ReplayServer
) -> None:
    site.add("/r/0.html", Route(body=PAGE.format(n=0).encode(), delay=30))
    cfg = config(tmp_path, site)
    proc = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(cfg), "run"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not site.requests_to("/r/0.html") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert site.requests_to("/r/0.html"), "the poll never reached the release page"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "CancelledError" not in err, err
    cancelled = [line for line in err.splitlines() if "cancelled" in line]
    assert len(cancelled) == 1 and "source=site" in cancelled[0], err


# -- 7. lossy decoding ----------------------------------------------------------------------------
def test_a_page_that_is_not_valid_utf8_is_archived_but_flagged(
    tmp_path: Path,
    site: ReplayServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = PAGE.format(n=0).encode().replace(b"semiconductor", b"semi\xff\xfeconductor")
    site.add("/r/0.html", body=broken, content_type="text/html; charset=utf-8")
    code, report = check(config(tmp_path, site), capsys)
    [source] = report["sources"]
    assert code == 0 and len(report["releases"]) == 4
    [warning] = source["warnings"]
    assert warning.startswith(f"release page {site.url('/r/0.html')} is not valid utf-8")
    assert any(warning in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
