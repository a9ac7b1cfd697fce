"""The whole report in one call: archive -> tracker model -> pages and feed -> files.

`write_tracker` is what `jucip-watch report` runs, and what the daemon calls to regenerate the
report when the archive changes. It reads the archive from a snapshot (`Store.throwaway`), so it
is safe while `run` writes, and adds the bundled history to that snapshot when it lacks it: the
tracker is never empty, and the database file is never changed.

The daemon names `write_tracker` to run it in a child process (`watcher.child`), so what it
needs is imported inside it: naming it loads nothing of the tracker into the daemon.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watcher.config import Settings


def write_tracker(settings: Settings, out: Path, *, base_url: str = "") -> list[Path]:
    """Build the tracker and the feed from the archive and write them under `out`; returns the
    files written. `base_url` (ending in /) is where `out` is published, for the feed's links."""
    from state import Store
    from watcher.archive import Analyzer, Archive
    from watcher.tracker.feed import render_feed
    from watcher.tracker.output import write_report
    from watcher.tracker.read import read_tracker
    from watcher.tracker.render import FEED, INDEX, render_pages

    now = datetime.now(UTC)
    analyzer = Analyzer(settings)
    with Store.throwaway(settings.storage.database) as store:
        Archive(store, analyzer).seed_bundled_history(now)
        tracker = read_tracker(store, analyzer, now)
    files: dict[str, str | bytes] = dict(render_pages(tracker))
    files[FEED] = render_feed(tracker, base_url=base_url)
    return write_report(out, files, last=INDEX)
