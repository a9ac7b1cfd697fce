"""Writing the tracker's files: each one atomically, the index last.

Each file is written to a temporary name beside it, flushed to disk and renamed over the old one,
so a reader (a browser, a web server, a feed reader) sees the old file or the new one, never half
of one, and a crash leaves the previous report standing. Topic pages of topics no longer in the
archive are removed; nothing else in the folder is touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from watcher.errors import UserError

TOPICS = "topics"


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(out: Path, files: Mapping[str, str | bytes], *, last: str) -> list[Path]:
    """Write `files` ({relative path: content}) under `out`, `last` after the others; returns
    the paths written. An unwritable folder is a UserError naming it."""
    try:
        (out / TOPICS).mkdir(parents=True, exist_ok=True)
        written = []
        for rel in sorted(files, key=lambda r: r == last):
            content = files[rel]
            data = content.encode("utf-8") if isinstance(content, str) else content
            path = out / rel
            write_atomically(path, data)
            written.append(path)
        keep = {out / rel for rel in files}
        for old in (out / TOPICS).glob("*.html"):
            if old not in keep:
                old.unlink()
    except OSError as exc:
        where = exc.filename or out
        raise UserError(
            f"cannot write the report to {where} ({exc.strerror or exc}): give --out a folder "
            "this user can write"
        ) from None
    return written
