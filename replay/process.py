"""Running a loopback peer as its own process (for `make demo`, benchmarks, cross-process tests)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


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


@contextmanager
def spawned(module: str, *args: str) -> Iterator[str]:
    """Run peer `module` (`replay.smtp`, `replay.telegram_api`) as a child process and yield the
    value of its banner ("api_url=http://..." gives "http://..."); stopped on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip().partition("=")[2]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
