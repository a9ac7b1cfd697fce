"""Fetcher.request, the API half of the one HTTP client: POST with JSON, form and multipart
bodies, per-call timeouts, no spacing, retries only when asked, answers classified and redacted
as GET's are. Against a real loopback server (replay.server) standing in for an API."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from replay.server import RecordedRequest, ReplayServer, Route
from watcher.config import fetch_config
from watcher.fetch import Fetcher, HttpAnswer, Timeouts
from watcher.models import SourceStatus

FAST = fetch_config(host_spacing=0, jitter=0, backoff=0, retries=2, timeout=5)
TOKEN = "123456:ABC-def_ghi"


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def call(method: str, url: str, config: Any = FAST, **kw: Any) -> HttpAnswer:
    async def go() -> HttpAnswer:
        async with Fetcher(config) as fetcher:
            return await fetcher.request(method, url, **kw)

    return run(go())


def echo(status: int = 200) -> Callable[[RecordedRequest], Route]:
    """An API that answers with what it received, as JSON."""

    def handler(req: RecordedRequest) -> Route:
        payload = {
            "method": req.method,
            "path": req.path,
            "content_type": req.headers.get("content-type", ""),
            "body": req.body.decode("utf-8", "replace"),
        }
        return Route(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    return handler


@pytest.fixture(scope="module")
def _server() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.fixture
def api(_server: ReplayServer) -> ReplayServer:
    _server.routes.clear()
    _server.requests.clear()
    return _server


def test_post_json(api: ReplayServer) -> None:
    api.add(f"/bot{TOKEN}/sendMessage", echo())
    answer = call("post", api.url(f"/bot{TOKEN}/sendMessage"), json={"chat_id": 1, "text": "日米"})
    assert answer.ok and answer.status is SourceStatus.OK and answer.error is None
    assert (answer.method, answer.http_status) == ("POST", 200)
    assert answer.headers["content-type"] == "application/json"
    got = json.loads(answer.body)
    assert got["method"] == "POST" and got["content_type"] == "application/json"
    assert json.loads(got["body"]) == {"chat_id": 1, "text": "日米"}


def test_post_form_and_multipart(api: ReplayServer) -> None:
    api.add("/form", echo())
    api.add("/upload", echo())
    form = json.loads(call("POST", api.url("/form"), data={"chat_id": "1", "text": "a b"}).body)
    assert form["content_type"] == "application/x-www-form-urlencoded"
    assert form["body"] == "chat_id=1&text=a+b"
    # As python-telegram-bot sends an upload: form fields and files in one multipart body.
    answer = call(
        "POST",
        api.url("/upload"),
        data={"chat_id": "1"},
        files={"document": ("alert.txt", b"JUCIP\n", "text/plain")},
    )
    upload = json.loads(answer.body)
    assert upload["content_type"].startswith("multipart/form-data; boundary=")
    assert 'name="chat_id"' in upload["body"] and 'filename="alert.txt"' in upload["body"]
    assert "JUCIP\n" in upload["body"]


def test_error_answers_keep_their_body(api: ReplayServer) -> None:
    # An API explains its refusals in the body; the caller needs code and body as they came.
    api.add("/bot/sendMessage", echo(status=403))
    answer = call("POST", api.url("/bot/sendMessage"), json={"chat_id": 1})
    assert answer.status is SourceStatus.BLOCKED and answer.http_status == 403
    assert answer.error == "HTTP 403 Forbidden"
    assert json.loads(answer.body)["method"] == "POST"
    api.add("/bad", status=400, body=b'{"ok":false,"description":"Bad Request"}')
    bad = call("POST", api.url("/bad"), json={})
    assert (bad.status, bad.http_status) == (SourceStatus.ERROR, 400)
    assert b"Bad Request" in bad.body


def test_throttling_is_rate_limited_and_retried_only_when_asked(api: ReplayServer) -> None:
    answers = [Route(status=429, headers={"Retry-After": "0"}, body=b"{}"), Route(body=b"{}")]
    api.add("/send", lambda _req: answers.pop(0) if len(answers) > 1 else answers[0])
    once = call("POST", api.url("/send"), json={})
    assert once.status is SourceStatus.RATE_LIMITED and once.retry_after == 0.0
    assert len(api.requests_to("/send")) == 1  # a POST is not repeated unless safe
    again = call("POST", api.url("/send"), json={}, retry=True)
    assert again.ok and len(api.requests_to("/send")) == 2


def test_a_long_retry_after_is_not_waited_for(api: ReplayServer) -> None:
    api.add("/send", status=429, headers={"Retry-After": "3600"}, body=b"{}")
    answer = call("POST", api.url("/send"), json={}, retry=True)
    assert answer.status is SourceStatus.RATE_LIMITED and answer.retry_after == 3600.0
    assert "exceeds" in (answer.error or "") and len(api.requests_to("/send")) == 1


def test_server_errors_are_retried_when_asked(api: ReplayServer) -> None:
    answers = [Route(status=502, body=b""), Route(body=b"{}")]
    api.add("/send", lambda _req: answers.pop(0) if len(answers) > 1 else answers[0])
    assert call("POST", api.url("/send"), json={}, retry=True).ok
    assert len(api.requests_to("/send")) == 2


def test_per_call_timeouts(api: ReplayServer) -> None:
    api.add("/slow", body=b"{}", delay=0.6)
    # A short read limit for this call only (the configured timeout is 5 s)...
    short = call("POST", api.url("/slow"), json={}, timeout=Timeouts(1, 0.1, 1, 1))
    assert short.status is SourceStatus.TIMEOUT and short.http_status is None
    assert call("POST", api.url("/slow"), json={}, timeout=0.1).status is SourceStatus.TIMEOUT
    # ...and a long one, as a long poll (getUpdates) needs.
    long = call("POST", api.url("/slow"), json={}, timeout=Timeouts(1, 10, 1, 1))
    assert long.ok and long.body == b"{}"


def test_api_calls_are_not_spaced(api: ReplayServer) -> None:
    api.add("/send", body=b"{}")
    polite = fetch_config(host_spacing=60, jitter=60, backoff=0, retries=0, timeout=5)

    async def burst() -> list[HttpAnswer]:
        async with Fetcher(polite) as fetcher:
            return [await fetcher.request("POST", api.url("/send"), json={}) for _ in range(4)]

    started = time.monotonic()
    assert all(a.ok for a in run(burst()))
    # Spaced (or jittered) like page fetches, four calls would take minutes.
    assert time.monotonic() - started < 20


def test_redirects_are_not_followed(api: ReplayServer) -> None:
    api.add("/moved", status=302, headers={"Location": "/elsewhere"}, body=b"")
    answer = call("POST", api.url("/moved"), json={})
    assert answer.status is SourceStatus.ERROR and answer.http_status == 302
    assert "not redirected" in (answer.error or "")
    assert api.requests_to("/elsewhere") == []


def test_token_in_the_path_never_reaches_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    caplog.set_level(logging.DEBUG, logger="watcher.fetch")
    answer = call("POST", f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage", json={}, retry=True)
    assert answer.status is SourceStatus.ERROR and answer.error == "connection refused"
    assert answer.body == b"" and answer.http_status is None
    assert "/bot***/sendMessage" in caplog.text  # the call was logged, redacted
    assert TOKEN not in caplog.text and TOKEN not in repr(answer)


def test_get_through_request_and_bad_urls(api: ReplayServer) -> None:
    api.add("/me", body=b'{"ok":true}', content_type="application/json")
    answer = call("GET", api.url("/me"))
    assert answer.ok and answer.body == b'{"ok":true}'
    assert api.requests_to("/me")[0].method == "GET"
    bad = call("POST", "ftp://example.org/x", json={})
    assert bad.status is SourceStatus.ERROR and (bad.error or "").startswith("bad URL")
