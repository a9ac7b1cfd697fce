"""The tracker folder the endpoint serves, kept in step with the archive.

The daemon writes the tracker and the feed (`watcher.tracker.site.write_tracker`, atomically,
file by file) when it starts and whenever the archive changes: after a poll that archived
something, or after an `import` or a `backfill` that ran while the daemon was stopped. It
notices by the store's archive version (how many documents, the newest id), read every few
seconds on a connection of its own; reading it costs well under a millisecond. Writing the
tracker (tens of milliseconds, and Jinja2, the tracker model and the comparison of every
meeting) runs in a short-lived child process (`watcher.child`): the loop keeps serving, and
none of that memory stays with the daemon. A child that fails is reported, and the next look
tries again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from state.db import StoreError
from watcher.child import ChildFailed, run_in_child
from watcher.config import Settings
from watcher.errors import UserError

log = logging.getLogger("watcher.web")

CHECK_EVERY = 10.0  # seconds between two looks at the archive version


def tracker_folder(settings: Settings) -> Path:
    """`[web] tracker_dir`, else a folder `tracker` beside the database."""
    named = settings.web.tracker_dir
    return Path(named) if named else settings.storage.database.parent / "tracker"


def ready_folder(folder: Path) -> Path:
    """The folder, created if needed; UserError naming the setting when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = exc.strerror or str(exc)
    else:
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
        problem = "not writable by this user"
    raise UserError(
        f"[web] tracker_dir: cannot write the tracker to {folder} ({problem}): name a folder "
        "this user can write (the default is a folder `tracker` beside storage.database)"
    )


def archive_version(db: Path) -> tuple[int, int] | None:
    """The store's archive version; None before the database exists."""
    from state.store import Store

    if not db.exists():
        return None
    with Store.open(db) as store:
        return store.archive_version()


class TrackerRefresher:
    def __init__(self, settings: Settings, folder: Path, *, every: float = CHECK_EVERY) -> None:
        self.settings = settings
        self.folder = folder
        self.every = every
        public = settings.web.public_url.rstrip("/")
        # The feed's own links are absolute when subscribers' readers know where we are.
        self.base_url = f"{public}/" if public else ""
        self.version: tuple[int, int] | bool | None = False  # False: nothing written yet
        self._problem: str | None = None

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.every)

    async def refresh(self) -> bool:
        """Write the tracker if the archive changed since the last time; True if written."""
        from watcher.tracker.site import write_tracker

        try:
            version = await asyncio.to_thread(archive_version, self.settings.storage.database)
            if version == self.version:
                return False
            written = await run_in_child(
                write_tracker, self.settings, self.folder, base_url=self.base_url
            )
        except (UserError, StoreError, OSError, ChildFailed) as exc:
            self._report(str(exc))
            return False
        except Exception as exc:  # a bug: keep serving what was written before
            self._report(f"{type(exc).__name__}: {exc}", trace=True)
            return False
        self.version = version
        self._problem = None
        log.info("web: tracker written to %s (%d files)", self.folder, len(written))
        return True

    def _report(self, problem: str, *, trace: bool = False) -> None:
        """Log a failure once, not every few seconds while it lasts."""
        if problem != self._problem:
            log.error("web: cannot write the tracker: %s", problem, exc_info=trace)
        self._problem = problem
