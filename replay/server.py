"""A real HTTP server on loopback that replays recorded pages of the watched sites.

Tests, `make demo` and the benchmarks point sources at it instead of the live sites, which are
unreachable from here. It speaks HTTP/1.1 with keep-alive, answers conditional requests (ETag and
Last-Modified) for every file it serves, and can script the failure modes the real sites show:
403 challenge pages, 202 with an empty body, 429 with Retry-After, slow answers, truncated bodies,
redirects. Every request is recorded so tests can assert what the client sent. POST, PUT and
DELETE are answered like GET (a route or a handler), with the request body recorded: a handler
can stand in for an API such as the Telegram Bot API.

A site directory mirrors URL paths: `/press/category_02.html` is `<root>/press/category_02.html`;
an extension-less path `/news/press-releases` is served from `<root>/news/press-releases/index.html`
or `<root>/news/press-releases.html`. A query string is ignored unless a file names it:
`/news/press-releases?page=1` is `<root>/news/press-releases/index__page=1.html` when that exists.
"""

from __future__ import annotations

import email.utils
import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CONTENT_TYPES = {
    ".html": "text/html",  # no charset on purpose: METI sends none
    ".htm": "text/html",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".txt": "text/plain",
}
# A fixed Last-Modified for recorded files keeps runs repeatable.
RECORDED_AT = "Wed, 26 Aug 2026 09:00:00 GMT"


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds to wait before answering (for timeouts)
    truncate_to: int | None = None  # send only this many bytes of a longer declared body

    @classmethod
    def file(cls, path: Path, *, content_type: str | None = None) -> Route:
        body = path.read_bytes()
        ctype = content_type or CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return cls(
            body=body,
            content_type=ctype,
            etag='"' + hashlib.sha1(body).hexdigest()[:16] + '"',
            last_modified=RECORDED_AT,
        )


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    body: bytes = b""


Handler = Callable[[RecordedRequest], Route]


class ReplayServer:
    """`with ReplayServer(root) as site: site.url("/press/index.html")`."""

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = root
        self.routes: dict[str, Route | Handler] = {}
        self.requests: list[RecordedRequest] = []
        # Called with each request as it arrives, before it is answered (a crash test kills
        # the client at its n-th request through it).
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), self._make_handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- routes ---------------------------------------------------------------------------------
    def add(self, path: str, route: Route | Handler | None = None, **kw: object) -> None:
        """Answer `path` (optionally with "?query") with `route`, or a Route built from `kw`."""
        self.routes[path] = route if route is not None else Route(**kw)  # type: ignore[arg-type]

    def lookup(self, raw_path: str) -> Route | Handler | None:
        if raw_path in self.routes:
            return self.routes[raw_path]
        path = urlsplit(raw_path).path
        if path in self.routes:
            return self.routes[path]
        if self.root is None:
            return None
        rel = path.lstrip("/")
        base = (self.root / rel).resolve()
        if not base.is_relative_to(self.root.resolve()):
            return None
        candidates = [base, base / "index.html", base.with_name(base.name + ".html")]
        query = urlsplit(raw_path).query
        if query and len(query) < 200 and "/" not in query and "\0" not in query:
            # A query with a page of its own: index.html?page=1 is index__page=1.html.
            candidates = [c.with_name(f"{c.stem}__{query}{c.suffix}") for c in candidates] + (
                candidates
            )
        for candidate in candidates:
            if candidate.is_file():
                return Route.file(candidate)
        return None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> ReplayServer:
        # A short poll interval makes stop() return at once instead of after 0.5 s.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    # -- the handler ----------------------------------------------------------------------------
    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this, Nagle + delayed ACK
            # add ~40 ms to every 200 answer on loopback.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                req = RecordedRequest(
                    method=method,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    at=time.monotonic(),
                    body=self.rfile.read(length) if length > 0 else b"",
                )
                with server._lock:
                    server.requests.append(req)
                if server.on_request is not None:
                    server.on_request(req)
                found = server.lookup(self.path)
                if found is None:
                    route = Route(status=404, body=b"<html><body>Not Found</body></html>")
                elif callable(found) and not isinstance(found, Route):
                    route = found(req)
                else:
                    route = found
                self._answer(req, route)

            def _answer(self, req: RecordedRequest, route: Route) -> None:
                if route.delay:
                    time.sleep(route.delay)
                status, body = route.status, route.body
                if status == 200 and req.method == "GET" and _not_modified(req, route):
                    status, body = 304, b""
                try:
                    self.send_response(status)
                    if route.content_type and status != 304:
                        self.send_header("Content-Type", route.content_type)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    if route.last_modified:
                        self.send_header("Last-Modified", route.last_modified)
                    self.send_header("Date", email.utils.formatdate(usegmt=True))
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    if route.truncate_to is not None:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(body[: route.truncate_to])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return _Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that went away mid-request (killed by a crash test, timed out) is no
        # error of the server's: no traceback on stderr for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def _not_modified(req: RecordedRequest, route: Route) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None and route.etag:
        return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = req.headers.get("if-modified-since")
    if ims and route.last_modified:
        try:
            return email.utils.parsedate_to_datetime(
                route.last_modified
            ) <= email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def serve_sites(root: Path) -> dict[str, ReplayServer]:
    """Start one server per site directory under `root` (one host each, as in reality)."""
    servers = {}
    for site in sorted(p for p in root.iterdir() if p.is_dir()):
        servers[site.name] = ReplayServer(site).start()
    return servers
