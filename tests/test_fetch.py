"""watcher.fetch against real loopback servers (replay.server): every outcome class, politeness,
conditional requests, retries, redirects and redaction. No mocks; waits are configured away
(backoff 0, jitter 0) except where a test is about waiting."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import logging
import socket
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from replay.server import RecordedRequest, ReplayServer, Route
from watcher.config import DEFAULT_USER_AGENT, FetchConfig, fetch_config
from watcher.fetch import Fetcher, FetchResult, Validators, same_site
from watcher.models import SourceStatus

ENCODINGS = Path(__file__).parent / "fixtures" / "encodings"
FAST_VALUES = {"host_spacing": 0, "jitter": 0, "backoff": 0, "retries": 2, "timeout": 5}
FAST = fetch_config(**FAST_VALUES)
PAGE = "<html><head><title>ニュースリリース</title></head><body>日米</body></html>".encode()
CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<script>window._cf_chl_opt={cvId:"3"};</script>'
    b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>'
)
AWS_WAF = (
    b'<!DOCTYPE html><html lang="en"><head><title></title><script>'
    b'window.gokuProps = {"key":"AQID","iv":"CgAH","context":"x"};</script>'
    b'<script src="https://abc.edge.sdk.awswaf.com/abc/challenge.js"></script></head>'
    b"<body><noscript>JavaScript is disabled</noscript></body></html>"
)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def fetch(url: str, config: FetchConfig = FAST, **kw: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.get(url, **kw)

    return run(go())


def sequence(*routes: Route) -> Callable[[RecordedRequest], Route]:
    """A handler answering with each route in turn, then the last one forever."""
    pending = list(routes)

    def handler(_: RecordedRequest) -> Route:
        return pending.pop(0) if len(pending) > 1 else pending[0]

    return handler


def fast(**kw: Any) -> FetchConfig:
    return fetch_config(**{**FAST_VALUES, **kw})


# Servers live for the module (stopping one costs half a second); each test gets them empty.
@pytest.fixture(scope="module")
def _servers() -> Iterator[tuple[ReplayServer, ReplayServer]]:
    with ReplayServer() as one, ReplayServer() as two:
        yield one, two


def _reset(server: ReplayServer) -> ReplayServer:
    server.routes.clear()
    server.requests.clear()
    return server


@pytest.fixture
def site(_servers: tuple[ReplayServer, ReplayServer]) -> ReplayServer:
    return _reset(_servers[0])


@pytest.fixture
def other(_servers: tuple[ReplayServer, ReplayServer]) -> ReplayServer:
    """A second host (another port on loopback)."""
    return _reset(_servers[1])


# -- plain outcomes ----------------------------------------------------------------------------
def test_ok_returns_decoded_text_and_validators(site: ReplayServer) -> None:
    site.add("/p", body=PAGE, etag='"v1"', last_modified="Wed, 26 Aug 2026 09:00:00 GMT")
    result = fetch(site.url("/p"))
    assert result.ok and not result.failed
    assert result.status is SourceStatus.OK
    assert (result.http_status, result.encoding, result.size) == (200, "utf-8", len(PAGE))
    assert result.text is not None and "ニュースリリース" in result.text
    assert result.validators == Validators('"v1"', "Wed, 26 Aug 2026 09:00:00 GMT")
    assert result.final_url == result.url == site.url("/p")
    assert result.error is None and result.elapsed > 0


def test_undeclared_shift_jis_page_is_decoded(site: ReplayServer) -> None:
    site.add("/p", Route.file(ENCODINGS / "sjis_nodecl.html"))  # text/html, no charset: as METI
    result = fetch(site.url("/p"))
    assert (result.status, result.encoding) == (SourceStatus.OK, "cp932")
    assert result.text is not None and "日米商務・産業パートナーシップ" in result.text


def test_etag_round_trip_gives_not_modified(site: ReplayServer) -> None:
    site.add("/p", body=PAGE, etag='"v1"', last_modified=None)

    async def go() -> tuple[FetchResult, FetchResult]:
        async with Fetcher(FAST) as fetcher:
            first = await fetcher.get(site.url("/p"))
            return first, await fetcher.get(site.url("/p"), validators=first.validators)

    first, second = run(go())
    assert first.validators == Validators(etag='"v1"')
    assert second.status is SourceStatus.NOT_MODIFIED
    assert (second.http_status, second.text, second.size) == (304, None, 0)
    assert not second.ok and not second.failed
    assert second.validators == first.validators
    sent = [r.headers for r in site.requests_to("/p")]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"'
    assert "if-modified-since" not in sent[1]


def test_last_modified_round_trip_gives_not_modified(site: ReplayServer) -> None:
    stamp = "Wed, 26 Aug 2026 09:00:00 GMT"
    site.add("/p", body=PAGE, last_modified=stamp)
    result = fetch(site.url("/p"), validators=Validators(last_modified=stamp))
    assert result.status is SourceStatus.NOT_MODIFIED
    assert result.validators == Validators(last_modified=stamp)
    [request] = site.requests_to("/p")
    assert request.headers["if-modified-since"] == stamp
    assert "if-none-match" not in request.headers


def test_changed_page_returns_new_validators(site: ReplayServer) -> None:
    site.add("/p", body=PAGE, etag='"v2"')
    result = fetch(site.url("/p"), validators=Validators(etag='"v1"'))
    assert result.ok and result.validators.etag == '"v2"'


def test_not_found_is_an_error_and_not_retried(site: ReplayServer) -> None:
    result = fetch(site.url("/missing"))
    assert (result.status, result.http_status) == (SourceStatus.ERROR, 404)
    assert result.error == "HTTP 404 Not Found"
    assert len(site.requests) == 1


# -- bot blocking --------------------------------------------------------------------------------
def test_403_cloudflare_challenge_is_blocked(site: ReplayServer) -> None:
    site.add("/feed", status=403, body=CLOUDFLARE)
    result = fetch(site.url("/feed"))
    assert (result.status, result.http_status) == (SourceStatus.BLOCKED, 403)
    assert result.error is not None and "Cloudflare" in result.error
    assert result.text is None
    assert len(site.requests) == 1  # blocks are not retried


def test_plain_403_is_blocked(site: ReplayServer) -> None:
    site.add("/feed", status=403, body=b"Forbidden")
    result = fetch(site.url("/feed"))
    assert (result.status, result.error) == (SourceStatus.BLOCKED, "HTTP 403 Forbidden")


def test_202_with_empty_body_is_blocked(site: ReplayServer) -> None:
    site.add("/press/index.html", status=202, body=b"")
    result = fetch(site.url("/press/index.html"))
    assert (result.status, result.http_status) == (SourceStatus.BLOCKED, 202)
    assert result.error is not None and "202" in result.error


def test_200_aws_waf_challenge_is_blocked(site: ReplayServer) -> None:
    site.add("/press/index.html", body=AWS_WAF)
    result = fetch(site.url("/press/index.html"))
    assert (result.status, result.http_status) == (SourceStatus.BLOCKED, 200)
    assert result.error is not None and "AWS WAF" in result.error


def test_503_challenge_is_blocked_not_retried(site: ReplayServer) -> None:
    site.add("/p", status=503, body=CLOUDFLARE)
    assert fetch(site.url("/p")).status is SourceStatus.BLOCKED
    assert len(site.requests) == 1


def test_real_page_with_cloudflare_analytics_script_is_ok(site: ReplayServer) -> None:
    # Cloudflare injects this script into ordinary pages; a real page must not look blocked.
    script = b"<script>a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';</script>"
    body = b"<html><body>" + b"<p>Readout of the meeting.</p>" * 1000 + script + b"</body></html>"
    site.add("/news", body=body)
    assert fetch(site.url("/news")).status is SourceStatus.OK


# -- throttling and retries ---------------------------------------------------------------------
def test_429_with_short_retry_after_is_retried_after_waiting(site: ReplayServer) -> None:
    site.add("/p", sequence(Route(status=429, headers={"Retry-After": "1"}), Route(body=PAGE)))
    result = fetch(site.url("/p"))
    assert result.ok
    first, second = site.requests_to("/p")
    assert second.at - first.at >= 1.0


def test_429_with_long_retry_after_is_not_waited_for(site: ReplayServer) -> None:
    site.add("/p", status=429, headers={"Retry-After": "9999"})
    started = time.monotonic()
    result = fetch(site.url("/p"))
    assert time.monotonic() - started < 60  # nowhere near 9999 s
    assert (result.status, result.http_status) == (SourceStatus.RATE_LIMITED, 429)
    assert result.retry_after == 9999
    assert result.error is not None and "Retry-After" in result.error
    assert len(site.requests) == 1


def test_retry_after_as_http_date(site: ReplayServer) -> None:
    past = email.utils.formatdate(time.time() - 5, usegmt=True)
    future = email.utils.formatdate(time.time() + 86400, usegmt=True)
    site.add("/soon", sequence(Route(status=429, headers={"Retry-After": past}), Route(body=PAGE)))
    site.add("/later", status=429, headers={"Retry-After": future})
    assert fetch(site.url("/soon")).ok
    later = fetch(site.url("/later"))
    assert later.status is SourceStatus.RATE_LIMITED
    assert later.retry_after is not None and 86000 < later.retry_after <= 86400


def test_429_after_retries_is_rate_limited(site: ReplayServer) -> None:
    site.add("/p", status=429, headers={"Retry-After": "0"})
    result = fetch(site.url("/p"), fast(retries=1))
    assert (result.status, result.retry_after) == (SourceStatus.RATE_LIMITED, 0)
    assert len(site.requests) == 2


def test_503_then_200_is_ok(site: ReplayServer) -> None:
    site.add("/p", sequence(Route(status=503, body=b"busy"), Route(body=PAGE)))
    result = fetch(site.url("/p"))
    assert result.ok and result.http_status == 200
    assert len(site.requests_to("/p")) == 2


def test_persistent_5xx_is_an_error_after_all_retries(site: ReplayServer) -> None:
    site.add("/p", status=502, body=b"bad gateway")
    result = fetch(site.url("/p"), fast(retries=2))
    assert (result.status, result.error) == (SourceStatus.ERROR, "HTTP 502 Bad Gateway")
    assert len(site.requests) == 3


def test_slow_answer_is_a_timeout(site: ReplayServer) -> None:
    site.add("/slow", body=PAGE, delay=1.0)
    result = fetch(site.url("/slow"), fast(timeout=0.2, retries=1))
    assert result.status is SourceStatus.TIMEOUT
    assert result.error == "timed out after 0.2 s"
    assert len(site.requests) == 2  # timeouts are retried


# -- broken answers -----------------------------------------------------------------------------
def test_truncated_body_is_an_error(site: ReplayServer) -> None:
    site.add("/p", body=b"x" * 1000, truncate_to=100)
    result = fetch(site.url("/p"), fast(retries=0))
    assert result.status is SourceStatus.ERROR
    assert result.error is not None and result.error.startswith("body truncated")
    assert result.text is None


def test_oversized_response_is_refused(site: ReplayServer) -> None:
    site.add("/big", body=b"x" * 5000)
    result = fetch(site.url("/big"), fast(max_bytes=1000))
    assert (result.status, result.error) == (SourceStatus.ERROR, "response larger than 1000 bytes")
    assert len(site.requests) == 1


def test_oversized_compressed_body_is_stopped_while_streaming(site: ReplayServer) -> None:
    # Small on the wire (Content-Length passes the check), big once inflated.
    bomb = gzip.compress(b"a" * 2_000_000)
    site.add("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    result = fetch(site.url("/bomb"), fast(max_bytes=100_000))
    assert len(bomb) < 100_000
    assert (result.status, result.error) == (
        SourceStatus.ERROR,
        "response larger than 100000 bytes",
    )


def test_refused_connection_is_an_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/", fast(retries=0))
    assert (result.status, result.error) == (SourceStatus.ERROR, "connection refused")
    assert result.http_status is None


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url", "http:///nohost", ""])
def test_bad_url_is_an_error_not_an_exception(url: str) -> None:
    result = fetch(url)
    assert result.status is SourceStatus.ERROR
    assert result.error is not None and result.error.startswith("bad URL")


# -- redirects ------------------------------------------------------------------------------------
def test_on_site_redirect_is_followed(site: ReplayServer) -> None:
    site.add("/old", status=301, headers={"Location": "/new"})
    site.add("/new", body=PAGE)
    result = fetch(site.url("/old"))
    assert result.ok
    assert (result.url, result.final_url) == (site.url("/old"), site.url("/new"))
    assert len(site.requests_to("/new")) == 1


def test_off_site_redirect_is_refused(site: ReplayServer) -> None:
    site.add("/old", status=302, headers={"Location": "http://evil.example/phish"})
    result = fetch(site.url("/old"))
    assert (result.status, result.http_status) == (SourceStatus.ERROR, 302)
    assert result.error == "redirect to another site refused: http://evil.example/phish"


def test_redirect_to_another_port_of_an_ip_host_is_refused(
    site: ReplayServer, other: ReplayServer
) -> None:
    other.add("/p", body=PAGE)
    site.add("/old", status=307, headers={"Location": other.url("/p")})
    result = fetch(site.url("/old"))
    assert result.status is SourceStatus.ERROR
    assert result.error == f"redirect to another site refused: {other.url('/p')}"
    assert other.requests == []


def test_redirect_loop_stops(site: ReplayServer) -> None:
    site.add("/a", status=302, headers={"Location": "/b"})
    site.add("/b", status=302, headers={"Location": "/a"})
    result = fetch(site.url("/a"))
    assert (result.status, result.error) == (SourceStatus.ERROR, "too many redirects (more than 5)")
    assert len(site.requests) == 6


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("https://www.meti.go.jp/a", "https://meti.go.jp/b", True),
        ("https://meti.go.jp/a", "https://www.meti.go.jp/b", True),
        ("https://www.commerce.gov/a", "https://api.commerce.gov/b", True),
        ("http://www.meti.go.jp/a", "https://www.meti.go.jp/a", True),
        ("https://www.meti.go.jp/a", "https://evil.example/b", False),
        ("https://www.meti.go.jp/a", "https://mofa.go.jp/b", False),  # go.jp is a public suffix
        ("https://www.meti.go.jp/a", "javascript:alert(1)", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", True),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b", False),
        ("http://127.0.0.1:8000/a", "http://localhost:8000/b", False),
    ],
)
def test_same_site_rule(origin: str, target: str, allowed: bool) -> None:
    assert same_site(httpx.URL(origin), httpx.URL(target)) is allowed


# -- politeness -----------------------------------------------------------------------------------
def _get_all(config: FetchConfig, urls: list[str], **kw: Any) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(config) as fetcher:
            return list(await asyncio.gather(*(fetcher.get(u, **kw) for u in urls)))

    return run(go())


def test_requests_to_one_host_are_spaced(site: ReplayServer) -> None:
    site.add("/a", body=PAGE)
    site.add("/b", body=PAGE)

    async def go() -> None:
        async with Fetcher(fast(host_spacing=0.3)) as fetcher:
            await fetcher.get(site.url("/a"))
            await fetcher.get(site.url("/b"))

    run(go())
    first, second = site.requests
    assert second.at - first.at >= 0.3


def test_concurrent_requests_to_one_host_are_serialised(site: ReplayServer) -> None:
    site.add("/p", body=PAGE)
    results = _get_all(fast(), [site.url("/p")] * 3, spacing=0.3)  # per-call spacing
    assert all(r.ok for r in results)
    times = sorted(r.at for r in site.requests)
    assert times[1] - times[0] >= 0.3 and times[2] - times[1] >= 0.3


def test_other_hosts_are_not_held_up(site: ReplayServer, other: ReplayServer) -> None:
    other.add("/p", body=PAGE)
    site.add("/p", body=PAGE)
    _get_all(fast(host_spacing=0.5), [site.url("/p"), site.url("/p"), other.url("/p")])
    [other_request] = other.requests
    assert other_request.at < max(r.at for r in site.requests)


def test_spacing_also_applies_between_retries(site: ReplayServer) -> None:
    site.add("/p", sequence(Route(status=503), Route(body=PAGE)))
    assert fetch(site.url("/p"), fast(host_spacing=0.3)).ok
    first, second = site.requests
    assert second.at - first.at >= 0.3


# -- headers ---------------------------------------------------------------------------------------
def test_configured_user_agent_is_sent(site: ReplayServer) -> None:
    site.add("/p", body=PAGE)
    fetch(site.url("/p"), fast(user_agent="JucipWatchTest/1.0"))
    assert site.requests[0].headers["user-agent"] == "JucipWatchTest/1.0"


def test_default_user_agent_looks_like_a_browser(site: ReplayServer) -> None:
    site.add("/p", body=PAGE)
    fetch(site.url("/p"))
    headers = site.requests[0].headers
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert headers["user-agent"].startswith("Mozilla/5.0")
    assert "text/html" in headers["accept"]


def test_accept_can_be_set_per_call(site: ReplayServer) -> None:
    site.add("/api", body=b"{}", content_type="application/json")
    result = fetch(site.url("/api"), accept="application/json")
    assert result.text == "{}"
    assert site.requests[0].headers["accept"] == "application/json"


# -- secrets (the rule itself: tests/test_secrets.py) -----------------------------------------
def test_api_key_never_reaches_errors_or_logs(
    site: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    site.add("/api/news", status=302, headers={"Location": "http://evil.example/cb?api_key=S3CRET"})
    caplog.set_level(logging.DEBUG, logger="watcher.fetch")
    result = fetch(site.url("/api/news?api_key=S3CRET"))
    assert result.status is SourceStatus.ERROR
    assert result.error == "redirect to another site refused: http://evil.example/cb?api_key=***"
    assert "api_key=***" in caplog.text  # the request was logged, redacted
    assert "S3CRET" not in caplog.text
    assert "S3CRET" not in repr(result)
    assert site.requests[0].path.endswith("api_key=S3CRET")  # the real key was sent


def test_each_request_is_logged_at_debug(
    site: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    site.add("/p", body=PAGE)
    caplog.set_level(logging.DEBUG, logger="watcher.fetch")
    fetch(site.url("/p"))
    [record] = [r for r in caplog.records if r.name == "watcher.fetch"]
    assert record.levelno == logging.DEBUG
    assert f"GET {site.url('/p')} -> 200 ok, {len(PAGE)} bytes" in record.getMessage()
