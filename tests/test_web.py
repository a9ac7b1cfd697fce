"""The daemon's web endpoint: a real server on an ephemeral loopback port, real HTTP requests.

The tracker and the feed follow the archive; `/healthz` says what `jucip-watch health` says;
one-click unsubscribe from a real alert mail ends that subscriber and no later alert is queued
for them; nothing outside the tracker folder is served; a port in use is one line; `run`
serves it all and stops cleanly."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import feedparser
import httpx
import pytest
from bs4 import BeautifulSoup
from delivery_helpers import mails_to, with_channels
from msgspec.structs import replace
from poll_helpers import add_english_version, add_new_meti_release, check, run_cli
from web_helpers import raw_get, running, wait_for

from replay import ReplayServer
from replay.process import Daemon
from replay.smtp import SmtpServer
from state import Store
from watcher.cli import main
from watcher.config import load_settings
from watcher.errors import UserError
from watcher.web.endpoint import WebEndpoint
from watcher.web.refresh import archive_version

ALICE, BOB = "alice@example.org", "bob@example.org"


def columns(response: httpx.Response) -> int:
    return len(BeautifulSoup(response.text, "lxml").select("table.matrix thead th.meeting"))


def test_the_tracker_and_the_feed_are_served_and_follow_the_archive(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(config_path)
    with running(settings) as web:
        # No database yet: the tracker shows the bundled history.
        index = wait_for(web.url, lambda r: r.status_code == 200)
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        before = columns(index)
        assert before >= 2
        code, _ = check(config_path, capsys)  # the archive grows: the daemon writes it again
        assert code == 0
        # The pass archived release by release; wait for the tracker of its last state.
        final = archive_version(settings.storage.database)
        wait_for(web.url, lambda r: web.refresher.version == final)
        index = httpx.get(web.url)
        assert columns(index) > before
        feed = httpx.get(web.url + "feed.xml")
        assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo and len(parsed.entries) == columns(index)
        # Every page the index links to is served, the same bytes as the folder holds.
        soup = BeautifulSoup(index.text, "lxml")
        pages = {a["href"] for a in soup.select("th.topic a")}
        assert pages
        for href in sorted(pages)[:5]:
            page = httpx.get(web.url + href)
            assert page.status_code == 200 and page.content == (web.folder / href).read_bytes()
        assert httpx.get(web.url + "index.html").content == index.content
        # A feed reader that has the current copy downloads nothing.
        again = httpx.get(web.url + "feed.xml", headers={"If-None-Match": feed.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        head = httpx.head(web.url + "feed.xml")
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == len(feed.content)
        assert httpx.post(web.url + "feed.xml").status_code == 405


def _health(config: Path) -> tuple[int, str]:
    done = run_cli("--config", str(config), "health")
    return done.returncode, (done.stdout or done.stderr).strip()


def test_healthz_says_what_health_says(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running(load_settings(config_path)) as web:
        answer = httpx.get(web.url + "healthz")
        code, line = _health(config_path)
        assert (answer.status_code, code) == (503, 1)
        assert answer.text.strip() == line and "no database" in line
        assert check(config_path, capsys)[0] == 0
        answer = httpx.get(web.url + "healthz")
        code, line = _health(config_path)
        assert (answer.status_code, code) == (200, 0)
        assert answer.text.strip() == line and line.startswith("healthy: 6 source(s) on time")
        assert answer.headers["cache-control"] == "no-store"


def test_one_click_unsubscribe_from_a_real_alert_mail(
    config_path: Path,
    sites: dict[str, ReplayServer],
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running(load_settings(config_path)) as web:
        # The mails link the endpoint as subscribers reach it.
        with_channels(config_path, monkeypatch, None, smtp_server, public_url=web.url.rstrip("/"))
        check(config_path, capsys)  # the silent baseline
        for address in (ALICE, BOB):
            assert main(["--config", str(config_path), "subscribers", "add", address]) == 0
        add_new_meti_release(sites["meti"])
        capsys.readouterr()
        assert check(config_path, capsys)[1]["deliveries"]["sent"] == 2
        [mail] = mails_to(smtp_server, ALICE)
        url = re.fullmatch(r"<([^>]+)>", mail["List-Unsubscribe"]).group(1)  # type: ignore[union-attr]
        assert url.startswith(web.url + "unsubscribe/")

        # GET shows a page with the button, and changes nothing (mail scanners follow links).
        for _ in range(2):
            page = httpx.get(url)
            assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
        form = BeautifulSoup(page.text, "lxml").select_one("form[method=post]")
        assert form is not None and "a•••@example.org" in page.text and ALICE not in page.text
        fields = {i["name"]: i["value"] for i in form.select("input")}
        assert fields == {"List-Unsubscribe": "One-Click"}
        assert _active(config_path, ALICE)
        # A POST without the one-click body is refused; the one-click POST ends Alice.
        assert httpx.post(url, data={"unsubscribe": "yes"}).status_code == 400
        assert _active(config_path, ALICE)
        done = httpx.post(url, data=fields)  # what a mail client's one-click sends
        assert done.status_code == 200 and "You are unsubscribed" in done.text
        assert not _active(config_path, ALICE) and _active(config_path, BOB)
        again = httpx.post(url, data=fields)  # idempotent
        assert again.status_code == 200 and "You are unsubscribed" in again.text
        assert "Already unsubscribed" in httpx.get(url).text

        # Unknown tokens are the same 404 as any unknown path, whatever the method.
        missing = httpx.get(web.url + "no-such-page")
        assert missing.status_code == 404
        for response in (
            httpx.get(web.url + "unsubscribe/" + "A" * 24),
            httpx.post(web.url + "unsubscribe/" + "A" * 24, data=fields),
            httpx.get(web.url + "unsubscribe/%3Cscript%3E"),
        ):
            assert (response.status_code, response.content) == (404, missing.content)
        # Multipart form data is one-click too (it gets past the body check to the token).
        multipart = httpx.post(web.url + "unsubscribe/" + "B" * 24, files=_one_click_part())
        assert multipart.status_code == 404

        # The next alert (the English version's follow-up) is queued for Bob only.
        add_english_version(sites["meti"])
        assert check(config_path, capsys, "--source", "meti-en")[1]["deliveries"]["sent"] == 1
        assert len(mails_to(smtp_server, ALICE)) == 1 and len(mails_to(smtp_server, BOB)) == 2


def _one_click_part() -> dict[str, tuple[None, str]]:
    return {"List-Unsubscribe": (None, "One-Click")}


def _active(config: Path, address: str) -> bool:
    with Store.open(load_settings(config).storage.database, readonly=True) as store:
        sub = store.find_subscriber("email", address)
        assert sub is not None
        return sub.active


@pytest.mark.parametrize(
    "target",
    [
        "/../beside.txt",
        "/topics/../../beside.txt",
        "/%2e%2e/beside.txt",
        "/topics/%2e%2e%2f%2e%2e%2fbeside.txt",
        "/topics/..%2F..%2Fbeside.txt",
        "//etc/passwd",
        "/topics/",
        "/topics",
        "/.index.html.tmp",
        "/secret.txt",
        "/topics/outside.html",
        "/index.html/",
        "/index.html%00.txt",
        "/feed.xml?../beside.txt",
        "/%ff.html",
    ],
)
def test_nothing_outside_the_tracker_is_served(
    tmp_path: Path, target: str, config_path: Path
) -> None:
    settings = load_settings(config_path)
    beside = settings.storage.database.parent / "beside.txt"  # the tracker folder's neighbour
    beside.write_text("the database's folder")
    with running(settings) as web:
        wait_for(web.url, lambda r: r.status_code == 200)
        (web.folder / ".index.html.tmp").write_text("half written")
        (web.folder / "secret.txt").write_text("not a tracker file")
        (web.folder / "topics" / "outside.html").symlink_to(beside)
        status, body = raw_get(web.url, target)
        if target == "/feed.xml?../beside.txt":  # a query string is only a query string
            assert status == 200 and body == (web.folder / "feed.xml").read_bytes()
            return
        assert (status, body) == (404, b"Not Found\n")


def test_malformed_and_oversized_requests_are_answered_briefly(config_path: Path) -> None:
    with running(load_settings(config_path)) as web:
        host, port = "127.0.0.1", web.server.port
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")
        big = httpx.post(web.url + "unsubscribe/" + "A" * 24, content=b"x" * 100_000)
        assert big.status_code == 413
        assert httpx.request("DELETE", web.url + "unsubscribe/" + "A" * 24).status_code == 405


def test_a_port_in_use_is_one_line_naming_the_setting(
    tmp_path: Path, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        listen = f"127.0.0.1:{busy.getsockname()[1]}"
        settings = load_settings(config_path)
        taken = replace(settings, web=replace(settings.web, listen=listen))
        with pytest.raises(UserError) as err, running(taken):
            pass
        assert f'[web] listen = "{listen}": the port is already in use' in str(err.value)
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace('listen = "127.0.0.1:0"', f'listen = "{listen}"'))
        assert main(["--config", str(config_path), "run"]) == 1
    out = capsys.readouterr()
    [line] = out.err.strip().splitlines()
    assert line.startswith("jucip-watch: [web] listen") and "free port" in line


def test_an_empty_listen_runs_no_endpoint(config_path: Path) -> None:
    settings = load_settings(config_path)
    off = replace(settings, web=replace(settings.web, listen=""))
    assert off.web.address() is None
    with pytest.raises(ValueError):
        WebEndpoint(off)


def test_run_serves_the_endpoint_and_stops_cleanly(config_path: Path) -> None:
    with config_path.open("a") as f:
        f.write('\n[schedule]\ninterval = "1h"\njitter = 0\n')
    daemon = Daemon(config_path)

    def served() -> str | None:
        found = re.search(r"web: serving .* on (http://\S+)", daemon.log())
        return found.group(1) if found else None

    try:
        daemon.wait(lambda: served() and len(daemon.sources_cycled()) >= 6)
        url, polled = served(), daemon.sources_cycled()
        assert url is not None and len(polled) == 6, daemon.log()
        health = wait_for(url + "healthz", lambda r: r.status_code == 200)
        assert health.text.startswith("healthy: 6 source(s) on time")
        index = wait_for(url, lambda r: r.status_code == 200 and columns(r) >= 4)
        assert "JUCIP" in index.text
    finally:
        before = len(daemon.lines)
        code = daemon.stop(timeout=30)
    rest = "".join(daemon.lines[before:])
    assert code == 0, rest
    assert "stopped" in rest and "Traceback" not in daemon.log()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "healthz")
