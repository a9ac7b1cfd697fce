"""What the endpoint answers: the tracker and the feed, `/healthz`, and one-click unsubscribe.

- `/`, `/index.html`, `/topics/<id>.html`, `/feed.xml`: the files `write_tracker` keeps in the
  tracker folder, by name only: a path is served when it matches one of those names exactly, so
  nothing outside the folder (and nothing else inside it: temporary files, a stray upload) can
  be reached, and there is no directory listing. ETag and If-None-Match save feed readers a
  download when nothing changed.
- `/healthz`: the verdict of `jucip-watch health` (watcher/health.py over the same readings):
  200 with its line, or 503 with the reason.
- `/unsubscribe/<token>` (RFC 8058): GET shows a confirmation page with a button and changes
  nothing (mail scanners fetch links); POST with `List-Unsubscribe=One-Click` (a mail client's
  one-click, or the button) ends that subscriber. Repeating it answers the same page. An unknown
  token is the same 404 as any unknown path. This is the only route that writes.

Every store access runs in a worker thread on its own connection, so a busy database never
stalls the daemon's loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from state.store import Store, SubscriberRow
from watcher.config import Settings
from watcher.web.http import Reply, Request

log = logging.getLogger("watcher.web")

_FILE = re.compile(r"^/(index\.html|feed\.xml|topics/[a-z0-9][a-z0-9-]{0,80}\.html)$")
_UNSUBSCRIBE = re.compile(r"^/unsubscribe/([A-Za-z0-9_-]{8,128})$")
_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/atom+xml; charset=utf-8"}
_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
_FORM_POLICY = _PAGE_POLICY + "; form-action 'self'; base-uri 'none'"
READ_ONLY = ("GET", "HEAD")
NOT_FOUND = Reply.text(404, "Not Found")
ONE_CLICK = "One-Click"


def _not_allowed(*methods: str) -> Reply:
    return Reply.text(405, "Method Not Allowed", ("Allow", ", ".join(methods)))


class Routes:
    """The request handler of the endpoint (`HttpServer(Routes(settings, folder), ...)`)."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder

    async def __call__(self, request: Request) -> Reply:
        path = request.path
        if path == "/healthz":
            return await self.healthz() if request.method in READ_ONLY else _not_allowed(*READ_ONLY)
        found = _UNSUBSCRIBE.match(path)
        if found:
            return await self.unsubscribe(request, found.group(1))
        name = "/index.html" if path == "/" else path
        if _FILE.match(name):
            if request.method not in READ_ONLY:
                return _not_allowed(*READ_ONLY)
            return self.file(name[1:], request.headers.get("if-none-match"))
        return NOT_FOUND

    # -- the tracker ------------------------------------------------------------------------
    def file(self, name: str, if_none_match: str | None) -> Reply:
        path = self.folder / name
        if not path.resolve().is_relative_to(self.folder.resolve()):
            return NOT_FOUND  # a symlink pointing out: not ours to serve
        try:
            with path.open("rb") as f:
                stat = os.fstat(f.fileno())
                body = f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            if name == "index.html":  # the first report is still being written
                return Reply.text(503, "The tracker is being written: try again in a moment.",
                                  ("Retry-After", "5"))  # fmt: skip
            return NOT_FOUND
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = (
            ("ETag", etag),
            ("Cache-Control", "no-cache"),
            ("Content-Security-Policy", _PAGE_POLICY),
        )
        if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
            return Reply(304, headers=headers)
        return Reply(200, body, _TYPES[Path(name).suffix], headers)

    # -- health -----------------------------------------------------------------------------
    async def healthz(self) -> Reply:
        from watcher.commands.health import readings
        from watcher.health import verdict

        found = await asyncio.to_thread(readings, self.settings, datetime.now(UTC))
        result = verdict(found)
        return Reply.text(200 if result.ok else 503, result.line, ("Cache-Control", "no-store"))

    # -- unsubscribe ------------------------------------------------------------------------
    async def unsubscribe(self, request: Request, token: str) -> Reply:
        if request.method in READ_ONLY:
            sub = await asyncio.to_thread(self._subscriber, token)
            if sub is None:
                return NOT_FOUND
            return _page("confirm" if sub.active else "already", sub)
        if request.method != "POST":
            return _not_allowed("GET", "HEAD", "POST")
        if not one_click(request):
            return Reply.text(400, f"Send List-Unsubscribe={ONE_CLICK} to unsubscribe.")
        sub = await asyncio.to_thread(self._end, token)
        return NOT_FOUND if sub is None else _page("done", sub)

    def _subscriber(self, token: str) -> SubscriberRow | None:
        db = self.settings.storage.database
        if not db.exists():
            return None
        with Store.open(db) as store:
            return store.subscriber_by_token(token)

    def _end(self, token: str) -> SubscriberRow | None:
        db = self.settings.storage.database
        if not db.exists():
            return None
        with Store.open(db) as store, store.transaction():
            sub = store.subscriber_by_token(token)
            if sub is not None and store.end_subscriber(
                sub.id, "unsubscribed by its one-click link", now=datetime.now(UTC)
            ):
                log.info("web: %s subscriber %d unsubscribed (one-click)", sub.channel, sub.id)
            return sub


def one_click(request: Request) -> bool:
    """The RFC 8058 body, `List-Unsubscribe=One-Click`, as a form or as multipart form data."""
    kind, _, _ = request.headers.get("content-type", "").partition(";")
    kind = kind.strip().lower()
    if kind == "application/x-www-form-urlencoded":
        fields = parse_qs(request.body.decode("utf-8", "replace"))
        return ONE_CLICK in fields.get("List-Unsubscribe", [])
    if kind == "multipart/form-data":
        from email.parser import BytesParser
        from email.policy import HTTP

        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode("latin-1")
        message = BytesParser(policy=HTTP).parsebytes(head + request.body)
        return any(
            part.get_param("name", header="content-disposition") == "List-Unsubscribe"
            and part.get_payload(decode=True).strip() == ONE_CLICK.encode()
            for part in message.iter_parts()  # type: ignore[attr-defined]
        )
    return False


def masked(sub: SubscriberRow) -> str:
    """Whom the link is for, enough to recognise, not enough to harvest."""
    if sub.channel == "email":
        local, _, domain = sub.address.rpartition("@")
        return f"{local[:1]}•••@{domain}"
    return f"Telegram chat …{sub.address[-3:]}"


@cache
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("watcher.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("unsubscribe.html")


def _page(state: str, sub: SubscriberRow) -> Reply:
    html = _template().render(state=state, who=masked(sub))
    headers = (
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),  # the token is in the address
        ("Content-Security-Policy", _FORM_POLICY),
    )
    return Reply(200, html.encode("utf-8"), _TYPES[".html"], headers)
