"""The one HTTP client: politeness, conditional requests, retries, outcome classes, decoding.

Every source goes through `Fetcher.get`, which never raises for a network outcome: blocked,
throttled, slow, broken and off-site answers all come back as a `FetchResult` whose `status`
says which, so a failed poll is never mistaken for "no news".

The watched sites are hostile to bots (Cloudflare, AWS WAF, CloudFront), so the client looks like
a browser, spaces its requests per host, backs off, and recognises challenge pages served with
200, 202, 403 or 503.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import logging
import math
import random
import socket
import ssl
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from watcher.config import FetchConfig
from watcher.decode import decode_body
from watcher.models import SourceStatus
from watcher.secrets import redact

__all__ = ["FetchResult", "Fetcher", "Validators", "redact", "same_site"]

log = logging.getLogger("watcher.fetch")

try:
    import sniffio  # noqa: F401  (httpcore's async-library probe)
except ImportError:
    # httpcore runs `import sniffio` four times per request and, sniffio not being installed,
    # each miss searches sys.path again: 0.6-0.8 ms of CPU per 304 on loopback (2.5 vs 3.3 ms).
    # Caching the miss keeps everyone's no-sniffio fallback (asyncio) and drops that cost.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

MAX_REDIRECTS = 5
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "ja,en-US;q=0.9,en;q=0.8"

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Second-level labels under which a country-code TLD registers names (meti.go.jp, bbc.co.uk).
# A heuristic in place of the full Public Suffix List, which would be a new dependency.
_PUBLIC_SECOND_LEVEL = frozenset(
    {"ac", "ad", "co", "com", "ed", "edu", "go", "gov", "gr", "lg", "mil", "ne", "net", "or", "org"}
)

# Challenge markers, matched in the lowercased start of a body. Strong ones only appear on
# challenge pages. Weak ones also appear in the script Cloudflare injects into ordinary pages
# (/cdn-cgi/challenge-platform/scripts/jsd/main.js) or in AWS WAF's SDK tag, so on a 200 they
# count only when the page is too small to be real content.
_STRONG_MARKERS = (
    (b"just a moment...", "Cloudflare"),
    (b"cf-chl", "Cloudflare"),
    (b"_cf_chl_opt", "Cloudflare"),
    (b"aws-waf-token", "AWS WAF"),
    (b"gokuprops", "AWS WAF"),
)
_WEAK_MARKERS = (
    (b"challenge-platform", "Cloudflare"),
    (b"/cdn-cgi/challenge", "Cloudflare"),
    (b"awswaf", "AWS WAF"),
)
_CHALLENGE_SCAN_BYTES = 65_536
_SMALL_PAGE_BYTES = 16_384


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server gave to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, repr=False)
class FetchResult:
    """The outcome of one `Fetcher.get`, including any retries and redirects.

    `ok` means a fresh body is in `text`; a 304 is `status == NOT_MODIFIED` with `text` None.
    Use `failed` to ask "did this poll go wrong?". `elapsed` is the whole call's wall time
    (spacing waits and retries included); `size` is the body bytes received.
    """

    url: str
    final_url: str
    status: SourceStatus
    http_status: int | None
    text: str | None
    encoding: str | None
    validators: Validators
    error: str | None
    retry_after: float | None
    elapsed: float
    size: int
    lossy: bool = False  # the text needed replacement characters (see watcher.decode)

    @property
    def ok(self) -> bool:
        return self.status is SourceStatus.OK

    @property
    def failed(self) -> bool:
        return self.status.failed

    def __repr__(self) -> str:
        # Results end up in logs: keep keys out of them, and megabytes of text too.
        return (
            f"FetchResult({redact(self.url)!r}, status={self.status.value}, "
            f"http_status={self.http_status}, size={self.size}, error={self.error!r})"
        )


_NO_VALIDATORS = Validators()


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One attempt's result, and whether the retry loop should try again."""

    result: FetchResult
    retry: bool = False


@dataclass(frozen=True, slots=True)
class _Redirect:
    code: int
    location: httpx.URL


class _Host:
    """Per host:port politeness state."""

    __slots__ = ("last", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last: float | None = None  # monotonic time the previous exchange ended


class Fetcher:
    """`async with Fetcher(config) as f: result = await f.get(url, validators=...)`."""

    def __init__(
        self, config: FetchConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._config = config
        self._timeout = config.timeout or None  # 0 in the config means "no limit"
        self._hosts: dict[str, _Host] = {}
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": config.user_agent,
                "Accept": DEFAULT_ACCEPT,
                "Accept-Language": ACCEPT_LANGUAGE,
            },
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=False,  # followed by hand, to refuse other sites
            transport=transport
            or _LazyTransport(lambda: httpx.AsyncHTTPTransport(verify=_tls_context())),
            # Plain http needs no CA bundle: a loopback or http-only run never loads it.
            mounts=None if transport else {"http://": httpx.AsyncHTTPTransport(verify=False)},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        spacing: float | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET `url`, conditional on `validators`, `spacing` seconds after the host's last
        request (default: the configured host_spacing)."""
        started = time.monotonic()
        sent = validators or _NO_VALIDATORS
        try:
            target = _parse_url(url)
        except ValueError as exc:
            return _result(url, url, SourceStatus.ERROR, f"bad URL: {exc}")
        headers = _request_headers(sent, accept)
        gap = self._config.host_spacing if spacing is None else spacing
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._config.retries + 1),
            wait=self._retry_wait,
            retry=retry_if_result(_should_retry),
            retry_error_callback=_last_outcome,
            before_sleep=_log_retry,
        )
        outcome: _Outcome = await retrying(self._follow, url, target, headers, sent, gap)
        return replace(outcome.result, elapsed=time.monotonic() - started)

    # -- one attempt: the request and its same-site redirects -------------------------------
    async def _follow(
        self,
        url: str,
        target: httpx.URL,
        headers: dict[str, str],
        sent: Validators,
        gap: float,
    ) -> _Outcome:
        for _ in range(MAX_REDIRECTS + 1):
            answer = await self._exchange(url, target, headers, sent, gap)
            if isinstance(answer, _Outcome):
                return answer
            if not same_site(target, answer.location):
                message = f"redirect to another site refused: {answer.location}"
                result = _result(
                    url, str(target), SourceStatus.ERROR, message, http_status=answer.code
                )
                return _Outcome(result)
            target = answer.location
        message = f"too many redirects (more than {MAX_REDIRECTS})"
        return _Outcome(_result(url, str(target), SourceStatus.ERROR, message))

    async def _exchange(
        self,
        url: str,
        target: httpx.URL,
        headers: dict[str, str],
        sent: Validators,
        gap: float,
    ) -> _Outcome | _Redirect:
        async with self._polite(_host_key(target), gap):
            t0 = time.monotonic()
            answer = await self._request(url, target, headers, sent)
        if log.isEnabledFor(logging.DEBUG):
            _log_exchange(target, answer, time.monotonic() - t0)
        return answer

    async def _request(
        self, url: str, target: httpx.URL, headers: dict[str, str], sent: Validators
    ) -> _Outcome | _Redirect:
        final = str(target)
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(self._timeout):
                request = self._client.build_request("GET", target, headers=headers)
                response = await self._client.send(request, stream=True)
                try:
                    body = await _read_capped(response, self._config.max_bytes)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.HTTPError) as exc:
            return _network_failure(url, final, exc, response, self._timeout)
        if body is None:
            message = f"response larger than {self._config.max_bytes} bytes"
            return _Outcome(
                _result(url, final, SourceStatus.ERROR, message, http_status=response.status_code)
            )
        return _classify(url, final, response, body, sent, self._config.max_retry_after)

    # -- politeness and retries ---------------------------------------------------------------
    @asynccontextmanager
    async def _polite(self, key: str, gap: float) -> AsyncIterator[None]:
        """Hold the host for one exchange, starting it `gap` (+ jitter) after the last one ended.

        Measured from the end of the previous exchange, so the server sees at least `gap`
        between requests however long the answers take. Spacing and jitter both 0 skip the
        queue entirely: loopback tests and bulk jobs run at full speed.
        """
        jitter = self._config.jitter
        if gap <= 0 and jitter <= 0:
            yield
            return
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        async with host.lock:
            if host.last is not None:
                wait = host.last + gap + random.uniform(0, jitter) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                yield
            finally:
                host.last = time.monotonic()

    def _retry_wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one, else exponential backoff plus jitter."""
        outcome: _Outcome = state.outcome.result()  # type: ignore[union-attr]
        if outcome.result.retry_after is not None:
            return outcome.result.retry_after
        cfg = self._config
        backoff = cfg.backoff * 2 ** (state.attempt_number - 1)
        return min(backoff, cfg.max_retry_after) + random.uniform(0, cfg.jitter)


class _LazyTransport(httpx.AsyncBaseTransport):
    """Builds its transport on the first request: loading the CA bundle costs ~70 ms, paid only
    when an https URL is actually fetched."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._factory = factory
        self._inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = self._factory()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~70 ms per client; CLI runs and tests create many Fetchers.
    return httpx.create_ssl_context()


# -- helpers (pure) ------------------------------------------------------------------------------
def same_site(origin: httpx.URL, target: httpx.URL) -> bool:
    """May a redirect from `origin` go to `target`? Same registrable domain (www.meti.go.jp ->
    meti.go.jp is fine); IP addresses and single-label hosts must match host and port exactly."""
    if target.scheme not in _DEFAULT_PORTS:
        return False
    if _is_literal_host(origin.host) or _is_literal_host(target.host):
        return _host_key(origin) == _host_key(target)
    return _registrable_domain(origin.host) == _registrable_domain(target.host)


def _registrable_domain(host: str) -> str:
    labels = host.rstrip(".").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _PUBLIC_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _is_literal_host(host: str) -> bool:
    if "." not in host.rstrip("."):
        return True  # localhost, intranet names, IPv6 literals
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host_key(url: httpx.URL) -> str:
    return f"{url.host}:{url.port or _DEFAULT_PORTS.get(url.scheme, 0)}"


def _parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(str(exc)) from None
    if parsed.scheme not in _DEFAULT_PORTS:
        raise ValueError(f"{url!r} is not an http(s) URL")
    if not parsed.host:
        raise ValueError(f"{url!r} has no host")
    return parsed


def _request_headers(sent: Validators, accept: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if sent.etag:
        headers["If-None-Match"] = sent.etag
    if sent.last_modified:
        headers["If-Modified-Since"] = sent.last_modified
    if accept:
        headers["Accept"] = accept
    return headers


async def _read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """The (decompressed) body, or None as soon as it exceeds `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    # Counting decompressed bytes also stops a small gzip that inflates to gigabytes.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _classify(
    url: str,
    final: str,
    response: httpx.Response,
    body: bytes,
    sent: Validators,
    max_retry_after: float,
) -> _Outcome | _Redirect:
    code = response.status_code
    headers = response.headers
    if code in _REDIRECT_CODES and "location" in headers:
        try:
            return _Redirect(code, response.url.join(headers["location"]))
        except httpx.InvalidURL:
            message = f"HTTP {code} with a bad Location header"
            return _Outcome(_result(url, final, SourceStatus.ERROR, message, http_status=code))
    if code == 304:
        validators = _validators(headers, sent)
        result = _result(
            url, final, SourceStatus.NOT_MODIFIED, http_status=code, validators=validators
        )
        return _Outcome(result)
    challenge = _challenge(code, body)
    if challenge is not None:
        return _Outcome(
            _result(url, final, SourceStatus.BLOCKED, challenge, http_status=code, size=len(body))
        )
    if 200 <= code < 300:
        decoded = decode_body(body, headers.get("content-type"))
        result = FetchResult(
            url=url,
            final_url=final,
            status=SourceStatus.OK,
            http_status=code,
            text=decoded.text,
            encoding=decoded.encoding,
            validators=_validators(headers, _NO_VALIDATORS),
            error=None,
            retry_after=None,
            elapsed=0.0,
            size=len(body),
            lossy=decoded.lossy,
        )
        return _Outcome(result)
    message = _http_message(code)
    if code == 403:
        return _Outcome(
            _result(url, final, SourceStatus.BLOCKED, message, http_status=code, size=len(body))
        )
    if code == 429 or code >= 500:
        return _throttled(url, final, code, headers, len(body), max_retry_after)
    return _Outcome(
        _result(url, final, SourceStatus.ERROR, message, http_status=code, size=len(body))
    )


def _throttled(
    url: str, final: str, code: int, headers: httpx.Headers, size: int, max_retry_after: float
) -> _Outcome:
    """429 and 5xx: retried, unless the server asks for a longer pause than we wait for."""
    message = _http_message(code)
    retry_after = _parse_retry_after(headers.get("retry-after"))
    if retry_after is not None and retry_after > max_retry_after:
        message += f"; Retry-After {retry_after:.0f} s exceeds the {max_retry_after:.0f} s limit"
        result = _result(
            url,
            final,
            SourceStatus.RATE_LIMITED,
            message,
            http_status=code,
            retry_after=retry_after,
            size=size,
        )
        return _Outcome(result)
    status = SourceStatus.RATE_LIMITED if code == 429 else SourceStatus.ERROR
    result = _result(
        url, final, status, message, http_status=code, retry_after=retry_after, size=size
    )
    return _Outcome(result, retry=True)


def _challenge(code: int, body: bytes) -> str | None:
    """A message when `body` is a bot challenge rather than the page, else None."""
    if code == 202 and not body.strip():
        return "bot challenge (HTTP 202 with an empty body)"
    if code not in (200, 202, 403, 503):
        return None
    head = body[:_CHALLENGE_SCAN_BYTES].lower()
    markers = _STRONG_MARKERS
    if code != 200 or len(body) < _SMALL_PAGE_BYTES:
        markers += _WEAK_MARKERS
    for marker, vendor in markers:
        if marker in head:
            return f"{vendor} challenge page (HTTP {code})"
    return None


def _network_failure(
    url: str,
    final: str,
    exc: BaseException,
    response: httpx.Response | None,
    timeout: float | None,
) -> _Outcome:
    """Map a transport exception to an outcome; `response` is set when headers had arrived."""
    code = response.status_code if response is not None else None
    size = response.num_bytes_downloaded if response is not None else 0
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        after = f" after {timeout:g} s" if timeout else ""
        status, message, retry = SourceStatus.TIMEOUT, f"timed out{after}", True
    elif isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        status, message, retry = SourceStatus.ERROR, f"bad URL: {exc}", False
    elif isinstance(exc, httpx.DecodingError):
        status, message, retry = SourceStatus.ERROR, "content decoding failed", False
    elif response is not None and isinstance(exc, httpx.TransportError):
        expected = response.headers.get("content-length")
        of = f" of {expected}" if expected else ""
        status, message, retry = SourceStatus.ERROR, f"body truncated ({size}{of} bytes)", True
    elif isinstance(exc, httpx.ConnectError):
        status, message, retry = SourceStatus.ERROR, _connect_message(exc), True
    elif isinstance(exc, httpx.TransportError):
        status, message, retry = (
            SourceStatus.ERROR,
            f"connection error: {str(exc) or 'closed'}",
            True,
        )
    else:
        status, message, retry = SourceStatus.ERROR, f"{type(exc).__name__}: {exc}", False
    result = _result(url, final, status, message, http_status=code, size=size)
    return _Outcome(result, retry=retry)


def _connect_message(exc: httpx.ConnectError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not resolved"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    return f"connection failed: {text}" if text else "connection failed"


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _validators(headers: httpx.Headers, sent: Validators) -> Validators:
    """The response's validators; a 304 may omit them, and then the ones sent stay valid."""
    etag = headers.get("etag") or sent.etag
    last_modified = headers.get("last-modified") or sent.last_modified
    if etag == sent.etag and last_modified == sent.last_modified:
        return sent
    return Validators(etag, last_modified)


def _http_message(code: int) -> str:
    reason = httpx.codes.get_reason_phrase(code)
    return f"HTTP {code} {reason}" if reason else f"HTTP {code}"


def _result(
    url: str,
    final: str,
    status: SourceStatus,
    error: str | None = None,
    *,
    http_status: int | None = None,
    validators: Validators = _NO_VALIDATORS,
    retry_after: float | None = None,
    size: int = 0,
) -> FetchResult:
    """A result without a body; `error` is redacted here, the one place messages are built."""
    return FetchResult(
        url=url,
        final_url=final,
        status=status,
        http_status=http_status,
        text=None,
        encoding=None,
        validators=validators,
        error=None if error is None else redact(error),
        retry_after=retry_after,
        elapsed=0.0,
        size=size,
    )


def _log_exchange(target: httpx.URL, answer: _Outcome | _Redirect, elapsed: float) -> None:
    if isinstance(answer, _Redirect):
        code, what, size = answer.code, f"redirect to {answer.location}", 0
    else:
        result = answer.result
        code, what, size = result.http_status, result.error or result.status.value, result.size
    log.debug(
        "GET %s -> %s %s, %d bytes, %.3f s",
        redact(str(target)),
        code or "-",
        redact(what),
        size,
        elapsed,
    )


def _should_retry(outcome: _Outcome) -> bool:
    return outcome.retry


def _last_outcome(state: RetryCallState) -> _Outcome:
    """Retries exhausted: the last attempt's outcome already has the right status."""
    return state.outcome.result()  # type: ignore[union-attr]


def _log_retry(state: RetryCallState) -> None:
    if log.isEnabledFor(logging.DEBUG):
        outcome: _Outcome = state.outcome.result()  # type: ignore[union-attr]
        delay = state.next_action.sleep if state.next_action else 0.0
        log.debug(
            "retry %d for %s in %.2f s after: %s",
            state.attempt_number,
            redact(outcome.result.url),
            delay,
            outcome.result.error,
        )
