"""`jucip-watch report --out DIR [--base-url URL]`: the HTML tracker and feed.xml (see
watcher/tracker/site.py)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from watcher.config import Settings
from watcher.errors import EXIT_OK, UserError
from watcher.urls import check_url


def _base_url(value: str | None) -> str:
    if not value:
        return ""
    try:
        check_url(value)  # the one rule for URLs, in the config and on the command line
    except ValueError as exc:
        raise UserError(f"--base-url: {exc} (e.g. https://example.org/)") from None
    return value if value.endswith("/") else value + "/"


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from watcher.tracker.site import write_tracker

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
