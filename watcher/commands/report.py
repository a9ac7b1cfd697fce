"""`jucip-watch report --out DIR`: the HTML tracker (index.html, topics/*.html) and feed.xml.

Reads the archive from a snapshot (safe while `run` is active) and never changes the database.
With no database yet, or one that lacks them, the bundled history is added to the snapshot in
memory first: the archive starts with it, so the tracker is never empty.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from state import Store
from watcher.archive import Analyzer, Archive
from watcher.config import Settings
from watcher.errors import EXIT_OK, UserError


def _base_url(value: str | None) -> str:
    if not value:
        return ""
    if not value.startswith(("http://", "https://")):
        raise UserError(f"--base-url {value!r} is not an http(s) URL (e.g. https://example.org/)")
    return value if value.endswith("/") else value + "/"


def write_tracker(settings: Settings, out: Path, *, base_url: str = "") -> list[Path]:
    """Build the tracker and the feed from the archive and write them under `out`."""
    from watcher.tracker.feed import render_feed
    from watcher.tracker.output import write_report
    from watcher.tracker.read import read_tracker
    from watcher.tracker.render import FEED, INDEX, render_pages

    now = datetime.now(UTC)
    analyzer = Analyzer.from_settings(settings)
    # A throwaway copy: seeding the history into it never reaches the file.
    with Store.throwaway(settings.storage.database) as store:
        Archive(store, analyzer).seed_bundled_history(now)
        tracker = read_tracker(store, analyzer, now)
    files: dict[str, str | bytes] = dict(render_pages(tracker))
    files[FEED] = render_feed(tracker, base_url=base_url)
    return write_report(out, files, last=INDEX)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    base_url = _base_url(args.base_url)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    started = time.perf_counter()
    written = write_tracker(settings, out, base_url=base_url)
    took = time.perf_counter() - started
    print(
        f"Wrote the tracker to {out / 'index.html'} ({len(written)} files, feed.xml beside it) "
        f"in {took:.2f} s"
    )
    return EXIT_OK
