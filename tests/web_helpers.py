"""Running the daemon's web endpoint in a thread of its own (its own asyncio loop), for tests
that talk to it with real HTTP requests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from watcher.config import Settings
from watcher.web.endpoint import WebEndpoint


@contextmanager
def running(settings: Settings, **kw: object) -> Iterator[WebEndpoint]:
    """The endpoint, started and listening; it looks at the archive every 0.1 s."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    web = WebEndpoint(settings, every=0.1, **kw)  # type: ignore[arg-type]
    try:
        asyncio.run_coroutine_threadsafe(web.start(), loop).result(30)
        yield web
    finally:
        if web.server.port:
            asyncio.run_coroutine_threadsafe(web.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def wait_for(url: str, predicate: object, timeout: float = 60.0) -> httpx.Response:
    """GET `url` until `predicate(response)` holds (the tracker is written in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, timeout=10)
        if predicate(response):  # type: ignore[operator]
            return response
        assert time.monotonic() < deadline, f"{url}: {response.status_code} {response.text[:200]}"
        time.sleep(0.1)


def raw_get(url: str, target: str) -> tuple[int, bytes]:
    """Send `GET target` exactly as written (no client normalises the path); (status, body)."""
    host, port = httpx.URL(url).host, httpx.URL(url).port
    assert port is not None
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body
