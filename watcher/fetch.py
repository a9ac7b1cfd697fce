"""The one HTTP client: politeness, conditional requests, retries, outcome classes, decoding.

Every source goes through `Fetcher.get`, which never raises for a network outcome: blocked,
throttled, slow, broken and off-site answers all come back as a `FetchResult` whose `status`
says which, so a failed poll is never mistaken for "no news". Notifiers call APIs through
`Fetcher.request` (any method, JSON, form or multipart bodies, per-call timeouts) on the same
client, and get an `HttpAnswer` classified the same way. The rules behind the classes live in
watcher/outcomes.py; secrets are redacted (watcher/secrets.py) in every message and log line.

The watched sites are hostile to bots (Cloudflare, AWS WAF, CloudFront), so the client looks like
a browser, spaces its requests per host, backs off, and recognises challenge pages served with
200, 202, 403 or 503.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from watcher.config import FetchConfig
from watcher.decode import decode_body
from watcher.models import SourceStatus
from watcher.outcomes import (
    REDIRECT_CODES,
    challenge,
    host_key,
    http_failure,
    parse_retry_after,
    parse_url,
    same_site,
    transport_failure,
)
from watcher.secrets import redact

__all__ = [
    "FetchResult",
    "Fetcher",
    "HttpAnswer",
    "Timeouts",
    "Validators",
    "redact",
    "same_site",
]

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


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-phase limits in seconds for one `request` (None: no limit), as API clients such as
    python-telegram-bot pass them: a long poll needs a long read, an upload a long write."""

    connect: float | None = None
    read: float | None = None
    write: float | None = None
    pool: float | None = None

    def total(self) -> float | None:
        """The whole exchange's limit: the phases' sum, unbounded when any phase is."""
        parts = (self.connect, self.read, self.write, self.pool)
        return None if any(p is None for p in parts) else sum(p or 0.0 for p in parts)


@dataclass(frozen=True, repr=False)
class HttpAnswer:
    """The outcome of one `Fetcher.request`: the answer as it came (status code, headers and
    body bytes for every status, so an API client can read its error payloads) and its outcome
    class. `error` (redacted) says what went wrong when `status` is not OK; a transport failure
    has `http_status` None and an empty body."""

    method: str
    url: str
    status: SourceStatus
    http_status: int | None
    headers: Mapping[str, str]
    body: bytes
    error: str | None
    retry_after: float | None
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.status is SourceStatus.OK

    def __repr__(self) -> str:
        return (
            f"HttpAnswer({self.method} {redact(self.url)!r}, status={self.status.value}, "
            f"http_status={self.http_status}, size={len(self.body)}, error={self.error!r})"
        )


_NO_VALIDATORS = Validators()
_NO_HEADERS: Mapping[str, str] = httpx.Headers()


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One attempt's result, and whether the retry loop should try again."""

    result: FetchResult | HttpAnswer
    retry: bool = False


@dataclass(frozen=True, slots=True)
class _Redirect:
    code: int
    location: httpx.URL


@dataclass(frozen=True, slots=True)
class _Transfer:
    """What one exchange brought: the response (once headers arrived), the body (None when
    over the size cap), or the exception that stopped it."""

    response: httpx.Response | None
    body: bytes | None
    error: BaseException | None


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
            target = parse_url(url)
        except ValueError as exc:
            return _result(url, url, SourceStatus.ERROR, f"bad URL: {exc}")
        headers = _request_headers(sent, accept)
        gap = self._config.host_spacing if spacing is None else spacing
        retrying = self._retrying(self._config.retries)
        outcome: _Outcome = await retrying(self._follow, url, target, headers, sent, gap)
        assert isinstance(outcome.result, FetchResult)
        return replace(outcome.result, elapsed=time.monotonic() - started)

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | Timeouts | None = None,
        spacing: float = 0.0,
        retry: bool = False,
    ) -> HttpAnswer:
        """One API call (POST a JSON body, a form, a multipart upload; or any other method).

        `json`, `data` (form fields) and `files` (name -> (filename, bytes, content type)) are
        passed to httpx as they are. `timeout` is one limit for the whole exchange, or per-phase
        `Timeouts`; None is the configured timeout. API calls are not spaced unless `spacing`
        asks for it (no jitter either), not redirected, and retried (timeouts, connection
        errors, 429 and 5xx, as GET is) only when `retry` says the call is safe to repeat.
        """
        started = time.monotonic()
        method = method.upper()
        try:
            target = parse_url(url)
        except ValueError as exc:
            return _answer(method, url, SourceStatus.ERROR, f"bad URL: {exc}")
        limits, deadline = self._limits(timeout)

        async def attempt() -> _Outcome:
            # Built per attempt: a retried upload sends its body again from the start.
            request = self._client.build_request(
                method,
                target,
                json=json,
                data=data,
                files=files,
                headers=dict(headers or {}),
                timeout=limits,
            )
            async with self._polite(host_key(target), spacing, jitter=spacing > 0):
                t0 = time.monotonic()
                transfer = await self._transfer(request, deadline)
            outcome = self._judge_answer(method, url, transfer, deadline)
            if log.isEnabledFor(logging.DEBUG):
                _log_outcome(method, target, outcome, time.monotonic() - t0)
            return outcome

        retrying = self._retrying(self._config.retries if retry else 0)
        outcome: _Outcome = await retrying(attempt)
        assert isinstance(outcome.result, HttpAnswer)
        return replace(outcome.result, elapsed=time.monotonic() - started)

    # -- one GET attempt: the request and its same-site redirects ---------------------------
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
        request = self._client.build_request("GET", target, headers=headers)
        async with self._polite(host_key(target), gap):
            t0 = time.monotonic()
            transfer = await self._transfer(request, self._timeout)
        answer = self._judge_page(url, str(target), transfer, sent)
        if log.isEnabledFor(logging.DEBUG):
            _log_outcome("GET", target, answer, time.monotonic() - t0)
        return answer

    # -- the exchange, shared by GET and request ----------------------------------------------
    async def _transfer(self, request: httpx.Request, deadline: float | None) -> _Transfer:
        """Send `request` and read the body up to the size cap, within `deadline` seconds."""
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(deadline):
                response = await self._client.send(request, stream=True)
                try:
                    body = await _read_capped(response, self._config.max_bytes)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.HTTPError) as exc:
            return _Transfer(response, None, exc)
        return _Transfer(response, body, None)

    def _judge_page(
        self, url: str, final: str, transfer: _Transfer, sent: Validators
    ) -> _Outcome | _Redirect:
        if transfer.error is not None:
            return _failed_transfer(url, final, transfer.error, transfer.response, self._timeout)
        response = transfer.response
        assert response is not None  # a transfer without an error has its response
        if transfer.body is None:
            message = f"response larger than {self._config.max_bytes} bytes"
            return _Outcome(
                _result(url, final, SourceStatus.ERROR, message, http_status=response.status_code)
            )
        return _classify(url, final, response, transfer.body, sent, self._config.max_retry_after)

    def _judge_answer(
        self, method: str, url: str, transfer: _Transfer, deadline: float | None
    ) -> _Outcome:
        response = transfer.response
        if transfer.error is not None:
            failure = transport_failure(transfer.error, response, deadline)
            code = response.status_code if response is not None else None
            answer = _answer(method, url, failure.status, failure.message, http_status=code)
            return _Outcome(answer, retry=failure.retry)
        assert response is not None
        code, headers = response.status_code, response.headers
        if transfer.body is None:
            message = f"response larger than {self._config.max_bytes} bytes"
            return _Outcome(
                _answer(method, url, SourceStatus.ERROR, message, http_status=code, headers=headers)
            )
        body = transfer.body
        if 200 <= code < 300:
            return _Outcome(
                _answer(method, url, SourceStatus.OK, http_status=code, headers=headers, body=body)
            )
        retry_after = parse_retry_after(headers.get("retry-after"))
        failure = http_failure(code, retry_after, self._config.max_retry_after)
        if code in REDIRECT_CODES:
            failure = replace(failure, message=f"{failure.message} (API calls are not redirected)")
        answer = _answer(
            method,
            url,
            failure.status,
            failure.message,
            http_status=code,
            headers=headers,
            body=body,
            retry_after=retry_after,
        )
        return _Outcome(answer, retry=failure.retry)

    def _limits(self, timeout: float | Timeouts | None) -> tuple[httpx.Timeout, float | None]:
        """httpx's per-phase limits and the whole exchange's deadline for one `request`."""
        if isinstance(timeout, Timeouts):
            limits = httpx.Timeout(
                connect=timeout.connect, read=timeout.read, write=timeout.write, pool=timeout.pool
            )
            return limits, timeout.total()
        seconds = self._timeout if timeout is None else (timeout or None)
        return httpx.Timeout(seconds), seconds

    # -- politeness and retries ---------------------------------------------------------------
    @asynccontextmanager
    async def _polite(self, key: str, gap: float, *, jitter: bool = True) -> AsyncIterator[None]:
        """Hold the host for one exchange, starting it `gap` (+ jitter) after the last one ended.

        Measured from the end of the previous exchange, so the server sees at least `gap`
        between requests however long the answers take. Spacing and jitter both 0 skip the
        queue entirely: loopback tests, bulk jobs and API calls run at full speed.
        """
        spread = self._config.jitter if jitter else 0.0
        if gap <= 0 and spread <= 0:
            yield
            return
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        async with host.lock:
            if host.last is not None:
                wait = host.last + gap + random.uniform(0, spread) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                yield
            finally:
                host.last = time.monotonic()

    def _retrying(self, retries: int) -> Callable[..., Awaitable[Any]]:
        return AsyncRetrying(
            stop=stop_after_attempt(retries + 1),
            wait=self._retry_wait,
            retry=retry_if_result(_should_retry),
            retry_error_callback=_last_outcome,
            before_sleep=_log_retry,
        )

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
    """A page's answer: redirect, not modified, challenge, the page, or a failure."""
    code = response.status_code
    headers = response.headers
    if code in REDIRECT_CODES and "location" in headers:
        try:
            # Checked as any URL we fetch: a port past 65535 would fail deep in the stack.
            return _Redirect(code, parse_url(str(response.url.join(headers["location"]))))
        except (httpx.InvalidURL, ValueError):
            message = f"HTTP {code} with a bad Location header"
            return _Outcome(_result(url, final, SourceStatus.ERROR, message, http_status=code))
    if code == 304:
        validators = _validators(headers, sent)
        result = _result(
            url, final, SourceStatus.NOT_MODIFIED, http_status=code, validators=validators
        )
        return _Outcome(result)
    found = challenge(code, body)
    if found is not None:
        return _Outcome(
            _result(url, final, SourceStatus.BLOCKED, found, http_status=code, size=len(body))
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
    throttled = code == 429 or code >= 500
    retry_after = parse_retry_after(headers.get("retry-after")) if throttled else None
    failure = http_failure(code, retry_after, max_retry_after)
    result = _result(
        url,
        final,
        failure.status,
        failure.message,
        http_status=code,
        retry_after=retry_after,
        size=len(body),
    )
    return _Outcome(result, retry=failure.retry)


def _failed_transfer(
    url: str,
    final: str,
    error: BaseException,
    response: httpx.Response | None,
    timeout: float | None,
) -> _Outcome:
    failure = transport_failure(error, response, timeout)
    result = _result(
        url,
        final,
        failure.status,
        failure.message,
        http_status=response.status_code if response is not None else None,
        size=response.num_bytes_downloaded if response is not None else 0,
    )
    return _Outcome(result, retry=failure.retry)


def _validators(headers: httpx.Headers, sent: Validators) -> Validators:
    """The response's validators; a 304 may omit them, and then the ones sent stay valid."""
    etag = headers.get("etag") or sent.etag
    last_modified = headers.get("last-modified") or sent.last_modified
    if etag == sent.etag and last_modified == sent.last_modified:
        return sent
    return Validators(etag, last_modified)


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


def _answer(
    method: str,
    url: str,
    status: SourceStatus,
    error: str | None = None,
    *,
    http_status: int | None = None,
    headers: Mapping[str, str] = _NO_HEADERS,
    body: bytes = b"",
    retry_after: float | None = None,
) -> HttpAnswer:
    """An API answer; `error` is redacted here, as `_result` does for pages."""
    return HttpAnswer(
        method=method,
        url=url,
        status=status,
        http_status=http_status,
        headers=headers,
        body=body,
        error=None if error is None else redact(error),
        retry_after=retry_after,
        elapsed=0.0,
    )


def _log_outcome(
    method: str, target: httpx.URL, answer: _Outcome | _Redirect, elapsed: float
) -> None:
    if isinstance(answer, _Redirect):
        code, what, size = answer.code, f"redirect to {answer.location}", 0
    elif isinstance(answer.result, FetchResult):
        result = answer.result
        code, what, size = result.http_status, result.error or result.status.value, result.size
    else:
        reply = answer.result
        code, what, size = reply.http_status, reply.error or reply.status.value, len(reply.body)
    log.debug(
        "%s %s -> %s %s, %d bytes, %.3f s",
        method,
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
