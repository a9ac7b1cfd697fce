"""The endpoint as `run` uses it: `async with serve_web(settings): ...`.

It listens on `[web] listen` before the first poll, so a port already in use is one line
naming the setting, not a daemon that half starts; it serves until the block ends (SIGTERM),
then closes its connections and stops writing the tracker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from watcher.config import Settings
from watcher.errors import UserError
from watcher.web.http import BindError, HttpServer
from watcher.web.refresh import CHECK_EVERY, TrackerRefresher, ready_folder, tracker_folder
from watcher.web.routes import Routes

log = logging.getLogger("watcher.web")

# What to do, by the kind of BindError.
ADVICE = {
    "in-use": "stop the program that holds it (another `jucip-watch run`?) or set [web] listen "
    "to a free port",
    "denied": "set [web] listen to a port above 1023",
    "address": 'set [web] listen to "127.0.0.1:PORT" (this machine only) or "0.0.0.0:PORT"',
    "other": "set [web] listen to an IP address and a free port, like 127.0.0.1:8080",
}


class WebEndpoint:
    def __init__(
        self, settings: Settings, *, folder: Path | None = None, every: float = CHECK_EVERY
    ) -> None:
        address = settings.web.address()
        if address is None:
            raise ValueError("[web] listen is empty: no endpoint")
        self.settings = settings
        self.folder = folder or tracker_folder(settings)
        self.refresher = TrackerRefresher(settings, self.folder, every=every)
        self.server = HttpServer(Routes(settings, self.folder), *address)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return self.server.url

    async def start(self) -> None:
        ready_folder(self.folder)
        try:
            await self.server.start()
        except BindError as exc:
            listen = self.settings.web.listen
            raise UserError(
                f'[web] listen = "{listen}": {exc.why}: {ADVICE[exc.kind]} ("" runs no endpoint)'
            ) from None
        self._task = asyncio.create_task(self.refresher.run(), name="web: tracker")
        log.info("web: serving the tracker, feed.xml, /healthz and unsubscribe on %s", self.url)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self.server.stop()


@asynccontextmanager
async def serve_web(settings: Settings) -> AsyncIterator[WebEndpoint | None]:
    """The endpoint, running for the block; None (and nothing listening) when `[web] listen`
    is empty."""
    if settings.web.address() is None:
        yield None
        return
    endpoint = WebEndpoint(settings)
    await endpoint.start()
    try:
        yield endpoint
    finally:
        await endpoint.stop()
