"""Running a loopback peer as its own process (for `make demo`, benchmarks, cross-process tests)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def serve_until_signalled(banner: str, stop: Callable[[], None]) -> int:
    """Print `banner` (how to reach the started peer) on stdout, wait for SIGTERM or SIGINT,
    then `stop()` it. The parent reads the banner line to learn the port the OS picked."""
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(banner, flush=True)
    done.wait()
    stop()
    return 0
