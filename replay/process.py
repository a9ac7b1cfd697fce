"""Running a loopback peer as its own process (for `make demo`, benchmarks, cross-process tests),
and the daemon itself (`Daemon`: `jucip-watch run` against such peers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
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


class Daemon:
    """`jucip-watch --config CONFIG run` in a process of its own, its log lines collected as
    they come (`lines`, `log()`); `stop()` sends SIGTERM and returns the exit code."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "watcher", "--config", str(config), "run"],
            stderr=subprocess.PIPE,
            text=True,
            cwd=_ROOT,
            env=dict(os.environ) if env is None else env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def cycles(self, source: str | None = None) -> int:
        """How many poll cycles the daemon has logged (of `source`, or of any)."""
        return sum(
            1
            for line in list(self.lines)
            if "status=" in line and (source is None or f"source={source} " in line)
        )

    def sources_cycled(self) -> set[str]:
        return {
            line.split("source=")[1].split()[0]
            for line in list(self.lines)
            if "source=" in line and "status=" in line
        }

    def log(self) -> str:
        return "".join(self.lines)

    def wait(self, condition: Callable[[], object], timeout: float = 90) -> bool:
        """Whether `condition()` came to hold, looked at every 0.1 s until it does, the daemon
        exits or `timeout` seconds pass (the caller asserts, with `log()` for the reason)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                self._reader.join(timeout=10)  # its last lines may still make it hold
                return bool(condition())
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)  # the last lines
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
