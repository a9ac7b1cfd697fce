"""How an HTTP exchange is judged: the pure rules behind `Fetcher`'s outcome classes.

Which answers are bot challenges, which redirects stay on the site, how long Retry-After asks
us to wait, and what a transport failure is called. No I/O; `watcher.fetch` applies them to GET
polls and to API requests alike.
"""

from __future__ import annotations

import email.utils
import ipaddress
import math
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from watcher.models import SourceStatus
from watcher.urls import check_url

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

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
class Failure:
    """A failed exchange: its outcome class, the message, and whether trying again may help."""

    status: SourceStatus
    message: str
    retry: bool


# -- sites and URLs ------------------------------------------------------------------------------
def same_site(origin: httpx.URL, target: httpx.URL) -> bool:
    """May a redirect from `origin` go to `target`? Same registrable domain (www.meti.go.jp ->
    meti.go.jp is fine); IP addresses and single-label hosts must match host and port exactly."""
    if target.scheme not in DEFAULT_PORTS:
        return False
    if _is_literal_host(origin.host) or _is_literal_host(target.host):
        return host_key(origin) == host_key(target)
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


def host_key(url: httpx.URL) -> str:
    """The host:port requests are spaced by."""
    return f"{url.host}:{url.port or DEFAULT_PORTS.get(url.scheme, 0)}"


def parse_url(url: str) -> httpx.URL:
    """`url` as an absolute http(s) URL with a usable host and port (watcher/urls.py);
    ValueError says what is wrong."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(str(exc)) from None
    check_url(str(parsed))
    return parsed


# -- answers -------------------------------------------------------------------------------------
def challenge(code: int, body: bytes) -> str | None:
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


def http_failure(code: int, retry_after: float | None, max_retry_after: float) -> Failure:
    """A non-2xx answer (redirects and challenges apart): 403 blocked, 429 throttled, 5xx a
    server error; 429 and 5xx are worth retrying unless the server asks for a longer pause
    than we wait for."""
    message = http_message(code)
    if code == 403:
        return Failure(SourceStatus.BLOCKED, message, retry=False)
    if code == 429 or code >= 500:
        if retry_after is not None and retry_after > max_retry_after:
            message += (
                f"; Retry-After {retry_after:.0f} s exceeds the {max_retry_after:.0f} s limit"
            )
            return Failure(SourceStatus.RATE_LIMITED, message, retry=False)
        status = SourceStatus.RATE_LIMITED if code == 429 else SourceStatus.ERROR
        return Failure(status, message, retry=True)
    return Failure(SourceStatus.ERROR, message, retry=False)


def transport_failure(
    exc: BaseException, response: httpx.Response | None, timeout: float | None
) -> Failure:
    """A transport exception as an outcome; `response` is set when headers had arrived."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        after = f" after {timeout:g} s" if timeout else ""
        return Failure(SourceStatus.TIMEOUT, f"timed out{after}", retry=True)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Failure(SourceStatus.ERROR, f"bad URL: {exc}", retry=False)
    if isinstance(exc, httpx.DecodingError):
        return Failure(SourceStatus.ERROR, "content decoding failed", retry=False)
    if response is not None and isinstance(exc, httpx.TransportError):
        expected = response.headers.get("content-length")
        of = f" of {expected}" if expected else ""
        size = response.num_bytes_downloaded
        return Failure(SourceStatus.ERROR, f"body truncated ({size}{of} bytes)", retry=True)
    if isinstance(exc, httpx.ConnectError):
        return Failure(SourceStatus.ERROR, _connect_message(exc), retry=True)
    if isinstance(exc, httpx.TransportError):
        return Failure(SourceStatus.ERROR, f"connection error: {str(exc) or 'closed'}", retry=True)
    return Failure(SourceStatus.ERROR, f"{type(exc).__name__}: {exc}", retry=False)


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


def parse_retry_after(value: str | None) -> float | None:
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


def http_message(code: int) -> str:
    reason = httpx.codes.get_reason_phrase(code)
    return f"HTTP {code} {reason}" if reason else f"HTTP {code}"
