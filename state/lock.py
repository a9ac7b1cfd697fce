"""One writer at a time: an advisory lock file beside the database.

SQLite itself would let two writers take turns, but two overlapping polls would both fetch and
both alert; so `run` holds this lock for its whole life and `check` for its pass. The kernel drops
the lock when the holder dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from state.db import unwritable
from state.store import StoreError


class LockHeld(Exception):
    """Another jucip-watch process holds the writer lock."""


class WriterLock:
    def __init__(self, db_path: Path, *, purpose: str, wait: float = 0.0) -> None:
        self.path = Path(str(db_path) + ".lock")
        self.purpose = purpose
        self.wait = wait
        self._fd: int | None = None

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown process"
        except OSError:
            return "unknown process"

    def acquire(self) -> WriterLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                unwritable("the lock file", self.path, exc.strerror or str(exc))
            ) from None
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    os.close(fd)
                    raise LockHeld(
                        f"another jucip-watch instance ({holder}) holds the lock on "
                        f"{self.path.with_suffix('')}; stop it or wait for it to finish"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, {self.purpose}".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
