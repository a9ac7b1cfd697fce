"""A small HTTP/1.1 server in the daemon's asyncio loop: h11 on asyncio streams.

h11 (the python-hyper project's HTTP/1.1 state machine, already installed under httpx) parses
and frames every message; this module only moves bytes between it and a socket, and hands each
complete request to an async handler that returns a `Reply`. Keep-alive works; limits keep a
misbehaving client cheap: headers of 16 KiB at most, a body of `MAX_BODY`, `IDLE` seconds to
send each part of a request, `MAX_CONNECTIONS` open at once (more are closed at once).

aiohttp's server was measured for this and cost 12 MiB of resident memory on import, a fifth of
the daemon's 60 MiB budget; this costs under 1 MiB (README, "Dependencies, and why").
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import h11

log = logging.getLogger("watcher.web")

MAX_BODY = 16 * 1024
MAX_HEADERS = 16 * 1024
MAX_CONNECTIONS = 64
IDLE = 15.0  # seconds
SERVER = b"jucip-watch"
REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Request:
    method: str  # upper case
    path: str  # percent-decoded, without the query
    raw_path: str  # as sent, without the query
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def text(cls, status: int, text: str, *headers: tuple[str, str]) -> Reply:
        return cls(status, (text.rstrip("\n") + "\n").encode("utf-8"), headers=tuple(headers))


Handler = Callable[[Request], Awaitable[Reply]]


class BindError(Exception):
    """The address cannot be listened on: `why` in a few words; `kind` is "in-use", "denied",
    "address" or "other", for the caller's advice."""

    def __init__(self, why: str, kind: str) -> None:
        super().__init__(why)
        self.why, self.kind = why, kind


def _bind_error(exc: OSError) -> BindError:
    if exc.errno == errno.EADDRINUSE:
        return BindError("the port is already in use", "in-use")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BindError("this user may not listen on that port", "denied")
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return BindError("that address is not one of this machine's", "address")
    return BindError(exc.strerror or str(exc), "other")


class HttpServer:
    """`await HttpServer(handler, host, port).start()`; `await server.stop()`."""

    def __init__(self, handler: Handler, host: str, port: int) -> None:
        self.handler = handler
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.port, reuse_address=True
            )
        except OSError as exc:
            raise _bind_error(exc) from None
        except UnicodeError:  # a host name the resolver cannot even encode
            raise BindError("that host name is not valid", "other") from None
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._open):
            task.cancel()
        await asyncio.gather(*self._open, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._open) >= MAX_CONNECTIONS or task is None:
            writer.close()
            return
        self._open.add(task)
        try:
            await self._serve(h11.Connection(h11.SERVER, MAX_HEADERS), reader, writer)
        except (ConnectionError, TimeoutError, h11.LocalProtocolError):
            pass  # the client went away or stalled: nothing to answer
        except asyncio.CancelledError:
            # The server stops. Ending normally: asyncio's stream callback (3.11) would log a
            # cancelled connection task as an unhandled error.
            pass
        finally:
            self._open.discard(task)
            writer.close()

    async def _serve(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                request = await _read_request(conn, reader)
            except h11.RemoteProtocolError as exc:
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    status = exc.error_status_hint
                    reply = Reply.text(status, REASONS.get(status, "Bad Request"))
                    await _send(conn, writer, reply, b"")
                return
            except _TooLarge:
                await _send(conn, writer, Reply.text(413, "Content Too Large"), b"")
                return
            if request is None:
                return
            reply = await self._reply(request)
            await _send(conn, writer, reply, request.method.encode())
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _reply(self, request: Request) -> Reply:
        try:
            reply = await self.handler(request)
        except Exception:
            log.exception("web: %s %s failed", request.method, request.raw_path)
            return Reply.text(500, "Internal Server Error")
        log.debug("web: %s %s %d", request.method, request.raw_path, reply.status)
        return reply


class _TooLarge(Exception):
    pass


async def _next(conn: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        async with asyncio.timeout(IDLE):
            data = await reader.read(65536)
        conn.receive_data(data)  # b"" tells h11 the client closed its side


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
    """The next complete request, or None when the client closed the connection."""
    event = await _next(conn, reader)
    if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
        return None
    if not isinstance(event, h11.Request):
        return None
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in event.headers}
    if int(headers.get("content-length") or 0) > MAX_BODY:
        raise _TooLarge
    body = bytearray()
    while True:
        part = await _next(conn, reader)
        if isinstance(part, h11.Data):
            body += part.data
            if len(body) > MAX_BODY:
                raise _TooLarge
        elif isinstance(part, h11.EndOfMessage):
            break
        else:
            return None
    target = urlsplit(event.target.decode("latin-1"))
    try:
        path = unquote(target.path, errors="strict")
    except UnicodeDecodeError:
        path = "\0"  # not UTF-8 once decoded: no route matches it
    return Request(
        method=event.method.decode("latin-1").upper(),
        path=path,
        raw_path=target.path,
        headers=headers,
        body=bytes(body),
    )


async def _send(
    conn: h11.Connection, writer: asyncio.StreamWriter, reply: Reply, method: bytes
) -> None:
    headers = [
        ("Content-Type", reply.content_type),
        ("Content-Length", str(len(reply.body))),
        ("X-Content-Type-Options", "nosniff"),
        *reply.headers,
    ]
    if conn.their_state is not h11.DONE:
        headers.append(("Connection", "close"))  # a request we did not read whole
    response = h11.Response(
        status_code=reply.status,
        headers=[(k.encode(), v.encode("latin-1")) for k, v in headers] + [(b"Server", SERVER)],
        reason=REASONS.get(reply.status, "").encode(),
    )
    data = conn.send(response) or b""
    if method != b"HEAD" and reply.status != 304:
        data += conn.send(h11.Data(data=reply.body)) or b""
    data += conn.send(h11.EndOfMessage()) or b""
    writer.write(data)
    async with asyncio.timeout(IDLE):
        await writer.drain()
